"""Per-class quality of a conditional model: intra-class FID checked against a direct
computation (numpy and scipy on the classifier's features), per-class precision / recall
checked by what they must show."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import linalg

from gankit.data import load_tensors
from gankit.evaluation.evaluate import evaluate_images, per_class_metrics
from gankit.evaluation.features import get_extractor
from gankit.evaluation.real import real_embedding, real_side


def _fid(a: np.ndarray, b: np.ndarray) -> float:
    """The textbook formula (Heusel et al. 2017) with scipy's matrix square root."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


@pytest.fixture(scope="module")
def embedded() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """3,000 real test images, standing in for a conditional model's samples of their
    classes: images, classifier features, labels."""
    images, labels = load_tensors("mnist", "test", limit=3000)
    return images, get_extractor("classifier", "mnist", "cpu")(images)[0], labels


def _per_class(features: torch.Tensor, labels: torch.Tensor) -> dict:
    extractor = get_extractor("classifier", "mnist", "cpu")
    counts = real_side("mnist", extractor, None).class_counts
    return per_class_metrics(features, labels, lambda c: real_side("mnist", extractor, [c]), counts)


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")  # dead ReLU features
def test_intra_class_fid_matches_a_direct_computation(embedded: tuple) -> None:
    _, features, labels = embedded
    out = _per_class(features, labels)
    train, train_labels = real_embedding("mnist", "train", get_extractor("classifier", "mnist"))
    fake, real = features.double().numpy(), train.features.double().numpy()
    for c in (0, 3, 8):
        direct = _fid(fake[labels.numpy() == c], real[train_labels.numpy() == c])
        assert out["per_class_fid"][c] == pytest.approx(direct, rel=1e-3)
    assert out["intra_fid"] == pytest.approx(np.mean(out["per_class_fid"]))
    assert out["per_class_n"] == torch.bincount(labels, minlength=10).tolist()
    # real images of the class they are asked for lie well inside that class's real images
    assert min(out["per_class_precision"]) > 0.6 and min(out["per_class_recall"]) > 0.6


def test_samples_of_the_wrong_class_fail_per_class(embedded: tuple) -> None:
    _, features, labels = embedded
    right = _per_class(features, labels)
    wrong = _per_class(features, (labels + 1) % 10)  # every image asked for as the next digit
    assert wrong["intra_fid"] > 10 * right["intra_fid"]
    assert max(wrong["per_class_precision"]) < 0.2 < min(right["per_class_precision"])


@pytest.mark.integration
def test_evaluation_of_a_conditional_model_reports_per_class(embedded: tuple) -> None:
    images, features, labels = embedded
    out = evaluate_images(images[:300], "mnist", requested_labels=labels[:300],
                          reference=False, per_class=True)  # fmt: skip
    assert out["per_class_fid"] == _per_class(features[:300], labels[:300])["per_class_fid"]
    plain = evaluate_images(images[:300], "mnist", reference=False)
    assert "intra_fid" not in plain
