"""Stacked MNIST mode counting (Metz et al. 2017; Lin et al. 2018, PacGAN, Table 2): the
bundled MNIST classifier reads the digit in each of an image's three channels, the triple is one
of 1,000 modes, and 26,000 samples are scored by how many modes they reach and by the KL
divergence of their mode histogram to the uniform one the data has.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from gankit.data import load_arrays, to_unit_range
from gankit.data.load import as_8_bit
from gankit.data.stacked import CHANNELS, MODES, NAME
from gankit.errors import InputError
from gankit.evaluation.cache import cached_reference
from gankit.evaluation.classifier import classify, get_classifier_spec, load_classifier
from gankit.evaluation.registry import periodic_keys

MODE_SAMPLES = 26_000  # the benchmark's sample count (PacGAN Table 2 and the papers before it)
_PLACE = torch.tensor([100, 10, 1])


def channel_digits(images: torch.Tensor, device: str = "cpu") -> torch.Tensor:
    """(N, 3, 28, 28) in [-1, 1] -> (N, 3) digits, the MNIST classifier's call per channel."""
    if images.dim() != 4 or tuple(images.shape[1:]) != (CHANNELS, 28, 28):
        raise InputError(f"expected Stacked MNIST images (N, 3, 28, 28), got {tuple(images.shape)}")
    _, probs = classify(load_classifier("mnist", device), images.reshape(-1, 1, 28, 28))
    return probs.argmax(1).view(-1, CHANNELS)


def modes_of(digits: torch.Tensor) -> torch.Tensor:
    """(N, 3) digits -> (N,) modes 100 * R + 10 * G + B."""
    return digits.long() @ _PLACE


def mode_metrics(modes: torch.Tensor) -> dict[str, Any]:
    """Modes reached by at least one sample, and KL(sample modes || uniform) in nats."""
    hist = torch.bincount(modes, minlength=MODES).double()
    p = hist[hist > 0] / hist.sum()
    return {
        "modes_covered": int((hist > 0).sum()),
        "modes_total": MODES,
        "kl_to_uniform": (p * (p * MODES).log()).sum().item(),
        "n_samples": len(modes),
    }


def quick_mode_metrics(images: torch.Tensor, device: str = "cpu") -> dict[str, float]:
    """Modes covered and KL to uniform alone, for the periodic evaluation in training: the
    images rounded to 8 bits as in evaluate_stacked, no real-data reference."""
    scores = mode_metrics(modes_of(channel_digits(as_8_bit(images), device)))
    return {key: scores[key] for key in periodic_keys("modes")}


def real_reference(n: int, device: str = "cpu", dataset: str = NAME) -> dict[str, Any]:
    """The same scores for the first n real training images of Stacked MNIST dataset
    `dataset` (cached per dataset and classifier checksum)."""

    def compute() -> dict[str, Any]:
        images, _ = load_arrays(dataset, "train")
        if n > len(images):
            raise InputError(f"at most {len(images)} real {dataset} images, asked for {n}")
        return mode_metrics(modes_of(channel_digits(to_unit_range(images[:n]), device)))

    sha = get_classifier_spec("mnist").sha256
    return cached_reference(f"{dataset}-clf-{sha[:16]}-modes-n{n}", compute)


def evaluate_stacked(
    images: torch.Tensor, device: str = "cpu", dataset: str = NAME
) -> dict[str, Any]:
    """Mode counting for generated Stacked MNIST images, the scores of as many real training
    images of `dataset` beside it."""
    start = time.perf_counter()
    if not images.is_floating_point() or not -1.01 <= images.min() <= images.max() <= 1.01:
        raise InputError("images must be a float tensor in [-1, 1]")
    # rounded to 8 bits as a saved PNG is, like every other evaluation (evaluate.py)
    out = mode_metrics(modes_of(channel_digits(as_8_bit(images), device)))
    out["eval_seconds"] = time.perf_counter() - start
    out["dataset"] = dataset
    out["classifier_sha256"] = get_classifier_spec("mnist").sha256
    out["reference"] = real_reference(len(images), device, dataset)
    return out
