"""Re-run every experiment of a paper and put the results side by side with its numbers."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import date
from pathlib import Path

from gankit.config import load_config
from gankit.errors import InputError
from gankit.machine import describe_machine
from gankit.paper_report import build_paper_report, rebuild_report
from gankit.papers import PAPERS
from gankit.report.collect import collect_runs
from gankit.report.document import Paragraph, write_document
from gankit.sweep.executors import Executor
from gankit.sweep.recorded import overridden_keys, with_recorded_settings
from gankit.sweep.runner import SweepResult, run_trials, trial_rows
from gankit.sweep.spec import SweepSpec, Trial, plan_trials
from gankit.sweep.summary import write_summary


def scaled_overrides(preset: str, scale: float) -> list[str]:
    """Shorten (or lengthen) a preset by `scale`, keeping its logging cadence proportional."""
    if scale <= 0:
        raise InputError(f"--scale must be positive, got {scale}")
    base = load_config(preset)

    def scaled(n: int) -> int:
        return max(1, round(n * scale))

    return [
        f"train.iterations={scaled(base.train.iterations)}",
        f"log.sample_every={scaled(base.log.sample_every)}",
        f"log.checkpoint_every={scaled(base.log.checkpoint_every)}",
        f"log.milestones={[scaled(m) for m in base.log.milestones]}",
        # 0 turns periodic evaluation off, and stays off
        f"log.eval_every={scaled(base.log.eval_every) if base.log.eval_every else 0}",
    ]


def paper_trials(
    paper_key: str,
    scale: float = 1.0,
    seeds: int = 3,
    extra_overrides: tuple[str, ...] = (),
    settings_from: Path | None = None,
    echo: Callable[[str], None] = print,
) -> list[Trial]:
    """Every experiment of the paper for seeds 0..seeds-1, named OUT/<preset>-s<seed>. With
    `settings_from` (a study's OUT or its collected folder), each trial takes the settings its
    run there trained with (sweep.recorded), but for the keys `extra_overrides` set."""
    if paper_key not in PAPERS:
        raise InputError(f"unknown paper {paper_key!r}; choose one of: {', '.join(PAPERS)}")
    spec = SweepSpec(presets=list(PAPERS[paper_key].presets), seeds=seeds)
    trials = plan_trials(spec, extra_overrides, per_preset=lambda p: scaled_overrides(p, scale))
    return settings_of(trials, settings_from, extra_overrides, echo)


def settings_of(
    trials: list[Trial],
    settings_from: Path | None,
    extra_overrides: tuple[str, ...],
    echo: Callable[[str], None],
) -> list[Trial]:
    """A study's trials as they are, or with `settings_from`, each taking the settings its
    namesake there trained with but for the keys `extra_overrides` set; one line echoed per
    trial, saying what it took."""
    if settings_from is None:
        return trials
    trials, lines = with_recorded_settings(trials, settings_from, overridden_keys(extra_overrides))
    for line in lines:
        echo(line)
    return trials


def made_by(
    study: str,
    out: Path,
    scale: float,
    seeds: int,
    extra_overrides: tuple[str, ...],
    settings_from: Path | None,
) -> str:
    """The sentence a study's summary and page open with: the command, the date, the machine."""
    command = f"gankit reproduce {study} --scale {scale} --seeds {seeds} --out {out}"
    command += "".join(f" --set {shlex.quote(o)}" for o in extra_overrides)
    command += f" --settings-from {settings_from}" if settings_from else ""
    return f"Made by `{command}` on {date.today().isoformat()}, {describe_machine()}."


def reproduce(
    paper_key: str,
    out: Path,
    executor: Executor,
    scale: float = 1.0,
    seeds: int = 3,
    extra_overrides: tuple[str, ...] = (),
    echo: Callable[[str], None] = print,
    collect_to: Path | None = None,
    settings_from: Path | None = None,
) -> tuple[SweepResult, tuple[Path, Path] | None]:
    """Run (or resume) every experiment for every seed through the sweep runner, then write
    OUT/report.md and report.html (mean ± sd over seeds beside the paper's numbers, each run,
    the paper's figures regenerated) and the sweep summary (summary.md, .html, .csv,
    trials.csv). The report covers the finished runs; it is None while none has finished.
    With `collect_to`, the finished runs' small files are collected there too and its report
    rebuilt from them (gankit report collect). With `settings_from`, every trial takes the
    settings its run there trained with (paper_trials)."""
    paper = PAPERS[paper_key]
    trials = paper_trials(paper_key, scale, seeds, extra_overrides, settings_from, echo)
    result = run_trials(trials, out, executor, echo)
    rows = trial_rows(trials, result, out)
    made = made_by(paper_key, out, scale, seeds, extra_overrides, settings_from)
    write_summary(rows, out, f"Reproducing {paper.citation}: every run", made)
    finished = [out / row.name for row in rows if row.metrics]
    if not finished:
        return result, None
    made += f" Iteration counts are the paper's times {scale}; {executor.describe()}."
    doc = build_paper_report(finished, out, f"Reproducing {paper.citation}", made, paper)
    missing = [row.name for row in rows if not row.metrics]
    if missing:
        doc.blocks.insert(
            1, Paragraph(f"Not finished yet, so not in this report: {', '.join(missing)}.")
        )
    report = write_document(doc, out)
    if collect_to is not None:
        collect_runs(finished, collect_to)
        echo(f"collected {len(finished)} runs into {collect_to}: {rebuild_report(collect_to)[0]}")
    return result, report
