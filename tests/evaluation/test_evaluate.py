"""The metric suite end to end on real images whose right answers are known: real test data,
copies of the training set, one-class sets, subsets, conditional labels and the CLI."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from gankit.cli import main
from gankit.data import load_tensors
from gankit.evaluation import cache, real
from gankit.evaluation import evaluate as E
from gankit.evaluation import features as F
from gankit.evaluation.images import load_images
from gankit.evaluation.registry import Metric

SUITE_KEYS = {
    "is_mean", "is_std", "is_h_y", "is_h_y_given_x", "fid", "kid", "kid_std", "precision",
    "recall", "density", "coverage", "class_histogram", "modes_covered", "modes_total",
    "class_kl", "memorisation_nn_median", "memorisation_test_nn_median", "memorisation_ratio",
    "n_samples", "eval_seconds",
}  # fmt: skip
N = 1000


@pytest.fixture(scope="module")
def test_images() -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = load_tensors("mnist", "test")
    index = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))[:N]
    return images[index], labels[index]


@pytest.fixture(scope="module")
def real_result(test_images: tuple[torch.Tensor, torch.Tensor]) -> dict:
    return E.evaluate_images(test_images[0], "mnist", requested_labels=test_images[1])


@pytest.mark.integration
def test_real_test_images_score_like_their_reference(real_result: dict) -> None:
    assert SUITE_KEYS | {"label_accuracy", "reference"} <= set(real_result)
    assert SUITE_KEYS | {"label_accuracy"} <= set(real_result["reference"])
    ref = real_result["reference"]
    assert ref["n_samples"] == N
    # two draws of real test digits: every metric sits at its real-data floor
    assert real_result["is_mean"] > 9.0 and ref["is_mean"] > 9.0
    assert real_result["fid"] < 3 * ref["fid"] + 1.0
    for key in ("precision", "recall", "density", "coverage"):
        assert real_result[key] == pytest.approx(ref[key], abs=0.08), key
    assert real_result["modes_covered"] == real_result["modes_total"] == 10
    assert real_result["class_kl"] < 0.02
    assert real_result["label_accuracy"] > 0.98  # requested = true labels
    assert real_result["memorisation_ratio"] == pytest.approx(1.0, abs=0.15)
    assert sum(real_result["class_histogram"]) == N
    json.dumps(real_result)  # metrics.json-ready


@pytest.mark.integration
def test_is_halves_explain_the_score(real_result: dict) -> None:
    assert real_result["is_h_y"] == pytest.approx(np.log(10), abs=0.02)  # balanced classes
    assert real_result["is_classes"] == 10  # H(y) is at most ln 10
    assert real_result["is_h_y_given_x"] < 0.1  # confident classifier


@pytest.mark.integration
def test_copies_of_training_images_are_flagged_as_memorised() -> None:
    train, _ = load_tensors("mnist", "train", limit=N)
    result = E.evaluate_images(train, "mnist", reference=False)
    assert "reference" not in result
    assert result["memorisation_nn_median"] == pytest.approx(0.0, abs=1e-2)
    assert result["memorisation_ratio"] < 0.01


@pytest.mark.integration
def test_a_single_class_is_one_mode_far_from_the_data() -> None:
    images, labels = load_tensors("mnist", "test", labels=[3], limit=N)
    result = E.evaluate_images(images, "mnist", reference=False)
    assert result["modes_covered"] == 1
    assert result["is_mean"] < 1.2
    assert result["class_kl"] == pytest.approx(np.log(1 / 0.1022), abs=0.1)  # 3s: 10.2% of train
    assert result["recall"] < 0.2 and result["coverage"] < 0.2
    assert result["fid"] > 50


@pytest.mark.integration
def test_subset_runs_compare_with_the_training_images_of_their_labels() -> None:
    sixes, _ = load_tensors("mnist", "test", labels=[6])
    result = E.evaluate_images(sixes, "mnist", target_labels=[6])
    ref = result["reference"]
    assert result["target_share"] > 0.98 and ref["target_share"] > 0.98
    assert result["modes_covered"] == result["modes_total"] == 1
    assert result["fid"] == pytest.approx(ref["fid"], rel=1e-6)  # all 958 test sixes, both
    assert ref["n_samples"] == len(sixes)
    mixed, _ = load_tensors("mnist", "test", limit=N)
    other = E.evaluate_images(mixed, "mnist", target_labels=[6], reference=False)
    assert other["target_share"] == pytest.approx(0.1, abs=0.03)
    assert other["fid"] > 10 * result["fid"]


@pytest.mark.integration
def test_conditional_label_accuracy(test_images: tuple[torch.Tensor, torch.Tensor]) -> None:
    images, labels = test_images
    wrong = (labels + 1) % 10
    result = E.evaluate_images(images, "mnist", requested_labels=wrong, reference=False)
    assert result["label_accuracy"] < 0.02


@pytest.mark.integration
def test_quick_metrics_agree_with_the_full_suite(
    real_result: dict, test_images: tuple[torch.Tensor, torch.Tensor]
) -> None:
    quick = E.quick_metrics(test_images[0], "mnist")
    assert set(quick) == {"is_mean", "fid"}
    assert quick["is_mean"] == pytest.approx(real_result["is_mean"], rel=1e-6)
    assert quick["fid"] == pytest.approx(real_result["fid"], rel=1e-6)
    # a subset run is scored against the real images of its labels: all ten digits are far
    # from the sixes alone
    sixes = E.quick_metrics(test_images[0], "mnist", target_labels=[6])
    assert set(sixes) == {"is_mean", "fid"} and sixes["fid"] > 10 * quick["fid"]


@pytest.mark.integration
def test_a_feature_metric_is_computed_for_samples_reference_and_training(
    test_images: tuple[torch.Tensor, torch.Tensor], register_metric: Callable[..., Any]
) -> None:
    """A function marked @feature_metric is given (generated features, real features): here it
    returns their row counts' ratio, which says which set went where."""
    ratio = Metric("rows_ratio", "rows ratio", "{:.4f}", None, periodic="classifier")
    register_metric(ratio, compute=lambda fake, real: len(fake) / len(real))
    images = test_images[0][:500]
    result = E.evaluate_images(images, "mnist")
    assert result["rows_ratio"] == 500 / 60_000  # against the 60,000 training images
    # 500 test images scored as samples: the reference is computed anew, under a new name
    assert result["reference"]["rows_ratio"] == 500 / 60_000
    assert E.quick_metrics(images, "mnist")["rows_ratio"] == 500 / 60_000


