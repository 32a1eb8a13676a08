"""Side-by-side comparison of several runs: final samples, loss curves, one metrics table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from gankit.config import Config, load_config_file
from gankit.evaluation.registry import headline_keys
from gankit.evaluation.table import column_labels, format_cell
from gankit.figures.curves import plot_loss_comparison
from gankit.papers import PAPERS, paper_score
from gankit.report.caveats import warning_paragraphs
from gankit.report.document import Document, Heading, Image, ImageRow, Paragraph, Table
from gankit.report.sample_counts import (
    SAMPLES,
    count_cell,
    mixed,
    mixed_counts_warning,
    reference_rows,
)
from gankit.rundir import CONFIG, LOSS_PLOT, RunDir


def _open_runs(run_dirs: list[Path]) -> list[tuple[str, RunDir, Config]]:
    runs = []
    for d in run_dirs:
        run = RunDir(Path(d))
        if not run.config.exists():
            raise FileNotFoundError(f"{run.root}: no {CONFIG}; not a gankit run directory")
        runs.append((run, load_config_file(run.config)))
    names = [c.name for _, c in runs]
    # Two runs of one preset are told apart by their folder names.
    return [
        (f"{c.name} ({r.root.name})" if names.count(c.name) > 1 else c.name, r, c) for r, c in runs
    ]


def _metric_cells(metrics: dict, columns: tuple[str, ...]) -> list[str]:
    """The metrics of `columns`, with their spreads, as a run report shows them."""
    return [format_cell(metrics, k) for k in columns]


def build_comparison(run_dirs: list[Path], out: Path, title: str) -> Document:
    """A comparison document for `out`: the metrics table with the real-data floor under it
    (one row per reference size; runs scored on different sample counts are marked), then
    each run's final grid in one row of small images (copied under out/grids), then the
    loss curves."""
    runs = _open_runs(run_dirs)
    grids_dir = out / "grids"
    grids_dir.mkdir(parents=True, exist_ok=True)
    doc = Document(title)

    scores = [json.loads(run.metrics.read_text()) if run.metrics.exists() else {}
              for _, run, _ in runs]  # fmt: skip
    labels = column_labels(scores)
    by_count = mixed(scores)  # then every row says its count, and a warning says why
    header = ["run", "iterations", *([SAMPLES] if by_count else [])]
    columns = headline_keys(scores)
    header += [labels[k] for k in columns] + ["paper"]
    rows, data = [], []
    for (label, _, config), metrics in zip(runs, scores, strict=True):
        subset = f", classes {config.data.labels}" if config.data.labels else ""
        data.append((f"real test data ({config.data.dataset}{subset})", metrics))
        paper = paper_score(config.name)
        paper_cell = f"{paper[0]}: {paper[1]:.2f}" if paper else ""
        count = [count_cell(metrics)] if by_count else []
        rows.append([label, str(config.train.iterations), *count,
                     *_metric_cells(metrics, columns), paper_cell])  # fmt: skip
    for label, ref in reference_rows(data):
        count = [count_cell(ref)] if by_count else []
        rows.append([label, "", *count, *_metric_cells(ref, columns), ""])
    doc.add(Heading("Verdict"))
    warning = mixed_counts_warning(scores)
    if warning:
        doc.add(Paragraph(warning))
    doc.add(Table(header, rows))
    doc.add(*warning_paragraphs((label, m) for (label, _, _), m in zip(runs, scores, strict=True)))

    images = []
    for label, run, _ in runs:
        grids = run.sample_grids()
        if grids:
            target = grids_dir / f"{label.replace(' ', '_').replace('/', '_')}.png"
            shutil.copyfile(grids[-1], target)
            images.append(Image(f"grids/{target.name}", f"{label}, {grids[-1].stem}"))
    doc.add(Heading("Final samples (fixed noise)"), ImageRow(images))

    # named as a run's loss plot
    plot_loss_comparison({label: run.losses for label, run, _ in runs}, out / LOSS_PLOT)
    doc.add(Heading("Losses"), Image(LOSS_PLOT, "smoothed D and G losses of every run"))

    for key in sorted({c.paper for _, _, c in runs} & set(PAPERS)):
        doc.add(Heading(PAPERS[key].citation, 3), Paragraph(PAPERS[key].note))
    return doc
