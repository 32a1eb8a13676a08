"""The bundled evaluator classifiers: checksums, refusals, accuracy on the real test sets,
and deterministic retraining."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from gankit.data import load_tensors
from gankit.evaluation import classifier as C
from gankit.evaluation.metrics import inception_score
from gankit.evaluation.train_classifier import MAX_SHIFT, augment, train_classifier


@pytest.mark.parametrize("dataset", sorted(C.CLASSIFIERS))
def test_bundled_weights_match_their_recorded_checksum(dataset: str) -> None:
    spec = C.get_classifier_spec(dataset)
    assert spec.path.is_file()
    assert spec.path.stat().st_size < 2_000_000
    assert C.file_sha256(spec.path) == spec.sha256


@pytest.mark.integration
@pytest.mark.parametrize(("dataset", "floor"), [("mnist", 0.993), ("fashion-mnist", 0.92)])
def test_accuracy_on_the_real_test_set(dataset: str, floor: float) -> None:
    images, labels = load_tensors(dataset, "test")
    _, probs = C.classify(C.load_classifier(dataset), images)
    assert len(labels) == 10_000
    assert (probs.argmax(1) == labels).float().mean().item() >= floor


@pytest.mark.integration
def test_real_mnist_test_images_score_near_the_published_inception_score() -> None:
    # a good MNIST CNN gives real test data an IS of about 9.88
    images, _ = load_tensors("mnist", "test")
    _, probs = C.classify(C.load_classifier("mnist"), images)
    assert inception_score(probs)[0] > 9.5


def test_features_are_the_penultimate_layer() -> None:
    model = C.load_classifier("mnist")
    images, _ = load_tensors("mnist", "test", limit=8)
    features, probs = C.classify(model, images)
    assert features.shape == (8, C.FEATURE_DIM)
    with torch.no_grad():
        logits = model.head(features.to(next(model.parameters()).device))
    torch.testing.assert_close(torch.softmax(logits, 1), probs)


def test_altered_weights_are_refused(tmp_path: Path) -> None:
    spec = C.get_classifier_spec("mnist")
    altered = tmp_path / "mnist.safetensors"
    data = bytearray(spec.path.read_bytes())
    data[-1] ^= 0xFF
    altered.write_bytes(bytes(data))
    with pytest.raises(C.ClassifierError, match="SHA-256.*`gankit classifier train mnist`"):
        C.load_weights(altered, spec.sha256, "mnist")
    with pytest.raises(C.ClassifierError, match="not found"):
        C.load_weights(tmp_path / "missing.safetensors", spec.sha256, "mnist")


def test_foreign_files_are_refused_even_with_a_matching_checksum(tmp_path: Path) -> None:
    state = {k: v.contiguous() for k, v in C.EvaluatorCNN().state_dict().items()}
    wrong_dataset = tmp_path / "fashion.safetensors"
    meta = json.dumps({"arch": C.ARCH, "dataset": "fashion-mnist"})
    save_file(state, str(wrong_dataset), metadata={"gankit": meta})
    with pytest.raises(C.ClassifierError, match="not a gankit evaluator for mnist"):
        C.load_weights(wrong_dataset, C.file_sha256(wrong_dataset), "mnist")

    wrong_shapes = tmp_path / "other.safetensors"
    meta = json.dumps({"arch": C.ARCH, "dataset": "mnist"})
    save_file({"w": torch.zeros(3)}, str(wrong_shapes), metadata={"gankit": meta})
    with pytest.raises(C.ClassifierError, match="do not fit"):
        C.load_weights(wrong_shapes, C.file_sha256(wrong_shapes), "mnist")

    not_safetensors = tmp_path / "pickle.safetensors"
    not_safetensors.write_bytes(b"\x80\x04 not a safetensors file at all")
    with pytest.raises(C.ClassifierError, match="not a gankit safetensors file"):
        C.load_weights(not_safetensors, C.file_sha256(not_safetensors), "mnist")


def test_unknown_dataset_names_the_choices() -> None:
    with pytest.raises(KeyError, match="fashion-mnist, mnist"):
        C.get_classifier_spec("cifar10")


def test_augment_shifts_within_the_padding() -> None:
    x = torch.full((64, 1, 28, 28), -1.0)
    x[:, 0, 14, 14] = 1.0  # one bright pixel per image
    out = augment(x, torch.Generator().manual_seed(0), hflip=False)
    rows, cols = torch.nonzero(out[:, 0] == 1.0)[:, 1:].T
    assert len(rows) == 64  # every image keeps its pixel, nothing else lights up
    assert ((rows - 14).abs() <= MAX_SHIFT).all() and ((cols - 14).abs() <= MAX_SHIFT).all()
    assert len({(r.item(), c.item()) for r, c in zip(rows, cols, strict=True)}) > 10


def test_training_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    threads = torch.get_num_threads()
    first = train_classifier("mnist", tmp_path / "a.safetensors", epochs=1, limit=256, log=str)
    second = train_classifier("mnist", tmp_path / "b.safetensors", epochs=1, limit=256, log=str)
    other = train_classifier(
        "mnist", tmp_path / "c.safetensors", seed=1, epochs=1, limit=256, log=str
    )
    assert first.sha256 == second.sha256 != other.sha256
    C.load_weights(first.path, first.sha256, "mnist")  # what it wrote loads as an evaluator
    # the global torch settings it pins while training are given back
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()
