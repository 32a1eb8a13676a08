"""The reproduction report of a set of runs (seeds of a paper's experiments): the metrics over
seeds beside the paper's numbers, each seed's row, then per experiment the paper's figures
regenerated (sample grids at the steps the paper shows, D and G loss panels) beside their
captions.

It reads from each run only what `gankit report collect` keeps (config.yaml, metrics.json,
trial.json, collected.json, losses.csv, samples/), so the same page is built from a
reproduction's run directories and from their committed collection."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from gankit.config import Config, ConfigError, load_config, load_config_file
from gankit.data import dataset_info
from gankit.evaluation.registry import headline_keys, periodic_keys
from gankit.evaluation.table import column_labels, format_cell
from gankit.figures.curves import plot_history_panels, plot_loss_panels
from gankit.papers import PAPERS, Paper
from gankit.provenance import NOT_RECORDED, precision, provenance_label, read_provenance
from gankit.report.caveats import warning_paragraphs
from gankit.report.collect import collected_runs, read_collected
from gankit.report.document import (
    Block,
    Document,
    Heading,
    Image,
    ImageRow,
    Paragraph,
    Table,
    write_document,
)
from gankit.report.figure_steps import experiment_figures, figure_grids
from gankit.report.loss_levels import loss_level_table
from gankit.report.run_report import duration_label, machines_label
from gankit.report.sample_counts import (
    SAMPLES,
    count_cell,
    mixed,
    mixed_counts_warning,
    reference_rows,
)
from gankit.rundir import RunDir
from gankit.sweep.aggregate import CONFIDENCE, Stat, TrialRow, group_rows
from gankit.sweep.summary import seed_table, value_cell

FIGURES = "figures"  # the report's own images, beside report.md


@dataclass
class ReportRun:
    run: RunDir
    config: Config
    metrics: dict[str, Any]
    trial: dict[str, Any] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)
    provenance: list[dict[str, Any]] | None = None  # provenance.json's segments
    point: dict[str, Any] = field(default_factory=dict)  # set by place_in_experiments

    @property
    def name(self) -> str:
        return self.run.root.name

    @property
    def seed(self) -> int:
        return self.config.train.seed


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        return {}


def open_runs(run_dirs: list[Path]) -> list[ReportRun]:
    runs = []
    for run_dir in run_dirs:
        run = RunDir(Path(run_dir))
        config = load_config_file(run.config)
        runs.append(ReportRun(run, config, _read_json(run.metrics), _read_json(run.trial),
                              _read_json(run.timing), read_provenance(run.provenance)))  # fmt: skip
    return place_in_experiments(runs)


def machine_of(run: ReportRun) -> str:
    """Where the run trained: timing.json's machines, or trial.json's host for a run trained
    before runs were timed; '-' where neither says."""
    machines = (run.timing.get("total") or {}).get("machines")
    if machines:
        return machines_label(machines)
    return str(run.trial.get("host") or "-")


def _trained_on(run: ReportRun) -> str:
    """machine_of with the wall time from timing.json and the date from trial.json; only the
    host and date for a run trained before runs were timed."""
    when = str(run.trial.get("time", ""))[:10]
    total = run.timing.get("total") or {}
    if total.get("machines"):
        where = machine_of(run)
        seconds = total.get("seconds")
        took = f", {duration_label(seconds)}" if seconds is not None else ", time partly unrecorded"
        return f"{where}{took}" + (f", {when}" if when else "")
    if not run.trial:
        return "-"
    return " ".join(part for part in (str(run.trial.get("host", "")), when) if part) or "-"


def made_by(run: ReportRun) -> str:
    """Commit, torch and precision from provenance.json; for a run trained before it was
    recorded, the precision its config.yaml resolved."""
    if run.provenance:
        return provenance_label(run.provenance)
    return f"code {NOT_RECORDED}, {precision(run.config)}"


def _setup(config: Config) -> str:
    """What a run computes, its seed aside: the config's fingerprint at seed 0 and its length."""
    unseeded = config.model_copy(deep=True)
    unseeded.train.seed = 0
    return f"{unseeded.fingerprint()[:8]}x{config.train.iterations}"


def _computed_settings(config: Config) -> dict[str, Any]:
    """The settings that decide what a run computes, its seed aside, and its length."""
    settings = config.computed_settings() | {"train.iterations": config.train.iterations}
    settings.pop("train.seed", None)
    return settings


def _setup_labels(configs: list[Config]) -> list[str]:
    """For runs of one experiment that compute different things, each run's settings where
    they differ, e.g. 'train.iterations=14000 train.r1_gamma=1.0': a reader sees what
    separates the rows, where a fingerprint would name them without saying."""
    settings = [_computed_settings(c) for c in configs]
    keys = sorted(k for k in set().union(*settings) if len({repr(s.get(k)) for s in settings}) > 1)
    return [" ".join(f"{k}={s.get(k)}" for k in keys) for s in settings]


