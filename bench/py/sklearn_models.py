"""The Python stack's side of bench/vs_python.sh: one notebook model, trained on
the 60,000 training images and scored on the 10,000 test images, with the
settings in shared/REFERENCE.md. Prints one JSON line.

    /usr/bin/python3 bench/py/sklearn_models.py MODEL [DATA_DIR]
"""
import argparse
import gzip
import json
import os
import resource
import time

import numpy as np


def load(data_dir, split):
    with gzip.open(f"{data_dir}/{split}-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"{data_dir}/{split}-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x, y


def make(name, threads):
    # Imports inside, so each model pays only for its own library.
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression
        return LogisticRegression(max_iter=200), "scale"
    if name == "linear-svm":
        from sklearn.svm import LinearSVC
        return LinearSVC(C=0.1, dual=False), "scale"
    if name == "svm":
        from sklearn.svm import SVC
        return SVC(kernel="rbf", C=10, gamma="scale"), "scale"
    if name == "tree":
        from sklearn.tree import DecisionTreeClassifier
        return DecisionTreeClassifier(random_state=0), "raw"
    if name == "forest":
        from sklearn.ensemble import RandomForestClassifier
        return RandomForestClassifier(n_estimators=100, n_jobs=threads, random_state=0), "raw"
    if name == "knn":
        from sklearn.neighbors import KNeighborsClassifier
        return KNeighborsClassifier(n_neighbors=5, n_jobs=threads), "scale"
    if name == "xgboost":
        from xgboost import XGBClassifier
        return XGBClassifier(tree_method="hist", n_estimators=200, max_depth=6,
                             learning_rate=0.3, n_jobs=threads), "raw"
    if name == "naive-bayes":
        from sklearn.naive_bayes import GaussianNB
        return GaussianNB(), "scale"
    raise SystemExit(f"unknown model {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("data", nargs="?", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    model, prep = make(a.model, a.threads)
    if prep == "scale":
        xtr, xte = xtr / 255.0, xte / 255.0
    t0 = time.perf_counter()
    model.fit(xtr, ytr)
    fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = model.predict(xte)
    predict = time.perf_counter() - t0
    print(json.dumps({"model": a.model, "accuracy": float((pred == yte).mean()),
                      "fit_seconds": fit, "predict_seconds": predict,
                      # ru_maxrss is in KiB on Linux.
                      "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
