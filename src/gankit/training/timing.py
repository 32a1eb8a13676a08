"""How long a run trained, and on which machine, across every resume.

Each process that trains a run adds one segment: the machine's facts, the steps it trained and
the wall seconds its loop took (sample grids, periodic evaluations and checkpoints included).
The segments travel in each checkpoint, so a resumed run carries its history on, and what a
killed process did after its last checkpoint is dropped with the steps it is redoing. The
checkpoint's segments are also written to RUN/timing.json for people and reports.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gankit.fileio import atomic_write_text
from gankit.machine import machine_facts


@dataclass
class Segment:
    machine: dict[str, Any] | None  # None: trained before gankit recorded it
    from_step: int
    to_step: int
    seconds: float | None
    started: str = ""  # UTC, ISO 8601


@dataclass
class TrainingClock:
    """The run's segments so far and the one this process is training."""

    device: str = "cpu"
    done: list[Segment] = field(default_factory=list)
    current: Segment | None = None
    _entered: float | None = None  # perf_counter when the loop was entered, while it runs
    _seconds: float = 0.0  # this process's loop time before the loop was last entered

    def begin(self, step: int, previous: list[dict[str, Any]] | None) -> None:
        """Start this process's segment at `step`; `previous` is a resumed checkpoint's record
        (None for a checkpoint written before runs were timed, or for a fresh run)."""
        if previous is not None:
            self.done = [Segment(**d) for d in previous]  # as record() wrote them
        elif step > 0:
            self.done = [Segment(None, 0, step, None)]
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.current = Segment(machine_facts(self.device), step, step, 0.0, started)

    def enter(self) -> None:
        self._entered = time.perf_counter()

    def leave(self) -> None:
        if self._entered is not None:
            self._seconds += time.perf_counter() - self._entered
            self._entered = None

    def record(self, step: int) -> list[dict[str, Any]]:
        """Every segment as of `step`, this process's up to now: what a checkpoint keeps."""
        segments = list(self.done)
        if self.current is not None:
            running = time.perf_counter() - self._entered if self._entered is not None else 0.0
            self.current.to_step = step
            self.current.seconds = round(self._seconds + running, 3)
            segments.append(self.current)
        return [asdict(s) for s in segments]


def summarize(segments: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of a record: steps and seconds (None when part of the run was not timed), and
    the distinct machines, for timing.json and the run's report."""
    timed = all(s["seconds"] is not None for s in segments)
    machines = []
    for s in segments:
        m = s["machine"]
        if m is not None and m not in machines:
            machines.append(m)
    return {
        "steps": segments[-1]["to_step"] if segments else 0,
        "seconds": round(sum(s["seconds"] for s in segments), 3) if timed else None,
        "segments": len(segments),
        "machines": machines,
    }


def write_timing(path: Path, segments: list[dict[str, Any]]) -> None:
    record = {"total": summarize(segments), "segments": segments}
    atomic_write_text(path, json.dumps(record, indent=2) + "\n")
