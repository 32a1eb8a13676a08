"""`gankit reproduce` and `gankit compare`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gankit.benchmark.study import STUDY
from gankit.commands.options import (
    check_out,
    data_dir_option,
    eval_samples_option,
    executor_options,
    force_option,
    run_dirs_argument,
    set_option,
)
from gankit.commands.train import print_config_option
from gankit.errors import InputError
from gankit.papers import PAPERS


@click.command()
@click.argument("paper", type=click.Choice([*sorted(PAPERS), STUDY]))
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply every experiment's iteration count (0.1 for a quick look).",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Run every experiment with seeds 0..N-1.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output folder [runs/reproduce-PAPER]."
)
@executor_options
@data_dir_option
@set_option("Override a config value in every experiment (repeatable).")
@eval_samples_option
@click.option("--quiet", is_flag=True, help="No line per finished run.")
@click.option(
    "--collect",
    "collect_to",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also collect the finished runs' small files into this folder (e.g. "
    "docs/results/PAPER) and rebuild its report from them (gankit report collect).",
)
@click.option(
    "--settings-from",
    type=click.Path(path_type=Path, file_okay=False),
    help="Give each run the settings its namesake in this folder trained with (a study's "
    "OUT, or its collected folder such as docs/results/PAPER): every setting that changes "
    "what training computes, precision as it was resolved included; --set still wins.",
)
@print_config_option
def reproduce(paper: str, scale: float, seeds: int, out: Path | None, executor: str,
              address: str | None, workers: int | None, threads: int, data_dir: Path | None,
              overrides: tuple[str, ...], eval_samples: int, quiet: bool,
              collect_to: Path | None, settings_from: Path | None,
              print_config: bool) -> None:  # fmt: skip
    """Run every experiment of PAPER for each seed into OUT/<preset>-s<seed> and write
    OUT/report.md and report.html (mean ± sd over seeds beside the paper's own numbers, the
    paper's figures regenerated beside their captions) and the sweep summary; finished runs
    are skipped, interrupted ones resume. `benchmark` in place of a paper runs gankit's model
    benchmark: every preset no paper runs, at its own length, and each variant switch over the
    preset it modifies, into OUT/<preset>[_<key>=<value>]-s<seed>, with its page."""
    from functools import partial

    from gankit import reproduce as repro
    from gankit.benchmark import run as benchmark
    from gankit.benchmark.trials import benchmark_trials
    from gankit.commands.sweep import echo_trial_configs, exit_code
    from gankit.sweep.executors import TrialSettings, make_executor

    study = paper == STUDY
    out = out or Path("runs") / f"reproduce-{paper}"
    if print_config:
        to_stderr = lambda line: click.echo(line, err=True)  # noqa: E731  (stdout is YAML)
        plan = benchmark_trials if study else partial(repro.paper_trials, paper)
        echo_trial_configs(plan(scale, seeds, overrides, settings_from, to_stderr), out)
        return
    settings = TrialSettings(threads, str(data_dir) if data_dir else None, eval_samples)
    runner = make_executor(executor, settings, workers, address)
    echo = (lambda line: None) if quiet else click.echo
    run = benchmark.run_benchmark if study else partial(repro.reproduce, paper)
    result, report = run(out, runner, scale, seeds, overrides, echo, collect_to, settings_from)
    if report is not None:
        click.echo(f"report: {report[0]}\n        {report[1]}")
    click.echo(f"every run: {out / 'summary.html'}")
    code = exit_code(result)
    if code == 130:
        click.echo("interrupted; run the same command again to resume", err=True)
    sys.exit(code)


@click.command()
@run_dirs_argument
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--title", default="gankit comparison", show_default=True)
@force_option
def compare(run_dirs: tuple[Path, ...], out: Path, title: str, force: bool) -> None:
    """Table and plots across RUN_DIRS: final samples, loss curves and metrics side by side."""
    from gankit.report.compare import build_comparison
    from gankit.report.document import write_document

    check_out(out, force, None)
    try:
        md, page = write_document(build_comparison(list(run_dirs), out, title), out)
    except FileNotFoundError as exc:  # build_comparison's word for a folder that is not a run
        raise InputError(str(exc)) from exc
    click.echo(f"report: {md}\n        {page}")
