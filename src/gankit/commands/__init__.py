"""Click commands, one module per command group; cli.py mounts them."""

from __future__ import annotations

import click

from gankit.commands.data import data

COMMANDS: list[click.Command] = []
COMMANDS.append(data)
