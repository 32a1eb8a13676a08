"""Loss and metric curves, as the papers draw them: raw per-step values and a smoothed line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gankit.fileio import atomic_write_bytes  # noqa: E402


def read_csv_columns(path: Path) -> dict[str, np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    return {k: np.array([float(r[k]) if r[k] != "" else np.nan for r in rows]) for k in rows[0]}


def smooth(values: np.ndarray, weight: float = 0.9) -> np.ndarray:
    """Bias-corrected exponential moving average (TensorBoard's smoothing)."""
    out = np.empty_like(values, dtype=float)
    avg, norm = 0.0, 0.0
    for i, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out[i] = avg / norm
    return out


def _save(fig: plt.Figure, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, lambda f: f.write(buf.getvalue()))


def plot_losses(losses_csv: Path, out: Path, title: str = "") -> None:
    cols = read_csv_columns(losses_csv)
    if not cols or len(cols["step"]) == 0:
        return
    fig, ax = plt.subplots(figsize=(8, 4))
    for key, color in (("d_loss", "tab:blue"), ("g_loss", "tab:orange")):
        ax.plot(cols["step"], cols[key], color=color, alpha=0.25, linewidth=0.8)
        ax.plot(cols["step"], smooth(cols[key]), color=color, label=f"{key[0].upper()} loss")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title(title or "losses (faint: raw, solid: smoothed)")
    ax.grid(alpha=0.3)
    ax.legend()
    _save(fig, out)


def plot_metric_history(history_csv: Path, out: Path) -> None:
    cols = read_csv_columns(history_csv)
    keys = [k for k in cols if k not in ("step", "n_samples")]
    if not keys:
        return
    counts = sorted({int(n) for n in cols.get("n_samples", []) if np.isfinite(n)})
    on = f" ({', '.join(map(str, counts))} samples)" if counts else ""
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    for ax, key in zip(axes[0], keys, strict=True):
        ax.plot(cols["step"], cols[key], marker="o", markersize=3)
        ax.set_title(key + on)
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
    _save(fig, out)


def plot_loss_comparison(runs: dict[str, Path], out: Path) -> None:
    """Smoothed D and G losses of several runs on two shared axes."""
    fig, (ax_d, ax_g) = plt.subplots(1, 2, figsize=(12, 4))
    for name, losses_csv in runs.items():
        cols = read_csv_columns(losses_csv)
        if not cols or len(cols["step"]) == 0:
            continue
        ax_d.plot(cols["step"], smooth(cols["d_loss"], 0.98), label=name)
        ax_g.plot(cols["step"], smooth(cols["g_loss"], 0.98), label=name)
    for ax, title in ((ax_d, "discriminator loss"), (ax_g, "generator loss")):
        ax.set_title(f"{title} (smoothed)")
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
    ax_g.legend(fontsize=8)
    _save(fig, out)


def plot_errorbar_panels(
    panels: dict[str, dict[str, tuple[list[float], list[float], list[float]]]],
    out: Path,
    xlabel: str,
    xticks: list[str] | None = None,
    log_x: bool = False,
) -> None:
    """One panel per title, each with lines of (x, mean, error-bar half-width); with `xticks`
    the x values are positions 0..k-1 of unordered categories, drawn as points only."""
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.8 * cols, 3.3 * rows), squeeze=False)
    for ax, (title, lines) in zip(axes.flat, panels.items(), strict=False):
        for label, (x, y, err) in lines.items():
            ax.errorbar(x, y, yerr=np.nan_to_num(err), marker="o", capsize=3, label=label,
                        linestyle="-" if xticks is None else "none")  # fmt: skip
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        if xticks is not None:
            ax.set_xticks(range(len(xticks)), xticks, rotation=30, ha="right", fontsize=8)
        if log_x:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    if any(len(lines) > 1 for lines in panels.values()):
        axes.flat[len(panels) - 1].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, out)


def plot_loss_panels(runs: dict[str, Path], out: Path, title: str = "") -> bool:
    """The papers' loss figures: (a) the discriminator's and (b) the generator's loss in two
    panels, each run (seed) as a thin line of its logged values and the mean over runs, on the
    steps they share, smoothed as a bold line. False when no run has a logged step."""
    columns = {name: read_csv_columns(path) for name, path in runs.items() if path.is_file()}
    columns = {name: cols for name, cols in columns.items() if cols and len(cols["step"])}
    if not columns:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    shared = np.array(sorted(set.intersection(*(set(c["step"]) for c in columns.values()))))
    panels = (("d_loss", "(a) discriminator"), ("g_loss", "(b) generator"))
    for ax, (key, panel) in zip(axes, panels, strict=True):
        for name, cols in columns.items():
            ax.plot(cols["step"], cols[key], linewidth=0.6, alpha=0.55, label=name)
        if len(shared):
            stacked = [c[key][np.isin(c["step"], shared)] for c in columns.values()]
            label = "mean over seeds, smoothed" if len(columns) > 1 else "smoothed"
            ax.plot(shared, smooth(np.mean(stacked, axis=0)), color="black", linewidth=1.6,
                    label=label)  # fmt: skip
        ax.set_title(f"{panel} loss")
        ax.set_xlabel("iteration")
        ax.set_ylabel("loss")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    _save(fig, out)
    return True


def plot_history_panels(runs: dict[str, list[Path]], out: Path, keys: tuple[str, ...]) -> bool:
    """Each of `keys` from metrics_history.csv against the iteration, one panel per key: a
    colour per experiment, its seeds as thin lines and their mean, where they share a step,
    as a bold one; a key an experiment's evaluation has no column for is left out of its
    lines. False when no run has a periodic evaluation."""
    fig, axes = plt.subplots(1, len(keys), figsize=(6 * len(keys), 4), squeeze=False)
    drawn = False
    for i, (name, paths) in enumerate(runs.items()):
        histories = [read_csv_columns(p) for p in paths if p.is_file()]
        histories = [h for h in histories if h and len(h.get("step", []))]
        if not histories:
            continue
        drawn = True
        color = f"C{i % 10}"
        shared = np.array(sorted(set.intersection(*(set(h["step"]) for h in histories))))
        for ax, key in zip(axes[0], keys, strict=True):
            if any(key not in h for h in histories):
                continue  # another kind of evaluation (modes, not the classifier's scores)
            for h in histories:
                ax.plot(h["step"], h[key], color=color, linewidth=0.6, alpha=0.45)
            if len(shared):
                mean = np.mean([h[key][np.isin(h["step"], shared)] for h in histories], axis=0)
                ax.plot(shared, mean, color=color, linewidth=1.6, marker="o", markersize=3,
                        label=name)  # fmt: skip
    if not drawn:
        plt.close(fig)
        return False
    for ax, key in zip(axes[0], keys, strict=True):
        ax.set_title(key)
        ax.set_xlabel("iteration")
        ax.grid(alpha=0.3)
    # the legend on the last panel that names a line (in a mixed folder not every panel does)
    named = [ax for ax in axes[0] if ax.get_legend_handles_labels()[0]]
    if named:
        named[-1].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, out)
    return True
