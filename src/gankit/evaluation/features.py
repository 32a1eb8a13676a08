"""Feature extractors by name: the spaces IS, FID, KID, PRDC and memorisation are computed in.

'classifier' (default) is the bundled dataset CNN. 'classifier:NAME' is another dataset's
(bundled, or an imported folder's): its features for data that has no classifier of its own,
such as a folder of one class, which then gets the metrics that need no class probabilities of
its own (FID, KID, precision / recall, memorisation). 'inception-v3' is the ImageNet network of
the FID/IS literature, for comparing with papers; it needs torch-fidelity and a weights file
the user downloaded, and never downloads anything itself.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from gankit.errors import GankitError, InputError, UnknownNameError
from gankit.evaluation.classifier import (
    classify,
    file_sha256,
    get_classifier_spec,
    load_classifier,
)

INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
INCEPTION_WEIGHTS_URL = (
    f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{INCEPTION_WEIGHTS_FILE}"
)
INCEPTION_ENV = "GANKIT_INCEPTION_WEIGHTS"
INCEPTION_V3 = "inception-v3"  # the feature space of torch-fidelity's network, the whole suite
OTHER_CLASSIFIER = "classifier:"  # + the name of the dataset whose classifier it is


NO_TORCH_FIDELITY = (
    "inception-v3 needs torch-fidelity, the reference FID implementation that torchmetrics "
    "wraps: `pip install torch-fidelity`"
)


class FeatureExtractorError(GankitError, RuntimeError):
    """A feature extractor cannot be built; the message says what to install or download."""


@dataclass(frozen=True)
class FeatureExtractor:
    name: str
    identity: str  # names the weights in cache keys
    # images (N, 1, 28, 28) in [-1, 1] -> features (N, D) and class probabilities (N, C)
    extract: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]

    def __call__(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.extract(images)


def other_classifier(features: str) -> str | None:
    """The dataset named by 'classifier:NAME' (None for any other feature space)."""
    if not features.startswith(OTHER_CLASSIFIER):
        return None
    name = features.removeprefix(OTHER_CLASSIFIER)
    if not name:
        raise InputError(
            f"{features!r}: name the dataset whose classifier to use, e.g. classifier:mnist"
        )
    return name


def classifier_extractor(
    dataset: str, device: str = "cpu", weights: str | Path | None = None, name: str = "classifier"
) -> FeatureExtractor:
    if weights is not None:
        raise InputError("the classifier's weights are bundled; a weights path is for inception-v3")
    model = load_classifier(dataset, device)
    sha = get_classifier_spec(dataset).sha256
    return FeatureExtractor(name, sha, lambda images: classify(model, images))


def find_inception_weights(path: str | Path | None = None) -> Path:
    """The user's path, else $GANKIT_INCEPTION_WEIGHTS, else the torch hub cache; no download."""
    candidates = [Path(p).expanduser() for p in (path, os.environ.get(INCEPTION_ENV)) if p]
    candidates.append(Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FeatureExtractorError(
        "inception-v3 weights not found (looked in: "
        + ", ".join(str(c) for c in candidates)
        + f"). Download {INCEPTION_WEIGHTS_URL} to {candidates[-1]} or pass its path with "
        f"--inception-weights / ${INCEPTION_ENV}; gankit never downloads them itself"
    )


def check_inception_v3(weights: str | Path | None = None) -> Path:
    """The weights file of `weights` (find_inception_weights), once torch-fidelity is known to
    be installed: what --features inception-v3 needs, checked before any sampling."""
    path = find_inception_weights(weights)
    if "torch_fidelity" not in sys.modules and importlib.util.find_spec("torch_fidelity") is None:
        raise FeatureExtractorError(NO_TORCH_FIDELITY)
    return path


def inception_extractor(
    dataset: str, device: str = "cpu", weights: str | Path | None = None
) -> FeatureExtractor:
    """torch-fidelity's FID Inception-v3 (pool3 2048-d features, 1008-way logits)."""
    path = check_inception_v3(weights)
    try:
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    except ImportError as err:  # found, but it does not import
        raise FeatureExtractorError(NO_TORCH_FIDELITY) from err
    net = FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048", "logits_unbiased"], feature_extractor_weights_path=str(path)
    )
    net = net.eval().to(device)

    @torch.inference_mode()
    def extract(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats, probs = [], []
        for batch in images.split(100):
            # uint8 RGB, as the network was trained on; it resizes to 299x299 itself
            rgb = ((batch + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).repeat(1, 3, 1, 1)
            f, logits = net(rgb.to(device))
            feats.append(f.float().cpu())
            probs.append(torch.softmax(logits.float(), 1).cpu())
        return torch.cat(feats), torch.cat(probs)

    return FeatureExtractor(INCEPTION_V3, file_sha256(path), extract)


FEATURE_EXTRACTORS: dict[str, Callable[[str, str, str | Path | None], FeatureExtractor]] = {
    "classifier": classifier_extractor,
    INCEPTION_V3: inception_extractor,
}


def get_extractor(
    name: str, dataset: str, device: str = "cpu", inception_weights: str | Path | None = None
) -> FeatureExtractor:
    """The extractor `name` for images of `dataset`; 'classifier:OTHER' is OTHER's classifier
    (named 'classifier' when OTHER is `dataset` itself)."""
    other = other_classifier(name)
    if other is not None:
        if other == dataset:
            return classifier_extractor(dataset, device, inception_weights)
        return classifier_extractor(other, device, inception_weights, name)
    try:
        factory = FEATURE_EXTRACTORS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown feature extractor {name!r}; choose one of: {', '.join(FEATURE_EXTRACTORS)}"
        ) from None
    return factory(dataset, device, inception_weights)
