"""Every command of the click group, walked: bad arguments end with a message, exit code 2 and
no traceback; --device and --data-dir are the shared definitions; each command has a row in
test_bad_input's table of real bad inputs (which checks that top-level commands have one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from test_bad_input import CASES

from gankit.cli import main
from gankit.commands.options import DEVICES
from gankit.config import load_config

Leaf = tuple[tuple[str, ...], click.Command]


def _leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[Leaf]:
    found: list[Leaf] = []
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
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


def test_help_and_version_answer_without_loading_torch() -> None:
    # the commands load when they run; the group's help lists them without importing them
    code = (
        "import sys\n"
        "from gankit.cli import main\n"
        "for args in (['--help'], ['--version']):\n"
        "    try: main(args)\n"
        "    except SystemExit as exit: assert exit.code == 0, exit.code\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("train", "reproduce", "report"):
        assert f"  {name} " in done.stdout


def test_every_listed_command_loads_under_its_name() -> None:
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert main.get_command(ctx, "no-such-command") is None


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
    assert rows, f"tests/commands/test_bad_input.py has no bad input for `gankit {' '.join(path)}`"


def _printed(args: list[str]) -> list[tuple[str, dict]]:
    """The configs a --print-config command printed, each with its header comment."""
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    documents = result.output.split("---\n")
    return [(doc.splitlines()[0], yaml.safe_load(doc)) for doc in documents]


def test_train_print_config_prints_the_resolved_config_and_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "mine.yaml").write_text("base: dcgan-uncond\ntrain: {batch_size: 16}\n")
    args = ["train", "exp/mine.yaml", "--print-config", "--iterations", "7", "--seed", "2",
            "--device", "cpu", "--set", "optim.d.lr=1e-4"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    same = ["train.batch_size=16", "train.iterations=7", "train.seed=2", "perf.device=cpu",
            "optim.d.lr=1e-4", "name=mine"]  # fmt: skip
    expected = load_config("dcgan-uncond", same)
    assert yaml.safe_load(result.output) == expected.to_dict()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["exp", "mine.yaml"]  # no run folder


def test_train_refuses_a_missing_or_malformed_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(["train", "nowhere.yaml"], "config file nowhere.yaml: no such file")
    (tmp_path / "bad.yaml").write_text("train: {iterations: 5\n")
    _refused(["train", "bad.yaml"], "not valid YAML (while parsing a flow mapping at line 1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_sweep_and_reproduce_print_every_trials_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    grid = "optim.d.lr=[1e-4, 2e-4]"
    printed = _printed(["sweep", "--preset", "dcgan", "--grid", grid, "--seeds", "2",
                        "--set", "train.iterations=9", "--print-config"])  # fmt: skip
    assert [header for header, _ in printed] == [
        "# runs/sweep/dcgan_lr=0.0001-s0", "# runs/sweep/dcgan_lr=0.0001-s1",
        "# runs/sweep/dcgan_lr=0.0002-s0", "# runs/sweep/dcgan_lr=0.0002-s1"]  # fmt: skip
    lr, seed = "optim.d.lr=0.0002", "train.seed=1"
    assert printed[3][1] == load_config("dcgan", ["train.iterations=9", lr, seed]).to_dict()
    printed = _printed(["reproduce", "xiao2023", "--seeds", "1", "--scale", "0.01",
                        "--out", "out", "--print-config"])  # fmt: skip
    assert printed[0][0] == "# out/xiao2023-sgd-s0"
    assert printed[0][1]["train"]["iterations"] == round(
        load_config("xiao2023-sgd").train.iterations * 0.01
    )
    assert len(printed) == 6 and not list(tmp_path.iterdir())
