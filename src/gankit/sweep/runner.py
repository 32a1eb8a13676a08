"""Run a sweep's trials with an executor: skip the finished ones, record every outcome, and
summarise. `gankit sweep` and `gankit reproduce` both come through here."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gankit.fileio import atomic_write_text
from gankit.rundir import RunDir
from gankit.sweep.aggregate import TrialRow, read_metrics
from gankit.sweep.executor_base import Executor
from gankit.sweep.outcome import FAILED, NOT_STARTED, SKIPPED, Outcome
from gankit.sweep.spec import Trial
from gankit.sweep.trial import (
    finished_length_to_extend,
    is_finished,
    read_record,
    write_record,
)


@dataclass
class SweepResult:
    outcomes: dict[str, Outcome]  # by trial name, in the sweep's order
    seconds: float

    def count(self, *statuses: str) -> int:
        return sum(o.status in statuses for o in self.outcomes.values())

    @property
    def complete(self) -> bool:
        return all(o.done for o in self.outcomes.values())


def run_trials(
    trials: list[Trial],
    out: Path,
    executor: Executor,
    echo: Callable[[str], None] = print,
) -> SweepResult:
    """Every trial not yet finished in OUT goes to the executor; returns all outcomes."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    todo = []
    for trial in trials:
        if is_finished(trial, out / trial.name):
            outcomes[trial.name] = Outcome(trial.name, SKIPPED)
        else:
            todo.append(trial)
    by_name = {t.name: t for t in trials}
    echo(f"{len(trials)} trials: {len(trials) - len(todo)} already finished, {len(todo)} to run")
    for trial in todo:
        shorter = finished_length_to_extend(trial, out / trial.name)
        if shorter is not None:
            kept = RunDir(out / trial.name).metrics_of(str(shorter)).name
            echo(
                f"{trial.name}: its finished run of {shorter:,} iterations trains on to "
                f"{trial.config.train.iterations:,} (its evaluation at {shorter:,} is kept as "
                f"{kept})"
            )

    def record(outcome: Outcome) -> None:
        outcomes[outcome.name] = outcome
        run_dir = out / outcome.name
        if outcome.status == FAILED and not RunDir(run_dir).error.exists():
            # the worker died before it could say why: say it for it
            atomic_write_text(RunDir(run_dir).error, outcome.error + "\n")
            write_record(run_dir, by_name[outcome.name], FAILED, error=outcome.error)
        took = f" in {outcome.seconds:.0f} s" if outcome.seconds else ""
        why = f": {outcome.error}" if outcome.error else ""
        echo(f"[{len(outcomes)}/{len(trials)}] {outcome.name} {outcome.status}{took}{why}")

    executor.run(todo, out, record)
    for trial in trials:
        outcomes.setdefault(trial.name, Outcome(trial.name, NOT_STARTED))
    ordered = {t.name: outcomes[t.name] for t in trials}
    return SweepResult(ordered, time.perf_counter() - started)


def trial_rows(trials: list[Trial], result: SweepResult, out: Path) -> list[TrialRow]:
    """The summary's view of each trial; a finished trial's seconds come from its record."""
    rows = []
    for trial in trials:
        outcome = result.outcomes[trial.name]
        run_dir = out / trial.name
        seconds = outcome.seconds
        if outcome.status == SKIPPED:
            seconds = float((read_record(run_dir) or {}).get("seconds", 0.0))
        metrics = read_metrics(run_dir) if outcome.done else {}
        rows.append(TrialRow(trial.name, trial.preset, trial.point, trial.seed, outcome.status,
                             seconds, outcome.error, metrics))  # fmt: skip
    return rows
