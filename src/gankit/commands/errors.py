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
    """Warnings of the package's loggers, as `warning: ...` on the current stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def show_warnings() -> None:
    logger = logging.getLogger("gankit")
    if not any(isinstance(h, _EchoHandler) for h in logger.handlers):
        logger.addHandler(_EchoHandler(logging.WARNING))
