"""Image grids from generator output, written as PNG without torchvision."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gankit.data.load import to_uint8
from gankit.fileio import atomic_write_bytes


def make_grid(images: torch.Tensor, nrow: int | None = None, pad: int = 2) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> uint8 (height, width) or (height, width, 3) with a dark
    border; `nrow` images per row, as torchvision's make_grid names it (default: a square)."""
    x = to_uint8(images)
    n, c, h, w = x.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    grid = np.zeros((c, rows * (h + pad) + pad, nrow * (w + pad) + pad), dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[:, top : top + h, left : left + w] = x[i].numpy()
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def save_grid(images: torch.Tensor, path: Path, nrow: int | None = None, scale: int = 2) -> None:
    """Save a grid, upscaled with nearest neighbour so 28x28 digits are readable on screen."""
    img = Image.fromarray(make_grid(images, nrow))
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    atomic_write_bytes(Path(path), lambda f: f.write(buf.getvalue()))
