"""Stacked MNIST, the mode-collapse benchmark (Metz et al. 2017; Lin et al. 2018, PacGAN):
three MNIST digits drawn at random, stacked as the R, G and B channels of one 28x28 image.
Its 1,000 modes are the digit triples; the label of an image is 100 * R + 10 * G + B.

It is built from the verified MNIST files on every load (a gather of uint8 images, well under a
second), with a fixed seed per split, so the same files always give the same images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NAME = "stacked-mnist"
CHANNELS = 3
MODES = 10**CHANNELS
CLASSES = tuple(f"{m:03d}" for m in range(MODES))
# split -> (images, seed): as many images as the MNIST split they are drawn from
SPLITS = {"train": (60_000, 0), "test": (10_000, 1)}
_PLACE = np.array([100, 10, 1])  # R, G, B digit -> mode


def stack(
    images: np.ndarray, labels: np.ndarray, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """n images (n, 3, H, W) uint8, each channel an independent uniform draw from `images`,
    and their modes (n,) int64."""
    picks = np.random.default_rng(seed).integers(0, len(images), size=(n, CHANNELS))
    return images[picks], labels[picks].astype(np.int64) @ _PLACE


def stacked_arrays(
    split: str, data_dir: str | Path | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    from gankit.data.load import load_arrays

    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(SPLITS)}")
    n, seed = SPLITS[split]
    digits, labels = load_arrays("mnist", split, data_dir, download)
    return stack(digits, labels, n, seed)
