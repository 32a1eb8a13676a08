"""Open a finished (or paused) run directory to draw images from its generator, and score it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError
from torch import nn

from gankit.config import Config, _format_errors
from gankit.data import dataset_info
from gankit.errors import InputError
from gankit.evaluation.evaluate import (
    DEFAULT_N,
    check_feature_space,
    evaluate_images,
    write_metrics,
)
from gankit.evaluation.modes import MODE_SAMPLES, evaluate_stacked
from gankit.machine import resolve_device
from gankit.report.run_report import write_run_report
from gankit.rundir import BEST, LAST, RunDir, step_of
from gankit.sampling import BATCH, EVAL_SEED, cycle_labels, generate
from gankit.training.build import build_generator
from gankit.training.checkpoint import CheckpointError, load_checkpoint


@dataclass
class TrainedRun:
    run_dir: Path
    config: Config
    step: int
    generator: nn.Module
    device: torch.device

    @property
    def dataset(self) -> str:
        return self.config.data.dataset

    @property
    def target_labels(self) -> list[int] | None:
        return self.config.data.labels

    @property
    def conditional(self) -> bool:
        return self.config.model.conditional

    @property
    def num_classes(self) -> int:
        return len(dataset_info(self.dataset).classes)

    def generate(
        self,
        n: int,
        labels: torch.Tensor | None = None,
        seed: int = 0,
        batch_size: int = BATCH,
    ) -> torch.Tensor:
        """n images as float32 CPU (n, C, H, W) in [-1, 1], by gankit.sampling's one rule:
        the same seed gives the same images; a conditional model draws every class equally
        often unless `labels` are given."""
        if labels is not None and not self.conditional:
            raise InputError(f"{self.run_dir} is an unconditional model; it takes no labels")
        return generate(self.generator, n, seed=seed, labels=labels, batch_size=batch_size)


def load_run(run_dir: str | Path, device: str = "cpu", checkpoint: str = LAST) -> TrainedRun:
    """The run's sampling generator (EMA weights when trained with them) in eval mode, from
    checkpoint `checkpoint`: 'last', 'best' (log.keep_best) or a kept milestone's step."""
    run = RunDir(Path(run_dir))
    if not run.last_checkpoint.exists():
        raise CheckpointError(
            f"{run.root}: no checkpoints/last.pt; is this a gankit run directory? A run "
            "stopped before its first checkpoint (log.checkpoint_every) has none: train it "
            "again with `gankit train --out DIR`. Or give a folder `gankit export` wrote"
        )
    path = run.checkpoint(checkpoint)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint; {_available(run)}")
    dev = resolve_device(device)
    state = load_checkpoint(path, dev)
    try:
        config = Config.model_validate(state["config"])
    except ValidationError as exc:
        raise CheckpointError(
            f"{path}: the run's config is not valid here:\n{_format_errors(exc)}\nA model "
            "declared from Python (gankit.choices.GENERATORS.declare, with register_generator; "
            "likewise for a discriminator) is known only where the module that declares it is "
            "imported: open the run from Python after that import"
        ) from None
    generator = build_generator(config).to(dev)
    try:
        generator.load_state_dict(state.get("ema") or state["generator"])
    except RuntimeError as exc:  # missing, unexpected or differently shaped weights
        raise CheckpointError(
            f"{path}: its generator weights do not fit the model its config "
            f"describes ({str(exc).splitlines()[0]}); the file was altered or pieced together "
            "from another run. Restore it from a milestone in the same checkpoints/ folder"
        ) from None
    generator.eval()
    return TrainedRun(run.root, config, int(state["step"]), generator, dev)


def _available(run: RunDir) -> str:
    names = [LAST]
    if run.best_checkpoint.exists():
        names.append(BEST)
    names += [str(step_of(p)) for p in run.milestones]
    hint = (
        ""
        if BEST in names
        else " (best.pt is kept once a periodic evaluation beats the earlier ones: "
        "log.eval_every with log.keep_best)"
    )
    return f"this run has {', '.join(names)}{hint}"


def score_run(
    run: TrainedRun,
    n_samples: int = DEFAULT_N,
    device: str = "cpu",
    *,
    features: str = "classifier",
    inception_weights: str | Path | None = None,
    real_split: str = "train",
) -> dict[str, Any]:
    """Sample n images from a loaded generator with the evaluation seed and evaluate them (a
    Stacked MNIST run: its modes on the benchmark's sample count); writes nothing."""
    device = str(resolve_device(device))
    if dataset_info(run.dataset).counts_modes:  # on the benchmark's fixed sample count
        images = run.generate(MODE_SAMPLES, seed=EVAL_SEED)
        result = evaluate_stacked(images, device, run.dataset)
    else:
        labels = cycle_labels(n_samples, run.num_classes) if run.conditional else None
        result = evaluate_images(
            run.generate(n_samples, labels=labels, seed=EVAL_SEED),
            run.dataset,
            target_labels=run.target_labels,
            requested_labels=labels,
            device=device,
            features=features,
            inception_weights=inception_weights,
            real_split=real_split,
            per_class=run.conditional,
        )
    result["step"] = run.step  # which checkpoint was scored: a resumed run is scored again
    return result


def evaluate_run(
    run_dir: str | Path,
    n_samples: int = DEFAULT_N,
    device: str = "cpu",
    *,
    features: str = "classifier",
    inception_weights: str | Path | None = None,
    real_split: str = "train",
    checkpoint: str = LAST,
    report: bool = True,
) -> dict[str, Any]:
    """Score a run's checkpoint (score_run) and write the run's metrics.json; another
    checkpoint than the last is scored into its own file (RunDir.metrics_of). `report`: then
    rebuild the run's report.md and report.html, so they never show older scores."""
    check_feature_space(features, inception_weights)  # before any sampling or loading
    device = str(resolve_device(device))
    run = load_run(run_dir, device=device, checkpoint=checkpoint)
    result = score_run(
        run,
        n_samples,
        device,
        features=features,
        inception_weights=inception_weights,
        real_split=real_split,
    )
    result["checkpoint"] = checkpoint
    write_metrics(RunDir(Path(run.run_dir)).metrics_of(checkpoint), result)
    if report:
        write_run_report(Path(run.run_dir))
    return result
