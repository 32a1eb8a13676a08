"""Pictures that show how a generator behaves: latent interpolations (is the latent space
smooth?) and each sample beside its nearest training images (does it copy?)."""

from __future__ import annotations

import torch
from torch import nn

from gankit.sampling import cycle_labels, draw_noise, generate, generate_from, slerp


def interpolation_grid(
    generator: nn.Module,
    rows: int,
    steps: int,
    *,
    seed: int,
    labels: torch.Tensor | None = None,
) -> torch.Tensor:
    """rows x steps images: row i walks from latent z_2i to z_2i+1 of draw `seed` along the
    great circle between them (slerp, White 2016), in `steps` evenly spaced points, ends
    included. A conditional generator keeps one class per row: `labels` (rows,), or row i
    shows class i mod C."""
    noise = draw_noise(2 * rows, generator.z_dim, seed, generator.z_dist)
    t = torch.linspace(0, 1, steps)
    path = torch.cat([slerp(noise[2 * i], noise[2 * i + 1], t) for i in range(rows)])
    classes = getattr(generator, "num_classes", 0)
    row_labels = labels if labels is not None or not classes else cycle_labels(rows, classes)
    per_image = None if row_labels is None else row_labels.repeat_interleave(steps)
    return torch.cat(list(generate_from(generator, path, per_image)))


def nearest_training(
    queries: torch.Tensor, training: torch.Tensor, k: int, block: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (n, k) and Euclidean pixel distances (n, k) of the k training images nearest
    to each query, nearest first. Pixel space, not a feature space: a copied digit is near in
    pixels, which is what a memorisation check must show."""
    train = training.flatten(1).float()
    train_sq = (train * train).sum(1)
    indices, distances = [], []
    for start in range(0, len(queries), block):
        q = queries[start : start + block].flatten(1).float()
        # |q|^2 + |t|^2 - 2 q.t finds the candidates fast; their distances are then computed
        # directly, since the expansion loses the small ones to rounding.
        d = (q * q).sum(1, keepdim=True) + train_sq - 2 * q @ train.T
        candidates = d.topk(k, dim=1, largest=False).indices
        exact = (train[candidates] - q[:, None]).norm(dim=2)
        order = exact.argsort(dim=1)
        indices.append(candidates.gather(1, order))
        distances.append(exact.gather(1, order))
    return torch.cat(indices), torch.cat(distances)


def nearest_gallery(
    generator: nn.Module,
    n: int,
    k: int,
    training: torch.Tensor,
    *,
    seed: int,
    labels: torch.Tensor | None = None,
) -> torch.Tensor:
    """n rows of 1 + k images: sample i of draw `seed`, then its k nearest training images."""
    samples = generate(generator, n, seed=seed, labels=labels)
    index, _ = nearest_training(samples, training, k)
    rows = [torch.cat([samples[i : i + 1], training[index[i]].float()]) for i in range(n)]
    return torch.cat(rows)
