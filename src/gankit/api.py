"""Train a preset or a config file, open a run or an export, draw samples and score them: the
Python side of `gankit train`, `gankit sample` and `gankit eval`, on the same functions.

    import gankit
    run = gankit.train("dcgan", out="runs/mine", iterations=500, overrides={"optim.d.lr": 1e-4})
    images = run.sample(64, labels=7)            # (64, 1, 28, 28) in [-1, 1]
    scores = run.evaluate(n_samples=2000)        # the dict metrics.json holds
    run = gankit.load("runs/mine")               # later: the same run, or an export
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from gankit.config import DEFAULT_PRESET, Config, config_label, load_config
from gankit.errors import InputError
from gankit.evaluation.evaluate import DEFAULT_N
from gankit.export import is_export, load_generator
from gankit.rundir import LAST, RunDir
from gankit.runs import TrainedRun, evaluate_run, load_run, score_run

Labels = int | Sequence[int] | torch.Tensor


class Run:
    """A trained generator and where it came from: a run directory (gankit.train, `gankit
    train`) or a folder `gankit export` wrote. Opened with gankit.load."""

    def __init__(self, trained: TrainedRun, checkpoint: str, exported: bool) -> None:
        self._trained = trained
        self.checkpoint = checkpoint
        self.exported = exported

    @property
    def path(self) -> Path:
        return Path(self._trained.run_dir)

    @property
    def config(self) -> Config:
        """The config it was trained with, every preset and override resolved."""
        return self._trained.config

    @property
    def step(self) -> int:
        """The training step of the weights loaded."""
        return self._trained.step

    @property
    def generator(self) -> nn.Module:
        """The generator it samples with (the averaged one when it has one), in eval mode."""
        return self._trained.generator

    @property
    def metrics(self) -> dict[str, Any] | None:
        """The evaluation written for this checkpoint (metrics.json for the last one), as
        `gankit eval` and `Run.evaluate` write it; None before one was written, and for an
        export."""
        if self.exported:
            return None
        path = RunDir(self.path).metrics_of(self.checkpoint)
        return json.loads(path.read_text()) if path.is_file() else None

    def sample(self, n: int, labels: Labels | None = None, seed: int = 0) -> torch.Tensor:
        """n images as float32 CPU (n, C, 28, 28) in [-1, 1]; the same seed gives the same
        images, as `gankit sample --seed` does. A conditional model draws the classes in turn
        unless `labels` names one class (7) or one per image."""
        if n <= 0:
            raise InputError(f"n must be positive, got {n}")
        if isinstance(labels, int):
            labels = torch.full((n,), labels, dtype=torch.long)
        elif labels is not None:
            labels = torch.as_tensor(labels, dtype=torch.long)
        return self._trained.generate(n, labels=labels, seed=seed)

    def evaluate(
        self,
        n_samples: int = DEFAULT_N,
        *,
        real: Literal["train", "test"] = "train",
        features: str = "classifier",
        inception_weights: str | Path | None = None,
        device: str | None = None,
    ) -> dict[str, Any]:
        """Score n samples drawn with the evaluation seed, as `gankit eval` does, and return
        the metrics; a run directory's are also written to its metrics.json (another
        checkpoint than the last: metrics_best.json, metrics_step_NNNNNN.json)."""
        options: dict[str, Any] = {
            "features": features,
            "inception_weights": inception_weights,
            "real_split": real,
        }
        device = device or str(self._trained.device)
        if self.exported:
            return score_run(self._trained, n_samples, device, **options)
        return evaluate_run(self.path, n_samples, device, checkpoint=self.checkpoint, **options)

    def __repr__(self) -> str:
        kind = "export" if self.exported else f"checkpoint {self.checkpoint!r}"
        return f"Run({str(self.path)!r}, {self.config.name!r}, step {self.step}, {kind})"


def load(path: str | Path, device: str = "cpu", checkpoint: str = LAST) -> Run:
    """Open a run directory at `checkpoint` ('last', 'best' or a kept milestone's step), or a
    folder `gankit export` wrote (its one generator), on `device`."""
    path = Path(path)
    if is_export(path):
        if checkpoint != LAST:
            raise InputError(f"{path} is an export: it holds one generator, not checkpoints")
        return Run(load_generator(path, device), LAST, exported=True)
    return Run(load_run(path, device, checkpoint), checkpoint, exported=False)


def train(
    config: str | Path = DEFAULT_PRESET,
    out: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    iterations: int | None = None,
    seed: int | None = None,
    device: str | None = None,
    evaluate: bool = True,
    eval_samples: int = DEFAULT_N,
    data_dir: str | Path | None = None,
    progress: bool = True,
) -> Run:
    """Train a preset (by name) or a config file (a path) into `out` [runs/<name>], as
    `gankit train` does, and open the result. An `out` holding a checkpoint of the same
    config is resumed up to `iterations` (the run's total).

    `overrides`: dotted config keys and their values, e.g. {"optim.d.lr": 1e-4}, applied
    after `iterations` (train.iterations), `seed` (train.seed) and `device` (perf.device,
    default: the config's). `evaluate`: score `eval_samples` samples at the end into
    metrics.json (Run.metrics). Ctrl-C stops after the current iteration with a checkpoint
    and raises KeyboardInterrupt; calling train again resumes."""
    from gankit.provenance import Origin, source_of
    from gankit.workflow import run_experiment

    values = {
        key: value
        for key, value in (
            ("train.iterations", iterations),
            ("train.seed", seed),
            ("perf.device", device),
        )
        if value is not None
    }
    settings = {**values, **(overrides or {})}
    resolved = load_config(config, settings)
    # as `--set` takes them: JSON is YAML, so each value parses back unchanged
    origin = Origin(source_of(config), [f"{k}={json.dumps(v)}" for k, v in settings.items()])
    out = Path(out) if out is not None else Path("runs") / config_label(config)
    result = run_experiment(
        resolved,
        out,
        data_dir=data_dir,
        evaluate=evaluate,
        eval_samples=eval_samples,
        progress=progress,
        origin=origin,
    )
    if result.train.interrupted:
        raise KeyboardInterrupt(
            f"training stopped at step {result.train.step}; its checkpoint is in {out}: "
            "call gankit.train again with the same out to resume"
        )
    return load(out, device=resolved.perf.device)
