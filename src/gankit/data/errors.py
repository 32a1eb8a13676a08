"""Errors raised by the data layer."""


class DataError(RuntimeError):
    """A dataset file is missing, corrupt or foreign; the message names the file and the fix."""
