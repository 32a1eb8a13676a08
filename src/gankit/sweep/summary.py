"""OUT/summary.md, summary.html, summary.csv (one row per grid point), trials.csv (one row per
trial) and summary.png (each metric against the swept knob, with 95% intervals as bars)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from gankit.evaluation.registry import headline_keys, metric
from gankit.evaluation.table import column_labels, scaled
from gankit.figures.curves import plot_errorbar_panels
from gankit.fileio import atomic_write_text
from gankit.report.caveats import warning_paragraphs
from gankit.report.document import Document, Heading, Image, Paragraph, Table, write_document
from gankit.report.sample_counts import SAMPLES, count_cell, mixed, mixed_counts_warning
from gankit.sweep.aggregate import CONFIDENCE, GroupRow, Stat, TrialRow, group_rows

PLOT = "summary.png"


def knobs(rows: list[TrialRow]) -> list[str]:
    """The grid's config keys, in grid order."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row.point))
    return list(seen)


def value_cell(key: str, value: float) -> str:
    """A value as the tables show it (Inception KID x10^3); a count's mean or spread to two
    decimals."""
    fmt = metric(key).fmt
    return ("{:.2f}" if fmt == "{}" else fmt).format(scaled(key, value))


def stat_cell(stat: Stat, metric: str) -> str:
    """'mean ± sd [low, high]'; one seed gives the value alone, no seed a dash."""
    if stat.n == 0:
        return "-"
    mean, sd, low, high = (value_cell(metric, v) for v in (stat.mean, stat.sd, stat.low, stat.high))
    return mean if stat.n == 1 else f"{mean} ± {sd} [{low}, {high}]"


def _point_cells(point: dict[str, Any], keys: list[str]) -> list[str]:
    return [str(point.get(k, "")) for k in keys]


def seed_table(
    groups: list[GroupRow],
    keys: list[str],
    extra: dict[str, str] | None = None,
    metrics: tuple[str, ...] | None = None,
    labels: dict[str, str] | None = None,
) -> Table:
    """Per grid point: seeds and 'mean ± sd [95% interval]' of each of `metrics` (default: the
    headline metrics; the groups must hold their statistics) under `labels` (default: headers
    naming no network); `extra` adds a last column by preset (the paper's number). Groups
    scored on different sample counts get a samples column."""
    metrics = headline_keys() if metrics is None else metrics
    labels = column_labels([]) if labels is None else labels
    by_count = len({g.samples for g in groups}) > 1
    header = ["preset", *keys, "seeds", *([SAMPLES] if by_count else [])]
    header += [labels[m] for m in metrics] + (["paper"] if extra else [])
    rows = []
    for g in groups:
        row = [g.preset, *_point_cells(g.point, keys), str(len(g.seeds))]
        row += [f"{g.samples:,}" if g.samples else "-"] if by_count else []
        row += [stat_cell(g.stats[m], m) for m in metrics]
        rows.append(row + ([extra.get(g.preset, "")] if extra else []))
    return Table(header, rows)


