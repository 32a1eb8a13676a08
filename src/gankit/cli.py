"""The `gankit` command line: one thin function per command, logic lives in the package."""

from __future__ import annotations

import click

from gankit import __version__
from gankit.commands import COMMANDS
from gankit.commands.errors import ReportingGroup, show_warnings


@click.group(cls=ReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gankit")
def main() -> None:
    """Train, evaluate and compare GANs on MNIST-scale image data."""
    show_warnings()


for _command in COMMANDS:
    main.add_command(_command)
