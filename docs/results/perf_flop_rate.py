"""How close a preset's training iteration runs to this CPU's matrix-multiply ceiling: the
iteration's floating-point work (torch's FlopCounterMode), its measured time, the rate that
makes, and the rates of one large fp32 and one large bf16 matrix product on the same threads.

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/perf_flop_rate.py \
        liu2021-dcgan liu2021-gan
"""

import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from gankit.config import load_config
from gankit.machine import describe_machine
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

THREADS = 2
torch.set_num_threads(THREADS)


def seconds_per_call(fn, min_seconds: float = 5.0) -> float:
    """Median over rounds of at least a second each, after one warm-up round."""
    rounds = []
    for _ in range(1 + max(3, int(min_seconds))):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < 1.0:
            fn()
            calls += 1
        rounds.append((time.perf_counter() - start) / calls)
    return sorted(rounds[1:])[len(rounds[1:]) // 2]


def gemm_ceiling(dtype: torch.dtype, n: int = 2048) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    return 2 * n**3 / seconds_per_call(lambda: a @ b) / 1e9


print(describe_machine(), torch.backends.cpu.get_cpu_capability(), f"{THREADS} threads")
ceiling = gemm_ceiling(torch.float32)
print(f"fp32 matrix product 2048^3: {ceiling:.0f} GFLOP/s")
# bf16's ceiling says what a bf16 iteration could gain at best: where bf16 is emulated it is
# below fp32's.
bf16_ceiling = gemm_ceiling(torch.bfloat16)
print(f"bf16 matrix product 2048^3: {bf16_ceiling:.0f} GFLOP/s")
for preset in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as d:
        config = prepare_process(load_config(preset, ["perf.device=cpu"]), Path(d) / "run")
        trainer = Trainer(config, Path(d) / "run", progress=False, callbacks=[])
        trainer.advance()
        with FlopCounterMode(display=False) as counter:
            trainer.advance()
        gflop = counter.get_total_flops() / 1e9
        seconds = seconds_per_call(trainer.advance)
        rate = gflop / seconds
        print(
            f"{preset}: {gflop:.2f} GFLOP per iteration, {seconds * 1e3:.1f} ms, "
            f"{rate:.0f} GFLOP/s = {rate / ceiling:.0%} of the fp32 and {rate / bf16_ceiling:.0%} "
            f"of the bf16 matrix-product rate (perf.amp {trainer.config.perf.amp})"
        )
