"""Stacked MNIST, the mode-collapse benchmark (Metz et al. 2017; Lin et al. 2018, PacGAN):
three MNIST digits drawn at random, stacked as the R, G and B channels of one 28x28 image.
Its 1,000 modes are the digit triples; the label of an image is 100 * R + 10 * G + B.

Two datasets: stacked-mnist draws its training images from MNIST's training digits, as many as
there are; stacked-mnist-128k is the training set of PacGAN's Table 2 (the authors' code,
VEEGAN_experiment/model.py:364-377): 128,000 images, each channel drawn with replacement from
MNIST's training and test digits pooled (70,000). Both test splits are the same 10,000 images
drawn from the test digits.

They are built from the verified MNIST files on every load (a gather of uint8 images, about a
second for the 128,000), with a fixed seed per split, so the same files always give the same
images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAME = "stacked-mnist"
NAME_128K = "stacked-mnist-128k"
DATASETS = (NAME, NAME_128K)
CHANNELS = 3
MODES = 10**CHANNELS
CLASSES = tuple(f"{m:03d}" for m in range(MODES))
_PLACE = np.array([100, 10, 1])  # R, G, B digit -> mode


@dataclass(frozen=True)
class StackedSplit:
    size: int
    pool: tuple[str, ...]  # the MNIST splits whose digits, pooled, each channel is drawn from
    seed: int


_TEST = StackedSplit(10_000, ("test",), 1)
# dataset -> split -> how it is drawn
SPLITS = {
    NAME: {"train": StackedSplit(60_000, ("train",), 0), "test": _TEST},
    NAME_128K: {"train": StackedSplit(128_000, ("train", "test"), 2), "test": _TEST},
}


def stack(
    images: np.ndarray, labels: np.ndarray, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """n images (n, 3, H, W) uint8, each channel an independent uniform draw from `images`,
    and their modes (n,) int64."""
    picks = np.random.default_rng(seed).integers(0, len(images), size=(n, CHANNELS))
    return images[picks], labels[picks].astype(np.int64) @ _PLACE
