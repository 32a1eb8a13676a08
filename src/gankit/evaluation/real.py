"""The real side of every comparison: embedded train and test splits, per label subset."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gankit.data import load_tensors
from gankit.evaluation import metrics as M
from gankit.evaluation.cache import cached_json, cached_tensors, memo
from gankit.evaluation.classifier import classify, get_classifier_spec, load_classifier
from gankit.evaluation.features import FeatureExtractor


@dataclass(frozen=True)
class Embedding:
    features: torch.Tensor  # (N, D) in the extractor's space: FID, KID, PRDC, memorisation
    is_probs: torch.Tensor  # (N, C') the extractor's class probabilities: IS
    class_probs: torch.Tensor  # (N, C) the dataset classifier's: class statistics

    def select(self, index: torch.Tensor) -> Embedding:
        return Embedding(self.features[index], self.is_probs[index], self.class_probs[index])


SPLITS = ("train", "test")


def held_out_split(real_split: str) -> str:
    """The split whose images score the real-data reference row: the one not compared with."""
    if real_split not in SPLITS:
        raise ValueError(f"unknown real split {real_split!r}; choose train or test")
    return "test" if real_split == "train" else "train"


@dataclass(frozen=True)
class RealSide:
    """What samples are compared with: one split's images of the run's classes."""

    features: torch.Tensor
    mu: torch.Tensor
    sigma: torch.Tensor
    class_counts: torch.Tensor  # (C,) training label counts, for the class KL and modes


def subset_tag(target_labels: list[int] | None) -> str:
    return "all" if target_labels is None else "labels-" + "-".join(map(str, sorted(target_labels)))


def cache_key(dataset: str, extractor: FeatureExtractor) -> str:
    clf = get_classifier_spec(dataset).sha256
    return f"{dataset}-{extractor.name}-{extractor.identity[:16]}-clf-{clf[:16]}"


def label_mask(labels: torch.Tensor, target_labels: list[int] | None) -> torch.Tensor:
    if target_labels is None:
        return torch.ones(len(labels), dtype=torch.bool)
    return torch.isin(labels, torch.tensor(target_labels))


def embed(
    images: torch.Tensor, extractor: FeatureExtractor, dataset: str, device: str
) -> Embedding:
    features, is_probs = extractor(images)
    if extractor.name == "classifier":
        return Embedding(features, is_probs, is_probs)
    _, class_probs = classify(load_classifier(dataset, device), images)
    return Embedding(features, is_probs, class_probs)


def real_embedding(
    dataset: str, split: str, extractor: FeatureExtractor, device: str = "cpu"
) -> tuple[Embedding, torch.Tensor]:
    """Embedding and true labels of a whole real split (cached)."""

    def compute() -> dict[str, torch.Tensor]:
        images, labels = load_tensors(dataset, split)
        e = embed(images, extractor, dataset, device)
        tensors = {"features": e.features, "is_probs": e.is_probs, "labels": labels}
        if e.class_probs is not e.is_probs:  # the classifier's own space stores them once
            tensors["class_probs"] = e.class_probs
        return tensors

    t = cached_tensors(f"{cache_key(dataset, extractor)}-{split}.safetensors", compute)
    class_probs = t.get("class_probs", t["is_probs"])
    return Embedding(t["features"], t["is_probs"], class_probs), t["labels"]


def real_side(
    dataset: str,
    extractor: FeatureExtractor,
    target_labels: list[int] | None,
    device: str = "cpu",
    split: str = "train",
) -> RealSide:
    """Features of `split`'s images of the run's classes with their Gaussian statistics
    (memoised)."""

    def build() -> RealSide:
        real, labels = real_embedding(dataset, split, extractor, device)
        mask = label_mask(labels, target_labels)
        features = real.features[mask]
        counts = torch.bincount(labels[mask], minlength=real.class_probs.shape[1])
        return RealSide(features, *M.gaussian_stats(features), counts)

    subset = subset_tag(target_labels)
    return memo(f"{cache_key(dataset, extractor)}-{subset}-{split}-side", build)


def real_nn_median(
    dataset: str, extractor: FeatureExtractor, target_labels: list[int] | None, device: str = "cpu"
) -> float:
    """Median distance from real test images to their nearest training image: the yardstick
    of the memorisation ratio (cached)."""

    def compute() -> float:
        test, labels = real_embedding(dataset, "test", extractor, device)
        test_features = test.features[label_mask(labels, target_labels)]
        train = real_side(dataset, extractor, target_labels, device).features
        return M.nearest_distances(test_features, train).median().item()

    name = f"{cache_key(dataset, extractor)}-{subset_tag(target_labels)}-test-nn.json"
    return cached_json(name, compute)
