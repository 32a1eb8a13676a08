"""Orchestration: images -> features -> every metric, with the real-data floor beside it.

Real-data features, the memorisation yardstick and the reference metrics are computed once
per dataset, feature space, classifier checksum and subset, then cached (see cache.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gankit.data.load import as_8_bit
from gankit.errors import InputError, InputTypeError, UnknownNameError
from gankit.evaluation import metrics as M
from gankit.evaluation.cache import cached_reference
from gankit.evaluation.classifier import get_classifier_spec
from gankit.evaluation.features import (
    INCEPTION_V3,
    FeatureExtractor,
    check_inception_v3,
    get_extractor,
    other_classifier,
)
from gankit.evaluation.inception import FEATURE_SPACE as INCEPTION
from gankit.evaluation.inception import check_available as check_inception
from gankit.evaluation.inception_fid import inception_metrics
from gankit.evaluation.real import (
    Embedding,
    RealSide,
    cache_key,
    embed,
    held_out_split,
    label_mask,
    own_classifier_sha256,
    real_embedding,
    real_nn_median,
    real_side,
    subset_tag,
)
from gankit.evaluation.registry import metric, periodic_keys
from gankit.evaluation.trust import classifier_warning, size_warning
from gankit.fileio import atomic_write_bytes
from gankit.machine import resolve_device
from gankit.sampling import EVAL_SEED, evaluation_rows

DEFAULT_N = 10_000
PRDC_K = 5
# one seed for every random draw: generated samples (gankit.sampling's scoring draw), KID
# subsets, real subsets
SEED = EVAL_SEED
MIN_SAMPLES = 20  # IS takes 10 splits, PRDC needs more than k samples per set
MIN_PER_CLASS = 10  # fewer samples of a class: its per-class numbers are left out (None)


def check_images(images: torch.Tensor) -> None:
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        raise InputTypeError(
            "images must be a float tensor in [-1, 1]; convert uint8 with x/127.5 - 1"
        )
    if images.dim() != 4 or tuple(images.shape[1:]) != (1, 28, 28):
        raise InputError(f"images must have shape (N, 1, 28, 28), got {tuple(images.shape)}")
    if len(images) < MIN_SAMPLES:
        raise InputError(f"need at least {MIN_SAMPLES} images to evaluate, got {len(images)}")
    lo, hi = images.min().item(), images.max().item()
    if lo < -1.01 or hi > 1.01:
        raise InputError(
            f"images span [{lo:.3g}, {hi:.3g}]; expected [-1, 1] (a tanh generator's range)"
        )


def check_feature_space(features: str, inception_weights: str | Path | None = None) -> None:
    """Refuse, before any work, a feature space whose network cannot be used: another
    dataset's classifier that does not exist, the Inception FID without its extra installed,
    or with a network file that fails its checksum, torch-fidelity's Inception-v3 without
    torch-fidelity or its weights file; and a weights file given for any other space."""
    if features == INCEPTION_V3:
        check_inception_v3(inception_weights)
        return
    if inception_weights is not None:
        raise InputError(
            f"--inception-weights goes with --features {INCEPTION_V3}; --features {INCEPTION} "
            "uses the network of the inception extra and checks it itself, and the "
            "classifiers' weights are bundled"
        )
    other = other_classifier(features)
    if other is not None:
        try:
            get_classifier_spec(other)
        except UnknownNameError as exc:
            raise InputError(f"--features {features}: {exc.args[0]}") from None
    elif features == INCEPTION:
        check_inception()


def metric_suite(
    emb: Embedding,
    real: RealSide,
    test_nn: float,
    *,
    target_labels: list[int] | None = None,
    requested_labels: torch.Tensor | None = None,
    train_features: torch.Tensor | None = None,
    class_side: Callable[[int], RealSide] | None = None,
) -> dict[str, Any]:
    """Every metric of one set of embedded images against the real side (those of
    metrics.FEATURE_METRICS and, with class probabilities, PROBABILITY_METRICS included);
    memorisation is always measured against `train_features` (default: the real side's). With
    `class_side`
    (the real side of one class) and `requested_labels`, per-class quality too. An embedding
    without class probabilities (another dataset's classifier's features) gets the metrics of
    the features alone."""
    train_features = real.features if train_features is None else train_features
    out: dict[str, Any] = {}
    if emb.is_probs is not None:
        out["is_mean"], out["is_std"] = M.inception_score(emb.is_probs)
        out["is_h_y"], out["is_h_y_given_x"] = M.entropy_halves(emb.is_probs)
        out["is_classes"] = emb.is_probs.shape[1]  # H(y) is at most ln of it
        out["liu_isc_mean"], out["liu_isc_std"] = M.liu_isc(emb.is_probs)
    out["fid"] = M.frechet_distance(*M.gaussian_stats(emb.features), real.mu, real.sigma)
    out["kid"], out["kid_std"] = M.kernel_distance(real.features, emb.features, seed=SEED)
    out["kid_subset_size"] = M.kid_subset_size(len(real.features), len(emb.features))
    # PRDC is biased by set sizes: compare equally many real and generated points
    prdc_real = real.features[evaluation_rows(len(real.features), len(emb.features))]
    out |= M.prdc(prdc_real, emb.features, k=PRDC_K)
    if emb.class_probs is not None:
        out |= _class_statistics(emb.class_probs, real, target_labels, requested_labels)
        for key, compute in M.PROBABILITY_METRICS.items():
            out[key] = compute(emb.class_probs)
    nn_median = M.nearest_distances(emb.features, train_features).median().item()
    out["memorisation_nn_median"] = nn_median
    out["memorisation_test_nn_median"] = test_nn
    out["memorisation_ratio"] = nn_median / test_nn
    for key, compute in M.FEATURE_METRICS.items():
        out[key] = compute(emb.features, real.features)
    out["n_samples"] = len(emb.features)
    if class_side is not None and requested_labels is not None:
        out |= per_class_metrics(emb.features, requested_labels, class_side, real.class_counts)
    return out


def _class_statistics(
    class_probs: torch.Tensor,
    real: RealSide,
    target_labels: list[int] | None,
    requested_labels: torch.Tensor | None,
) -> dict[str, Any]:
    """What the dataset's classifier says of the samples' classes."""
    out: dict[str, Any] = {}
    hist = M.class_histogram(class_probs)
    real_share = real.class_counts.double() / real.class_counts.sum()
    out["class_histogram"] = hist.tolist()
    out["modes_covered"] = M.modes_covered(hist, real_share)
    out["modes_total"] = int((real.class_counts > 0).sum())
    out["class_kl"] = M.class_kl(hist, real.class_counts)
    if target_labels is not None:
        out["target_share"] = M.target_share(class_probs, target_labels)
    if requested_labels is not None:
        out["label_accuracy"] = M.label_accuracy(class_probs, requested_labels)
    return out


def per_class_metrics(
    features: torch.Tensor,
    labels: torch.Tensor,
    class_side: Callable[[int], RealSide],
    class_counts: torch.Tensor,
) -> dict[str, Any]:
    """For a conditional model, each class's samples (by requested label) against the real
    images of that class: FID, and precision / recall (k=5) against equally many of them.
    `intra_fid` is the mean of the per-class FIDs (Miyato & Koyama 2018's intra-FID). Lists
    run over the classes; a class with fewer than MIN_PER_CLASS samples, or none in the real
    data, gets None."""
    labels = labels.cpu()
    fid: list[float | None] = []
    precision: list[float | None] = []
    recall: list[float | None] = []
    counts = []
    for c in range(len(class_counts)):
        fake = features[labels == c]
        counts.append(len(fake))
        if len(fake) < MIN_PER_CLASS or class_counts[c] == 0:
            for values in (fid, precision, recall):
                values.append(None)
            continue
        real = class_side(c)
        fid.append(M.frechet_distance(*M.gaussian_stats(fake), real.mu, real.sigma))
        scores = M.prdc(real.features[evaluation_rows(len(real.features), len(fake))], fake, PRDC_K)
        precision.append(scores["precision"])
        recall.append(scores["recall"])
    measured = [f for f in fid if f is not None]
    return {
        "intra_fid": sum(measured) / len(measured) if measured else None,
        "per_class_fid": fid,
        "per_class_precision": precision,
        "per_class_recall": recall,
        "per_class_n": counts,
    }


def reference_metrics(
    dataset: str,
    extractor: FeatureExtractor,
    n: int,
    target_labels: list[int] | None = None,
    device: str = "cpu",
    real_split: str = "train",
    per_class: bool = False,
) -> dict[str, Any]:
    """The suite for up to n real images of the other split (of the run's classes) against
    `real_split`: test images against the training set by default. Its `n_samples` says how
    many there were (the digit-6 test set has 958). `per_class`: the per-class floor too,
    each test image standing for a sample of its true class."""
    subset = subset_tag(target_labels)
    held = held_out_split(real_split)

    def compute() -> dict[str, Any]:
        start = time.perf_counter()
        images, labels = real_embedding(dataset, held, extractor, device)
        index = torch.nonzero(label_mask(labels, target_labels)).squeeze(1)
        index = index[evaluation_rows(len(index), n)]
        result = metric_suite(
            images.select(index),
            real_side(dataset, extractor, target_labels, device, real_split),
            real_nn_median(dataset, extractor, target_labels, device),
            target_labels=target_labels,
            requested_labels=labels[index],  # label accuracy = the classifier's accuracy
            train_features=real_side(dataset, extractor, target_labels, device).features,
            class_side=_class_side(dataset, extractor, device, real_split) if per_class else None,
        )
        result["eval_seconds"] = time.perf_counter() - start
        return result

    kind = "-per-class" if per_class else ""
    stem = f"{cache_key(dataset, extractor)}-{subset}-{held}-vs-{real_split}-reference{kind}-n{n}"
    return cached_reference(stem, compute)


def evaluate_images(
    images: torch.Tensor,
    dataset: str,
    *,
    target_labels: list[int] | None = None,
    requested_labels: torch.Tensor | None = None,
    device: str = "cpu",
    reference: bool = True,
    features: str = "classifier",
    inception_weights: str | Path | None = None,
    real_split: str = "train",
    per_class: bool = False,
) -> dict[str, Any]:
    """The full metric suite for images (N, 1, 28, 28) in [-1, 1] from `dataset`'s domain.
    `per_class` (a conditional model's samples, with `requested_labels`): intra-class FID and
    per-class precision / recall too. `features="inception"`: the classifier suite plus FID
    and KID in the standard Inception network's space (fid_inception, kid_inception).

    The images are rounded to 8 bits first, as a saved PNG of them would be, so a run and its
    exported samples score the same. They are compared with `real_split`'s images (training
    images by default); a subset run (target_labels=[6]) with those labels' images only. The
    reference row scores the other split's images the same way.
    """
    start = time.perf_counter()
    check_feature_space(features, inception_weights)
    check_images(images)
    images = as_8_bit(images)
    held = held_out_split(real_split)
    device = str(resolve_device(device))
    inception = features == INCEPTION
    other = other_classifier(features)
    own = own_classifier_sha256(dataset)
    out: dict[str, Any] = {}
    ref: dict[str, Any] = {}
    extractor = None
    # Data without a classifier of its own (a folder of one class) gets the Inception FID alone.
    if not (inception and own is None):
        extractor = get_extractor(
            "classifier" if inception else features, dataset, device, inception_weights
        )
        emb = embed(images, extractor, dataset, device)
        real = real_side(dataset, extractor, target_labels, device, real_split)
        train = real_side(dataset, extractor, target_labels, device)
        test_nn = real_nn_median(dataset, extractor, target_labels, device)
        out = metric_suite(
            emb,
            real,
            test_nn,
            target_labels=target_labels,
            requested_labels=requested_labels,
            train_features=train.features,
            class_side=_class_side(dataset, extractor, device, real_split) if per_class else None,
        )
        out["n_real"] = len(real.features)
        if reference:
            ref = reference_metrics(
                dataset, extractor, len(images), target_labels, device, real_split, per_class
            )
    else:
        out["n_samples"] = len(images)
    out["inverted_share"] = M.inverted_share(images)
    inception_reference: dict[str, Any] = {}
    if inception:
        scores, inception_reference = inception_metrics(
            images,
            dataset,
            target_labels=target_labels,
            real_split=real_split,
            device=device,
            reference=reference,
        )
        out |= scores | _kid_subsets(scores)
        inception_reference = inception_reference | _kid_subsets(inception_reference)
    out["eval_seconds"] = time.perf_counter() - start
    out["real_split"], out["reference_split"] = real_split, held
    out["dataset"] = dataset
    out["features"] = INCEPTION if extractor is None else extractor.name
    # the classifier whose outputs these are: another dataset's, or the data's own (None: none)
    out["classifier_sha256"] = extractor.identity if other and extractor else own
    out["target_labels"] = target_labels
    if reference:
        out["reference"] = ref | inception_reference  # a new dict: the cached one stays as is
    out["warnings"] = _warnings(out, other or (dataset if extractor else None))
    return out


def _warnings(metrics: dict[str, Any], classifier: str | None) -> list[str]:
    """What makes these scores unreliable (evaluation.trust): the classifier of dataset
    `classifier` that computed them, or too few real images on either side."""
    found = [classifier_warning(classifier) if classifier else None]
    n_real = metrics.get("n_real", metrics.get("inception_n_real"))
    if n_real is not None:
        what = f"the real side (the {metrics['real_split']} images the samples are compared with)"
        found.append(size_warning(what, n_real))
    reference = metrics.get("reference") or {}
    n_reference = reference.get("n_samples", reference.get("inception_n_samples"))
    if n_reference is not None:
        what = f"the real-data reference ({metrics['reference_split']} images scored as samples)"
        found.append(size_warning(what, n_reference))
    return [w for w in found if w]


def _kid_subsets(inception_scores: dict[str, Any]) -> dict[str, Any]:
    """The subset size the Inception KID of these scores used (none for no scores)."""
    if not inception_scores:
        return {}
    n_real, n_fake = inception_scores["inception_n_real"], inception_scores["inception_n_samples"]
    return {"kid_inception_subset_size": M.kid_subset_size(n_real, n_fake)}


def _class_side(
    dataset: str, extractor: FeatureExtractor, device: str, split: str
) -> Callable[[int], RealSide]:
    """The real side of one class: `split`'s images of that class (memoised per class)."""
    return lambda c: real_side(dataset, extractor, [c], device, split)


def quick_metrics(
    images: torch.Tensor,
    dataset: str,
    *,
    target_labels: list[int] | None = None,
) -> dict[str, float]:
    """The metrics the registry marks as the classifier's periodic ones (IS mean, FID, and any
    feature or probability metric so marked), on the CPU: cheap enough to log in training."""
    check_images(images)
    extractor = get_extractor("classifier", dataset, "cpu")
    features, probs = extractor(as_8_bit(images))
    real = real_side(dataset, extractor, target_labels, "cpu")
    out = {
        "is_mean": M.inception_score(probs)[0],
        "fid": M.frechet_distance(*M.gaussian_stats(features), real.mu, real.sigma),
    }
    for key, compute in M.FEATURE_METRICS.items():
        if metric(key).periodic == "classifier":
            out[key] = compute(features, real.features)
    for key, compute in M.PROBABILITY_METRICS.items():
        if metric(key).periodic == "classifier":
            out[key] = compute(probs)
    missing = set(periodic_keys("classifier")) - out.keys()
    if missing:  # a periodic metric computed only in metric_suite would log NaN unnoticed
        raise ValueError(f"periodic metrics {sorted(missing)} have no computation here")
    return out


def write_metrics(path: Path, metrics: dict[str, Any]) -> None:
    text = json.dumps(metrics, indent=2) + "\n"
    atomic_write_bytes(path, lambda f: f.write(text.encode()))
