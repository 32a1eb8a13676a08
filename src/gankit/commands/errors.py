"""One error path for every command: a GankitError, whose message names the problem and the
fix, is printed as `error: ...` and ends the command with exit code 2, without a traceback."""

from __future__ import annotations

import logging
from typing import IO, Any

import click

from gankit.errors import GankitError


class ErrorMessage(click.ClickException):
    """How click prints a GankitError: `error: ...`, exit code 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class ReportingGroup(click.Group):
    """A command group that shows a GankitError raised anywhere under it (in a command, a
    subcommand, or the library code they call) as its message alone. Any other exception is a
    bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GankitError as exc:
            raise ErrorMessage(str(exc)) from exc


class _EchoHandler(logging.Handler):
    """The package's log records on the current stderr: `warning: ...` (and errors) flagged,
    details (INFO, shown with -v) as they are."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            message = f"{record.levelname.lower()}: {message}"
        click.echo(message, err=True)


def show_messages(level: int) -> None:
    """Echo the package's log records from `level` up (INFO with -v, WARNING by default, ERROR
    with -q). Only the echo is filtered: other handlers (a caller's, pytest's) still see
    warnings."""
    logger = logging.getLogger("gankit")
    handler = next((h for h in logger.handlers if isinstance(h, _EchoHandler)), None)
    if handler is None:
        handler = _EchoHandler()
        logger.addHandler(handler)
    handler.setLevel(level)
    # Records below the root logger's WARNING reach the handler only if the logger lets them.
    logger.setLevel(logging.INFO if level <= logging.INFO else logging.NOTSET)
