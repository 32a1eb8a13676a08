"""`gankit reproduce` and `gankit compare`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gankit.commands.options import data_dir_option, eval_samples_option, set_option
from gankit.papers import PAPERS


@click.command()
@click.argument("paper", type=click.Choice(sorted(PAPERS)))
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply every experiment's iteration count (0.1 for a quick look).",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output folder [runs/reproduce-PAPER]."
)
@data_dir_option
@set_option("Override a config value in every experiment (repeatable).")
@eval_samples_option
@click.option("--quiet", is_flag=True, help="No progress bars.")
def reproduce(paper: str, scale: float, out: Path | None, data_dir: Path | None,
              overrides: tuple[str, ...], eval_samples: int, quiet: bool) -> None:  # fmt: skip
    """Run every experiment of PAPER and write OUT/report.md and report.html beside the
    paper's own numbers; resumes runs already in OUT."""
    from gankit import reproduce as repro

    out = out or Path("runs") / f"reproduce-{paper}"
    try:
        md, page = repro.reproduce(
            paper, out, scale, overrides, data_dir, eval_samples, not quiet, click.echo
        )
    except KeyboardInterrupt as exc:
        click.echo(str(exc) or "interrupted; run the command again to resume", err=True)
        sys.exit(130)
    click.echo(f"report: {md}\n        {page}")


@click.command()
@click.argument(
    "run_dirs",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--title", default="gankit comparison", show_default=True)
def compare(run_dirs: tuple[Path, ...], out: Path, title: str) -> None:
    """Table and plots across RUN_DIRS: final samples, loss curves and metrics side by side."""
    from gankit.report.compare import build_comparison
    from gankit.report.document import write_document

    try:
        md, page = write_document(build_comparison(list(run_dirs), out, title), out)
    except FileNotFoundError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"report: {md}\n        {page}")
