"""numpy's usual Fashion-MNIST load (gzip + frombuffer), timed like bench_load."""
import gzip
import sys
import time

import numpy as np

d = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
t0 = time.perf_counter()
with gzip.open(f"{d}/train-images-idx3-ubyte.gz", "rb") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
with gzip.open(f"{d}/train-labels-idx1-ubyte.gz", "rb") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)
print(f"{time.perf_counter() - t0:.4f} {len(y)}")
