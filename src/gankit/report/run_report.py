"""report.md / report.html for one run: samples over training, loss curves, metrics beside
the real-data reference and the paper's own number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gankit.config import load_config_file
from gankit.data.folder import single_class
from gankit.evaluation.registry import best_checkpoint_metric, registered, verdict_metrics
from gankit.evaluation.table import format_cell, network, per_class_table, row_label, run_rows
from gankit.papers import PAPERS, paper_score
from gankit.provenance import describe as describe_provenance
from gankit.provenance import read_provenance, rerun_command
from gankit.report.caveats import warning_paragraphs
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
from gankit.rundir import BEST, REPORT, RunDir, step_of


def metrics_table(metrics: dict[str, Any], preset: str | None = None) -> Table:
    """The terminal table's rows (evaluation.table.run_rows), plus the paper's score if any."""
    reference = metrics.get("reference", {})
    paper = paper_score(preset) if preset else None
    header = ["metric", "this run", "real test data"] + (["paper"] if paper else [])
    rows = []
    for m in run_rows():
        if m.key not in metrics:
            continue
        row = [
            row_label(m.label, metrics).strip(),
            format_cell(metrics, m.key),
            format_cell(reference, m.key),
        ]
        if paper:
            row.append(f"{paper[0]}: {paper[1]:.2f}" if m.key == "is_mean" else "")
        rows.append(row)
    return Table(header, rows)


def _progression(run: RunDir, most: int = 8) -> list[Path]:
    grids = run.sample_grids()
    if len(grids) <= most:
        return grids
    picks = {round(i * (len(grids) - 1) / (most - 1)) for i in range(most)}
    return [grids[i] for i in sorted(picks)]


def _add_earlier_checkpoints(doc: Document, run: RunDir, preset: str) -> None:
    """The scores of other checkpoints than the last (`gankit eval --checkpoint`), and where a
    kept best.pt is not scored yet, the periodic evaluation that chose it."""
    for path in run.earlier_metrics:
        metrics = json.loads(path.read_text())
        which = metrics.get("checkpoint", path.stem.removeprefix("metrics_"))
        doc.add(
            Heading(f"Checkpoint {which} (step {metrics.get('step', '?')})", 3),
            *warning_paragraphs([("", metrics)]),
            Paragraph(verdict(metrics, preset)),
            metrics_table(metrics, preset),
        )
    if run.best_checkpoint.exists() and not run.metrics_of(BEST).exists():
        rule = best_checkpoint_metric()
        best = run.best_periodic_eval(rule)
        if best is not None:
            side = "lowest" if rule.better == "lower" else "highest"
            doc.add(
                Paragraph(
                    f"checkpoints/best.pt holds step {best['step']}, the {side} periodic "
                    f"{rule.name} ({float(best[rule.key]):.2f} on {best['n_samples']} samples). "
                    f"Score it in full with `gankit eval {run.root} --checkpoint best`."
                )
            )


def verdict(metrics: dict[str, Any], preset: str | None = None) -> str:
    """One sentence: the verdict metrics beside the real data's (and the paper's), to two
    decimals (counts whole)."""
    reference = metrics.get("reference", {})
    parts = []
    for m in verdict_metrics():
        fmt = "{}" if m.fmt == "{}" else "{:.2f}"
        if metrics.get(m.key) is not None:
            text = f"{m.name} {fmt.format(metrics[m.key] * m.scale)}"
            if reference.get(m.key) is not None:
                text += f" (real data: {fmt.format(reference[m.key] * m.scale)})"
            parts.append(text)
    sentence = f"After {metrics['step']} iterations: " if "step" in metrics else ""
    sentence += "; ".join(parts) + "."
    paper = paper_score(preset) if preset else None
    if paper:
        sentence += f" The paper reports {paper[0]} {paper[1]:.2f}, on its own scale."
    return sentence


def scored_with(metrics: dict[str, Any]) -> str:
    """What the numbers were computed with, and what the real-data column is."""
    # what the feature space of metrics.json's `features` gave
    measured = [m.space for m in registered() if m.space is not None and m.key in metrics]
    spaces = f"in the {network(metrics)}'s features ({', '.join(measured)})" if measured else ""
    if "fid_inception" in metrics:
        inception = "the standard FID Inception network's features (its FID and KID)"
        spaces = f"{spaces}, and in {inception}" if spaces else f"in {inception}"
    if ":" in str(metrics.get("features")):
        spaces += "; another dataset's classifier, so no IS or class statistics"
    return (
        f"{metrics.get('n_samples', '?')} samples scored {spaces}; the real-data column scores "
        "real test images against the training set the same way, the best a generator can "
        "hope for."
    )


def not_evaluated(run_dir: Path, dataset: str) -> str:
    """What to run for the metrics; for data of one class, which metrics it can have."""
    if not single_class(dataset):
        return f"Not evaluated: run `gankit eval {run_dir}` for the metrics."
    from gankit.evaluation.classifier import WITHOUT_CLASSIFIER

    return (
        f"Not evaluated: {dataset} has one class, so no classifier of its own to compute IS, "
        f"FID and the class statistics with. Score it with `gankit eval {run_dir}` and "
        f"{WITHOUT_CLASSIFIER}."
    )


def build_run_report(run_dir: Path) -> Document:
    """Verdict first (the metrics against the real-data floor), then the samples over
    training as a row of small grids, then the curves, the paper and the config."""
    run = RunDir(Path(run_dir))
    config = load_config_file(run.config)
    doc = Document(f"gankit run: {config.name}")
    if config.description:
        doc.add(Paragraph(config.description))
    doc.add(Heading("Verdict"))
    if run.metrics.exists():
        metrics = json.loads(run.metrics.read_text())
        doc.add(*warning_paragraphs([("", metrics)]))
        doc.add(Paragraph(verdict(metrics, config.name)), metrics_table(metrics, config.name))
        doc.add(Paragraph(scored_with(metrics)))
        if "per_class_fid" in metrics:
            header, *rows = per_class_table(metrics)
            doc.add(Heading("Per class (real data in brackets)", 3), Table(header, rows))
    else:
        doc.add(Paragraph(not_evaluated(run.root, config.data.dataset)))
    _add_earlier_checkpoints(doc, run, config.name)
    timing = describe_timing(run.timing)
    if timing:
        doc.add(Paragraph(timing))
    _add_provenance(doc, run)
    grids = _progression(run)
    if grids:
        doc.add(Heading("Samples over training (fixed noise)"))
        doc.add(ImageRow([Image(str(g.relative_to(run.root)), _step_caption(g)) for g in grids]))
    if run.loss_plot.exists():
        loss_plot = str(run.loss_plot.relative_to(run.root))
        doc.add(Heading("Losses"), Image(loss_plot, "D and G loss per iteration"))
    if run.metric_plot.exists():
        metric_plot = str(run.metric_plot.relative_to(run.root))
        doc.add(Heading("Metrics during training"), Image(metric_plot, ""))
    if config.paper in PAPERS:
        doc.add(
            Heading("The paper"),
            Paragraph(f"{PAPERS[config.paper].citation}. {PAPERS[config.paper].note}"),
        )
    doc.add(Heading("Config"), Code(run.config.read_text(), "yaml"))
    return doc


def _add_provenance(doc: Document, run: RunDir) -> None:
    """What made the run (provenance.json), and the command that trains it again."""
    segments = read_provenance(run.provenance)
    doc.add(Paragraph(describe_provenance(segments)))
    command = rerun_command(segments[-1]) if segments else None
    if command:
        doc.add(Paragraph("The same config again, into a new folder:"))
        doc.add(Code(f"{command} --out NEW_RUN_DIR", "bash"))


def machines_label(machines: list[dict[str, Any]]) -> str:
    """The machines a run trained on, '; '-joined. A record that another one repeats with more
    detail (the same machine, recorded before records named the CPU's family) is left out."""
    distinct = [
        m
        for m in machines
        if not any(o is not m and m.items() < o.items() for o in machines)  # a strict subset
    ]
    return "; ".join(machine_label(m) for m in distinct)


def machine_label(machine: dict[str, Any]) -> str:
    """A timing.json machine record as 'CPU or GPU (capability, N threads, torch V)', the CPU
    with its family and model where the record has them."""
    where = machine.get("gpu") or machine.get("cpu")
    if not machine.get("gpu") and machine.get("cpu_id"):
        where = f"{where} [{machine['cpu_id']}]"
    threads, torch_version = machine.get("torch_threads"), machine.get("torch")
    plural = "" if threads == 1 else "s"
    return f"{where} ({machine.get('capability')}, {threads} thread{plural}, torch {torch_version})"


def duration_label(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def describe_timing(path: Path) -> str | None:
    """One sentence for a report: how long the run trained and where; None without a record
    (a run trained before gankit timed runs) or when part of it was not timed."""
    try:
        total = json.loads(path.read_text())["total"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if total.get("seconds") is None:
        return None
    where = machines_label(total["machines"])
    resumes = total["segments"] - 1
    over = f", resumed {resumes} time{'s' if resumes > 1 else ''}," if resumes else ""
    return (
        f"Trained {total['steps']:,} iterations in {duration_label(total['seconds'])} of wall "
        f"time{over} (sample grids, periodic evaluations and checkpoints included), on {where}."
    )


def _step_caption(grid: Path) -> str:
    return f"step {step_of(grid):,}"


def write_run_report(run_dir: Path) -> tuple[Path, Path]:
    return write_document(build_run_report(run_dir), Path(run_dir), REPORT)
