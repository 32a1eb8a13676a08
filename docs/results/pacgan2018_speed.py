"""The cost of PacGAN's Table 2 runs on this machine: per preset, the wall and CPU seconds of one
training iteration (after warm-up), and of one periodic mode count (26,000 samples generated
and classified), with the load average beside them. Nothing is written but the printed lines.

    OMP_WAIT_POLICY=PASSIVE python docs/results/pacgan2018_speed.py \
        --threads 1 --iterations 10 pacgan2018-dcgan pacgan2018-pacdcgan2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from gankit.config import load_config
from gankit.evaluation.modes import MODE_SAMPLES, quick_mode_metrics
from gankit.machine import cpu_model
from gankit.sampling import EVAL_SEED, generate
from gankit.training.callbacks import StepLog
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer


def timed(run) -> tuple[float, float]:  # noqa: ANN001
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(preset: str, args: argparse.Namespace) -> None:
    config = load_config(
        preset, [f"perf.threads={args.threads}", "log.eval_every=0", "log.tensorboard=false"]
    )
    with tempfile.TemporaryDirectory() as tmp:
        config = prepare_process(config, Path(tmp))
        trainer = Trainer(config, Path(tmp), progress=False, callbacks=[StepLog()])
        trainer.start()
        trainer.train(until=args.warmup)
        load, n = os.getloadavg()[0], args.iterations
        wall, cpu = timed(lambda: trainer.train(until=args.warmup + n))
        print(f"{preset}: {wall / n:.2f} s wall, {cpu / n:.2f} s CPU per iteration ({n} "
              f"iterations; load average {load:.1f} -> {os.getloadavg()[0]:.1f})")  # fmt: skip
        if args.mode_count:
            generator = trainer.gan.sampling_generator
            wall, cpu = timed(
                lambda: quick_mode_metrics(generate(generator, MODE_SAMPLES, seed=EVAL_SEED))
            )
            print(f"{preset}: one mode count of {MODE_SAMPLES:,} samples: {wall:.1f} s wall, "
                  f"{cpu:.1f} s CPU")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("presets", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--mode-count", action="store_true", help="also time one mode count")
    args = parser.parse_args()
    policy = os.environ.get("OMP_WAIT_POLICY")
    print(f"{cpu_model()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{args.threads} thread(s), OMP_WAIT_POLICY={policy}")  # fmt: skip
    for preset in args.presets:
        measure(preset, args)


if __name__ == "__main__":
    main()
