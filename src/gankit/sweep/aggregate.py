"""Statistics over seeds: per grid point, the mean, the sample standard deviation and a 95%
Student-t interval for the mean of each headline metric (evaluation.registry)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from gankit.evaluation.registry import headline_keys
from gankit.report.sample_counts import sample_count
from gankit.rundir import RunDir

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Stat:
    n: int
    mean: float
    sd: float  # sample standard deviation (n - 1); nan for one seed
    low: float  # the t-interval for the mean; nan for one seed
    high: float


def describe(values: list[float]) -> Stat:
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    n = len(x)
    if n == 0:
        return Stat(0, math.nan, math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if n == 1:
        return Stat(1, mean, math.nan, math.nan, math.nan)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)) * sd / math.sqrt(n)
    return Stat(n, mean, sd, mean - half, mean + half)


@dataclass
class TrialRow:
    """One trial as the summary sees it: where it sits in the grid, how it went, its scores."""

    name: str
    preset: str
    point: dict[str, Any]
    seed: int
    status: str
    seconds: float
    error: str
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass
class GroupRow:
    """One grid point (a preset and the swept keys' values) over its seeds."""

    preset: str
    point: dict[str, Any]
    seeds: list[int]
    stats: dict[str, Stat]
    samples: int | None = None  # the sample count its trials were scored on


def read_metrics(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads(RunDir(run_dir).metrics.read_text())
    except (OSError, ValueError):
        return {}


def group_rows(rows: list[TrialRow], metrics: tuple[str, ...] | None = None) -> list[GroupRow]:
    """Trials with scores, grouped by grid point and sample count (trials scored on different
    counts are never pooled) in the order they first appear, with the statistics of
    `metrics` (default: the headline metrics)."""
    metrics = headline_keys() if metrics is None else metrics
    groups: dict[str, list[TrialRow]] = {}
    for row in rows:
        if row.metrics:
            key = json.dumps([row.preset, row.point, sample_count(row.metrics)], sort_keys=True)
            groups.setdefault(key, []).append(row)
    return [
        GroupRow(
            members[0].preset,
            members[0].point,
            [m.seed for m in members],
            {k: describe([m.metrics.get(k, math.nan) for m in members]) for k in metrics},
            sample_count(members[0].metrics),
        )
        for members in groups.values()
    ]
