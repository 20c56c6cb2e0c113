"""Python xgboost on a saved fmnist xgboost model, for test_xgboost.

    xgboost_predict.py MODEL_DIR QUERIES.npy MISSING

Loads MODEL_DIR/xgboost.json with xgboost.Booster, predicts the queries (a
uint8 (n, rows, cols) array; MISSING is 0 or nan, the value XGBoost treats
as absent; with the model's fmnist_profiles attribute, each image's row and
column mean ink follow its pixels, as fmnist computes them) and prints
{"proba": [[...], ...], "gain": {"f12": ...}} as JSON.
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
x = q.reshape(len(q), -1).astype(np.float32)
if booster.attr("fmnist_profiles"):
    rows, cols = q.shape[1], q.shape[2]
    s = q.astype(np.int64)
    row_means = (s.sum(axis=2) + cols // 2) // cols
    col_means = (s.sum(axis=1) + rows // 2) // rows
    x = np.concatenate([x, row_means.astype(np.float32), col_means.astype(np.float32)], axis=1)
proba = booster.predict(xgb.DMatrix(x, missing=missing))
print(json.dumps({"proba": proba.tolist(), "gain": booster.get_score(importance_type="gain"),
                  "attr": booster.attr("fmnist_zeros"),
                  "profiles": booster.attr("fmnist_profiles") or ""}))
