"""Time to quality (training wall time until a preset's samples reach an Inception Score) and
evaluation throughput (seconds for the full metric suite)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gankit.config import Config
from gankit.sampling import generate
from gankit.training.build import build_generator
from gankit.training.callbacks import StepLog
from gankit.training.trainer import Trainer

SAMPLE_SEED = 4321  # fixed noise: successive evaluations of one run see the same z


def sample_images(generator: nn.Module, n: int, batch: int = 500) -> torch.Tensor:
    """n images (float32, CPU) of draw SAMPLE_SEED by gankit.sampling's rule (eval mode, the
    global RNG untouched, every class equally often for a conditional generator)."""
    return generate(generator, n, seed=SAMPLE_SEED, batch_size=batch)


def time_to_quality(
    config: Config,
    target_is: float = 9.0,
    eval_every: int = 250,
    eval_samples: int = 10_000,
    data_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Train `config` up to train.iterations, scoring every `eval_every` iterations, and stop at
    the first score with IS >= target_is. `train_seconds` counts the iterations only (no
    evaluation, sample grids or checkpoints); `wall_seconds` counts everything from start-up."""
    from gankit.evaluation.evaluate import quick_metrics

    started = time.perf_counter()
    history: list[dict[str, float]] = []
    train_seconds = eval_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="gankit-ttq-") as tmp:
        trainer = Trainer(config, Path(tmp), data_dir=data_dir, callbacks=[StepLog()])
        trainer.start()
        total = config.train.iterations
        while trainer.step < total:
            t0 = time.perf_counter()
            trainer.train(until=min(trainer.step + eval_every, total))
            t1 = time.perf_counter()
            images = sample_images(trainer.gan.sampling_generator, eval_samples)
            scores = quick_metrics(images, config.data.dataset, target_labels=config.data.labels)
            train_seconds += t1 - t0
            eval_seconds += time.perf_counter() - t1
            history.append(
                {
                    "step": trainer.step,
                    "train_seconds": train_seconds,
                    "is_mean": float(scores["is_mean"]),
                    "fid": float(scores["fid"]),
                }
            )
            if scores["is_mean"] >= target_is:
                break
    last = history[-1]
    return {
        "preset": config.name,
        "target_is": target_is,
        "reached": last["is_mean"] >= target_is,
        "step": last["step"],
        "is_mean": last["is_mean"],
        "fid": last["fid"],
        "train_seconds": train_seconds,
        "eval_seconds": eval_seconds,
        "wall_seconds": time.perf_counter() - started,
        "eval_every": eval_every,
        "eval_samples": eval_samples,
        "perf": config.perf.model_dump(mode="json"),
        "history": history,
    }


def eval_throughput(config: Config, n: int = 10_000, repeats: int = 2) -> dict[str, Any]:
    """Seconds for `evaluate_images` (every metric plus the real-data reference) on n samples
    of `config`'s untrained generator: the cost does not depend on what the images show. The
    first call also loads the classifier and the real-data features (computing them when the
    evaluation cache is empty); later calls find them in memory."""
    from gankit.evaluation.evaluate import evaluate_images

    torch.manual_seed(config.train.seed)
    generator = build_generator(config)
    start = time.perf_counter()
    images = sample_images(generator, n)
    sample_seconds = time.perf_counter() - start
    calls = []
    for _ in range(repeats):
        start = time.perf_counter()
        evaluate_images(images, config.data.dataset, target_labels=config.data.labels)
        calls.append(time.perf_counter() - start)
    return {
        "preset": config.name,
        "n_samples": n,
        "sample_seconds": sample_seconds,
        "suite_seconds": calls,
    }
