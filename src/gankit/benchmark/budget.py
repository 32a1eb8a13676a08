"""The benchmark's equal wall-clock budget, on one machine's clock.

The runs themselves train wherever the queue puts them, beside other jobs, so their own seconds
(timing.json) say how busy that machine was more than how fast a model trains. The budget is
set on a pace instead: each model's seconds per training iteration, timed on one idle machine
by `gankit bench --pace` into the study folder's pace.json. A run's periodic evaluation at step
s was then reached after s times its model's pace, and what a model reaches within a budget is
its last evaluation by then. A model's evaluations do not depend on the clock, so every run of
it, wherever it trained, is placed on the same one. The page's section of it: a table per
dataset and the curves of quality against seconds."""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gankit.benchmark.tables import MODE_METRICS, ModelRuns, dataset_title
from gankit.errors import GankitError
from gankit.evaluation.table import column_labels
from gankit.figures.bands import plot_band_panels
from gankit.paper_report import FIGURES
from gankit.report.document import Block, Heading, Image, Paragraph, Table
from gankit.report.run_report import duration_label, machine_label
from gankit.rundir import RunDir
from gankit.sweep.aggregate import describe
from gankit.sweep.summary import stat_cell

# In a study folder: `gankit bench --pace --json FOLDER/pace.json` writes it, the page reads it.
PACE_FILE = "pace.json"
# what the table and the curves read from metrics_history.csv, image data first
IMAGE_HISTORY = ("fid", "is_mean")
CURVES = "quality-against-time.png"


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


def _history_keys(group: list[ModelRuns]) -> tuple[str, ...]:
    return MODE_METRICS if group[0].counts_modes else IMAGE_HISTORY


def budget_table(group: list[ModelRuns], budget: float, pace: Pace) -> Table:
    """Per model: the iteration its pace reaches within `budget` seconds, the seeds with a
    periodic evaluation by then, and over them the values of their last one."""
    keys = _history_keys(group)
    labels = column_labels(r.metrics for m in group for r in m.runs)
    header = ["model", "pace", "iterations in the budget", "seeds",
              *(f"{labels[k]}, periodic" for k in keys), "seeds that ended sooner"]  # fmt: skip
    rows = []
    for m in group:
        per_iteration = pace.seconds_per_iteration.get(m.label)
        if per_iteration is None:
            rows.append([m.label, "not timed", "-", "-", *("-" for _ in keys), "-"])
            continue
        reached = [at_budget(paced_history(r.run, keys, per_iteration), budget) for r in m.runs]
        reached_evals = [e for e in reached if e is not None]
        cells = [stat_cell(describe([e.values[k] for e in reached_evals]), k) for k in keys]
        sooner = sum(1 for r in m.runs if r.config.train.iterations * per_iteration < budget)
        rows.append([m.label, f"{1 / per_iteration:.2f} it/s", f"{int(budget / per_iteration):,}",
                     f"{len(reached_evals)} of {len(m.runs)}", *cells, str(sooner)])  # fmt: skip
    return Table(header, rows)


def curve_panels(
    groups: dict[str, list[ModelRuns]], pace: Pace
) -> tuple[dict[str, dict[str, list[tuple[np.ndarray, np.ndarray]]]], frozenset[str]]:
    """Per dataset and periodic metric (FID, or modes and KL for Stacked MNIST): per timed
    model its seeds' (seconds at its pace, value) curves; and the panels to draw on a log scale
    (FID)."""
    panels: dict[str, dict[str, list[tuple[np.ndarray, np.ndarray]]]] = {}
    log_y = set()
    for dataset, group in groups.items():
        labels = column_labels(r.metrics for m in group for r in m.runs)
        keys = MODE_METRICS if group[0].counts_modes else ("fid",)
        for key in keys:
            title = f"{dataset_title(dataset)}: {labels[key]}"
            lines = {}
            for m in group:
                per_iteration = pace.seconds_per_iteration.get(m.label)
                if per_iteration is None:
                    continue
                curves = []
                for r in m.runs:
                    evals = [e for e in paced_history(r.run, keys, per_iteration)
                             if math.isfinite(e.values[key])]  # fmt: skip
                    if evals:
                        curves.append((np.array([e.seconds for e in evals]),
                                       np.array([e.values[key] for e in evals])))  # fmt: skip
                if curves:
                    lines[m.label] = curves
            panels[title] = lines
            if key == "fid":
                log_y.add(title)
    return panels, frozenset(log_y)


def budget_blocks(groups: dict[str, list[ModelRuns]], out: Path, budget: float) -> list[Block]:
    blocks: list[Block] = [Heading("At an equal training budget")]
    pace = read_pace(out)
    if pace is None:
        return blocks + [
            Paragraph(
                "Not set yet: the budget is counted on one idle machine's clock, each model's "
                f"seconds per iteration timed by `gankit bench --pace --json {out / PACE_FILE}` "
                "(run it with nothing else on the machine), since the runs' own seconds depend "
                "on what else ran beside them."
            )
        ]
    samples = sorted({r.config.log.eval_samples for g in groups.values() for m in g
                      for r in m.runs})  # fmt: skip
    blocks += [
        Paragraph(
            f"What each model reaches within {duration_label(budget)} of training on "
            f"{pace.machine}, timed there on {pace.date} by `gankit bench --pace` "
            f"(pace.json; one-minute load average {pace.load_average[0]:.2f} at its start, "
            f"{pace.load_average[1]:.2f} at its end, its own threads counted): each model's "
            "seconds per iteration of its training loop alone (no periodic evaluations, "
            "sample grids or checkpoints), with the machine's own choice of layouts and "
            "threads. Its runs trained elsewhere or beside other jobs; the step a run's "
            "evaluation was made at is placed on this clock, and each seed's last periodic "
            "evaluation (metrics_history.csv, every log.eval_every iterations on "
            f"{' or '.join(f'{n:,}' for n in samples)} samples, so not on the final "
            "evaluation's count and not comparable with the tables above) by the budget is "
            "taken. A seed that ended sooner counts with its last one."
        ),
    ]
    for dataset, group in groups.items():
        blocks += [Heading(dataset_title(dataset), 3), budget_table(group, budget, pace)]
    panels, log_y = curve_panels(groups, pace)
    image = out / FIGURES / CURVES
    if plot_band_panels(panels, image, "seconds of training at the pace above", log_y,
                        mark_x=budget):  # fmt: skip
        blocks.append(
            Image(
                os.path.relpath(image, out),
                "each model's periodic evaluations against its seconds of training at its "
                "pace: the seeds' mean, the band from the lowest to the highest seed (each "
                "seed where they share no span of time); the dashed line is the budget above",
            )
        )
    return blocks