def description(config: Config) -> str:
    """The preset's description as it reads now when the run computes what the preset computes
    (its speed and precision settings aside, which a run resolves on its machine): the text is
    outside the fingerprint and may have been revised, e.g. to say which reading a reproduction
    runs. Otherwise the description the run recorded."""
    try:
        preset = load_config(config.name, [f"train.seed={config.train.seed}"])
    except ConfigError:
        return config.description
    same = preset.model_copy(update={"perf": config.perf}).fingerprint() == config.fingerprint()
    return preset.description if same else config.description


def place_in_experiments(runs: list[ReportRun]) -> list[ReportRun]:
    """Sets each run's `point`, its experiment within its preset: its sweep grid point (the
    values trial.json records) and, where runs of one preset and point still compute different
    things (a preset changed between runs, another length), a `config` entry naming the setup,
    so that the report never pools two setups as seeds of one experiment."""
    points = [dict(r.trial.get("point") or {}) for r in runs]
    keys = [
        json.dumps([r.config.name, p], sort_keys=True) for r, p in zip(runs, points, strict=True)
    ]
    setups = [_setup(r.config) for r in runs]
    seen: dict[str, set[str]] = {}
    for key, setup in zip(keys, setups, strict=True):
        seen.setdefault(key, set()).add(setup)
    for key in {k for k, s in seen.items() if len(s) > 1}:
        members = [i for i, k in enumerate(keys) if k == key]
        labels = _setup_labels([runs[i].config for i in members])
        for i, label in zip(members, labels, strict=True):
            points[i]["config"] = label
    for run, point in zip(runs, points, strict=True):
        run.point = point
    return runs


def over_seeds_table(runs: list[ReportRun], paper: Paper | None) -> Table:
    """Mean ± sd over seeds per experiment (place_in_experiments): per preset and, for the runs
    of a sweep's grid, per grid point, so that different readings are never pooled."""
    rows = [
        TrialRow(r.name, r.config.name, r.point, r.seed, "finished", 0.0, "", r.metrics)
        for r in runs
        if r.metrics
    ]
    keys = sorted({k for row in rows for k in row.point})
    scores = {
        preset: reported
        for preset in {row.preset for row in rows}
        if paper and (reported := paper.reported(preset)) is not None
    }
    metrics = report_metrics(runs, paper)
    labels = column_labels(r.metrics for r in runs)
    return seed_table(group_rows(rows, metrics), keys, scores or None, metrics, labels)


def report_metrics(runs: list[ReportRun], paper: Paper | None) -> tuple[str, ...]:
    """The headline metrics (the paper's own, where it names them; those shown where scored if
    a run holds them), then those the paper's own scores call for."""
    headline = headline_keys(r.metrics for r in runs)
    if paper is None:
        return headline
    return (headline if paper.headline is None else paper.headline) + paper.metrics


def _over_seeds_cell(stat: Stat, metric: str) -> str:
    """'mean ± sd (s.e. x, n seeds)': the standard error to set beside a paper's."""
    if stat.n == 0:
        return "-"
    mean = value_cell(metric, stat.mean)
    if stat.n == 1:
        return f"{mean} (1 seed)"
    sd, se = value_cell(metric, stat.sd), value_cell(metric, stat.sd / math.sqrt(stat.n))
    return f"{mean} ± {sd} (s.e. {se}, {stat.n} seeds)"


def paper_table_blocks(runs: list[ReportRun], paper: Paper | None) -> list[Block]:
    """The paper's results table, row by row, each of its cells beside gankit's mean ± sd over
    the seeds of the preset `gankit reproduce` runs for that row (a row it does not rerun: the
    paper's cells alone)."""
    if paper is None or paper.table is None:
        return []
    table = paper.table
    header = ["row", "gankit preset"]
    for label in table.columns.values():
        header += [f"{label}: paper", f"{label}: gankit"]
    body = []
    for row in table.rows:
        preset = paper.preset_of(row.experiment) if row.experiment else None
        trials = [
            TrialRow(r.name, r.config.name, r.point, r.seed, "finished", 0.0, "", r.metrics)
            for r in runs
            if r.metrics and r.config.name == preset
        ]
        groups = group_rows(trials, tuple(table.columns))
        cells = [f"{row.model} (from {row.source})" if row.source else row.model,
                 preset or "not rerun"]  # fmt: skip
        for key in table.columns:
            if len(groups) > 1:
                ours = "several setups: see Over seeds"
            elif groups:
                ours = _over_seeds_cell(groups[0].stats[key], key)
            else:
                ours = "not run yet" if preset else ""
            cells += [str(row.cells[key]) if key in row.cells else "-", ours]
        body.append(cells)
    trials_text = f" over {table.trials} trials" if table.trials else ""
    return [
        Heading(f"The paper's {table.number} beside gankit"),
        Paragraph(
            f"The paper's {table.number}: \u201c{table.caption}\u201d Its ± is the "
            f"{table.spread}{trials_text}; gankit's is the standard deviation over its seeds, "
            "with the standard error (sd / \u221an) in brackets."
        ),
        Table(header, body),
    ]


