"""Every command of the click group, walked: bad arguments end with a message, exit code 2 and
no traceback; --device and --data-dir are the shared definitions; each command has a row in
test_bad_input's table of real bad inputs (which checks that top-level commands have one)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from test_bad_input import CASES

from gankit.cli import main
from gankit.commands.options import DEVICES

Leaf = tuple[tuple[str, ...], click.Command]


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[Leaf]:
    found: list[Leaf] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _leaves(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


COMMANDS = _leaves(main)
IDS = [" ".join(path) for path, _ in COMMANDS]


def _option(command: click.Command, name: str) -> click.Option | None:
    return next((p for p in command.params if isinstance(p, click.Option) and name in p.opts), None)


def _refused(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert isinstance(result.exception, SystemExit), result.output  # no uncaught exception
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output


def test_the_walk_finds_every_command() -> None:
    assert {"train", "presets", "eval", "sample", "sweep", "data where", "classifier train"} <= set(
        IDS
    )


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_an_unknown_option_is_refused(path: tuple[str, ...], command: click.Command) -> None:
    _refused([*path, "--no-such-option"], "No such option")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_device_and_data_dir_are_the_shared_options(
    path: tuple[str, ...], command: click.Command, tmp_path: Path
) -> None:
    device, data_dir = _option(command, "--device"), _option(command, "--data-dir")
    if device is None and data_dir is None:
        pytest.skip("takes neither --device nor --data-dir")
    if device is not None:
        assert isinstance(device.type, click.Choice) and tuple(device.type.choices) == DEVICES
        _refused([*path, "--device", "tpu"], "'tpu' is not one of")
    if data_dir is not None:
        a_file = tmp_path / "a-file"
        a_file.write_text("not a folder")
        assert data_dir.help and "GANKIT_DATA" in data_dir.help
        _refused([*path, "--data-dir", str(a_file)], "is a file")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_has_real_bad_inputs_in_the_table(
    path: tuple[str, ...], command: click.Command
) -> None:
    rows = [name for name, case in CASES.items() if tuple(case.argv[: len(path)]) == path]
    assert rows, f"tests/test_bad_input.py has no bad input for `gankit {' '.join(path)}`"
