"""How busy cores change a training iteration, fp32 against bf16 (performance.md).

Starts N busy-loop processes (at the given niceness), then times liu2021-dcgan iterations of
gankit's trainer in fp32 and bf16 autocast, alternating, with --threads threads (2). Run from the
repository root, e.g. with one competing process and passive OpenMP waiting:

    OMP_WAIT_POLICY=PASSIVE GANKIT_DATA=path/to/data \
        .venv/bin/python docs/results/perf_contention.py --busy 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from gankit.config import load_config
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--busy", type=int, default=0, help="busy-loop processes to start")
    parser.add_argument("--nice", type=int, default=0, help="their niceness")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spin = [sys.executable, "-c", "while True: pass"]
    busy = [subprocess.Popen(["nice", "-n", str(args.nice), *spin]) for _ in range(args.busy)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            trainers = {}
            for amp in ("none", "bf16"):
                sets = ["perf.device=cpu", f"perf.amp={amp}"]  # the preset's other settings
                config = prepare_process(load_config("liu2021-dcgan", sets), Path(tmp) / amp)
                trainer = Trainer(config, Path(tmp) / amp, None, False)
                trainer.start()
                trainer.advance()  # warm-up
                trainers[amp] = trainer
            times: dict[str, list[float]] = {amp: [] for amp in trainers}
            for _ in range(args.rounds):
                for amp, trainer in trainers.items():
                    start = time.perf_counter()
                    trainer.advance()
                    trainer.advance()
                    times[amp].append((time.perf_counter() - start) / 2)
    finally:
        for process in busy:
            process.kill()
    policy = os.environ.get("OMP_WAIT_POLICY", "default")
    medians = {amp: round(statistics.median(ts), 3) for amp, ts in times.items()}
    print(
        f"threads={args.threads} busy={args.busy} nice={args.nice} OMP_WAIT_POLICY={policy} "
        f"s/it (median): {medians}"
    )


if __name__ == "__main__":
    main()
