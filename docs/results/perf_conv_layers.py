"""Per-layer timing behind docs/results/performance.md: forward + backward of each of Liu 2021's
discriminator convolutions (batch 64), oneDNN against the GEMM paths, NCHW and NHWC, in fp32.
Median milliseconds of 7 passes. Run from the repository root:

    .venv/bin/python docs/results/perf_conv_layers.py --threads 2
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from gankit.fast.capability import cpu_capability
from gankit.fast.gemm_conv import GemmConv2d, _GemmConv
from gankit.machine import cpu_model

LAYERS = {"D1": (1, 64, 28), "D2": (64, 128, 14), "D3": (128, 256, 7), "D4": (256, 512, 4)}


def median_ms(run: Callable[[], None], passes: int = 7) -> float:
    run()
    run()
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def training_pass(conv: GemmConv2d, x: torch.Tensor, mode: str) -> Callable[[], None]:
    """native: nn.Conv2d's kernels; gemm-w: GEMM weight gradient only; gemm-all: forward and
    input gradient as GEMMs too."""
    conv.small_map = 10**6 if mode == "gemm-all" else 0
    if mode == "native":
        forward = lambda: nn.Conv2d.forward(conv, x)  # noqa: E731
    else:
        forward = lambda: _GemmConv.apply(x, conv.weight, conv.bias, conv)  # noqa: E731
    grad = torch.randn_like(forward())
    return lambda: forward().backward(grad)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    torch.set_num_threads(parser.parse_args().threads)
    print(f"{cpu_model()} ({cpu_capability()}), {torch.get_num_threads()} threads")
    for name, (cin, cout, size) in LAYERS.items():
        for layout in (torch.contiguous_format, torch.channels_last):
            conv = GemmConv2d(cin, cout, 5, 2, 2).to(memory_format=layout)
            x = torch.randn(64, cin, size, size).to(memory_format=layout)
            x.requires_grad_(name != "D1")  # the first layer's input is data
            row = [
                f"{mode} {median_ms(training_pass(conv, x, mode)):7.2f}"
                for mode in ("native", "gemm-w", "gemm-all")
            ]
            tag = "NHWC" if layout == torch.channels_last else "NCHW"
            print(f"{name} {tag}  " + " | ".join(row), flush=True)


if __name__ == "__main__":
    main()
