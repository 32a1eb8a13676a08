"""Scoring images of one's own with gankit's metrics, and its evaluator classifier as a module:

    import gankit
    scores = gankit.metrics.score(images, dataset="mnist")   # what `gankit eval` writes
    net = gankit.classifier("mnist")                         # images -> 128-d features

`score` is `gankit eval --images`; `classifier` hands out the network those metrics are
computed with, for use in one's own code (a torchmetrics feature extractor, for one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from gankit.errors import InputError
from gankit.evaluation.classifier import (
    FEATURE_DIM,
    EvaluatorCNN,
    get_classifier_spec,
    load_weights,
)
from gankit.evaluation.evaluate import evaluate_images
from gankit.evaluation.images import array_to_images, load_images
from gankit.machine import resolve_device

Images = torch.Tensor | np.ndarray | str | Path


def as_images(images: Images) -> torch.Tensor:
    """(N, 1, 28, 28) float32 in [-1, 1] from a tensor or array (uint8 0..255, or floats in
    [0, 1] or [-1, 1]; (N, 28, 28) and (N, 28, 28, 1) too), a .npy file or a folder of PNGs."""
    if isinstance(images, (str, Path)):
        return load_images(images)
    if isinstance(images, torch.Tensor):
        tensor = images.detach().cpu()
        images = (tensor.float() if tensor.is_floating_point() else tensor).numpy()
    return array_to_images(np.asarray(images), "images")


def score(
    images: Images,
    dataset: str = "mnist",
    *,
    real: Literal["train", "test"] = "train",
    target_labels: list[int] | None = None,
    labels: torch.Tensor | list[int] | None = None,
    features: str = "classifier",
    inception_weights: str | Path | None = None,
    device: str = "auto",
) -> dict[str, Any]:
    """The full metric suite for images imitating `dataset`: the dict `gankit eval --images`
    writes to metrics.json (IS, FID, KID, precision / recall, density / coverage, class
    histogram, memorisation, and `reference`: the same for real held-out images).

    `images`: see as_images (at least 20). `real`: the split they are compared with (the
    other one scores the reference). `target_labels`: the classes they imitate, for a subset
    (e.g. [6]). `labels`: the class asked for of each image, from a conditional model: adds
    label accuracy and per-class FID / precision / recall. `features`: the feature space."""
    x = as_images(images)
    requested = None if labels is None else torch.as_tensor(labels, dtype=torch.long)
    if requested is not None and requested.shape != (len(x),):
        raise InputError(f"labels must hold one class per image ({len(x)}), got {len(requested)}")
    return evaluate_images(
        x,
        dataset,
        target_labels=target_labels,
        requested_labels=requested,
        device=device,
        features=features,
        inception_weights=inception_weights,
        real_split=real,
        per_class=requested is not None,
    )


class Classifier(nn.Module):
    """gankit's evaluator CNN of one dataset, frozen: calling it on images gives the 128-d
    penultimate features that FID, KID, precision / recall and memorisation are computed on;
    `logits` gives its class scores.

    Images are (N, 1, 28, 28): uint8 0..255 (what torchmetrics hands a feature extractor when
    normalize=False) or floats in [-1, 1]. It stays in eval mode (BatchNorm uses its running
    statistics in any module it is placed in), and its weights take no gradient."""

    num_features = FEATURE_DIM  # torchmetrics reads this instead of probing the network

    def __init__(self, net: EvaluatorCNN, dataset: str, sha256: str) -> None:
        super().__init__()
        self.net = net.requires_grad_(False)
        self.dataset = dataset
        self.sha256 = sha256
        self.train(False)

    def train(self, mode: bool = True) -> Classifier:
        return super().train(False)

    def _prepare(self, images: torch.Tensor) -> torch.Tensor:
        parameter = next(self.net.parameters())
        x = images.to(parameter.device)
        x = x.float() / 127.5 - 1.0 if x.dtype == torch.uint8 else x.to(parameter.dtype)
        # the layout gankit's own scoring uses, so the features are the same numbers
        return x.contiguous(memory_format=torch.channels_last)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.features_and_logits(self._prepare(images))[0]

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        return self.net.features_and_logits(self._prepare(images))[1]


def classifier(dataset: str = "mnist", device: str = "cpu") -> Classifier:
    """A fresh copy of the checksum-verified evaluator of `dataset` (mnist, fashion-mnist, or
    an imported folder that was given one): changing it changes no metric."""
    spec = get_classifier_spec(dataset)
    net = load_weights(spec.path, spec.sha256, dataset)
    net = net.to(resolve_device(device), memory_format=torch.channels_last)
    return Classifier(net, dataset, spec.sha256)
