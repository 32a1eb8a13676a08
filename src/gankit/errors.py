"""The one base of gankit's user errors, and its general kinds for bad input.

Every error gankit raises about the user's input or files subclasses GankitError, so a caller
(and the command line, which prints it as `error: ...` with exit code 2) catches them all in
one place. Each keeps the builtin base it had before (ValueError, RuntimeError, ...), so an
`except ValueError` written against an earlier gankit still catches it. Errors of gankit's own
making (a broken invariant, a bug) are plain builtin errors and end in a traceback.

This module sits under every other one: it imports nothing of gankit and no torch.
"""

from __future__ import annotations


class GankitError(Exception):
    """Bad input or an unusable file, folder or run; the message names the problem and the
    fix."""


class InputError(GankitError, ValueError):
    """A bad argument or bad images: a value out of range, images of the wrong shape, an
    option that does not go with another."""


class UnknownNameError(InputError, KeyError):
    """A name (of a dataset, loss, feature space, ...) that is not among the choices, which
    the message lists. Also a KeyError, as the failed lookup it is."""

    # KeyError's str() is the repr of its argument (quoted); the message reads as written.
    __str__ = Exception.__str__


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type (a uint8 tensor where floats in [-1, 1] go); also the
    TypeError it was before."""
