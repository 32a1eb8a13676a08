"""FID and KID in the standard Inception network's space, on the scale of published MNIST and
Fashion-MNIST FIDs: what `gankit eval --features inception` adds beside the classifier suite.

The network costs about 5.7 GFLOP per image, so the real side is a fixed, seeded
REAL_PER_SPLIT images of each split (all of a smaller one) rather than the whole training
set; their features are cached once per dataset, split and network checksum, under names no
other feature space uses, and saved a piece at a time while they are first computed. The
reference row scores as many images of the other split against the same real side: the real
train-vs-test floor on this scale.
"""

from __future__ import annotations

from typing import Any

import torch
from safetensors.torch import load_file, save
from tqdm import tqdm

from gankit.data import load_tensors
from gankit.evaluation import metrics as M
from gankit.evaluation.cache import (
    cache_dir,
    cached_reference,
    cached_tensors,
    cached_tensors_if_present,
    memo,
)
from gankit.evaluation.inception import SHA256, fastest_layout, inception_features, load_network
from gankit.evaluation.real import held_out_split, label_mask, subset_tag
from gankit.fileio import atomic_write_bytes
from gankit.sampling import EVAL_SEED, evaluation_rows

REAL_PER_SPLIT = 10_000
# Images per saved piece of a real side's first embedding (minutes of CPU each): an
# interrupted embedding resumes from its last piece.
PIECE = 1_000


def _key(dataset: str) -> str:
    return f"{dataset}-inception-pool3-{SHA256[:16]}"


def _name(dataset: str, split: str) -> str:
    return f"{_key(dataset)}-{split}-n{REAL_PER_SPLIT}"


def _features(images: torch.Tensor, device: str, what: str) -> torch.Tensor:
    with tqdm(
        total=len(images), desc=f"Inception features of {what}", unit="img", disable=None
    ) as bar:
        net, layout = load_network(device=device), fastest_layout(device)
        return inception_features(images, net, device, bar.update, layout)


def _piece(dataset: str, split: str, images: torch.Tensor, start: int, device: str) -> torch.Tensor:
    """Features of the seeded order's images from `start` on (`images`), read from their piece
    file, or computed and saved to it."""
    path = cache_dir() / f"{_name(dataset, split)}.piece{start:06d}.safetensors"
    if not path.is_file():
        what = f"{dataset} {split}, {start + len(images):,} of {REAL_PER_SPLIT:,} real images"
        payload = save({"features": _features(images, device, what).contiguous()})
        atomic_write_bytes(path, lambda f: f.write(payload))
    return load_file(str(path))["features"]


def seeded_real(
    dataset: str, split: str, n: int, device: str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and labels of the first n images of the split's seeded order: from the split's
    whole cached file once real_features has written it (its pieces are then gone), else
    embedded PIECE images at a time, each piece saved as it is done."""
    whole = cached_tensors_if_present(f"{_name(dataset, split)}.safetensors")
    if whole is not None:
        return whole["features"][:n], whole["labels"][:n]
    images, labels = load_tensors(dataset, split)
    index = evaluation_rows(len(labels), REAL_PER_SPLIT)
    pieces = [
        _piece(dataset, split, images[index[start : start + PIECE]], start, device)
        for start in range(0, min(n, len(index)), PIECE)
    ]
    index = index[:n]
    return torch.cat(pieces)[: len(index)], labels[index]


def real_features(
    dataset: str, split: str, device: str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 2048) and labels of the split's seeded REAL_PER_SPLIT images (cached)."""

    def compute() -> dict[str, torch.Tensor]:
        features, labels = seeded_real(dataset, split, REAL_PER_SPLIT, device)
        return {"features": features, "labels": labels}

    t = cached_tensors(f"{_name(dataset, split)}.safetensors", compute)
    for piece in cache_dir().glob(f"{_name(dataset, split)}.piece*.safetensors"):
        piece.unlink(missing_ok=True)  # the whole file holds them now
    return t["features"], t["labels"]


def score_features(
    features: torch.Tensor, real: torch.Tensor, real_stats: tuple[torch.Tensor, torch.Tensor]
) -> dict[str, Any]:
    """FID and KID of features against real features and their Gaussian statistics."""
    kid, kid_std = M.kernel_distance(real, features, seed=EVAL_SEED)
    return {
        "fid_inception": M.frechet_distance(*M.gaussian_stats(features), *real_stats),
        "kid_inception": kid,
        "kid_inception_std": kid_std,
        "inception_n_samples": len(features),
        "inception_n_real": len(real),
    }


def _real_side(
    dataset: str, split: str, target_labels: list[int] | None, device: str
) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
    """The split's real-side features of the run's classes and their Gaussian statistics
    (memoised)."""

    def build() -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        features, labels = real_features(dataset, split, device)
        features = features[label_mask(labels, target_labels)]
        return features, M.gaussian_stats(features)

    return memo(
        f"{_key(dataset)}-{subset_tag(target_labels)}-{split}-n{REAL_PER_SPLIT}-side", build
    )


def reference_scores(
    dataset: str,
    n: int,
    *,
    target_labels: list[int] | None = None,
    real_split: str = "train",
    device: str = "cpu",
) -> dict[str, Any]:
    """The real-data floor: up to n seeded images of the other split's real side against
    `real_split`'s, as samples would be scored (cached)."""
    held = held_out_split(real_split)

    def compute() -> dict[str, Any]:
        features, _ = _real_side(dataset, held, target_labels, device)
        return score_features(
            features[evaluation_rows(len(features), n)],
            *_real_side(dataset, real_split, target_labels, device),
        )

    stem = (
        f"{_key(dataset)}-{subset_tag(target_labels)}-{held}-vs-{real_split}"
        f"-n{REAL_PER_SPLIT}-reference-n{n}"
    )
    return cached_reference(stem, compute)


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
    side (its images of the run's classes), and the floor for as many images (empty when not
    `reference`)."""
    real = _real_side(dataset, real_split, target_labels, device)
    ours = score_features(_features(images, device, f"{len(images):,} samples"), *real)
    ours["inception_sha256"] = SHA256
    if not reference:
        return ours, {}
    floor = reference_scores(
        dataset, len(images), target_labels=target_labels, real_split=real_split, device=device
    )
    return ours, floor
