"""Read IDX files (gzip or raw) and check them against their SHA-256 before use."""

from __future__ import annotations

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

from gankit.data.errors import DataError

_GZIP_MAGIC = b"\x1f\x8b"
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def read_bytes(path: Path) -> bytes:
    """The decompressed bytes of an IDX file, whether it is stored gzipped or raw."""
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise DataError(
            f"{path}: the gzip stream is truncated or corrupt ({exc}); delete the file and run "
            "`gankit data download` to fetch a fresh copy"
        ) from exc


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(data: bytes, source: Path | str) -> np.ndarray:
    """Parse IDX bytes into a uint8 array: (N, rows, cols) for images, (N,) for labels."""
    if len(data) < 8:
        raise DataError(f"{source}: {len(data)} bytes is too short for an IDX header")
    magic, count = struct.unpack(">II", data[:8])
    if magic == IMAGES_MAGIC:
        if len(data) < 16:
            raise DataError(f"{source}: the IDX image header is truncated")
        rows, cols = struct.unpack(">II", data[8:16])
        shape, offset = (count, rows, cols), 16
    elif magic == LABELS_MAGIC:
        shape, offset = (count,), 8
    else:
        raise DataError(
            f"{source}: magic number 0x{magic:08x} is not an IDX image (0x{IMAGES_MAGIC:08x}) "
            f"or label (0x{LABELS_MAGIC:08x}) file; this is not a dataset file gankit can read"
        )
    expected = int(np.prod(shape))
    if len(data) - offset != expected:
        raise DataError(
            f"{source}: header promises {expected} bytes of data but the file holds "
            f"{len(data) - offset}; the file is truncated or corrupt, delete it and run "
            "`gankit data download`"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape).copy()


def encode(array: np.ndarray) -> bytes:
    """IDX bytes of uint8 images (N, rows, cols) or labels (N,): what `parse` reads back."""
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(
            f"IDX holds uint8 (N,) labels or (N, rows, cols) images, got {array.dtype} "
            f"{array.shape}"
        )
    magic = LABELS_MAGIC if array.ndim == 1 else IMAGES_MAGIC
    header = struct.pack(">II", magic, len(array)) + struct.pack(
        ">" + "I" * (array.ndim - 1), *array.shape[1:]
    )
    return header + np.ascontiguousarray(array).tobytes()
