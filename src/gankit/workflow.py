"""Train, evaluate and report one run; `gankit train` and `gankit reproduce` both use it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gankit.config import Config
from gankit.data.folder import single_class
from gankit.fileio import remove_interrupted_writes
from gankit.locks import run_lock
from gankit.provenance import Origin
from gankit.report.run_report import write_run_report
from gankit.rundir import RunDir
from gankit.training.checkpoint import load_checkpoint
from gankit.training.distributed import World
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer, TrainResult

log = logging.getLogger(__name__)


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
    world: World | None = None,
    origin: Origin | None = None,
) -> ExperimentResult:
    """Train `config` into `out` (resuming when it holds a checkpoint), then evaluate and write
    report.md / report.html. An interrupted run is checkpointed and neither evaluated nor
    reported. With `world` (torchrun), this process is one rank of a data-parallel run: rank 0
    does all of the above, the other ranks only train. `origin` (the preset or config file and
    the overrides `config` was made from) goes into provenance.json. Data that can have no
    classifier (a folder of one class) trains without periodic evaluation and is not scored at
    the end: `gankit eval` scores it with metrics that need none."""
    if single_class(config.data.dataset):
        config, evaluate = _unscored(config, evaluate, world is None or world.is_main)
    elif evaluate or config.log.eval_every:
        _check_evaluator(config.data.dataset)
    config = prepare_process(config, Path(out), world)
    if world is not None and not world.is_main:
        return _follow(config, out, data_dir, world)
    trainer = Trainer(config, out, data_dir=data_dir, progress=progress, origin=origin, world=world)
    with run_lock(Path(out)):
        remove_interrupted_writes(Path(out))
        resumed = trainer.start()
        if resumed is not None:
            _keep_final_metrics_of_a_shorter_run(Path(out), resumed, config.train.iterations)
            if on_resume is not None:
                on_resume(resumed)
        result = trainer.train()
        metrics = None
        if not result.interrupted:
            if evaluate:
                from gankit.runs import evaluate_run

                metrics = _current_metrics(Path(out), result.step, eval_samples) or evaluate_run(
                    out, n_samples=eval_samples, device=config.perf.device, report=False
                )
            write_run_report(out)
    return ExperimentResult(result, resumed, metrics)


def _follow(
    config: Config, out: Path, data_dir: str | Path | None, world: World
) -> ExperimentResult:
    """A rank other than 0: train in step with rank 0, write nothing."""
    trainer = Trainer(config, out, data_dir=data_dir, progress=False, callbacks=[], world=world)
    resumed = None
    if trainer.run.last_checkpoint.exists():  # rank 0 checks it may be resumed
        trainer.load_state_dict(load_checkpoint(trainer.run.last_checkpoint, trainer.device))
        resumed = trainer.step
    return ExperimentResult(trainer.train(), resumed, None)


def _check_evaluator(dataset: str) -> None:
    """An imported folder without its evaluator fails here, before training, not after it."""
    from gankit.choices import DATASET_KINDS
    from gankit.data import dataset_info

    if not DATASET_KINDS[dataset_info(dataset).kind].bundled_evaluator:
        from gankit.evaluation.classifier import get_classifier_spec

        get_classifier_spec(dataset)


def _unscored(config: Config, evaluate: bool, main: bool) -> tuple[Config, bool]:
    """`config` without periodic evaluation, and no evaluation after training: both need a
    classifier of the data's own. Says so when either was asked for."""
    if (evaluate or config.log.eval_every) and main:
        from gankit.evaluation.classifier import WITHOUT_CLASSIFIER

        log.warning(
            "%s has one class, so no classifier of its own: periodic evaluation is off "
            "(log.eval_every=0) and the run is not scored after training. Score it with "
            "`gankit eval RUN_DIR` and %s",
            config.data.dataset,
            WITHOUT_CLASSIFIER,
        )
    log_config = config.log.model_copy(update={"eval_every": 0})
    return config.model_copy(update={"log": log_config}), False


def _keep_final_metrics_of_a_shorter_run(out: Path, resumed: int, iterations: int) -> None:
    """A finished run trained on to more iterations keeps its final evaluation under the name
    `gankit eval --checkpoint STEP` gives that step's, rather than losing it at the new end."""
    run = RunDir(out)
    try:
        step = json.loads(run.metrics.read_text()).get("step")
    except (OSError, ValueError):
        return
    kept = run.metrics_of(str(resumed))
    if step == resumed < iterations and not kept.exists():
        run.metrics.rename(kept)
        log.warning("the evaluation at step %d is kept as %s", resumed, kept.name)


def _current_metrics(out: Path, step: int, n_samples: int) -> dict[str, Any] | None:
    """metrics.json when it already scores this step with this many samples: a finished run
    started again (or a `gankit reproduce` resumed after a kill) is not evaluated twice."""
    try:
        metrics = json.loads(RunDir(out).metrics.read_text())
    except (OSError, ValueError):
        return None
    current = metrics.get("step") == step and metrics.get("n_samples") == n_samples
    return metrics if current else None
