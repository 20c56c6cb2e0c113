"""The cnn's two conv layers alone in PyTorch (the same oneDNN as LibTorch):
forward and backward milliseconds per batch of 128 in channels-last, and the
GFLOP/s that makes (docs/DESIGN.md, "Fused pooling").

    /usr/bin/python3 bench/py/cnn_conv_speed.py [THREADS]
"""
import sys
import time

import torch


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    n = 128
    for cin, cout, side in [(1, 32, 28), (32, 64, 14)]:
        conv = torch.nn.Conv2d(cin, cout, 3, padding=1, bias=False).to(
            memory_format=torch.channels_last)
        # The images need no gradient; the second conv's input does.
        x = torch.randn(n, cin, side, side).contiguous(
            memory_format=torch.channels_last).requires_grad_(cin > 1)
        g = torch.randn_like(conv(x))
        for _ in range(3):
            conv(x).backward(g)
        t0 = time.perf_counter()
        for _ in range(10):
            conv(x)
        t1 = time.perf_counter()
        for _ in range(10):
            conv(x).backward(g)
        t2 = time.perf_counter()
        fwd = (t1 - t0) / 10 * 1e3
        bwd = (t2 - t1) / 10 * 1e3 - fwd
        gflop = 2 * n * cout * cin * 9 * side * side / 1e9
        bwd_gflop = gflop * (2 if cin > 1 else 1)  # input and weight gradients
        print(f"{cin}->{cout} at {side}x{side}: forward {fwd:.2f} ms ({gflop / fwd * 1e3:.0f} GFLOP/s), "
              f"backward {bwd:.2f} ms ({bwd_gflop / bwd * 1e3:.0f} GFLOP/s)")


if __name__ == "__main__":
    main()
