"""One way to draw images from a generator, with one seeding rule, for every consumer: the
training grids and periodic evaluation, `gankit eval`, `gankit sample`, exports and bench.

The rule: sample i of a draw with seed s is G(z_i, y_i), where z = randn(n, z_dim) (or, for a
generator of uniform noise, model.z_dist, 2 rand(n, z_dim) - 1) from a CPU `torch.Generator`
seeded with s (so the same seed gives the same images on any device and the global RNG is never
touched), and for a conditional generator y_i = i mod num_classes unless labels are given.
The generator runs in eval mode (BatchNorm running statistics, no dropout), in batches whose
size does not change the result.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from gankit.errors import InputError

GRID_SEED = 1234  # the fixed-noise grid of every run, so grids compare across runs
EVAL_SEED = 0  # scoring: periodic evaluation, `gankit eval` (bench/quality.py: its own)
BATCH = 500


def latent(
    n: int,
    z_dim: int,
    dist: str = "normal",
    *,
    device: torch.device | str | None = None,
    rng: torch.Generator | None = None,
) -> torch.Tensor:
    """(n, z_dim) float32 noise of model.z_dist `dist`: N(0, 1), or uniform on [-1, 1]; from
    `rng`, else the global generator of `device` (what training draws)."""
    if dist == "normal":
        return torch.randn(n, z_dim, device=device, generator=rng)
    if dist == "uniform":
        return torch.rand(n, z_dim, device=device, generator=rng).mul_(2).sub_(1)
    raise InputError(f"unknown noise distribution {dist!r}; choose one of: normal, uniform")


def draw_noise(n: int, z_dim: int, seed: int, dist: str = "normal") -> torch.Tensor:
    """The latent vectors of draw `seed`: (n, z_dim) float32 on the CPU."""
    return latent(n, z_dim, dist, rng=torch.Generator().manual_seed(seed))


def evaluation_rows(n_rows: int, n: int) -> torch.Tensor:
    """n of n_rows row indices, the same in every evaluation (EVAL_SEED): the real images a
    score compares with when it takes fewer than all."""
    return torch.randperm(n_rows, generator=torch.Generator().manual_seed(EVAL_SEED))[:n]


def cycle_labels(n: int, num_classes: int) -> torch.Tensor:
    """Every class equally often, in order: 0, 1, ..., C-1, 0, 1, ..."""
    return torch.arange(n) % num_classes


def _check_requested_labels(labels: torch.Tensor, n: int, num_classes: int) -> None:
    """Raise InputError unless a caller's labels are n class indices of the generator's."""
    if labels.shape != (n,) or (
        n and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes
    ):
        raise InputError(f"labels must be {n} class indices in 0..{num_classes - 1}")


def _labels_for(generator: nn.Module, n: int, labels: torch.Tensor | None) -> torch.Tensor | None:
    classes = getattr(generator, "num_classes", 0)
    if not classes:
        if labels is not None:
            raise InputError("this generator is unconditional; it takes no labels")
        return None
    labels = cycle_labels(n, classes) if labels is None else labels.long().cpu()
    _check_requested_labels(labels, n, classes)
    return labels


@torch.no_grad()
def generate_from(
    generator: nn.Module,
    noise: torch.Tensor,
    labels: torch.Tensor | None = None,
    batch_size: int = BATCH,
) -> Iterator[torch.Tensor]:
    """G(noise, labels) in batches, as float32 CPU tensors in [-1, 1], with the generator in
    eval mode (its mode is restored afterwards)."""
    labels = _labels_for(generator, len(noise), labels)
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    try:
        for start in range(0, len(noise), batch_size):
            z = noise[start : start + batch_size].to(device)
            y = None if labels is None else labels[start : start + batch_size].to(device)
            yield generator(z, y).float().cpu()
    finally:
        generator.train(was_training)


def generate_batches(
    generator: nn.Module,
    n: int,
    *,
    seed: int,
    labels: torch.Tensor | None = None,
    batch_size: int = BATCH,
) -> Iterator[torch.Tensor]:
    """The n images of draw `seed`, a batch at a time (for writing many without holding all)."""
    noise = draw_noise(n, generator.z_dim, seed, generator.z_dist)
    yield from generate_from(generator, noise, labels, batch_size)


def generate(
    generator: nn.Module,
    n: int,
    *,
    seed: int,
    labels: torch.Tensor | None = None,
    batch_size: int = BATCH,
) -> torch.Tensor:
    """The n images of draw `seed`: float32 CPU (n, C, H, W) in [-1, 1]."""
    chunks = list(generate_batches(generator, n, seed=seed, labels=labels, batch_size=batch_size))
    return torch.cat(chunks) if chunks else torch.empty(0, 1, 28, 28)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between rows of a and b at fractions t (White 2016): the path
    keeps the norm a Gaussian latent typically has, which a straight line between two
    samples shrinks. Returns (len(t), *a.shape) for 1-d a and b."""
    a_unit, b_unit = a / a.norm(), b / b.norm()
    omega = torch.arccos((a_unit * b_unit).sum().clamp(-1.0, 1.0))
    t = t.reshape(-1, *([1] * a.dim()))
    if torch.sin(omega) < 1e-6:  # (anti)parallel: no single great circle; take the line
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
