"""Click commands, one module per command group; cli.py mounts them."""

from __future__ import annotations

import click

from gankit.commands.artifacts import report_group
from gankit.commands.bench import bench
from gankit.commands.data import data
from gankit.commands.evaluate import classifier, eval_command
from gankit.commands.generate import export, sample
from gankit.commands.report import compare, reproduce
from gankit.commands.sweep import sweep
from gankit.commands.train import presets, train

COMMANDS: list[click.Command] = [train, presets, sample, export, reproduce, compare]
COMMANDS.append(data)
COMMANDS += [eval_command, classifier]
COMMANDS.append(bench)
COMMANDS.append(sweep)
COMMANDS.append(report_group)
