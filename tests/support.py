"""What several test modules share (tests/ is on the test path: pyproject's `pythonpath`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class InProcess:
    """Trials one after another in this process (the executors have their own tests)."""

    def describe(self) -> str:
        return "in-process"

    def run(self, trials: list, out: Path, on_outcome: Callable) -> None:
        from gankit.sweep.trial import execute_trial

        for trial in trials:
            on_outcome(execute_trial(trial, out / trial.name, eval_samples=40))
