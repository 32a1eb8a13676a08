"""FID and KID in the standard Inception network's space, on the scale of published MNIST and
Fashion-MNIST FIDs: what `gankit eval --features inception` adds beside the classifier suite.

The network costs about 5.7 GFLOP per image, so the real side is a fixed, seeded
REAL_PER_SPLIT images of each split (all of a smaller one) rather than the whole training
set; their features are cached once per dataset, split and network checksum, under names no
other feature space uses. The reference row scores as many images of the other split against
the same real side: the real train-vs-test floor on this scale.
"""

from __future__ import annotations

from typing import Any

import torch
from tqdm import tqdm

from gankit.data import load_tensors
from gankit.evaluation import metrics as M
from gankit.evaluation.cache import cached_json, cached_tensors
from gankit.evaluation.inception import SHA256, inception_features, load_network
from gankit.evaluation.real import held_out_split, label_mask, subset_tag
from gankit.sampling import EVAL_SEED

REAL_PER_SPLIT = 10_000


def _seeded_rows(n_rows: int, n: int) -> torch.Tensor:
    return torch.randperm(n_rows, generator=torch.Generator().manual_seed(EVAL_SEED))[:n]


def _key(dataset: str) -> str:
    return f"{dataset}-inception-pool3-{SHA256[:16]}"


def _features(images: torch.Tensor, device: str, what: str) -> torch.Tensor:
    with tqdm(
        total=len(images), desc=f"Inception features of {what}", unit="img", disable=None
    ) as bar:
        return inception_features(images, load_network(device=device), device, bar.update)


def real_features(
    dataset: str, split: str, device: str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 2048) and labels of the split's seeded REAL_PER_SPLIT images (cached)."""

    def compute() -> dict[str, torch.Tensor]:
        images, labels = load_tensors(dataset, split)
        index = _seeded_rows(len(labels), REAL_PER_SPLIT)
        what = f"{dataset} {split} ({len(index):,} images, computed once)"
        return {
            "features": _features(images[index], device, what),
            "labels": labels[index],
            "index": index,
        }

    t = cached_tensors(f"{_key(dataset)}-{split}-n{REAL_PER_SPLIT}.safetensors", compute)
    return t["features"], t["labels"]


def _scores(
    features: torch.Tensor, real: torch.Tensor, real_stats: tuple[torch.Tensor, torch.Tensor]
) -> dict[str, Any]:
    kid, kid_std = M.kernel_distance(real, features, seed=EVAL_SEED)
    return {
        "fid_inception": M.frechet_distance(*M.gaussian_stats(features), *real_stats),
        "kid_inception": kid,
        "kid_inception_std": kid_std,
        "inception_n_samples": len(features),
        "inception_n_real": len(real),
    }


def inception_metrics(
    images: torch.Tensor,
    dataset: str,
    *,
    target_labels: list[int] | None = None,
    real_split: str = "train",
    device: str = "cpu",
    reference: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inception FID and KID of images (N, 1, 28, 28) in [-1, 1] against `real_split`'s real
    side (its images of the run's classes), and the same for up to N images of the other split
    (empty when not `reference`)."""
    real, labels = real_features(dataset, real_split, device)
    real = real[label_mask(labels, target_labels)]
    real_stats = M.gaussian_stats(real)
    ours = _scores(_features(images, device, f"{len(images):,} samples"), real, real_stats)
    ours["inception_sha256"] = SHA256
    if not reference:
        return ours, {}
    held = held_out_split(real_split)

    def compute() -> dict[str, Any]:
        features, held_labels = real_features(dataset, held, device)
        features = features[label_mask(held_labels, target_labels)]
        return _scores(features[_seeded_rows(len(features), len(images))], real, real_stats)

    name = (
        f"{_key(dataset)}-{subset_tag(target_labels)}-{held}-vs-{real_split}"
        f"-n{REAL_PER_SPLIT}-reference-n{len(images)}.json"
    )
    return ours, cached_json(name, compute)