@pytest.mark.integration
def test_a_probability_metric_is_computed_for_samples_and_reference(
    test_images: tuple[torch.Tensor, torch.Tensor], register_metric: Callable[..., Any]
) -> None:
    """A function marked @probability_metric is given the classifier's (N, C) class
    probabilities of the images scored: here the share classified as a 7, which for the real
    test digits is their share of sevens."""
    sevens = Metric("share_of_sevens", "share of 7s", "{:.4f}", None, periodic="classifier")
    register_metric(sevens, probabilities=lambda p: (p.argmax(1) == 7).float().mean().item())
    images, labels = test_images[0][:500], test_images[1][:500]
    result = E.evaluate_images(images, "mnist")
    assert result["share_of_sevens"] == pytest.approx((labels == 7).float().mean().item(), abs=0.01)
    assert 0.09 < result["reference"]["share_of_sevens"] < 0.12  # 1,028 of the 10,000 test 7s
    assert E.quick_metrics(images, "mnist")["share_of_sevens"] == result["share_of_sevens"]


def test_a_periodic_metric_without_a_quick_computation_is_refused(
    test_images: tuple[torch.Tensor, torch.Tensor], register_metric: Callable[..., Any]
) -> None:
    """A metric marked periodic that only metric_suite computes (it needs the requested labels
    or the images) would fill the training history with NaN: the periodic evaluation says so."""
    register_metric(Metric("suite_only", "suite only", "{:.4f}", None, periodic="classifier"))
    with pytest.raises(ValueError, match=r"\['suite_only'\] have no computation"):
        E.quick_metrics(test_images[0][:100], "mnist")


@pytest.mark.integration
def test_real_data_is_read_from_the_disk_cache_once_computed(
    real_result: dict,
    test_images: tuple[torch.Tensor, torch.Tensor],
    _private_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = sorted(p.name for p in cache.cache_dir().iterdir())
    assert cache.cache_dir().is_relative_to(_private_cache)
    assert any(f.endswith("-train.safetensors") for f in files)
    assert any("reference-n1000" in f for f in files)
    assert not any(f.endswith(".tmp") for f in files)  # atomic writes leave no temporaries

    def no_data(*args: object, **kwargs: object) -> None:
        raise AssertionError("real images were read again instead of the cache")

    cache.clear_memory()
    monkeypatch.setattr(real, "load_tensors", no_data)
    again = E.evaluate_images(test_images[0], "mnist", requested_labels=test_images[1])
    for key in ("fid", "kid", "precision", "memorisation_ratio"):
        assert again[key] == pytest.approx(real_result[key], rel=1e-6)
        assert again["reference"][key] == pytest.approx(real_result["reference"][key], rel=1e-6)


def test_bad_inputs_are_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        E.evaluate_images(torch.zeros(100, 28, 28), "mnist")
    with pytest.raises(ValueError, match=r"expected \[-1, 1\]"):
        E.evaluate_images(torch.full((100, 1, 28, 28), 255.0), "mnist")
    with pytest.raises(TypeError, match="127.5"):
        E.evaluate_images(torch.zeros(100, 1, 28, 28, dtype=torch.uint8), "mnist")
    with pytest.raises(KeyError, match="choose one of"):
        E.evaluate_images(torch.zeros(100, 1, 28, 28), "mnist", features="vgg")


def test_inception_v3_without_weights_fails_with_instructions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty torch hub cache
    monkeypatch.delenv(F.INCEPTION_ENV, raising=False)
    with pytest.raises(F.FeatureExtractorError, match="never downloads") as err:
        F.get_extractor("inception-v3", "mnist")
    assert F.INCEPTION_WEIGHTS_URL in str(err.value)
    assert str(tmp_path / "hub" / "checkpoints" / F.INCEPTION_WEIGHTS_FILE) in str(err.value)


def test_inception_v3_without_torch_fidelity_is_refused_before_the_run_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gankit.runs import evaluate_run

    weights = tmp_path / F.INCEPTION_WEIGHTS_FILE
    weights.write_bytes(b"weights the user downloaded")
    monkeypatch.delitem(sys.modules, "torch_fidelity", raising=False)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "torch_fidelity" else find_spec(name, *a),
    )
    with pytest.raises(F.FeatureExtractorError, match="pip install torch-fidelity"):
        E.check_feature_space("inception-v3", weights)
    # no run there: the refusal comes before the run directory is read or any image drawn
    with pytest.raises(F.FeatureExtractorError, match="pip install torch-fidelity"):
        evaluate_run(tmp_path / "no-run", features="inception-v3", inception_weights=weights)


