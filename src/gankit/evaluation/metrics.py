"""Metric functions on classifier features and class probabilities; no models, no I/O.

Features are (N, D) tensors, probabilities (N, C) rows summing to one. Statistics that need
precision (means, covariances, FID) run in float64; distance searches run in float32 chunks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import TypeVar

import torch

from gankit.evaluation.registry import metric

_EPS = 1e-12
_BLOCK_ENTRIES = 2**25  # distances per block: 128 MB of float32


# --- Inception Score ---------------------------------------------------------------------


def inception_score(probs: torch.Tensor, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    """exp(E_x KL(p(y|x) || p(y))) over `splits` chunks of the shuffled samples: (mean, std).

    As in Salimans et al. 2016's reference code: p(y) is the chunk's marginal and the std is
    the population std (ddof=0) of the chunk scores. The rows are shuffled first (seeded):
    chunks of samples in class order (a conditional generator asked for label 0, then 1, ...)
    would each hold one class and score about 1.
    """
    p = probs.double()[torch.randperm(len(probs), generator=torch.Generator().manual_seed(seed))]
    scores = []
    for chunk in torch.tensor_split(p, splits):
        marginal = chunk.mean(0, keepdim=True)
        kl = (chunk * (torch.log(chunk + _EPS) - torch.log(marginal + _EPS))).sum(1)
        scores.append(torch.exp(kl.mean()))
    s = torch.stack(scores)
    return s.mean().item(), s.std(correction=0).item()


def liu_isc(probs: torch.Tensor, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    """Liu et al. 2021's "complex" index as its eq. 18 writes it: ln ISc = H(y|x), i.e.
    exp(E_x[H(p(y|x))]) per chunk of the shuffled samples (the chunks inception_score takes),
    (mean, population std). It grows as the classifier grows unsure: 1 for confident
    classifications, C (the class count) for uniform ones. Their "simple" index (eq. 12-13) is
    the Inception Score itself. docs/results/liu2021.md discusses both."""
    p = probs.double()[torch.randperm(len(probs), generator=torch.Generator().manual_seed(seed))]
    scores = torch.stack(
        [torch.exp(-(c * torch.log(c + _EPS)).sum(1).mean()) for c in torch.tensor_split(p, splits)]
    )
    return scores.mean().item(), scores.std(correction=0).item()


def entropy_halves(probs: torch.Tensor) -> tuple[float, float]:
    """H(y) of the marginal (diversity, at most ln C) and E_x[H(y|x)] (confidence, 0 is best).

    ln IS over one split equals H(y) - E[H(y|x)].
    """
    p = probs.double()
    marginal = p.mean(0)
    h_y = -(marginal * torch.log(marginal + _EPS)).sum()
    h_y_given_x = -(p * torch.log(p + _EPS)).sum(1).mean()
    return h_y.item(), h_y_given_x.item()


# --- FID and KID -------------------------------------------------------------------------


def gaussian_stats(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and unbiased covariance (float64) of (N, D) features."""
    x = features.double()
    return x.mean(0), torch.cov(x.T)


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh((m + m.T) / 2)
    return (vecs * vals.clamp_min(0).sqrt()) @ vecs.T


def frechet_distance(
    mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor
) -> float:
    """||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)).

    tr (S1 S2)^(1/2) = tr (S1^(1/2) S2 S1^(1/2))^(1/2): a symmetric PSD form whose eigenvalues
    are real, which stays stable when the covariances are singular (dead ReLU features).
    """
    root1 = _sqrt_psd(sigma1.double())
    inner = root1 @ sigma2.double() @ root1
    tr_covmean = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp_min(0).sqrt().sum()
    diff = mu1.double() - mu2.double()
    return (diff @ diff + sigma1.trace() + sigma2.trace() - 2 * tr_covmean).item()


