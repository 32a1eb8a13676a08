"""What every executor shares: the settings a trial runs under, the executor's interface and
its Ctrl-C handling."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gankit.sweep.outcome import Outcome

if TYPE_CHECKING:  # the spec loads torch, which a worker must not load before it is pinned
    from gankit.sweep.spec import Trial


@dataclass(frozen=True)
class TrialSettings:
    """How every trial of a sweep runs, whichever executor runs it."""

    threads: int = 1  # torch threads per trial
    data_dir: str | None = None
    eval_samples: int = 10_000


class Executor(Protocol):
    def run(self, trials: list[Trial], out: Path, on_outcome: Callable[[Outcome], None]) -> None:
        """Run `trials` into out/<trial.name>, reporting each outcome as it comes. Returns when
        all have ended, or early after a Ctrl-C once the running ones are checkpointed;
        trials never started get no outcome."""

    def describe(self) -> str:
        """Where and how wide the trials run, for the summary."""


@contextmanager
def counting_sigint(on_signal: Callable[[int], Any]) -> Iterator[None]:
    """Ctrl-C calls on_signal(n) with n = 1, 2, ... instead of raising, so the executor can
    stop its trials in order (checkpoint first, force later)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    count = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal count
        count += 1
        on_signal(count)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
