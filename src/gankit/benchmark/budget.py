"""A run's periodic evaluations (metrics_history.csv) placed in training time: the seconds it
had trained when it reached each evaluation's step, from its timing.json, and what it had
reached by a wall-clock budget.

timing.json holds one segment per training process: the steps it trained and the seconds its
loop took (sample grids, periodic evaluations and checkpoints included). Within a segment the
steps are taken to go at an even pace, so step s of a segment from a to b that took t seconds
is (s - a) / (b - a) * t seconds in, after the earlier segments' seconds."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from typing import Any

from gankit.rundir import RunDir


@dataclass(frozen=True)
class TimedEval:
    step: int
    seconds: float  # of training when the run reached `step`
    values: dict[str, float]


def seconds_at(step: int, segments: list[dict[str, Any]]) -> float | None:
    """The training seconds at `step`; None when a segment up to it was not timed (trained
    before gankit timed runs) or `step` is past the last segment."""
    elapsed = 0.0
    for segment in segments:
        start, end, seconds = segment["from_step"], segment["to_step"], segment["seconds"]
        if seconds is None:
            return None
        if step <= end:
            share = (step - start) / (end - start) if end > start else 1.0
            return elapsed + min(max(share, 0.0), 1.0) * seconds
        elapsed += seconds
    return None


def read_segments(run: RunDir) -> list[dict[str, Any]]:
    try:
        return list(json.loads(run.timing.read_text())["segments"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


def timed_history(run: RunDir, keys: tuple[str, ...]) -> list[TimedEval]:
    """Each periodic evaluation of `run` with the seconds it was reached at and its values of
    `keys` (NaN where a row lacks one); empty without a history or a timed record."""
    segments = read_segments(run)
    if not segments or not run.metric_history.is_file():
        return []
    with open(run.metric_history, newline="") as f:
        rows = list(csv.DictReader(f))
    found = []
    for row in rows:
        step = _number(row.get("step"))
        seconds = seconds_at(int(step), segments) if math.isfinite(step) else None
        if seconds is not None:
            found.append(TimedEval(int(step), seconds, {k: _number(row.get(k)) for k in keys}))
    return found


def at_budget(evaluations: list[TimedEval], budget: float) -> TimedEval | None:
    """The last evaluation reached within `budget` seconds of training; None when the first
    came later."""
    within = [e for e in evaluations if e.seconds <= budget]
    return max(within, key=lambda e: e.seconds) if within else None


def training_seconds(run: RunDir) -> float | None:
    """The run's whole training time, None where part of it was not timed."""
    segments = read_segments(run)
    if not segments or any(s["seconds"] is None for s in segments):
        return None
    return float(sum(s["seconds"] for s in segments))
