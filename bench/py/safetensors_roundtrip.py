"""Opens an fmnist net's weights.safetensors in PyTorch and checks it predicts
what fmnist measured: reads the file with nothing but the format's own layout
(8-byte header length, JSON header, raw little-endian tensors), loads it into
the nn.Sequential that bench/py/torch_models.py builds for the same model,
and compares test accuracy and log loss with the model's metrics.json.

    fmnist train --model mlp --val 0 --out /tmp/mlp
    /usr/bin/python3 bench/py/safetensors_roundtrip.py /tmp/mlp [DATA_DIR]

Only the default mlp and cnn shapes have a PyTorch mirror here. Exits 1 on a
mismatch.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_models import load, make_net  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "U8": np.uint8}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, t in header.items():
        start, end = t["data_offsets"]
        arr = np.frombuffer(blob[base + start:base + end], DTYPES[t["dtype"]]).reshape(t["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def main():
    model_dir = sys.argv[1]
    data_dir = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    info = json.load(open(os.path.join(model_dir, "model.json")))
    name = info["model"]
    tensors, meta = read_safetensors(os.path.join(model_dir, "weights.safetensors"))
    net = make_net(name)
    state = {k.removeprefix("layers."): v for k, v in tensors.items()}
    net.load_state_dict(state, strict=True)
    net.eval()
    mean, std = float(meta["mean"]), float(meta["std"])
    x, y = load(data_dir, "t10k")
    with torch.no_grad():
        logp = torch.log_softmax(net((x.float() / 255 - mean) / std), 1)
    acc = (logp.argmax(1) == y).double().mean().item()
    log_loss = -logp.gather(1, y[:, None]).double().mean().item()
    ours = json.load(open(os.path.join(model_dir, "metrics.json")))["test"]
    print(json.dumps({"model": name, "spec": meta.get("fmnist_spec"), "pytorch_accuracy": acc,
                      "fmnist_accuracy": ours["accuracy"], "pytorch_log_loss": log_loss,
                      "fmnist_log_loss": ours["log_loss"]}))
    # Float sums in another order can flip an image whose top two classes tie.
    ok = abs(acc - ours["accuracy"]) <= 2e-4 and math.isclose(log_loss, ours["log_loss"],
                                                              rel_tol=1e-4)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