def per_seed_table(runs: list[ReportRun], paper: Paper | None) -> Table:
    """Each run's headline metrics (as in metrics.json, rounded as the table above), then the
    real data's values once per dataset, class subset and size (Stacked MNIST's are as many of
    its training images as the run scored samples; other datasets' are the test split's). Runs
    scored on different sample counts get a samples column (and the report a warning)."""
    metrics = report_metrics(runs, paper)
    labels = column_labels(r.metrics for r in runs)
    by_count = mixed(r.metrics for r in runs)
    header = ["run", "seed", "iterations", *([SAMPLES] if by_count else []),
              *(labels[m] for m in metrics), "trained on", "code, torch, precision"]  # fmt: skip
    body, data = [], []
    for r in runs:
        cells = [count_cell(r.metrics)] if by_count else []
        cells += [format_cell(r.metrics, m, spread=False) for m in metrics]
        body.append([r.name, str(r.seed), str(r.config.train.iterations), *cells,
                     _trained_on(r), made_by(r)])  # fmt: skip
        subset = f", classes {r.config.data.labels}" if r.config.data.labels else ""
        what = "real training images" if dataset_info(r.config.data.dataset).counts_modes \
            else "real test data"  # fmt: skip
        data.append((f"{what} ({r.config.data.dataset}{subset})", r.metrics))
    for label, ref in reference_rows(data):
        cells = [count_cell(ref)] if by_count else []
        cells += [format_cell(ref, m, spread=False) for m in metrics]
        body.append([label, "", "", *cells, "", ""])
    return Table(header, body)


def relative_link(path: Path, out: Path) -> str:
    """`path` as a page in `out` links to it."""
    return os.path.relpath(path, out)


def experiment_label(preset: str, point: dict[str, Any]) -> str:
    return ", ".join([preset, *(f"{k}={v}" for k, v in point.items())])


def experiment_blocks(
    preset: str, point: dict[str, Any], runs: list[ReportRun], out: Path
) -> list[Block]:
    """One experiment: the lowest seed's grids at the figure steps beside the paper's caption,
    then the loss panels of every seed."""
    figures = experiment_figures(preset)
    first = min(runs, key=lambda r: r.seed)
    label = experiment_label(preset, point)
    blocks: list[Block] = [Heading(f"{label}: {description(first.config)}", 3)]
    grids = figure_grids(first.run, first.config)
    if figures:
        fig = figures.samples
        where = " The caption names no step: shown are the start and the preset's milestones." \
            if fig.steps is None else ""  # fmt: skip
        where += f" Steps from {fig.source}." if fig.source else ""
        blocks.append(Paragraph(f"The paper's {fig.number}: \u201c{fig.caption}\u201d{where}"))
    if grids:
        blocks.append(Paragraph(f"Seed {first.seed}, fixed noise:"))
        blocks.append(ImageRow([Image(relative_link(g.path, out), g.caption) for g in grids]))
    thinned = {read_collected(r.run.root).get("losses_every", 1) for r in runs}
    every = max(thinned) if thinned else 1
    # the lowest seed's run name without its seed: unique per experiment, as trial names are
    stem = first.name.removesuffix(f"-s{first.seed}")
    stem += f"_config={_setup(first.config)}" if "config" in point else ""
    image = out / FIGURES / f"{stem}-losses.png"
    seeds = {f"seed {r.seed}": r.run.losses for r in sorted(runs, key=lambda r: r.seed)}
    if plot_loss_panels(seeds, image, label):
        caption = f"the paper's {figures.losses.number}: \u201c{figures.losses.caption}\u201d; " \
            if figures and figures.losses else ""  # fmt: skip
        caption += f"here: (a) D and (b) G loss of {len(seeds)} seed{'s' if len(seeds) > 1 else ''}"
        caption += f" (one logged row in {every})" if every > 1 else ""
        blocks.append(Image(relative_link(image, out), caption))
    steps = sorted({s for s in (*(g.step for g in grids), first.config.train.iterations) if s})
    levels = loss_level_table([r.run.losses for r in runs], steps, first.config.train.iterations)
    if levels is not None:
        blocks.append(Paragraph("Loss levels at those steps, for the paper's descriptions:"))
        blocks.append(levels)
    return blocks


