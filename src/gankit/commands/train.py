"""`gankit train` and `gankit presets`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gankit.commands.options import (
    QUIET,
    data_dir_option,
    device_option,
    eval_samples_option,
    set_option,
)
from gankit.config import (
    DEFAULT_PRESET,
    config_label,
    dump_config,
    load_config,
    preset_names,
    read_preset,
)
from gankit.errors import InputError

print_config_option = click.option(
    "--print-config",
    is_flag=True,
    help="Print the resolved config (YAML) and run nothing.",
)


@click.command()
@click.argument("preset", metavar="[PRESET|CONFIG.yaml]", required=False, default=DEFAULT_PRESET)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Run directory [runs/PRESET, or runs/<CONFIG's file name without .yaml>].",
)
@click.option(
    "--iterations", type=int, help="Total iterations of the run (a resume continues to N)."
)
@click.option("--seed", type=int, help="Random seed (weights, noise, batch order).")
@device_option(None, "Training device [the config's perf.device].")
@data_dir_option
@set_option("Override a config value, e.g. --set optim.d.lr=1e-4 (repeatable).")
@click.option("--no-eval", is_flag=True, help="Skip the evaluation after training.")
@eval_samples_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@print_config_option
def train(
    preset: str,
    out: Path | None,
    iterations: int | None,
    seed: int | None,
    device: str | None,
    data_dir: Path | None,
    overrides: tuple[str, ...],
    no_eval: bool,
    eval_samples: int,
    quiet: bool,
    print_config: bool,
) -> None:
    """Train PRESET (default: the fast CPU preset) or a config file of one's own (a YAML file
    that may name a `base:` preset and list what differs); resumes when --out holds a
    checkpoint."""
    from gankit.machine import resolve_device
    from gankit.provenance import Origin, source_of
    from gankit.training import distributed
    from gankit.workflow import run_experiment

    world = distributed.world_from_env()  # torchrun's ranks, if it started this process
    flags = [f"train.iterations={iterations}"] if iterations is not None else []
    flags += [f"train.seed={seed}"] if seed is not None else []
    flags += [f"perf.device={device}"] if device is not None else []
    flags += [f"world_size={world.size}"] if world else []
    config = load_config(preset, [*flags, *overrides])
    distributed.check_config(config, world)
    if print_config:
        click.echo(dump_config(config), nl=False)
        return
    out = out or Path("runs") / config_label(preset)
    if world is not None:
        distributed.init(world, resolve_device(config.perf.device))
    try:
        result = run_experiment(
            config,
            out,
            data_dir=data_dir,
            evaluate=not no_eval,
            eval_samples=eval_samples,
            progress=not (quiet or click.get_current_context().meta.get(QUIET, False)),
            on_resume=lambda step: click.echo(
                f"resuming {out} from step {step} of {config.train.iterations}"
            ),
            world=world,
            origin=Origin(source_of(preset), [*flags, *overrides]),
        )
    finally:
        if world is not None:
            distributed.shutdown()
    if world is not None and not world.is_main:
        distributed.end_follower(130 if result.train.interrupted else 0)  # rank 0 reports
    if result.train.interrupted:
        click.echo(
            f"interrupted at step {result.train.step}; checkpoint saved. "
            "Run the same command again to resume."
        )
        sys.exit(130)
    click.echo(f"trained {config.name} to step {result.train.step} in {result.train.seconds:.1f} s")
    if result.metrics is not None:
        from gankit.evaluation.table import format_table

        click.echo(format_table(result.metrics))
    _print_outputs(out)


def _print_outputs(out: Path) -> None:
    from gankit.rundir import RunDir

    run = RunDir(out)
    grids = run.sample_grids()
    click.echo("outputs:")
    for label, path in (
        ("config", run.config),
        ("checkpoint", run.last_checkpoint),
        ("best", run.best_checkpoint),
        ("samples", grids[-1] if grids else run.samples),
        ("losses", run.losses),
        ("loss plot", run.loss_plot),
        ("metrics", run.metrics),
        ("report", run.report_html),
    ):
        if path.exists():
            click.echo(f"  {label:<11} {path}")


@click.command()
@click.option(
    "--show",
    metavar="NAME",
    help="Print the resolved config (its base: chain applied) of preset NAME, or of a config "
    "file, as YAML.",
)
@set_option("With --show: override a config value, e.g. --set optim.d.lr=1e-4 (repeatable).")
def presets(show: str | None, overrides: tuple[str, ...]) -> None:
    """List the presets, one line each."""
    if overrides and show is None:
        raise InputError("--set goes with --show NAME")
    if show is not None:
        click.echo(dump_config(load_config(show, overrides)), nl=False)
        return
    for name in preset_names():
        tree = read_preset(name)
        marker = " (default)" if name == DEFAULT_PRESET else ""
        click.echo(f"{name:<20} {tree.get('description', '')}{marker}")
