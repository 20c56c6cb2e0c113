"""scikit-learn's numbers for a prediction file, for test_report_metrics.

Reads 'label,p0,...,p9' rows and prints the metrics fmnist computes, as JSON.
"""
import json
import sys

import numpy as np
from sklearn import metrics

data = np.loadtxt(sys.argv[1], delimiter=",")
y = data[:, 0].astype(int)
p = data[:, 1:]
pred = p.argmax(axis=1)
onehot = np.eye(10)[y]
prec, rec, f1, sup = metrics.precision_recall_fscore_support(y, pred, labels=range(10), zero_division=0)
out = {
    "accuracy": metrics.accuracy_score(y, pred),
    "precision": prec.tolist(), "recall": rec.tolist(), "f1": f1.tolist(), "support": sup.tolist(),
    "macro_f1": metrics.f1_score(y, pred, average="macro", zero_division=0),
    "weighted_f1": metrics.f1_score(y, pred, average="weighted", zero_division=0),
    "auc": [metrics.roc_auc_score(onehot[:, c], p[:, c]) for c in range(10)],
    "auc_macro": metrics.roc_auc_score(onehot, p, average="macro"),
    "auc_micro": metrics.roc_auc_score(onehot, p, average="micro"),
    "ap": [metrics.average_precision_score(onehot[:, c], p[:, c]) for c in range(10)],
    "top2": metrics.top_k_accuracy_score(y, p, k=2, labels=range(10)),
    "log_loss": metrics.log_loss(y, p, labels=range(10)),
}
fpr, tpr, _ = metrics.roc_curve(onehot[:, 3], p[:, 3])
out["roc3"] = [fpr.tolist(), tpr.tolist()]
pr, rc, _ = metrics.precision_recall_curve(onehot[:, 3], p[:, 3])
out["pr3"] = [rc.tolist(), pr.tolist()]
print(json.dumps(out))
