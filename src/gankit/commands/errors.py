"""One error path for every command: an error whose message names the problem and the fix is
printed as `error: ...` and ends the command with exit code 2, without a traceback."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

import click


class UserError(click.ClickException):
    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


# The package's error types that mean bad input or an unusable file, folder or run.
USER_ERRORS = {
    "gankit.config": "ConfigError",
    "gankit.data.errors": "DataError",
    "gankit.training.checkpoint": "CheckpointError",
    "gankit.evaluation.classifier": "ClassifierError",
    "gankit.evaluation.features": "FeatureExtractorError",
    "gankit.fileio": "WriteError",
    "gankit.locks": "RunDirBusy",
    "gankit.machine": "DeviceError",
    "gankit.training.trainer": "TrainingDiverged",
    "gankit.report.collect": "CollectError",
    "gankit.provenance": "ProvenanceError",
}


def user_error_types() -> tuple[type[Exception], ...]:
    """The user error types loaded so far: an error can only come from a module that was
    imported, so handling one never loads the training stack."""
    return tuple(
        getattr(sys.modules[module], name)
        for module, name in USER_ERRORS.items()
        if module in sys.modules
    )


class ReportingGroup(click.Group):
    """A command group that turns the package's user errors into UserError."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(exc, click.ClickException) or not isinstance(exc, user_error_types()):
                raise
            raise UserError(str(exc)) from exc


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
