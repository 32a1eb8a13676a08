"""The benchmark's equal wall-clock budget, on one machine's clock.

The runs themselves train wherever the queue puts them, beside other jobs, so their own seconds
(timing.json) say how busy that machine was more than how fast a model trains. The budget is
set on a pace instead: each model's seconds per training iteration, timed on one idle machine
by `gankit bench --pace` into the study folder's pace.json. A run's periodic evaluation at step
s was then reached after s times its model's pace, and what a model reaches within a budget is
its last evaluation by then. A model's evaluations do not depend on the clock, so every run of
it, wherever it trained, is placed on the same one."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gankit.errors import GankitError
from gankit.report.run_report import machine_label
from gankit.rundir import RunDir

# In a study folder: `gankit bench --pace --json FOLDER/pace.json` writes it, the page reads it.
PACE_FILE = "pace.json"


@dataclass(frozen=True)
class TimedEval:
    step: int
    seconds: float  # of training on the pace's machine when a run reaches `step`
    values: dict[str, float]


@dataclass(frozen=True)
class Pace:
    """Seconds per training iteration of each model (by its label), timed on one machine."""

    seconds_per_iteration: dict[str, float]
    machine: str  # as the runs' machines are labelled
    date: str
    load_average: tuple[float, float]  # one-minute, at the start and the end of the timing


def read_pace(folder: Path) -> Pace | None:
    """FOLDER/pace.json, None where there is none; a file that is not `gankit bench --pace`'s
    output is refused, not read as a pace."""
    path = folder / PACE_FILE
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
        paces = {label: float(p["s_per_it"]) for label, p in doc["pace"].items()}
        load = (float(doc["machine"]["load_average_start"][0]),
                float(doc["machine"]["load_average_end"][0]))  # fmt: skip
        pace = Pace(paces, machine_label(doc["machine"]), str(doc["date"])[:10], load)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
        raise GankitError(
            f"{path} is not a pace file of `gankit bench --pace` ({type(e).__name__}: {e}); "
            f"write it again with `gankit bench --pace --json {path}`, or remove it"
        ) from e
    if not all(math.isfinite(s) and s > 0 for s in paces.values()):
        raise GankitError(f"{path}: a pace that is not a positive number of seconds")
    return pace


def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


def paced_history(
    run: RunDir, keys: tuple[str, ...], seconds_per_iteration: float
) -> list[TimedEval]:
    """Each periodic evaluation of `run` (metrics_history.csv) at the seconds its step takes at
    `seconds_per_iteration`, with its values of `keys` (NaN where a row lacks one)."""
    if not run.metric_history.is_file():
        return []
    with open(run.metric_history, newline="") as f:
        rows = list(csv.DictReader(f))
    found = []
    for row in rows:
        step = _number(row.get("step"))
        if math.isfinite(step):
            values = {k: _number(row.get(k)) for k in keys}
            found.append(TimedEval(int(step), step * seconds_per_iteration, values))
    return found


def at_budget(evaluations: list[TimedEval], budget: float) -> TimedEval | None:
    """The last evaluation reached within `budget` seconds of training; None when the first
    came later."""
    within = [e for e in evaluations if e.seconds <= budget]
    return max(within, key=lambda e: e.seconds) if within else None


def read_segments(run: RunDir) -> list[dict[str, Any]]:
    try:
        return list(json.loads(run.timing.read_text())["segments"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def training_seconds(run: RunDir) -> float | None:
    """The run's own whole training time (timing.json), None where part of it was not timed."""
    segments = read_segments(run)
    if not segments or any(s["seconds"] is None for s in segments):
        return None
    return float(sum(s["seconds"] for s in segments))
