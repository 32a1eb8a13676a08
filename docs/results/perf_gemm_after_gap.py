"""How fast one small matrix product runs right after a gap of single-threaded work, on one and
on two threads: the MLP presets' weight-gradient product (1024x32 by 32x512) follows Python and
small ops in every iteration, and this isolates that from the training loop.

    .venv/bin/python docs/results/perf_gemm_after_gap.py
    OMP_WAIT_POLICY=ACTIVE .venv/bin/python docs/results/perf_gemm_after_gap.py
"""

import os
import time

import torch

from gankit.machine import describe_machine

GAPS_US = (0, 100, 1000, 5000)


def median_product_us(threads: int, gap_us: int, calls: int = 200) -> float:
    torch.set_num_threads(threads)
    grad, inputs = torch.randn(32, 1024), torch.randn(32, 512)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        while time.perf_counter() - start < gap_us * 1e-6:
            pass  # the main thread busy, the OpenMP worker idle
        t = time.perf_counter()
        torch.mm(grad.t(), inputs)
        times.append(time.perf_counter() - t)
    kept = sorted(times[20:])
    return kept[len(kept) // 2] * 1e6


if __name__ == "__main__":
    capability = torch.backends.cpu.get_cpu_capability()
    wait = os.environ.get("OMP_WAIT_POLICY", "unset")
    print(f"{describe_machine()}, capability {capability}, OMP_WAIT_POLICY {wait}")
    for threads in (1, 2):
        row = "  ".join(f"{median_product_us(threads, gap):6.0f}" for gap in GAPS_US)
        print(f"{threads} thread(s), gap {GAPS_US} us before each product: {row} us")
