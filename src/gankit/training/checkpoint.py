"""Checkpoints: written atomically, read without unpickling, refused when foreign or corrupt."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from gankit.errors import GankitError
from gankit.fileio import atomic_write_bytes

FORMAT = "gankit-checkpoint"
VERSION = 1
REQUIRED_KEYS = ("format", "version", "step", "config", "fingerprint", "generator")


class CheckpointError(GankitError, RuntimeError):
    """A checkpoint cannot be used; the message names the file and what to do."""


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Serialise in memory, then write atomically: torch.save into a file reports a full disk
    as a vague RuntimeError, a plain write reports it as the OSError it is (a WriteError)."""
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "version": VERSION, **state}, buffer)
    atomic_write_bytes(path, lambda f: f.write(buffer.getbuffer()))


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint with weights_only=True (no code runs) and check it is gankit's."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except Exception as exc:  # torch raises many types for truncated or foreign bytes
        raise CheckpointError(
            f"{path}: not a readable checkpoint ({type(exc).__name__}: {str(exc)[:200]}). "
            "It is corrupt, truncated or not a gankit file; delete it to start afresh, or "
            "restore it from a milestone in the same checkpoints/ folder"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: not a gankit checkpoint (no '{FORMAT}' marker); gankit only resumes "
            "from checkpoints it wrote itself"
        )
    if state.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {state.get('version')} is not supported "
            f"(this gankit reads version {VERSION})"
        )
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{path}: checkpoint lacks {', '.join(missing)}; it is incomplete")
    return state
