"""Iterations per second of gankit's trainer and of the plain reference loop, for one preset,
in one process: both warmed up, then timed in alternating repeats so that a change in the
machine's load hits both alike, and summarised by the median."""

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


def measure_throughput(
    config: Config,
    iterations: int | None = None,
    repeats: int = 5,
    warmup: int = 3,
    data_dir: str | Path | None = None,
) -> dict[str, Any]:
    """gankit_it_s, reference_it_s and speedup for `config`, with the raw repeats."""
    with tempfile.TemporaryDirectory(prefix="gankit-bench-") as tmp:
        # The loop with its per-step log (one host sync every log.every steps), no files else.
        trainer = Trainer(
            prepare_process(config, Path(tmp)), Path(tmp), data_dir=data_dir, callbacks=[StepLog()]
        )
        trainer.start()
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
            iterations = max(2, math.ceil(REPEAT_SECONDS / fastest))
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
