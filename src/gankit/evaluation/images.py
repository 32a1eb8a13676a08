"""Read images to evaluate from an array file or a folder of PNGs, as (N, 1, 28, 28) in [-1, 1]."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gankit.errors import InputError


def array_to_images(array: np.ndarray, source: str | Path) -> torch.Tensor:
    """An image array as (N, 1, 28, 28) float32 in [-1, 1]: uint8 is 0..255; a float array
    whose values all lie in [0, 1] is read as [0, 1] (a [-1, 1] set has its background at
    -1), else it must lie in [-1, 1]. `source` names it in errors."""
    if array.ndim == 4 and array.shape[-1] == 1:  # (N, H, W, 1), channels last
        array = array[..., 0]
    if array.ndim == 4 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 3 or array.shape[1:] != (28, 28):
        raise InputError(
            f"{source}: images of shape {array.shape}; expected (N, 28, 28) or (N, 1, 28, 28)"
        )
    if array.dtype == np.uint8:
        return torch.from_numpy(array.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    if not np.issubdtype(array.dtype, np.floating):
        raise InputError(f"{source}: dtype {array.dtype}; use uint8 (0..255) or float")
    x = torch.from_numpy(array.astype(np.float32)).unsqueeze(1)
    lo, hi = x.min().item(), x.max().item()
    if lo >= 0.0 and hi <= 1.0:  # [0, 1]; a [-1, 1] set always has its background at -1
        return x * 2 - 1
    if lo >= -1.0 and hi <= 1.0:
        return x
    raise InputError(f"{source}: float values span [{lo:.3g}, {hi:.3g}]; use [0, 1] or [-1, 1]")


def _read_png_folder(folder: Path) -> np.ndarray:
    from PIL import Image  # comes with matplotlib

    files = sorted(folder.glob("*.png"))
    if not files:
        raise InputError(f"{folder}: no .png files; give a folder of 28x28 PNGs or a .npy array")
    arrays = []
    for file in files:
        with Image.open(file) as img:
            a = np.asarray(img.convert("L"))
        if a.shape != (28, 28):
            raise InputError(
                f"{file}: {a.shape[1]}x{a.shape[0]} pixels; each PNG must hold one 28x28 image "
                "(sample grids are not split apart)"
            )
        arrays.append(a)
    return np.stack(arrays)


def load_images(path: str | Path) -> torch.Tensor:
    """A .npy array (uint8 0..255, or float in [0, 1] or [-1, 1]) or a folder of PNGs."""
    path = Path(path)
    if path.is_dir():
        return array_to_images(_read_png_folder(path), path)
    if path.suffix == ".npy" and path.is_file():
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as err:
            raise InputError(f"{path}: not a plain numpy array file ({err})") from err
        return array_to_images(array, path)
    raise InputError(f"{path}: not a .npy file or a folder of PNGs")
