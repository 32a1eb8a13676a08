"""The real side of every comparison: embedded train and test splits, per label subset."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gankit.data import dataset_info, load_tensors
from gankit.errors import InputError
from gankit.evaluation import metrics as M
from gankit.evaluation.cache import cached_json, cached_tensors, memo
from gankit.evaluation.classifier import (
    ClassifierError,
    classify,
    get_classifier_spec,
    load_classifier,
)
from gankit.evaluation.features import OTHER_CLASSIFIER, FeatureExtractor


@dataclass(frozen=True)
class Embedding:
    """Images in a feature space. Another dataset's classifier ('classifier:NAME') gives
    features alone: its classes are not the data's, so no IS or class statistics."""

    features: torch.Tensor  # (N, D) in the extractor's space: FID, KID, PRDC, memorisation
    is_probs: torch.Tensor | None  # (N, C') the extractor's class probabilities: IS
    class_probs: torch.Tensor | None  # (N, C) the dataset classifier's: class statistics

    def select(self, index: torch.Tensor) -> Embedding:
        def pick(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t[index]

        return Embedding(self.features[index], pick(self.is_probs), pick(self.class_probs))


SPLITS = ("train", "test")


def held_out_split(real_split: str) -> str:
    """The split whose images score the real-data reference row: the one not compared with."""
    if real_split not in SPLITS:
        raise InputError(f"unknown real split {real_split!r}; choose train or test")
    return "test" if real_split == "train" else "train"


@dataclass(frozen=True)
class RealSide:
    """What samples are compared with: one split's images of the run's classes."""

    features: torch.Tensor
    mu: torch.Tensor
    sigma: torch.Tensor
    class_counts: torch.Tensor  # (C,) label counts of the compared split, for class KL and modes


def subset_tag(target_labels: list[int] | None) -> str:
    return "all" if target_labels is None else "labels-" + "-".join(map(str, sorted(target_labels)))


def own_classifier_sha256(dataset: str) -> str | None:
    """The checksum of `dataset`'s own classifier; None for data without one (a folder of one
    class, or an imported folder whose classifier is not trained yet)."""
    try:
        return get_classifier_spec(dataset).sha256
    except ClassifierError:
        return None


def _other_space(extractor: FeatureExtractor) -> bool:
    return extractor.name.startswith(OTHER_CLASSIFIER)


def cache_key(dataset: str, extractor: FeatureExtractor) -> str:
    # the dataset's own classifier gives the class statistics of every space but another
    # dataset's classifier, whose embeddings hold none
    clf = "none" if _other_space(extractor) else get_classifier_spec(dataset).sha256
    name = extractor.name.replace(":", "-")  # a file name on every platform
    return f"{dataset}-{name}-{extractor.identity[:16]}-clf-{clf[:16]}"


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
    if _other_space(extractor):
        return Embedding(features, None, None)
    _, class_probs = classify(load_classifier(dataset, device), images)
    return Embedding(features, is_probs, class_probs)


def real_embedding(
    dataset: str, split: str, extractor: FeatureExtractor, device: str = "cpu"
) -> tuple[Embedding, torch.Tensor]:
    """Embedding and true labels of a whole real split (cached)."""

    def compute() -> dict[str, torch.Tensor]:
        images, labels = load_tensors(dataset, split)
        e = embed(images, extractor, dataset, device)
        tensors = {"features": e.features, "labels": labels}
        if e.is_probs is not None:
            tensors["is_probs"] = e.is_probs
        if e.class_probs is not e.is_probs:  # the classifier's own space stores them once
            tensors["class_probs"] = e.class_probs
        return tensors

    t = cached_tensors(f"{cache_key(dataset, extractor)}-{split}.safetensors", compute)
    is_probs = t.get("is_probs")
    class_probs = t.get("class_probs", is_probs)
    return Embedding(t["features"], is_probs, class_probs), t["labels"]


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
        counts = torch.bincount(labels[mask], minlength=len(dataset_info(dataset).classes))
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
