"""One user-error type: every exception class gankit defines is a GankitError (save a short
list of internal ones), keeps the builtin base its callers catch, and the command line prints
any GankitError raised under a command as `error: <message>` with exit code 2, while a bug
keeps its traceback."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest
import torch
from click.testing import CliRunner

import gankit
from gankit.cli import main
from gankit.commands import COMMANDS
from gankit.errors import GankitError, InputError, InputTypeError, UnknownNameError

SRC = Path(gankit.__file__).parent

# Exception classes of gankit that are not user errors, each with the reason.
INTERNAL = {
    # caught inside download_dataset, which reports every mirror's failure as one DataError
    "gankit.data.download._BadDownload",
    # click's form of a GankitError: what the command group raises to print one
    "gankit.commands.errors.ErrorMessage",
}
# The user errors and the builtin base each had before GankitError, which callers may catch.
BUILTIN_BASE = {
    "gankit.config.ConfigError": ValueError,
    "gankit.sweep.spec.SweepError": ValueError,
    "gankit.report.collect.CollectError": ValueError,
    "gankit.data.errors.DataError": RuntimeError,
    "gankit.training.checkpoint.CheckpointError": RuntimeError,
    "gankit.evaluation.classifier.ClassifierError": RuntimeError,
    "gankit.evaluation.features.FeatureExtractorError": RuntimeError,
    "gankit.evaluation.inception.InceptionUnavailable": RuntimeError,
    "gankit.fileio.WriteError": RuntimeError,
    "gankit.locks.RunDirBusy": RuntimeError,
    "gankit.locks.ClaimBusy": RuntimeError,
    "gankit.machine.DeviceError": RuntimeError,
    "gankit.training.callbacks.TrainingDiverged": RuntimeError,
    "gankit.provenance.ProvenanceError": RuntimeError,
    "gankit.errors.InputError": ValueError,
    "gankit.errors.UnknownNameError": KeyError,
    "gankit.errors.InputTypeError": TypeError,
}


def _module_names() -> list[str]:
    """Every module of gankit but __main__, which runs the command line when imported."""
    names = []
    for path in sorted(SRC.rglob("*.py")):
        parts = ["gankit", *path.relative_to(SRC).with_suffix("").parts]
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined at the top level of a gankit module, by dotted name."""
    found = {}
    for name in _module_names():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


def test_every_exception_class_of_gankit_is_a_gankit_error() -> None:
    classes = _exception_classes()
    assert set(BUILTIN_BASE) | INTERNAL <= set(classes)  # the scan sees them all, no stale entry
    outside = [name for name, cls in classes.items() if not issubclass(cls, GankitError)]
    assert sorted(outside) == sorted(INTERNAL)


@pytest.mark.parametrize(("name", "base"), sorted(BUILTIN_BASE.items(), key=lambda kv: kv[0]))
def test_each_user_error_keeps_its_builtin_base(name: str, base: type[Exception]) -> None:
    module, _, attribute = name.rpartition(".")
    assert issubclass(getattr(importlib.import_module(module), attribute), base)


def test_errors_module_loads_nothing_of_gankit_or_torch() -> None:
    code = (
        "import json, sys, gankit.errors\n"
        "print(json.dumps(sorted(m for m in sys.modules if 'gankit' in m or 'torch' in m)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["gankit", "gankit.errors"]


def test_bad_input_to_the_library_raises_gankit_errors_with_their_old_bases(
    tmp_path: Path,
) -> None:
    from gankit.data.load import load_arrays
    from gankit.evaluation.evaluate import check_images
    from gankit.evaluation.images import load_images
    from gankit.losses import get_loss

    with pytest.raises(UnknownNameError) as unknown:
        get_loss("wasserstein")
    assert isinstance(unknown.value, KeyError) and isinstance(unknown.value, GankitError)
    # read as written, not quoted as a KeyError's str() would be
    assert str(unknown.value).startswith("unknown loss 'wasserstein'; choose one of: bce")
    with pytest.raises(InputTypeError, match="convert uint8") as wrong_type:
        check_images(torch.zeros(30, 1, 28, 28, dtype=torch.uint8))
    assert isinstance(wrong_type.value, TypeError)
    np.save(tmp_path / "wide.npy", np.zeros((30, 32, 32), np.uint8))
    with pytest.raises(InputError, match=r"expected \(N, 28, 28\)") as bad_shape:
        load_images(tmp_path / "wide.npy")
    assert isinstance(bad_shape.value, ValueError)
    with pytest.raises(InputError, match="unknown split 'val'"):
        load_arrays("mnist", "val")


# Commands mounted for these tests only, each raising from a different depth.
MESSAGE = "the thing named is wrong; do this instead"


class _OwnError(GankitError):
    """A user error of a kind the command line never heard of."""


def _deep_in_the_library() -> None:
    def helper() -> None:
        raise _OwnError(MESSAGE)

    helper()


@click.group()
def probe() -> None:
    """Commands that fail."""


@probe.command()
def body() -> None:
    raise InputError(MESSAGE)


@probe.command()
def nested() -> None:
    _deep_in_the_library()


@probe.command()
@click.option("--value", callback=lambda ctx, param, value: _deep_in_the_library())
def callback(value: None) -> None:
    """Never runs: its option's callback fails."""


@probe.command()
def library() -> None:
    from gankit.losses import get_loss

    get_loss("wasserstein")


@probe.command()
def bug() -> None:
    raise RuntimeError("an invariant broke")


@pytest.fixture
def mounted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(COMMANDS, "probe", (f"{__name__}:probe", "Commands that fail"))


@pytest.mark.parametrize("command", ["body", "nested", "callback"])
def test_a_gankit_error_under_a_command_is_its_message_and_exit_code_2(
    command: str, mounted: None
) -> None:
    args = ["probe", command, "--value", "x"] if command == "callback" else ["probe", command]
    result = CliRunner().invoke(main, args)
    assert isinstance(result.exception, SystemExit)  # handled, not an uncaught exception
    assert result.exit_code == 2
    assert result.output == f"error: {MESSAGE}\n"


def test_a_library_error_prints_as_written(mounted: None) -> None:
    result = CliRunner().invoke(main, ["probe", "library"])
    assert result.exit_code == 2
    assert result.output.startswith("error: unknown loss 'wasserstein'; choose one of: bce")


def test_a_bug_is_not_taken_for_bad_input(mounted: None) -> None:
    result = CliRunner().invoke(main, ["probe", "bug"])
    assert isinstance(result.exception, RuntimeError) and result.exit_code == 1
    assert "error:" not in result.output


@pytest.mark.parametrize(
    ("raised", "code", "shown", "traceback"),
    [
        (f"InputError({MESSAGE!r})", 2, f"error: {MESSAGE}", False),
        ("RuntimeError('an invariant broke')", 1, "RuntimeError: an invariant broke", True),
    ],
    ids=["user error", "bug"],
)
def test_what_the_terminal_shows(raised: str, code: int, shown: str, traceback: bool) -> None:
    """A real process: the exit code and stderr a user sees."""
    script = (
        "import click\n"
        "from gankit.commands import COMMANDS\n"
        "from gankit.cli import main\n"
        "from gankit.errors import InputError\n"
        "@click.command()\n"
        "def fail():\n"
        f"    raise {raised}\n"
        "COMMANDS['fail'] = ('__main__:fail', 'fails')\n"
        "main(['fail'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == code, done.stderr
    assert shown in done.stderr.splitlines()
    assert ("Traceback (most recent call last)" in done.stderr) == traceback
