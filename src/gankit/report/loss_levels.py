"""The loss levels a paper's loss figure shows, as numbers: D's and G's mean logged loss in a
window before each step the report shows, over seeds."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from gankit.figures.curves import read_csv_columns
from gankit.report.document import Table

WINDOW_SHARE = 0.05  # the window: this share of the run's iterations, ending at the step


def read_losses(losses: Path) -> dict[str, np.ndarray]:
    """losses.csv's columns; empty for a missing file."""
    return read_csv_columns(losses) if losses.is_file() else {}


def window_means(cols: dict[str, np.ndarray], step: int, window: int) -> tuple[float, float] | None:
    """Mean D and G loss of the rows (`read_losses`) logged in (step - window, step]; None
    without any."""
    if not len(cols.get("step", [])):
        return None
    rows = (cols["step"] > step - window) & (cols["step"] <= step)
    if not rows.any():
        return None
    return float(np.nanmean(cols["d_loss"][rows])), float(np.nanmean(cols["g_loss"][rows]))


def _cell(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def loss_level_table(losses: list[Path], steps: list[int], iterations: int) -> Table | None:
    """One row per step: D's and G's mean loss over its window, mean ± sd over the runs
    (`losses`, one losses.csv per seed); None when no run logged a loss near any step."""
    window = max(1, round(WINDOW_SHARE * iterations))
    runs = [read_losses(path) for path in losses]
    body = []
    for step in steps:
        levels = [m for m in (window_means(c, step, window) for c in runs) if m is not None]
        if levels:
            d, g = zip(*levels, strict=True)
            body.append([f"{step:,}", _cell(list(d)), _cell(list(g)), str(len(levels))])
    if not body:
        return None
    header = [f"step (mean of the last {window:,} iterations)", "D loss", "G loss", "seeds"]
    return Table(header, body)
