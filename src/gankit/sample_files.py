"""Generated images as files other tools read: a folder of PNGs, or one .npz array.

The .npz follows the convention of the guided-diffusion (ADM) evaluation suite: `arr_0` is
uint8 of shape (N, H, W, C), here (N, 28, 28, 1) for MNIST, and a conditional run adds the
requested classes as `arr_1` (int64, (N,)). Values are the generator's [-1, 1] output mapped
to 0..255 and rounded to nearest (gankit.data.load.to_uint8), as the PNG grids hold them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gankit.data.load import to_uint8
from gankit.fileio import WriteError, atomic_write_bytes, atomic_write_text, temporary_folder


def nhwc_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) floats in [-1, 1] -> (N, H, W, C) uint8."""
    return to_uint8(images).permute(0, 2, 3, 1).numpy()


def write_npz(path: Path, batches: Iterable[torch.Tensor], labels: torch.Tensor | None) -> int:
    """All batches as `arr_0` (and the labels as `arr_1`) in one .npz, written atomically."""
    arrays = {"arr_0": np.concatenate([nhwc_uint8(b) for b in batches])}
    if labels is not None:
        arrays["arr_1"] = labels.cpu().numpy().astype(np.int64)
    atomic_write_bytes(Path(path), lambda f: np.savez(f, **arrays))
    return len(arrays["arr_0"])


def _png(image: np.ndarray) -> Image.Image:
    return Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image)


def write_png_dir(
    folder: Path, batches: Iterable[torch.Tensor], labels: torch.Tensor | None
) -> int:
    """One PNG per image, 000000.png, 000001.png, ... (and labels.csv for a conditional run).
    The folder is filled under a temporary name and renamed at the end, so a killed command
    leaves no half-written folder; `folder` must not exist yet, or be empty."""
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = temporary_folder(folder.parent, f".{folder.name}.")
    except OSError as exc:
        raise WriteError(folder, exc) from exc
    try:
        count = 0
        for batch in batches:
            for image in nhwc_uint8(batch):
                _png(image).save(staging / f"{count:06d}.png")
                count += 1
        if labels is not None:
            rows = [f"{i:06d}.png,{int(y)}" for i, y in enumerate(labels.tolist())]
            atomic_write_text(staging / "labels.csv", "\n".join(["file,label", *rows]) + "\n")
        if folder.is_dir():
            folder.rmdir()  # empty: checked by the caller; rmdir refuses otherwise
        os.replace(staging, folder)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise WriteError(folder, exc) from exc
        raise
    return count
