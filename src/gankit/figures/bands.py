"""Curves of several seeds drawn as one line and a band: the seeds' mean where they all have a
value, and the span from the lowest to the highest seed around it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gankit.figures.curves import _save, plt

Curve = tuple[np.ndarray, np.ndarray]  # x (increasing), y


@dataclass(frozen=True)
class Band:
    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def seed_band(curves: list[Curve]) -> Band | None:
    """The seeds' curves on the x values that lie in the span every seed covers (the union of
    their own x values there), each seed linearly interpolated at them: their mean, lowest and
    highest. None when the seeds share no span of two points or more."""
    curves = [(x, y) for x, y in curves if len(x)]
    if not curves:
        return None
    start = max(float(x[0]) for x, _ in curves)
    end = min(float(x[-1]) for x, _ in curves)
    grid = np.unique(np.concatenate([x for x, _ in curves]))
    grid = grid[(grid >= start) & (grid <= end)]
    if len(grid) < 2 and len(curves) > 1:
        return None
    values = np.stack([np.interp(grid, x, y) for x, y in curves])
    return Band(grid, values.mean(axis=0), values.min(axis=0), values.max(axis=0))


def plot_band_panels(
    panels: dict[str, dict[str, list[Curve]]],
    out: Path,
    xlabel: str,
    log_y: frozenset[str] = frozenset(),
    mark_x: float | None = None,
) -> bool:
    """One panel per title, one line per label: its seeds' mean with the band from the lowest
    to the highest seed (seed_band), or each seed thin where they share no span. `log_y`: the
    panels drawn on a log scale; `mark_x`: a dashed vertical line (a budget). False when there
    is nothing to draw."""
    panels = {title: lines for title, lines in panels.items() if lines}
    if not panels:
        return False
    cols = min(2, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.0 * cols, 3.8 * rows), squeeze=False)
    for ax, (title, lines) in zip(axes.flat, panels.items(), strict=False):
        for index, (label, curves) in enumerate(lines.items()):
            color = f"C{index % 10}"
            band = seed_band(curves)
            if band is None:
                for n, (x, y) in enumerate(curves):
                    ax.plot(x, y, color=color, linewidth=0.8, label=label if n == 0 else None)
                continue
            ax.plot(band.x, band.mean, color=color, marker="o", markersize=3, label=label)
            if len(curves) > 1:
                ax.fill_between(band.x, band.low, band.high, color=color, alpha=0.2)
        if mark_x is not None:
            ax.axvline(mark_x, color="black", linestyle="--", linewidth=0.8)
        if title in log_y:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    _save(fig, out)
    return True
