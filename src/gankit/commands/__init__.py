"""Click commands, one module per command group; cli.py mounts them."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
