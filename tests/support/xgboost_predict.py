"""Python xgboost on a saved fmnist xgboost model, for test_xgboost.

    xgboost_predict.py MODEL_DIR QUERIES.npy MISSING

Loads MODEL_DIR/xgboost.json with xgboost.Booster, predicts the queries (a
uint8 (n, rows, cols) array; MISSING is 0 or nan, the value XGBoost treats
as absent) and prints {"proba": [[...], ...], "gain": {"f12": ...}} as JSON.
Exits 77 when xgboost is absent.
"""
import json
import sys

try:
    import numpy as np
    import xgboost as xgb
except ImportError:
    sys.exit(77)

model, queries, missing = sys.argv[1], sys.argv[2], float(sys.argv[3])
booster = xgb.Booster(model_file=f"{model}/xgboost.json")
q = np.load(queries)
proba = booster.predict(xgb.DMatrix(q.reshape(len(q), -1).astype(np.float32), missing=missing))
print(json.dumps({"proba": proba.tolist(), "gain": booster.get_score(importance_type="gain"),
                  "attr": booster.attr("fmnist_zeros")}))
