"""The `gankit` command line: one thin function per command, logic lives in the package."""

from __future__ import annotations

import logging

import click

from gankit import __version__
from gankit.commands import LazyGroup
from gankit.commands.errors import show_messages
from gankit.commands.options import QUIET
from gankit.errors import InputError


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gankit")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Say more: what was decided and why (the speed probe's choices).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Say less: results and errors; no warnings or progress."
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """Train, evaluate and compare GANs on MNIST-scale image data."""
    if verbose and quiet:
        raise InputError("-v and -q ask for opposite things; choose one")
    show_messages(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)
    ctx.meta[QUIET] = quiet