def _poly_kernel_sums(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sum and trace of the kernel matrix (a.b / d + 1)^3, accumulated in float64."""
    k = torch.addmm(torch.ones(()), a, b.T, alpha=1.0 / a.shape[1]).pow_(3)
    return k.sum(dtype=torch.float64), k.diagonal().sum(dtype=torch.float64)


KID_SUBSET_SIZE = 1000  # torchmetrics' default


def kid_subset_size(n_real: int, n_fake: int, subset_size: int = KID_SUBSET_SIZE) -> int:
    """The subset size KID uses: clamped to the smaller set (958 for the digit-6 test set)."""
    return min(subset_size, n_real, n_fake)


def kernel_distance(
    real: torch.Tensor,
    fake: torch.Tensor,
    subsets: int = 100,
    subset_size: int = KID_SUBSET_SIZE,
    seed: int = 0,
) -> tuple[float, float]:
    """KID (Binkowski et al. 2018): the unbiased MMD^2 with the kernel (x.y / d + 1)^3,
    averaged over random subsets with torchmetrics' defaults: (mean, std over subsets).

    Written out instead of calling torchmetrics' poly_mmd, which sums in the input dtype:
    float32 kernels with float64 sums are as exact as float64 (1e-8 relative) and faster.
    """
    size = kid_subset_size(len(real), len(fake), subset_size)
    if size < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got {len(real)} and {len(fake)}")
    gen = torch.Generator().manual_seed(seed)
    r, f = real.float(), fake.float()
    values = []
    for _ in range(subsets):
        x = r[torch.randperm(len(r), generator=gen)[:size]]
        y = f[torch.randperm(len(f), generator=gen)[:size]]
        sxx, txx = _poly_kernel_sums(x, x)
        syy, tyy = _poly_kernel_sums(y, y)
        sxy, _ = _poly_kernel_sums(x, y)
        values.append((sxx - txx + syy - tyy) / (size * (size - 1)) - 2 * sxy / size**2)
    v = torch.stack(values)
    return v.mean().item(), v.std(correction=0).item()


# --- nearest-neighbour metrics -----------------------------------------------------------


def _distance_blocks(a: torch.Tensor, b: torch.Tensor) -> Iterator[tuple[slice, torch.Tensor]]:
    """Squared Euclidean distances from row blocks of `a` to all of `b`."""
    for rows, block, partial in _partial_distance_blocks(a, b):
        yield rows, partial.add_((block * block).sum(1, keepdim=True)).clamp_min_(0)


def _partial_distance_blocks(
    a: torch.Tensor, b: torch.Tensor
) -> Iterator[tuple[slice, torch.Tensor, torch.Tensor]]:
    """Row blocks of `a`, each with |b_j|^2 - 2 a_i.b_j for all of `b`: the squared distances
    less |a_i|^2, in one matrix product (addmm), so that a block's distances take one pass of
    memory more, or none where only each row's nearest is wanted."""
    a, b = a.float(), b.float()
    b_sq = (b * b).sum(1)
    step = max(1, _BLOCK_ENTRIES // max(1, len(b)))
    for start in range(0, len(a), step):
        rows = slice(start, start + step)
        block = a[rows]
        yield rows, block, torch.addmm(b_sq, block, b.T, alpha=-2)


def knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    """Squared distance of each row of x to its k-th nearest other row."""
    out = torch.empty(len(x))
    for rows, d in _distance_blocks(x, x):
        # the (k+1)-th smallest counts the row itself at distance 0; topk beats kthvalue on CPU
        out[rows] = d.topk(k + 1, dim=1, largest=False).values[:, k]
    return out


def nearest_distances(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Euclidean distance from each row of x to its nearest row of ref."""
    out = torch.empty(len(x))
    for rows, block, partial in _partial_distance_blocks(x, ref):
        out[rows] = partial.min(1).values + (block * block).sum(1)
    return out.clamp_min_(0).sqrt()


def prdc(real: torch.Tensor, fake: torch.Tensor, k: int = 5) -> dict[str, float]:
    """Precision, recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020)
    with k-NN balls, following Naeem et al.'s reference code (strict inequalities)."""
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"PRDC with k={k} needs more than {k} samples per set")
    real_r = knn_radii(real, k)
    fake_r = knn_radii(fake, k)
    precise = torch.zeros(len(fake), dtype=torch.bool)
    density_count = torch.zeros(len(fake))
    recalled = torch.zeros(len(real), dtype=torch.bool)
    nearest_fake = torch.full((len(real),), math.inf)
    for rows, d in _distance_blocks(fake, real):  # d[j, i] = |fake_j - real_i|^2
        inside_real = d < real_r
        precise[rows] = inside_real.any(1)
        density_count[rows] = inside_real.sum(1).float()
        recalled |= (d < fake_r[rows, None]).any(0)
        nearest_fake = torch.minimum(nearest_fake, d.min(0).values)
    return {
        "precision": precise.float().mean().item(),
        "recall": recalled.float().mean().item(),
        "density": (density_count.sum() / (k * len(fake))).item(),
        "coverage": (nearest_fake < real_r).float().mean().item(),
    }


# --- class statistics --------------------------------------------------------------------


def class_histogram(probs: torch.Tensor) -> torch.Tensor:
    """Counts of the classifier's predicted class, (C,) int64."""
    return torch.bincount(probs.argmax(1), minlength=probs.shape[1])


def modes_covered(hist: torch.Tensor, train_dist: torch.Tensor, rel: float = 0.1) -> int:
    """Classes whose share of the samples is at least `rel` times their training share.

    For balanced 10-class data that is a share of at least 1%; classes absent from the
    training data (a digit-6-only run) never count.
    """
    share = hist.double() / hist.sum()
    return int(((train_dist > 0) & (share >= rel * train_dist)).sum())


def class_kl(hist: torch.Tensor, real_counts: torch.Tensor, alpha: float = 0.5) -> float:
    """KL(sample class shares || real class shares) in nats, the real shares those of the split
    the samples are compared with (the training images unless --real-split says otherwise).

    The real shares get add-alpha smoothing so that a class missing from the real data (a
    subset run) costs a large but finite amount instead of infinity.
    """
    p = hist.double() / hist.sum()
    q = (real_counts.double() + alpha) / (real_counts.sum() + alpha * len(real_counts))
    nz = p > 0
    return (p[nz] * (p[nz] / q[nz]).log()).sum().item()


def target_share(probs: torch.Tensor, target_labels: list[int]) -> float:
    """Share of samples whose predicted class is one of `target_labels`."""
    return torch.isin(probs.argmax(1), torch.tensor(target_labels)).float().mean().item()


def inverted_share(images: torch.Tensor, margin: int = 4) -> float:
    """Share of images drawn dark on light (Xiao 2023 reports some from its RNN variant): the
    frame of `margin` pixels around the centre, empty background in MNIST's centred digits, is
    brighter than mid-grey and brighter than the centre. Images (N, C, H, W) in [-1, 1]."""
    centre_mask = torch.zeros(images.shape[-2:], dtype=torch.bool)
    centre_mask[margin:-margin, margin:-margin] = True
    flat = images.float().mean(1).flatten(1)  # (N, H*W), channels averaged
    centre = flat[:, centre_mask.flatten()].mean(1)
    frame = flat[:, ~centre_mask.flatten()].mean(1)
    return ((frame > 0) & (frame > centre)).float().mean().item()


def label_accuracy(probs: torch.Tensor, requested: torch.Tensor) -> float:
    """Share of samples classified as the label the conditional generator was asked for."""
    if len(requested) != len(probs):
        raise ValueError(f"{len(requested)} requested labels for {len(probs)} samples")
    return (probs.argmax(1) == requested.cpu()).float().mean().item()


# --- metrics marked for every evaluation ---------------------------------------------------

FeatureMetric = Callable[[torch.Tensor, torch.Tensor], float]
ProbabilityMetric = Callable[[torch.Tensor], float]
# key -> f(generated features, real features), and key -> f(class probabilities of the
# generated images): metric_suite (evaluate.py) writes each under its key, for the samples and
# for the real-data reference alike
FEATURE_METRICS: dict[str, FeatureMetric] = {}
PROBABILITY_METRICS: dict[str, ProbabilityMetric] = {}
F = TypeVar("F", FeatureMetric, ProbabilityMetric)


def feature_metric(key: str) -> Callable[[FeatureMetric], FeatureMetric]:
    """Marks f(generated, real) -> float, on (N, D) features, as the function of the
    registered metric `key` (evaluation/registry.py): every evaluation computes it then."""
    return _marker(FEATURE_METRICS, key)


def probability_metric(key: str) -> Callable[[ProbabilityMetric], ProbabilityMetric]:
    """Marks f(probabilities) -> float, on the (N, C) class probabilities the dataset's
    classifier gives the generated images, as the function of the registered metric `key`:
    every evaluation with that classifier computes it then."""
    return _marker(PROBABILITY_METRICS, key)


def _marker(table: dict[str, F], key: str) -> Callable[[F], F]:
    metric(key)  # refuses a key that is not registered, so that every table shows it
    if key in FEATURE_METRICS or key in PROBABILITY_METRICS:
        raise ValueError(f"metric {key!r} already has a function")

    def mark(f: F) -> F:
        table[key] = f
        return f

    return mark