# --- command line and image files ----------------------------------------------------------


def test_eval_command_on_an_image_array(tmp_path: Path) -> None:
    images, _ = load_tensors("mnist", "test", limit=300)
    path = tmp_path / "fake.npy"
    np.save(path, ((images[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy())
    result = CliRunner().invoke(main, ["eval", "--images", str(path), "--dataset", "mnist"])
    assert result.exit_code == 0, result.output
    assert "real-data reference" in result.output and "FID" in result.output
    written = json.loads((tmp_path / "fake.metrics.json").read_text())
    assert written["n_samples"] == 300 and written["reference"]["n_samples"] == 300


def test_eval_command_needs_one_input() -> None:
    result = CliRunner().invoke(main, ["eval"])
    assert result.exit_code != 0 and "either RUN_DIR or --images" in result.output
    result = CliRunner().invoke(main, ["eval", "--images", "."])
    assert result.exit_code != 0 and "--dataset" in result.output


def test_eval_command_reports_bad_images_without_a_traceback(tmp_path: Path) -> None:
    np.save(tmp_path / "wrong.npy", np.zeros((50, 32, 32), np.uint8))
    result = CliRunner().invoke(
        main, ["eval", "--images", str(tmp_path / "wrong.npy"), "--dataset", "mnist"]
    )
    assert result.exit_code == 2
    assert "expected (N, 28, 28)" in result.output and "Traceback" not in result.output


def test_image_files_load_in_the_generator_range(tmp_path: Path) -> None:
    from PIL import Image

    images, _ = load_tensors("mnist", "test", limit=5)
    as_uint8 = ((images[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy()
    for i, a in enumerate(as_uint8):
        Image.fromarray(a).save(tmp_path / f"{i:03d}.png")
    torch.testing.assert_close(load_images(tmp_path), images, atol=1 / 127.5, rtol=0)
    np.save(tmp_path / "unit.npy", as_uint8.astype(np.float32)[:, None] / 255)
    torch.testing.assert_close(load_images(tmp_path / "unit.npy"), images, atol=1e-2, rtol=0)
    np.save(tmp_path / "signed.npy", images.numpy())
    torch.testing.assert_close(load_images(tmp_path / "signed.npy"), images)
    Image.fromarray(np.zeros((56, 56), np.uint8)).save(tmp_path / "grid.png")
    with pytest.raises(ValueError, match="one 28x28 image"):
        load_images(tmp_path)


def test_inception_v3_feeds_uint8_rgb_to_torch_fidelity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plumbing around torch-fidelity's network, with a stand-in for the network."""
    import sys
    import types

    seen: list[torch.Tensor] = []

    class StandIn(torch.nn.Module):
        def __init__(self, name: str, features: list[str], feature_extractor_weights_path: str):
            super().__init__()
            assert features == ["2048", "logits_unbiased"]
            assert Path(feature_extractor_weights_path) == weights

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            seen.append(x)
            return torch.zeros(len(x), 2048), torch.zeros(len(x), 1008)

    module = types.ModuleType("torch_fidelity.feature_extractor_inceptionv3")
    module.FeatureExtractorInceptionV3 = StandIn  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch_fidelity", types.ModuleType("torch_fidelity"))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    weights = tmp_path / F.INCEPTION_WEIGHTS_FILE
    weights.write_bytes(b"stand-in weights")

    extractor = F.get_extractor("inception-v3", "mnist", inception_weights=weights)
    images = torch.linspace(-1, 1, 250 * 784).reshape(250, 1, 28, 28)
    features, probs = extractor(images)
    assert features.shape == (250, 2048)
    torch.testing.assert_close(probs, torch.full((250, 1008), 1 / 1008))
    x = torch.cat(seen)
    assert x.dtype == torch.uint8 and x.shape == (250, 3, 28, 28)
    assert x.min() == 0 and x.max() == 255 and (x[:, 0] == x[:, 2]).all()
