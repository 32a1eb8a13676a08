"""`gankit report collect` and `gankit report build`: a reproduction's small files, kept where
they can be committed, and its report pages rebuilt from them."""

from __future__ import annotations

from pathlib import Path

import click

from gankit.commands.options import check_out, force_option, run_dirs_argument
from gankit.report.collect import MAX_LOSSES_BYTES


# not named `report`: that is the name of the module commands.report in the package
@click.group(name="report")
def report_group() -> None:
    """Collect finished runs' small files and rebuild report pages from them."""


@report_group.command()
@run_dirs_argument
@click.option(
    "--to",
    "dest",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to collect into, e.g. docs/results/liu2021.",
)
@click.option(
    "--max-losses-kb",
    type=click.IntRange(min=1),
    default=MAX_LOSSES_BYTES // 1000,
    show_default=True,
    help="Thin losses.csv to every Nth row until it is at most this size.",
)
@click.option("--no-build", is_flag=True, help="Collect only; do not rebuild TO/report.md.")
@click.option(
    "--finished",
    is_flag=True,
    help="Leave out the runs not finished yet (a study still running), naming them, instead "
    "of refusing to collect.",
)
@force_option
def collect(
    run_dirs: tuple[Path, ...],
    dest: Path,
    max_losses_kb: int,
    no_build: bool,
    finished: bool,
    force: bool,
) -> None:
    """Copy each finished run's small files into TO/<run folder name>: config.yaml,
    metrics.json, metrics_history.csv, trial.json, a thinned losses.csv and the sample grids
    that stand for the paper's figures; never checkpoints or TensorBoard events. A RUN_DIR
    that is not a run (the OUT of gankit reproduce) stands for the runs inside it. Then
    rebuilds TO/report.md and report.html from TO alone (the benchmark's page where TO, or
    the folder collected from, is the benchmark's)."""
    from gankit.benchmark.page import rebuild_folder_report
    from gankit.report.collect import collect_runs, unfinished_runs

    check_out(dest, force, None, "--to")
    paths = list(run_dirs)
    if finished:
        for run_dir in unfinished_runs(paths):
            click.echo(f"not finished, left out: {run_dir}")
    for folder in collect_runs(paths, dest, max_losses_kb * 1000, finished_only=finished):
        click.echo(f"collected: {folder}")
    if not no_build:
        md, page = rebuild_folder_report(dest)
        click.echo(f"report: {md}\n        {page}")


@report_group.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
def build(folder: Path) -> None:
    """Rebuild FOLDER/report.md and report.html: of the runs collected in FOLDER (tables over
    seeds, the paper's figures, loss panels; for the benchmark's folder, its page), without
    checkpoints; or, when FOLDER is one run directory, that run's own report from its files."""
    from gankit.benchmark.page import rebuild_folder_report
    from gankit.report.run_report import write_run_report
    from gankit.rundir import RunDir

    if RunDir(folder).config.is_file():
        md, page = write_run_report(folder)
    else:
        md, page = rebuild_folder_report(folder)
    click.echo(f"report: {md}\n        {page}")
