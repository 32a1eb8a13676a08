"""`gankit reproduce benchmark`: every model of the study for each seed through the sweep runner
(finished trials skipped, interrupted ones resumed), the sweep summary, the page, and with
--collect the finished runs' small files collected and the page rebuilt from them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from gankit.benchmark.page import build_benchmark_report, rebuild_benchmark_report
from gankit.benchmark.study import MODELS, STUDY, StudyModel
from gankit.benchmark.trials import benchmark_trials
from gankit.report.collect import collect_runs, write_study
from gankit.report.document import Paragraph, write_document
from gankit.reproduce import made_by
from gankit.sweep.executors import Executor
from gankit.sweep.runner import SweepResult, run_trials, trial_rows
from gankit.sweep.summary import write_summary


def run_benchmark(
    out: Path,
    executor: Executor,
    scale: float = 1.0,
    seeds: int = 3,
    extra_overrides: tuple[str, ...] = (),
    echo: Callable[[str], None] = print,
    collect_to: Path | None = None,
    settings_from: Path | None = None,
    models: tuple[StudyModel, ...] = MODELS,
) -> tuple[SweepResult, tuple[Path, Path] | None]:
    """Run (or resume) every trial into OUT/<trial>, then write OUT's summary (summary.md,
    .html, .csv, trials.csv) and page (report.md, report.html, of the finished runs; None
    while none has finished). OUT, and `collect_to` when given, are marked as the benchmark's
    folders, so that `gankit report collect` and `gankit report build` write its page.
    `models`: the study's models to run (all of them unless a part is asked for)."""
    trials = benchmark_trials(scale, seeds, extra_overrides, settings_from, echo, models)
    write_study(out, STUDY)
    result = run_trials(trials, out, executor, echo)
    rows = trial_rows(trials, result, out)
    for row in rows:  # one column for every model's switch, not one per key with gaps
        switch = " ".join(f"{k}={json.dumps(v)}" for k, v in row.point.items())
        row.point = {"switch": switch or "-"}
    made = made_by(STUDY, out, scale, seeds, extra_overrides, settings_from)
    write_summary(rows, out, "The model benchmark: every trial", made)
    finished = [out / row.name for row in rows if row.metrics]
    if not finished:
        return result, None
    made += f" Iteration counts are each preset's own times {scale}; {executor.describe()}."
    doc = build_benchmark_report(finished, out, made)
    missing = [row.name for row in rows if not row.metrics]
    if missing:
        doc.blocks.insert(
            1, Paragraph(f"Trials not finished yet, so not on this page: {', '.join(missing)}.")
        )
    report = write_document(doc, out)
    if collect_to is not None:
        collect_runs(finished, collect_to)
        write_study(collect_to, STUDY)
        page = rebuild_benchmark_report(collect_to)[0]
        echo(f"collected {len(finished)} runs into {collect_to}: {page}")
    return result, report
