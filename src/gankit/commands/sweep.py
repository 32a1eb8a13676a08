"""`gankit sweep`: presets x a grid of overrides x seeds, one run directory per trial."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
import yaml

from gankit.commands.options import (
    data_dir_option,
    eval_samples_option,
    executor_options,
    set_option,
)
from gankit.commands.train import print_config_option


def _seeds(text: str | None) -> int | list[int] | None:
    """--seeds 3 (seeds 0, 1, 2) or --seeds '[0, 7]'."""
    if text is None:
        return None
    from gankit.sweep.spec import SweepError

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = None
    if not isinstance(value, (int, list)) or isinstance(value, bool) or value in (0, []):
        raise SweepError(f"--seeds {text!r} must be a count (3) or a list of seeds ([0, 7])")
    if isinstance(value, int) and value < 0:
        raise SweepError(f"--seeds {text!r}: a count is at least 1; for one seed N, --seeds '[N]'")
    return value


def exit_code(result) -> int:  # noqa: ANN001  (a SweepResult; its module loads lazily)
    """0: every trial finished; 130: stopped by Ctrl-C (run again to go on); 1: some failed or
    were held by another sweep."""
    from gankit.sweep.outcome import INTERRUPTED, NOT_STARTED

    if result.count(INTERRUPTED, NOT_STARTED):
        return 130
    return 0 if result.complete else 1


def echo_trial_configs(trials, out: Path) -> None:  # noqa: ANN001  (Trials; lazy module)
    """Every trial's resolved config as one YAML stream, each document headed by the comment
    naming the folder it would train in."""
    from gankit.config import dump_config

    documents = [f"# {out / trial.name}\n{dump_config(trial.config)}" for trial in trials]
    click.echo("---\n".join(documents), nl=False)


@click.command()
@click.argument("sweep_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out", type=click.Path(path_type=Path), help="Sweep folder [runs/<SWEEP_FILE stem>]."
)
@click.option(
    "--preset",
    "presets",
    multiple=True,
    help="A preset, or a config file, to sweep (repeatable).",
)
@click.option(
    "--grid",
    multiple=True,
    metavar="KEY=[V1, V2]",
    help="Values to try for a config key, as a YAML list (repeatable).",
)
@click.option("--seeds", help="Seeds: a count (3 means 0, 1, 2) or a list ([0, 7]).")
@set_option("A config value in every trial, e.g. --set train.batch_size=32 (repeatable).")
@click.option("--iterations", type=int, help="Iterations of every trial.")
@executor_options
@data_dir_option
@eval_samples_option
@click.option("--dry-run", is_flag=True, help="List the trials and whether each is done; run none.")
@print_config_option
def sweep(
    sweep_file: Path | None,
    out: Path | None,
    presets: tuple[str, ...],
    grid: tuple[str, ...],
    seeds: str | None,
    overrides: tuple[str, ...],
    iterations: int | None,
    executor: str,
    address: str | None,
    workers: int | None,
    threads: int,
    data_dir: Path | None,
    eval_samples: int,
    dry_run: bool,
    print_config: bool,
) -> None:
    """Run every trial of SWEEP_FILE (or of --preset/--grid/--seeds) into OUT/<trial>, then
    write OUT/summary.md, summary.html, summary.csv and trials.csv. Finished trials are
    skipped, interrupted ones resume: run the same command again to go on."""
    from gankit.machine import describe_machine
    from gankit.sweep.executors import TrialSettings, make_executor
    from gankit.sweep.runner import run_trials, trial_rows
    from gankit.sweep.spec import (
        SweepSpec,
        load_sweep_file,
        parse_grid_option,
        parse_spec,
        plan_trials,
    )
    from gankit.sweep.summary import write_summary
    from gankit.sweep.trial import is_finished

    spec = load_sweep_file(sweep_file) if sweep_file else SweepSpec()
    updates: dict = {}
    if presets:
        updates["presets"] = list(presets)
    if grid:
        updates["grid"] = {**spec.grid, **dict(parse_grid_option(g) for g in grid)}
    if seeds is not None:
        updates["seeds"] = _seeds(seeds)
    if updates:
        spec = parse_spec({**spec.model_dump(by_alias=True), **updates}, "the command line")
    extra = [*overrides, *([f"train.iterations={iterations}"] if iterations else [])]
    trials = plan_trials(spec, extra)
    out = out or Path("runs") / (sweep_file.stem if sweep_file else "sweep")
    if print_config:
        echo_trial_configs(trials, out)
        return
    if dry_run:
        for trial in trials:
            done = is_finished(trial, out / trial.name)
            click.echo(f"{'finished' if done else 'to run  '}  {out / trial.name}")
        return
    settings = TrialSettings(threads, str(data_dir) if data_dir else None, eval_samples)
    runner = make_executor(executor, settings, workers, address)
    result = run_trials(trials, out, runner, click.echo)
    made = (
        f"Made by `gankit sweep` on {date.today().isoformat()}, {describe_machine()}, "
        f"{runner.describe()}, {result.seconds:.0f} s of wall time."
    )
    md, page = write_summary(trial_rows(trials, result, out), out, f"gankit sweep: {out}", made)
    click.echo(f"summary: {md}\n         {page}\n         {out / 'summary.csv'}")
    code = exit_code(result)
    if code == 130:
        click.echo("stopped; run the same command again to finish the remaining trials", err=True)
    sys.exit(code)
