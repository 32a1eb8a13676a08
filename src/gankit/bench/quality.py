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
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

SAMPLE_SEED = 4321  # fixed noise: successive evaluations of one run see the same z


def sample_images(generator: nn.Module, n: int, batch: int = 500) -> torch.Tensor:
    """n images (float32, CPU) of draw SAMPLE_SEED by gankit.sampling's rule (eval mode, the
    global RNG untouched, every class equally often for a conditional generator)."""
    return generate(generator, n, seed=SAMPLE_SEED, batch_size=batch)


def fid_floor(
    dataset: str,
    n: int,
    labels: list[int] | None = None,
    data_dir: str | Path | None = None,
) -> float:
    """The FID of n real test images against the training set, scored as the samples are
    (quick_metrics): the lowest FID a generator can be expected to reach at that sample count."""
    from gankit.data.load import load_tensors
    from gankit.evaluation.evaluate import quick_metrics

    images, _ = load_tensors(dataset, "test", data_dir, labels=labels, limit=n)
    return float(quick_metrics(images, dataset, target_labels=labels)["fid"])


def _targets(target_is: float, fid_multiples: tuple[float, ...], floor: float) -> list[dict]:
    """One record per quality target, filled in when the run first reaches it."""
    wanted = [{"target": f"IS >= {target_is:g}", "metric": "is_mean", "above": target_is}]
    wanted += [
        {"target": f"FID <= {m:g}x floor", "metric": "fid", "below": m * floor}
        for m in fid_multiples
    ]
    return [{**t, "reached": False, "step": None, "train_seconds": None} for t in wanted]


def _meets(target: dict[str, Any], scores: dict[str, float]) -> bool:
    value = scores[target["metric"]]
    return value >= target["above"] if "above" in target else value <= target["below"]


def time_to_quality(
    config: Config,
    target_is: float = 9.0,
    eval_every: int = 250,
    eval_samples: int = 10_000,
    data_dir: str | Path | None = None,
    fid_multiples: tuple[float, ...] = (3.0, 2.0),
) -> dict[str, Any]:
    """Train `config` up to train.iterations, scoring every `eval_every` iterations, until every
    target is met: IS >= target_is and FID at most each multiple of the real floor (fid_floor,
    at the same sample count). Each target records the first step and training seconds that
    met it. `train_seconds` counts the iterations only (no evaluation, sample grids or
    checkpoints); `wall_seconds` counts everything from start-up."""
    from gankit.evaluation.evaluate import quick_metrics

    started = time.perf_counter()
    floor = fid_floor(config.data.dataset, eval_samples, config.data.labels, data_dir)
    targets = _targets(target_is, fid_multiples, floor)
    history: list[dict[str, float]] = []
    train_seconds = eval_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="gankit-ttq-") as tmp:
        config = prepare_process(config, Path(tmp))  # `auto` decided: the record says what ran
        trainer = Trainer(config, Path(tmp), data_dir=data_dir, callbacks=[StepLog()])
        trainer.start()
        total = config.train.iterations
        while trainer.step < total and not all(t["reached"] for t in targets):
            t0 = time.perf_counter()
            trainer.train(until=min(trainer.step + eval_every, total))
            t1 = time.perf_counter()
            images = sample_images(trainer.gan.sampling_generator, eval_samples)
            scores = quick_metrics(images, config.data.dataset, target_labels=config.data.labels)
            train_seconds += t1 - t0
            eval_seconds += time.perf_counter() - t1
            scores = {"is_mean": float(scores["is_mean"]), "fid": float(scores["fid"])}
            history.append({"step": trainer.step, "train_seconds": train_seconds, **scores})
            for target in targets:
                if not target["reached"] and _meets(target, scores):
                    target.update(reached=True, step=trainer.step, train_seconds=train_seconds)
    last = history[-1]
    return {
        "preset": config.name,
        "target_is": target_is,
        "fid_floor": floor,
        "targets": targets,
        "reached": all(t["reached"] for t in targets),
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
