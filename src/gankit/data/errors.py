"""Errors raised by the data layer."""

from gankit.errors import GankitError


class DataError(GankitError, RuntimeError):
    """A dataset file is missing, corrupt or foreign; the message names the file and the fix."""