def _history_keys(runs: list[ReportRun]) -> tuple[str, ...]:
    """The periodic evaluation's columns of the runs' kinds: modes for Stacked MNIST, the
    classifier's scores for image data, both for a folder holding both."""
    kinds = {"modes" if dataset_info(r.config.data.dataset).counts_modes else "classifier"
             for r in runs}  # fmt: skip
    return tuple(key for kind in sorted(kinds) for key in periodic_keys(kind))


def history_blocks(
    by_experiment: dict[str, list[ReportRun]], out: Path, keys: tuple[str, ...]
) -> list[Block]:
    """The periodic evaluation's `keys` (metrics_history.csv) of every experiment in one
    figure."""
    image = out / FIGURES / "metrics-during-training.png"
    histories = {e: [r.run.metric_history for r in runs] for e, runs in by_experiment.items()}
    if not plot_history_panels(histories, image, keys):
        return []
    labels = column_labels([])
    caption = (
        f"{' and '.join(labels[k] for k in keys)} during training (log.eval_every, on "
        "log.eval_samples samples each, which metrics_history.csv records): each experiment's "
        "seeds thin, their mean bold"
    )
    return [Heading("Metrics during training"), Image(relative_link(image, out), caption)]


def in_paper_order(runs: list[ReportRun], paper: Paper | None) -> list[ReportRun]:
    """The paper's own presets first, in its order, then the others by name; within a preset by
    grid point, then seed. Every table and figure block of the report follows it."""
    order = list(paper.presets) if paper else []
    return sorted(
        runs,
        key=lambda r: (
            order.index(r.config.name) if r.config.name in order else len(order),
            r.config.name,
            json.dumps(r.point, sort_keys=True),
            r.seed,
        ),
    )


def build_paper_report(
    run_dirs: list[Path], out: Path, title: str, made: str, paper: Paper | None = None
) -> Document:
    """The report document for `out` (its loss panels are written under out/figures, whose
    images from an earlier build are removed first: an experiment renamed or regrouped since
    leaves no stale figure behind)."""
    runs = in_paper_order(open_runs(run_dirs), paper)
    for stale in (out / FIGURES).glob("*.png"):
        stale.unlink()
    doc = Document(title)
    doc.add(Paragraph(made))
    doc.add(
        Heading("Over seeds"),
        Paragraph(
            "Each cell: mean ± standard deviation over the seeds, then the "
            f"{CONFIDENCE:.0%} Student-t interval for the mean; each seed's values: "
            "[Per seed](#per-seed), below."
        ),
        over_seeds_table(runs, paper),
    )
    doc.add(*paper_table_blocks(runs, paper))
    doc.add(Heading("Per seed"))
    warning = mixed_counts_warning(r.metrics for r in runs)
    if warning:
        doc.add(Paragraph(warning))
    doc.add(per_seed_table(runs, paper))
    doc.add(*warning_paragraphs((r.name, r.metrics) for r in runs))
    experiments: dict[str, tuple[str, dict[str, Any], list[ReportRun]]] = {}
    for r in runs:
        label = experiment_label(r.config.name, r.point)
        experiments.setdefault(label, (r.config.name, r.point, []))[2].append(r)
    doc.add(Heading("The paper's figures, regenerated"))
    for preset, point, members in experiments.values():
        doc.add(*experiment_blocks(preset, point, members, out))
    histories = {label: e[2] for label, e in experiments.items()}
    doc.add(*history_blocks(histories, out, paper.history if paper else _history_keys(runs)))
    if paper:
        doc.add(Heading("The paper"), Paragraph(f"{paper.citation}. {paper.note}"))
    return doc


def paper_of(run_dirs: list[Path]) -> Paper | None:
    """The paper every run belongs to, if they share one."""
    keys = {load_config_file(RunDir(d).config).paper for d in run_dirs}
    key = keys.pop() if len(keys) == 1 else None
    return PAPERS.get(key) if key else None


def rebuild_report(folder: Path) -> tuple[Path, Path]:
    """FOLDER/report.md and report.html from the runs collected in FOLDER alone."""
    run_dirs = collected_runs(folder)
    paper = paper_of(run_dirs)
    title = f"Reproducing {paper.citation}" if paper else f"gankit runs in {folder.name}"
    made = (
        f"Rebuilt by `gankit report build {folder}` on {date.today().isoformat()} from the "
        f"collected files of {len(run_dirs)} run{'s' if len(run_dirs) != 1 else ''} (config, "
        "metrics, thinned losses, the figures' grids); where each run trained, and the code, "
        "torch and precision that made it: the [Per seed](#per-seed) table."
    )
    return write_document(build_paper_report(run_dirs, folder, title, made, paper), folder)
