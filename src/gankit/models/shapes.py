"""Shape checks at model boundaries, with messages that say what was expected."""

from __future__ import annotations

import torch

from gankit.errors import InputError


def check_shape(tensor: torch.Tensor, expected: tuple[int, ...], what: str) -> None:
    """Raise if `tensor` is not (batch, *expected); the batch dimension is free."""
    if tensor.dim() != len(expected) + 1 or tuple(tensor.shape[1:]) != expected:
        raise InputError(
            f"{what}: expected shape (batch, {', '.join(map(str, expected))}), "
            f"got {tuple(tensor.shape)}"
        )