def trial_table(rows: list[TrialRow], keys: list[str], labels: dict[str, str]) -> Table:
    metrics = headline_keys()
    by_count = mixed(r.metrics for r in rows)
    header = ["trial", "preset", *keys, "seed", "status", "seconds"]
    header += [SAMPLES] * by_count + [labels[m] for m in metrics]
    body = []
    for r in rows:
        cells = [count_cell(r.metrics)] * by_count
        cells += [value_cell(m, r.metrics[m]) if m in r.metrics else "-" for m in metrics]
        body.append([r.name, r.preset, *_point_cells(r.point, keys), str(r.seed), r.status,
                     f"{r.seconds:.0f}", *cells])  # fmt: skip
    return Table(header, body)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def plot_groups(groups: list[GroupRow], keys: list[str], out: Path, labels: dict[str, str]) -> bool:
    """Each metric against the first grid key that varies (or the preset when none does), a
    line per preset and value of the other varying keys; bars are the 95% intervals."""
    if not groups:
        return False
    keys = [k for k in keys if len({json.dumps(g.point.get(k)) for g in groups}) > 1]
    knob = keys[0] if keys else None
    # A folder of several sweeps: a trial without a key (it kept the preset's value) shows "-".
    xs = [g.point.get(knob, "-") if knob else g.preset for g in groups]
    numeric = all(_is_number(x) for x in xs)
    ticks = None if numeric else list(dict.fromkeys(str(x) for x in xs))
    log_x = numeric and min(xs) > 0 and max(xs) / min(xs) >= 10
    panels: dict[str, dict[str, tuple[list[float], list[float], list[float]]]] = {}
    for key in headline_keys():
        lines: dict[str, tuple[list[float], list[float], list[float]]] = {}
        for g, x in zip(groups, xs, strict=True):
            others = ", ".join(f"{k}={g.point.get(k, '-')}" for k in keys[1:])
            label = g.preset + (f", {others}" if others else "") if knob else "over seeds"
            line = lines.setdefault(label, ([], [], []))
            stat = g.stats[key]
            line[0].append(float(x) if numeric else ticks.index(str(x)))  # type: ignore[union-attr]
            line[1].append(scaled(key, stat.mean))
            line[2].append(scaled(key, stat.high - stat.mean) if stat.n > 1 else math.nan)
        panels[labels[key]] = lines
    plot_errorbar_panels(panels, out, knob or "preset", xticks=ticks, log_x=log_x)
    return True


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def summary_csv(groups: list[GroupRow], keys: list[str]) -> str:
    metrics = headline_keys()
    header = ["preset", *keys, "n_seeds", "seeds", "n_samples"]
    for m in metrics:
        header += [f"{m}_mean", f"{m}_sd", f"{m}_ci_low", f"{m}_ci_high"]
    rows = []
    for g in groups:
        row: list[Any] = [g.preset, *(g.point.get(k, "") for k in keys), len(g.seeds)]
        row += [" ".join(map(str, g.seeds)), "" if g.samples is None else g.samples]
        for m in metrics:
            s = g.stats[m]
            row += [s.mean, s.sd, s.low, s.high]
        rows.append(row)
    return _csv(header, rows)


def trials_csv(rows: list[TrialRow], keys: list[str]) -> str:
    metrics = headline_keys()
    header = ["trial", "preset", *keys, "seed", "status", "seconds", "error", "n_samples",
              *metrics]  # fmt: skip
    body = [
        [r.name, r.preset, *(r.point.get(k, "") for k in keys), r.seed, r.status,
         round(r.seconds, 2), r.error, r.metrics.get("n_samples", ""),
         *(r.metrics.get(m, "") for m in metrics)]
        for r in rows
    ]  # fmt: skip
    return _csv(header, body)


def write_summary(rows: list[TrialRow], out: Path, title: str, made_by: str) -> tuple[Path, Path]:
    keys = knobs(rows)
    groups = group_rows(rows)
    labels = column_labels(r.metrics for r in rows)
    atomic_write_text(out / "summary.csv", summary_csv(groups, keys))
    atomic_write_text(out / "trials.csv", trials_csv(rows, keys))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    doc = Document(title)
    doc.add(Paragraph(f"{made_by} {len(rows)} trials: {tally}."))
    doc.add(
        Heading("Over seeds"),
        Paragraph(
            f"Each cell: mean ± sample standard deviation over the seeds, then the "
            f"{CONFIDENCE:.0%} Student-t interval for the mean; one seed shows its value alone; "
            "each trial's values: [Per seed](#per-seed), below."
        ),
    )
    warning = mixed_counts_warning(r.metrics for r in rows)
    if warning:
        doc.add(Paragraph(warning))
    doc.add(seed_table(groups, keys, labels=labels))
    if plot_groups(groups, keys, out / PLOT, labels):
        doc.add(Image(PLOT, f"each metric over seeds; bars: {CONFIDENCE:.0%} intervals"))
    doc.add(Heading("Per seed"), trial_table(rows, keys, labels))
    doc.add(*warning_paragraphs((r.name, r.metrics) for r in rows))
    failed = [r for r in rows if r.error]
    if failed:
        doc.add(Heading("Errors"))
        doc.add(Table(["trial", "status", "error (the trial's error.txt has the traceback)"],
                      [[r.name, r.status, r.error] for r in failed]))  # fmt: skip
    return write_document(doc, out, stem="summary")
