"""README.md's examples run: its Python blocks are executed (sizes scaled down by the
substitutions below, each of which must match README's text), its sweep file is the sweep file
its commands run, and every `gankit` command line of its shell blocks parses with the real
command line, the ones that can run without training running with --print-config or --dry-run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import torch
from click.testing import CliRunner

from gankit.cli import main
from gankit.data import load_tensors
from gankit.data.load import to_uint8

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

# README's sizes are a reader's first run; the test takes the same calls at a few iterations and
# samples. Every key must occur in README (a renamed argument fails here, not silently).
SCALED = {
    'out="runs/mine", iterations=500,': 'out="runs/mine", iterations=2, eval_samples=40,',
    "run.evaluate(n_samples=2000)": "run.evaluate(n_samples=40)",
}


def blocks(language: str) -> list[str]:
    """The fenced code blocks of one language, indentation (of list items) removed."""
    pattern = re.compile(rf"^( *)```{language}\n(.*?)^\1```", re.M | re.S)
    return [
        "\n".join(line[len(indent) :] for line in body.splitlines())
        for indent, body in pattern.findall(README)
    ]


def command_lines() -> list[list[str]]:
    """Each `gankit ...` invocation in the shell blocks, as the arguments after `gankit`
    (continuation lines joined, comments dropped, `torchrun ... -m gankit` included)."""
    commands = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and words[0].endswith("gankit"):
                    commands.append(words[1:])
                elif "-m" in words and words[words.index("-m") + 1 : words.index("-m") + 2] == [
                    "gankit"
                ]:
                    commands.append(words[words.index("-m") + 2 :])
    return commands


def parse(args: list[str]) -> click.Context:
    """Parse a command line as `gankit` would, down to the command that runs, without running it:
    an unknown option, a missing argument or a bad value raises click's usage error. (README's
    lines give the groups no options of their own, so each group takes the next word as the
    name of its command.)"""
    command: click.Command = main
    ctx = click.Context(main, info_name="gankit")
    rest = list(args)
    while isinstance(command, click.Group):
        name, *rest = rest
        sub = command.get_command(ctx, name)
        assert sub is not None, f"README names an unknown command: gankit {' '.join(args)}"
        command = sub
        if isinstance(sub, click.Group):
            ctx = click.Context(sub, info_name=name, parent=ctx)
    return command.make_context(command.name or "", rest, parent=ctx)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding what README's command lines name: a run folder, README's own sweep
    file as lr.yaml, a folder of digits, the committed results they rebuild."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for folder in ("RUN_DIR", "my-digits", "home/runs/liu2021"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "results").symlink_to(ROOT / "docs" / "results")
    sweep_files = [b for b in blocks("yaml") if b.startswith("presets:")]
    assert len(sweep_files) == 1, "README shows one sweep file, the lr.yaml its commands run"
    (tmp_path / "lr.yaml").write_text(sweep_files[0])
    return tmp_path


def test_readme_command_lines_are_found() -> None:
    commands = [" ".join(c[:2]) for c in command_lines()]
    for expected in (
        "train",
        "sweep lr.yaml",
        "reproduce liu2021",
        "report collect",
        "eval RUN_DIR",
    ):
        assert any(c.startswith(expected) for c in commands), expected


def test_every_readme_command_line_parses(workspace: Path) -> None:
    for args in command_lines():
        expanded = [a.replace("~", str(workspace / "home")) for a in args]
        try:
            parse(expanded)
        except click.ClickException as exc:
            pytest.fail(
                f"README's `gankit {shlex.join(args)}` does not parse: {exc.format_message()}"
            )


# Lines that run through without training: a sweep's trials listed, a run's config resolved.
DRY = {"sweep": "--dry-run", "train": "--print-config", "reproduce": "--print-config"}


@pytest.mark.integration
def test_readme_sweeps_trains_and_reproductions_resolve(workspace: Path) -> None:
    ran = []
    for args in command_lines():
        if args[0] not in DRY or "data.dataset=my-digits" in args:  # needs `data import` first
            continue
        expanded = [a.replace("~", str(workspace / "home")) for a in args]
        result = CliRunner().invoke(main, [*expanded, DRY[args[0]]])
        assert result.exit_code == 0, f"gankit {shlex.join(args)}:\n{result.output}"
        ran.append(args[0])
    assert {"sweep", "train", "reproduce"} <= set(ran)
    # The file and the flags say the same sweep: "the same, without a file".
    listed = [
        CliRunner().invoke(main, [*args, "--dry-run"]).output
        for args in command_lines()
        if args[0] == "sweep"
    ]
    assert len(listed) == 2 and listed[0] == listed[1] and listed[0].count("to run") == 18


@pytest.mark.integration
def test_readme_python_examples_run(workspace: Path) -> None:
    pytest.importorskip("torchmetrics")
    code = blocks("python")
    for original, scaled in SCALED.items():
        assert sum(original in block for block in code) == 1, f"README no longer says {original!r}"
        code = [block.replace(original, scaled) for block in code]
    digits, _ = load_tensors("mnist", "test", limit=200)
    # The names README's snippets leave to the reader: images of one's own, two uint8 sets.
    names = {
        "images": digits[:100],
        "real_uint8": to_uint8(digits[:100]),
        "fake_uint8": to_uint8(digits[100:].flip(3)),
    }
    api, torchmetrics_fid, export = code
    exec(compile(api, "README.md (Python API)", "exec"), names)
    assert tuple(names["run"].sample(3).shape) == (3, 1, 28, 28)
    assert names["net"](names["images"][:2]).shape == (2, 128)
    exec(compile(torchmetrics_fid, "README.md (torchmetrics)", "exec"), names)
    assert CliRunner().invoke(main, ["export", "runs/mine", "--out", "DIR"]).exit_code == 0
    exec(compile(export, "README.md (export)", "exec"), names)
    assert tuple(names["images"].shape) == (64, 1, 28, 28)
    assert torch.all(names["images"].abs() <= 1)
