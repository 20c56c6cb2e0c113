"""scikit-learn's KNeighborsClassifier on a saved fmnist knn model, for test_knn.

    sklearn_knn.py MODEL_DIR QUERIES.npy K WEIGHTS

Fits on the model's knn_images.npy / knn_labels.npy (pixels / 255, as the
notebook does) and prints the predicted labels of the queries (a uint8
(n, rows, cols) array) as a JSON list. Exits 77 when scikit-learn is absent.
"""
import json
import sys

try:
    import numpy as np
    from sklearn.neighbors import KNeighborsClassifier
except ImportError:
    sys.exit(77)

model, queries, k, weights = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
x = np.load(f"{model}/knn_images.npy")
y = np.load(f"{model}/knn_labels.npy")
q = np.load(queries)
clf = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="brute")
clf.fit(x.reshape(len(x), -1) / 255.0, y)
print(json.dumps(clf.predict(q.reshape(len(q), -1) / 255.0).tolist()))
