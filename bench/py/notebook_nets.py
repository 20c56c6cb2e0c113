"""The notebooks' neural networks, with the notebooks' own recipes, in PyTorch
(Debian's python3-torch): the Python side of bench/vs_python.sh --profile.
Trains on the 60,000 training images, scores the 10,000 test images, prints
one JSON line in sklearn_models.py's format.

    /usr/bin/python3 bench/py/notebook_nets.py MODEL [DATA_DIR] [--threads T]
        [--epochs E] [--images N]

The recipes are those shared/REFERENCE.md measured (the notebooks' Keras
code, ported): inputs pixel/255, Adam at a constant 1e-3, plain
cross-entropy, no augmentation, a fresh shuffle each epoch.
  mlp:     784-400-100-10 ReLU, dropout 0.2; batch 32, 20 epochs.
  cnn:     conv32-BN-ReLU-pool, conv64-BN-ReLU-pool, dropout 0.25, FC128,
           dropout 0.25; batch 128, 10 epochs.
  cnn-rnn: the cnn's conv blocks; the 7 rows of 64 x 7 = 448 features go
           into an LSTM with 128 units, its last output into FC10; batch 128,
           10 epochs.
Unlike bench/py/torch_models.py (fmnist's recipe mirrored, for throughput),
this measures what a notebook user runs today.
"""
import argparse
import json
import os
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_models import load

RECIPES = {"mlp": (32, 20), "cnn": (128, 10), "cnn-rnn": (128, 10)}


def conv_blocks():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2))


class CnnRnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = conv_blocks()
        self.lstm = nn.LSTM(64 * 7, 128, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        f = self.conv(x)                                  # B x 64 x 7 x 7
        rows = f.permute(0, 2, 1, 3).flatten(2)           # B x 7 rows x 448
        out, _ = self.lstm(rows)
        return self.head(out[:, -1])


def make_net(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(400, 100), nn.ReLU(), nn.Dropout(0.2), nn.Linear(100, 10))
    if name == "cnn":
        return nn.Sequential(conv_blocks(), nn.Flatten(), nn.Dropout(0.25),
                             nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25),
                             nn.Linear(128, 10))
    if name == "cnn-rnn":
        return CnnRnn()
    raise SystemExit(f"unknown model {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=sorted(RECIPES))
    ap.add_argument("data", nargs="?", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--epochs", type=int, default=0, help="0: the notebook's")
    ap.add_argument("--images", type=int, default=0, help="first N training images (0: all)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    batch, epochs = RECIPES[a.model]
    epochs = a.epochs or epochs
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    xtr, xte = xtr.float() / 255, xte.float() / 255
    if a.images:
        xtr, ytr = xtr[:a.images], ytr[:a.images]
    net = make_net(a.model)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    t0 = time.perf_counter()
    net.train()
    for _ in range(epochs):
        order = torch.randperm(xtr.shape[0])
        for s in range(0, xtr.shape[0], batch):
            idx = order[s:s + batch]
            opt.zero_grad()
            F.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
            opt.step()
    fit = time.perf_counter() - t0

    net.eval()
    t0 = time.perf_counter()
    with torch.inference_mode():
        pred = torch.cat([net(xte[s:s + 256]).argmax(1) for s in range(0, xte.shape[0], 256)])
    predict = time.perf_counter() - t0
    print(json.dumps({"model": a.model, "accuracy": (pred == yte).double().mean().item(),
                      "fit_seconds": fit, "predict_seconds": predict, "epochs": epochs,
                      "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
