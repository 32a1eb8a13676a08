"""report.md / report.html for one run: samples over training, loss curves, metrics beside
the real-data reference and the paper's own number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gankit.config import load_config_file
from gankit.evaluation.table import ROWS, format_cell
from gankit.papers import PAPERS, paper_score
from gankit.report.document import (
    Code,
    Document,
    Heading,
    Image,
    ImageRow,
    Paragraph,
    Table,
    write_document,
)
from gankit.training.rundir import RunDir


def metrics_table(metrics: dict[str, Any], preset: str | None = None) -> Table:
    """The terminal table's rows (evaluation.table.ROWS), plus the paper's score if any."""
    reference = metrics.get("reference", {})
    paper = paper_score(preset) if preset else None
    header = ["metric", "this run", "real test data"] + (["paper"] if paper else [])
    rows = []
    for label, key, spread, fmt in ROWS:
        if key not in metrics:
            continue
        row = [
            label.strip(),
            format_cell(metrics, key, spread, fmt),
            format_cell(reference, key, spread, fmt),
        ]
        if paper:
            row.append(f"{paper[0]}: {paper[1]:.2f}" if key == "is_mean" else "")
        rows.append(row)
    return Table(header, rows)


def _progression(run: RunDir, most: int = 6) -> list[Path]:
    grids = sorted(run.samples.glob("step_*.png"))
    if len(grids) <= most:
        return grids
    picks = {round(i * (len(grids) - 1) / (most - 1)) for i in range(most)}
    return [grids[i] for i in sorted(picks)]


def build_run_report(run_dir: Path) -> Document:
    run = RunDir(Path(run_dir))
    config = load_config_file(run.config)
    doc = Document(f"gankit run: {config.name}")
    if config.description:
        doc.add(Paragraph(config.description))
    grids = _progression(run)
    if grids:
        doc.add(Heading("Samples (fixed noise)"))
        doc.add(ImageRow([Image(str(g.relative_to(run.root)), g.stem) for g in grids]))
    if (run.plots / "losses.png").exists():
        doc.add(Heading("Losses"), Image("plots/losses.png", "D and G loss per iteration"))
    if (run.plots / "metrics.png").exists():
        doc.add(Heading("Metrics during training"), Image("plots/metrics.png", ""))
    if run.metrics.exists():
        metrics = json.loads(run.metrics.read_text())
        doc.add(Heading("Evaluation"))
        doc.add(
            Paragraph(
                f"{metrics.get('n_samples', '?')} samples scored with gankit's bundled "
                f"{config.data.dataset} classifier; the reference column scores real test "
                "images against the training set the same way, the best a generator can hope for."
            )
        )
        doc.add(metrics_table(metrics, config.name))
    if config.paper in PAPERS:
        doc.add(
            Heading("The paper"),
            Paragraph(f"{PAPERS[config.paper].citation}. {PAPERS[config.paper].note}"),
        )
    doc.add(Heading("Config"), Code(run.config.read_text(), "yaml"))
    return doc


def write_run_report(run_dir: Path) -> tuple[Path, Path]:
    return write_document(build_run_report(run_dir), Path(run_dir))
