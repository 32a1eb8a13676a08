"""Click commands, one module per command group; cli.py mounts them.

Each command's module loads when the command runs or shows its own help, not before: most of
them need torch, and `gankit --help` or `--version` should answer at once. The group's help
lists them with the one-line summaries below.
"""

from __future__ import annotations

import importlib

import click

from gankit.commands.errors import ReportingGroup

# name -> ("module:attribute", the one line `gankit --help` shows for it)
COMMANDS: dict[str, tuple[str, str]] = {
    "train": (
        "gankit.commands.train:train",
        "Train a preset or a config file, then evaluate",
    ),
    "presets": ("gankit.commands.train:presets", "List the presets, or show one's resolved config"),
    "sample": ("gankit.commands.generate:sample", "Images from a trained generator, in any layout"),
    "export": ("gankit.commands.generate:export", "The generator alone: safetensors and config"),
    "reproduce": (
        "gankit.commands.report:reproduce",
        "Re-run a paper's experiments, or the model benchmark, over seeds",
    ),
    "compare": (
        "gankit.commands.report:compare",
        "Samples, losses and metrics of runs, side by side",
    ),
    "data": ("gankit.commands.data:data", "Find, verify, download and import datasets"),
    "eval": ("gankit.commands.evaluate:eval_command", "Score a run or images with every metric"),
    "classifier": ("gankit.commands.evaluate:classifier", "Retrain the evaluator classifiers"),
    "bench": ("gankit.commands.bench:bench", "Speed against a plain PyTorch loop; time to quality"),
    "sweep": ("gankit.commands.sweep:sweep", "Every trial of presets x grid x seeds, summarised"),
    "report": ("gankit.commands.artifacts:report_group", "Collect finished runs; rebuild pages"),
}


def load_command(name: str) -> click.Command:
    module, attribute = COMMANDS[name][0].split(":")
    return getattr(importlib.import_module(module), attribute)


class LazyGroup(ReportingGroup):
    """The top-level group: commands by name from COMMANDS, each imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, summary) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
