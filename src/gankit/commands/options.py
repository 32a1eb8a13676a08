"""Options shared by several commands, so they read and behave the same everywhere."""

from __future__ import annotations

from pathlib import Path

import click

from gankit.errors import InputError
from gankit.rundir import CHECKPOINTS, RunDir

DEVICES = ("auto", "cpu", "cuda")
QUIET = "gankit.quiet"  # click's Context.meta key: `gankit -q` was given

# One or more existing run folders (`report collect`, `compare`).
run_dirs_argument = click.argument(
    "run_dirs",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
)

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Look in DIR/<dataset>/ before $GANKIT_DATA, the user cache and system folders.",
)


DEVICE_HELP = "auto: a GPU when there is one."


def device_option(default: str | None = "auto", help_text: str = DEVICE_HELP):  # noqa: ANN201
    return click.option(
        "--device",
        type=click.Choice(DEVICES),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def set_option(help_text: str):  # noqa: ANN201  (click's decorator type is private)
    return click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=help_text)


eval_samples_option = click.option(
    "--eval-samples",
    type=int,
    default=10000,
    show_default=True,
    help="Samples for the final evaluation.",
)


def executor_options(command):  # noqa: ANN001, ANN201  (click's decorator types are private)
    """--executor, --address, --workers, --threads: where and how wide trials run."""
    for option in reversed(
        [
            click.option(
                "--executor",
                type=click.Choice(["local", "ray"]),
                default="local",
                show_default=True,
                help="local: worker processes on this machine; ray: tasks on a Ray cluster.",
            ),
            click.option(
                "--address",
                help="Ray cluster address, as `ray start --head` prints it ('auto': the one "
                "running here) [start a private local Ray instance].",
            ),
            click.option(
                "--workers",
                type=int,
                help="Local executor: trials at once, each pinned to its own cores "
                "[usable cores // --threads].",
            ),
            click.option(
                "--threads",
                type=int,
                default=1,
                show_default=True,
                help="Torch threads (and, locally, cores) per trial.",
            ),
        ]
    ):
        command = option(command)
    return command


def _checkpoint_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from gankit.rundir import BEST, LAST, checkpoint_step

    if value in (LAST, BEST):
        return value
    try:
        return str(checkpoint_step(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


checkpoint_option = click.option(
    "--checkpoint",
    default="last",
    show_default=True,
    callback=_checkpoint_name,
    help="Which state: last, best (the lowest periodic FID, kept with log.eval_every) or a "
    "kept milestone's step.",
)


force_option = click.option(
    "--force",
    is_flag=True,
    help="Write even where gankit refuses to: inside a run's checkpoints/ folder, into a run's "
    "folder, or over a file of another kind.",
)


def _checkpoints_above(path: Path) -> Path | None:
    """The run's checkpoints/ folder that `path` is or lies in, if any."""
    resolved = path.resolve()
    for folder in (resolved, *resolved.parents):
        if folder.name == CHECKPOINTS and (
            RunDir(folder.parent).config.is_file() or any(folder.glob("*.pt"))
        ):
            return folder
    return None


def check_out(out: Path, force: bool, suffix: str | None, option: str = "--out") -> None:
    """Refuse an output path that would write over what it should not, before any work: a
    path in a run's checkpoints/ folder, a run's own folder (for a command that writes a
    folder, `suffix` None), or an existing file of another kind than the `suffix` the command
    writes (a grid over a checkpoint or a config). --force lets those through; a folder where
    a file goes, or a file where a folder goes, is refused always."""
    if suffix is None and out.exists() and not out.is_dir():
        raise InputError(f"{option} {out} is a file; {option} names a folder to write into")
    if suffix is not None and out.is_dir():
        raise InputError(
            f"{option} {out} is a folder; {option} names the {suffix} file to write, e.g. "
            f"{out / ('samples' + suffix)}"
        )
    if force:
        return
    checkpoints = _checkpoints_above(out)
    if checkpoints is not None:
        raise InputError(
            f"{option} {out} is in {checkpoints}, the checkpoints a run resumes and samples "
            f"from; write somewhere else, or add --force to write there anyway"
        )
    if suffix is None and RunDir(out).checkpoints.is_dir():
        raise InputError(
            f"{option} {out} is a run's folder, whose own files (config.yaml, report.md) this "
            "would replace; write somewhere else, or add --force to write there anyway"
        )
    if suffix is not None and out.is_file() and out.suffix.lower() != suffix:
        raise InputError(
            f"{option} {out} exists and is not a {suffix} file; writing would replace it. "
            f"Choose another {option}, or add --force to replace it"
        )
