"""Python xgboost on a saved fmnist xgboost model, for test_xgboost.

    xgboost_predict.py MODEL_DIR QUERIES.npy MISSING [HOG.npy]

Loads MODEL_DIR/xgboost.json with xgboost.Booster, predicts the queries (a
uint8 (n, rows, cols) array; MISSING is 0 or nan, the value XGBoost treats
as absent) and prints {"proba": [[...], ...], "gain": {"f12": ...}} as JSON.
The model's fmnist_features attribute (or fmnist_profiles, as older models
say pixels+profiles) lists the parts each image's features are made of:
this script builds the pixels, 2x2 means and row and column profiles as
fmnist does; HOG.npy holds the hog part, (n, dim) bytes, when there is one.
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
n, rows, cols = q.shape
plan = booster.attr("fmnist_features")
parts = json.loads(plan)["parts"] if plan else (
    ["pixels", "profiles"] if booster.attr("fmnist_profiles") else ["pixels"])


def rounded_mean(total, count):
    return (total + count // 2) // count


s = q.astype(np.int64)
blocks = []
for part in parts:
    if part == "pixels":
        blocks.append(s.reshape(n, -1))
    elif part == "pooled":  # even sides only here
        blocks.append(rounded_mean(s.reshape(n, rows // 2, 2, cols // 2, 2).sum(axis=(2, 4)),
                                   4).reshape(n, -1))
    elif part == "profiles":
        blocks += [rounded_mean(s.sum(axis=2), cols), rounded_mean(s.sum(axis=1), rows)]
    elif part == "hog":
        blocks.append(np.load(sys.argv[4]).astype(np.int64).reshape(n, -1))
x = np.concatenate(blocks, axis=1).astype(np.float32)
proba = booster.predict(xgb.DMatrix(x, missing=missing))
print(json.dumps({"proba": proba.tolist(), "gain": booster.get_score(importance_type="gain"),
                  "attr": booster.attr("fmnist_zeros"), "parts": "+".join(parts)}))
