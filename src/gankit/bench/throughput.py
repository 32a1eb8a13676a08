"""Iterations per second of gankit's trainer and of the plain reference loop, for one preset,
in one process: both warmed up, then timed in alternating repeats so that a change in the
machine's load hits both alike, and summarised by the median; and the pace of gankit's trainer
alone, for the model benchmark's equal budget."""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gankit.bench.reference import build_reference, real_batches, reference_iteration
from gankit.config import Config
from gankit.data import load_tensors
from gankit.sampling import latent
from gankit.training.callbacks import StepLog
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

# Without --iterations, each timed repeat runs about this long (on the faster loop).
REPEAT_SECONDS = 3.0


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(run: Callable[[int], None], n: int, device: torch.device) -> float:
    """Seconds per iteration for n iterations."""
    _synchronize(device)
    start = time.perf_counter()
    run(n)
    _synchronize(device)
    return (time.perf_counter() - start) / n


def _bench_trainer(config: Config, folder: Path, data_dir: str | Path | None) -> Trainer:
    """A started Trainer of `config` writing into `folder`: the loop with its per-step log (one
    host sync every log.every steps), no files else."""
    trainer = Trainer(
        prepare_process(config, folder), folder, data_dir=data_dir, callbacks=[StepLog()]
    )
    trainer.start()
    return trainer


def _repeat_length(fastest_s_per_it: float) -> int:
    return max(2, math.ceil(REPEAT_SECONDS / fastest_s_per_it))


def measure_pace(
    config: Config,
    iterations: int | None = None,
    repeats: int = 5,
    warmup: int = 3,
    data_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Seconds per iteration of gankit's training loop alone for `config` (the median repeat),
    with the raw repeats: the pace the model benchmark's equal budget is counted at."""
    with tempfile.TemporaryDirectory(prefix="gankit-pace-") as tmp:
        trainer = _bench_trainer(config, Path(tmp), data_dir)
        device = trainer.device

        def run(n: int) -> None:
            trainer.train(until=trainer.step + n)

        warmup_seconds = _timed(run, warmup, device) * warmup
        iterations = iterations or _repeat_length(_timed(run, 1, device))
        s_per_it = [_timed(run, iterations, device) for _ in range(repeats)]
        perf = trainer.config.perf.model_dump(mode="json")
    return {
        "s_per_it": statistics.median(s_per_it),
        "s_per_it_repeats": s_per_it,
        "iterations_per_repeat": iterations,
        "repeats": repeats,
        "warmup_seconds": warmup_seconds,
        "perf": perf,
        "d_steps": config.train.d_steps,
        "batch_size": config.train.batch_size,
    }


def measure_throughput(
    config: Config,
    iterations: int | None = None,
    repeats: int = 5,
    warmup: int = 3,
    data_dir: str | Path | None = None,
) -> dict[str, Any]:
    """gankit_it_s, reference_it_s and speedup for `config`, with the raw repeats."""
    with tempfile.TemporaryDirectory(prefix="gankit-bench-") as tmp:
        trainer = _bench_trainer(config, Path(tmp), data_dir)
        perf = trainer.config.perf.model_dump(mode="json")  # as chosen for this machine
        device = trainer.device
        images, labels = load_tensors(
            config.data.dataset, "train", data_dir, config.data.labels, config.data.limit
        )
        reference = build_reference(config, device)
        batches = real_batches(
            images, config.train.batch_size, device, labels if config.model.conditional else None
        )
        z_dim = config.model.z_dim

        def run_gankit(n: int) -> None:
            trainer.train(until=trainer.step + n)

        def run_reference(n: int) -> None:
            for _ in range(n):
                reference_iteration(
                    reference,
                    lambda: next(batches),
                    lambda k: latent(k, z_dim, config.model.z_dist, device=device),
                )

        # Warm-up: first calls allocate, pick kernels and (with perf.compile) compile.
        warmup_seconds = {
            "gankit": _timed(run_gankit, warmup, device) * warmup,
            "reference": _timed(run_reference, warmup, device) * warmup,
        }
        if iterations is None:
            fastest = min(_timed(run_gankit, 1, device), _timed(run_reference, 1, device))
            iterations = _repeat_length(fastest)
        gankit_s, reference_s = [], []
        for _ in range(repeats):
            gankit_s.append(_timed(run_gankit, iterations, device))
            reference_s.append(_timed(run_reference, iterations, device))

    gankit_it_s = 1.0 / statistics.median(gankit_s)
    reference_it_s = 1.0 / statistics.median(reference_s)
    return {
        "gankit_it_s": gankit_it_s,
        "reference_it_s": reference_it_s,
        "speedup": gankit_it_s / reference_it_s,
        "iterations_per_repeat": iterations,
        "repeats": repeats,
        "gankit_s_per_it": gankit_s,
        "reference_s_per_it": reference_s,
        "warmup_seconds": warmup_seconds,
        "perf": perf,
        "d_steps": config.train.d_steps,
        "batch_size": config.train.batch_size,
    }
