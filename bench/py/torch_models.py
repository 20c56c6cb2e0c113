"""The PyTorch side of bench/vs_pytorch.sh: the same network and training
recipe as fmnist's `mlp` / `cnn` defaults (src/models/nn/net.cpp, models.cpp,
trainer.cpp), trained on the first N training images, then timed in eval mode
on the 10,000 test images at batch 256. Prints one JSON line.

    /usr/bin/python3 bench/py/torch_models.py MODEL [DATA_DIR] [--images N]
        [--epochs E] [--threads T]

Mirrored from fmnist:
  mlp: Flatten, Linear(784,400), ReLU, Dropout(.2), Linear(400,100), ReLU,
       Dropout(.2), Linear(100,10); AdamW lr 2e-3, wd 1e-4; batch 128.
  cnn: [Conv3x3 pad 1 no bias, BatchNorm, ReLU, MaxPool 2] x (32, 64), Flatten,
       Dropout(.25), Linear(3136,128), ReLU, Dropout(.25), Linear(128,10);
       channels-last; AdamW lr 3e-3, wd 5e-4; batch 128; random flip and
       +-2 pixel shift (padding with the normalised 0).
  both: weight decay on weights only (dim > 1), betas (0.9, 0.999), one-cycle
       (cosine up from lr/25 over 30% of the steps, cosine down to lr/25e4),
       the learning rate set each step; cross-entropy with label smoothing
       0.1; inputs (pixel/255 - mean)/std with the training set's mean and
       std; a fresh shuffle each epoch. Conversion of the uint8 batch to
       normalised floats (and augmentation) is inside the timed loop, as it is
       in fmnist.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import sklearn_models

RECIPES = {
    "mlp": dict(lr=2e-3, wd=1e-4, batch=128, epochs=30, augment=False, channels_last=False),
    "cnn": dict(lr=3e-3, wd=5e-4, batch=128, epochs=15, augment=True, channels_last=True),
}


def load(data_dir, split):
    # sklearn_models.load reads the files; the nets take N x 1 x 28 x 28.
    x, y = sklearn_models.load(data_dir, split)
    return torch.from_numpy(x.reshape(-1, 1, 28, 28).copy()), torch.from_numpy(y.astype(np.int64))


def make_net(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU(), nn.Dropout(0.2),
                             nn.Linear(400, 100), nn.ReLU(), nn.Dropout(0.2), nn.Linear(100, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
            nn.Dropout(0.25), nn.Linear(128, 10))
    raise SystemExit(f"unknown model {name}")


def onecycle(lr, step, total):
    def cosine(a, b, p):
        return b + (a - b) * 0.5 * (1 + math.cos(math.pi * min(max(p, 0.0), 1.0)))
    warm = min(total, round(0.3 * total))
    if step < warm:
        return cosine(lr / 25, lr, step / warm)
    return cosine(lr, lr / 25 / 1e4, (step - warm) / max(1, total - warm - 1))


def augment(x, pad_value, gen):
    # x: B x 1 x 28 x 28 normalised. Random left-right flip, then a random
    # shift of up to 2 pixels each way (pad + crop), per image.
    b = x.shape[0]
    flip = torch.rand(b, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    xp = F.pad(x, (2, 2, 2, 2), value=pad_value)
    dy = torch.randint(0, 5, (b,), generator=gen)
    dx = torch.randint(0, 5, (b,), generator=gen)
    ar = torch.arange(28)
    rows = (dy[:, None] + ar[None, :])[:, :, None]
    cols = (dx[:, None] + ar[None, :])[:, None, :]
    return xp[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("data", nargs="?", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--images", type=int, default=0, help="first N training images (0: all)")
    ap.add_argument("--epochs", type=int, default=0, help="0: the recipe's")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    r = RECIPES[a.model]
    epochs = a.epochs or r["epochs"]

    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    if a.images:
        xtr, ytr = xtr[:a.images], ytr[:a.images]
    px = xtr.double() / 255
    mean, std = px.mean().item(), px.std(unbiased=False).item()
    pad_value = (0 - mean) / std
    fmt = torch.channels_last if r["channels_last"] else torch.contiguous_format

    net = make_net(a.model).to(memory_format=fmt)
    decay = [p for p in net.parameters() if p.dim() > 1]
    plain = [p for p in net.parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": r["wd"]},
                             {"params": plain, "weight_decay": 0.0}],
                            lr=r["lr"], betas=(0.9, 0.999))
    n, batch = xtr.shape[0], r["batch"]
    steps = (n + batch - 1) // batch
    total = steps * epochs

    def to_input(xb):
        return ((xb.float() / 255 - mean) / std)

    train_seconds = 0.0
    step = 0
    net.train()
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(n, generator=gen)
        for b in range(steps):
            idx = order[b * batch:(b + 1) * batch]
            x = to_input(xtr[idx])
            if r["augment"]:
                x = augment(x, pad_value, gen)
            x = x.contiguous(memory_format=fmt)
            y = ytr[idx]
            lr = onecycle(r["lr"], step, total)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y, label_smoothing=0.1)
            loss.backward()
            opt.step()
            step += 1
        train_seconds += time.perf_counter() - t0

    net.eval()
    correct = 0
    t0 = time.perf_counter()
    with torch.inference_mode():
        for s in range(0, xte.shape[0], 256):
            x = to_input(xte[s:s + 256]).contiguous(memory_format=fmt)
            correct += (net(x).argmax(1) == yte[s:s + 256]).sum().item()
    predict = time.perf_counter() - t0
    print(json.dumps({"model": a.model, "images": n, "epochs": epochs, "threads": a.threads,
                      "train_seconds": train_seconds,
                      "train_images_per_second": n * epochs / train_seconds,
                      "test_accuracy": correct / xte.shape[0],
                      "predict_seconds": predict,
                      "predict_images_per_second": xte.shape[0] / predict}))


if __name__ == "__main__":
    main()
