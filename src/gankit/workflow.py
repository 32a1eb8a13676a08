"""Train, evaluate and report one run; `gankit train` and `gankit reproduce` both use it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gankit.config import Config
from gankit.report.run_report import write_run_report
from gankit.training.trainer import Trainer, TrainResult


@dataclass
class ExperimentResult:
    train: TrainResult
    resumed_from: int | None
    metrics: dict[str, Any] | None


def run_experiment(
    config: Config,
    out: Path,
    data_dir: str | Path | None = None,
    evaluate: bool = True,
    eval_samples: int = 10000,
    progress: bool = True,
    on_resume: Any = None,
) -> ExperimentResult:
    """Train `config` into `out` (resuming when it holds a checkpoint), then evaluate and write
    report.md / report.html. An interrupted run is checkpointed and neither evaluated nor
    reported."""
    trainer = Trainer(config, out, data_dir=data_dir, progress=progress)
    resumed = trainer.start()
    if resumed is not None and on_resume is not None:
        on_resume(resumed)
    result = trainer.train()
    metrics = None
    if not result.interrupted:
        if evaluate:
            from gankit.evaluation.evaluate import evaluate_run

            metrics = evaluate_run(out, n_samples=eval_samples, device=config.perf.device)
        write_run_report(out)
    return ExperimentResult(result, resumed, metrics)
