#!/usr/bin/env python3
"""Vendor-library reference for `lil bench kernels` (matmul family): times PyTorch (cuBLAS) fp16
matrix products of the same shapes on the same GPU and prints JSON Lines.

Shape N x rows x cols means Y[N][rows] = X[N][cols] @ W[rows][cols]^T (torch.nn.functional.linear),
fp16 inputs; by default fp32 accumulation is what cuBLAS uses for fp16 GEMM (reduced-precision
reduction is turned off below so the comparison with lil's fp32-accumulating kernel is fair).
Timing: CUDA events around each call after warm-up runs; the median of the timed runs is reported.

usage: python3 tools/bench_torch_matmul.py [--shapes 512x4096x4096,4096x4096x4096] [--iters 50] [--warmup 10]
"""
import argparse
import json
import statistics
import sys


def parse_shapes(s):
    out = []
    for item in s.split(","):
        parts = item.lower().split("x")
        if len(parts) != 3:
            raise SystemExit("bad shape %r (want NxROWSxCOLS)" % item)
        out.append(tuple(int(p) for p in parts))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default="512x4096x4096,4096x4096x4096", help="N x rows x cols, comma-separated")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--device", default="cuda:0")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("bench_torch_matmul: PyTorch is not installed")
    if not torch.cuda.is_available():
        sys.exit("bench_torch_matmul: no CUDA device")
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    dev = torch.device(a.device)
    name = torch.cuda.get_device_name(dev)
    for n, rows, cols in parse_shapes(a.shapes):
        for dtype, label in ((torch.float16, "fp16"),):
            x = torch.randn(n, cols, device=dev, dtype=dtype)
            w = torch.randn(rows, cols, device=dev, dtype=dtype) * (cols ** -0.5)
            y = torch.empty(n, rows, device=dev, dtype=dtype)
            for _ in range(a.warmup):
                torch.matmul(x, w.t(), out=y)
            torch.cuda.synchronize(dev)
            times = []
            for _ in range(a.iters):
                start = torch.cuda.Event(enable_timing=True)
                end = torch.cuda.Event(enable_timing=True)
                start.record()
                torch.matmul(x, w.t(), out=y)
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
            ms = statistics.median(times)
            flops = 2.0 * n * rows * cols
            nbytes = (n * cols + rows * cols + n * rows) * x.element_size()
            print(json.dumps({
                "bench": "torch_matmul", "kernel": "torch_matmul_" + label, "dtype": label,
                "ncols": n, "rows": rows, "cols": cols, "iters": a.iters, "warmup": a.warmup,
                "ms_median": round(ms, 5), "ms_min": round(min(times), 5),
                "tflops": round(flops / (ms * 1e-3) / 1e12, 2), "gbps": round(nbytes / (ms * 1e-3) / 1e9, 1),
                "device": name, "torch": torch.__version__, "cuda": torch.version.cuda,
            }), flush=True)


if __name__ == "__main__":
    main()
