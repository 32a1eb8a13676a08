"""Your own 28x28 data: a folder of PNGs (written here from real MNIST digits) imported into a
checksummed cache, its own evaluator trained, and the metric suite computed with it."""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from support import stand_in_for_inception

from gankit.cli import main
from gankit.config import load_config
from gankit.data import DataError, dataset_info, load_arrays, load_tensors
from gankit.data.folder import classifier_record, dataset_dir, record_classifier, split_indices
from gankit.evaluation import inception_fid, train_classifier
from gankit.evaluation.classifier import ClassifierError, get_classifier_spec
from gankit.evaluation.evaluate import evaluate_images
from gankit.evaluation.inception import PACKAGE as INCEPTION_PACKAGE
from gankit.evaluation.train_classifier import TrainedClassifier

DIGITS = (0, 1, 7)
PER_CLASS = 150


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module", autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A fresh user cache: every run imports and trains from scratch."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def digit_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, np.ndarray]]:
    """One sub-folder per digit, PER_CLASS real MNIST test images each, plus a stray file."""
    root = tmp_path_factory.mktemp("digits")
    images, labels = load_arrays("mnist", "test")
    chosen = {}
    for d in DIGITS:
        chosen[d] = images[labels == d][:PER_CLASS]
        (root / f"digit-{d}").mkdir()
        for i, image in enumerate(chosen[d]):
            Image.fromarray(image).save(root / f"digit-{d}" / f"{i:04d}.png")
    (root / "digit-0" / "notes.txt").write_text("not an image")
    return root, chosen


@pytest.fixture(scope="module")
def imported(digit_folder: tuple[Path, dict[int, np.ndarray]]) -> str:
    code, output = _invoke("data", "import", str(digit_folder[0]), "--name", "my-digits")
    assert code == 0, output
    assert "450 images, 3 class(es): digit-0: 150, digit-1: 150, digit-7: 150" in output
    assert "skipped 1 file(s)" in output
    return "my-digits"


def test_import_keeps_every_image_and_holds_out_a_tenth_per_class(digit_folder, imported) -> None:
    _, chosen = digit_folder
    info = dataset_info(imported)
    assert info.classes == ("digit-0", "digit-1", "digit-7") and info.channels == 1
    train_x, train_y = load_arrays(imported, "train")
    test_x, test_y = load_arrays(imported, "test")
    assert np.bincount(test_y).tolist() == [15, 15, 15]
    for label, d in enumerate(DIGITS):
        got = np.concatenate([train_x[train_y == label], test_x[test_y == label]])
        # the same pixels, byte for byte, whatever the split put where
        assert sorted(map(bytes, got)) == sorted(map(bytes, chosen[d]))
    x, y = load_tensors(imported, "train")
    assert x.shape == (405, 1, 28, 28) and x.min() == -1 and x.max() == 1
    assert load_config("dcgan", [f"data.dataset={imported}"]).data.dataset == imported


def test_import_again_is_a_no_op_and_other_images_need_replace(
    digit_folder, imported, tmp_path: Path
) -> None:
    code, output = _invoke("data", "import", str(digit_folder[0]), "--name", imported)
    assert code == 0 and "already imported, unchanged" in output
    other = tmp_path / "other"
    other.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(other / "a.png")
    Image.fromarray(np.full((28, 28), 255, np.uint8)).save(other / "b.png")
    code, output = _invoke("data", "import", str(other), "--name", imported)
    assert code == 2 and "--replace" in output and "Traceback" not in output
    assert load_arrays(imported, "test")[0].shape == (45, 28, 28)  # nothing was lost


def test_bad_folders_are_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "big").mkdir()
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "big" / "x.png")
    code, output = _invoke("data", "import", str(tmp_path / "big"), "--name", "big")
    assert code == 2 and "x.png: 32x32 pixels; every image must be 28x28" in output
    code, output = _invoke("data", "import", str(tmp_path / "big"), "--name", "MNIST!")
    assert code == 2 and "lower-case letters" in output
    with pytest.raises(DataError, match="gankit data import DIR --name nowhere"):
        load_arrays("nowhere", "train")


def test_a_changed_cache_file_is_caught(digit_folder, imported, tmp_path: Path) -> None:
    _invoke("data", "import", str(digit_folder[0]), "--name", "to-corrupt")
    path = dataset_dir("to-corrupt") / "t10k-images-idx3-ubyte"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="altered.*--replace"):
        load_arrays("to-corrupt", "test")


def test_where_and_verify_list_an_imported_dataset_and_catch_a_changed_file(
    digit_folder, imported
) -> None:
    code, output = _invoke("data", "where", imported)
    assert code == 0, output
    assert f"{imported}: imported from {digit_folder[0].resolve()}" in output
    assert "train-images-idx3-ubyte" in output and "(" not in output.split("imported from")[1]
    code, output = _invoke("data", "verify", imported)
    assert code == 0 and output.count("OK ") == 4, output
    code, output = _invoke("data", "where")  # all: the built-in ones, this one, stacked-mnist
    assert "mnist: search order" in output and f"{imported}: imported" in output
    assert "stacked-mnist: built from mnist's files" in output
    code, output = _invoke("data", "verify", "no-such-data")
    assert code == 2 and f"choose one of fashion-mnist, mnist, {imported}" in output
    labels = dataset_dir(imported) / "t10k-labels-idx1-ubyte"
    original = labels.read_bytes()
    try:
        labels.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        code, output = _invoke("data", "verify", imported)
        assert code == 2 and f"FAIL  {labels}: SHA-256" in output
        assert f"gankit data import DIR --name {imported} --replace" in output
    finally:
        labels.write_bytes(original)


def test_split_is_stratified_and_seeded() -> None:
    labels = np.repeat([0, 1, 2], [10, 1, 31])
    train, test = split_indices(labels, 0.1)
    assert np.bincount(labels[test], minlength=3).tolist() == [1, 0, 3]
    assert sorted([*train, *test]) == list(range(42))
    assert np.array_equal(split_indices(labels, 0.1)[1], test)


@pytest.mark.integration
def test_own_evaluator_makes_every_metric_work(imported, tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match=f"gankit classifier train {imported}"):
        get_classifier_spec(imported)
    code, output = _invoke("classifier", "train", imported)
    assert code == 0, output
    assert f"every metric on {imported} is now computed with it" in output
    accuracy = float(output.split("test accuracy ")[1].split()[0])
    assert accuracy > 0.9  # 0, 1 and 7 are easy to tell apart, even from 405 images
    # real held-out digits score like real data; a blank set does not
    real, labels = load_tensors(imported, "test")
    metrics = evaluate_images(real, imported)
    assert metrics["classifier_sha256"] == get_classifier_spec(imported).sha256
    assert metrics["modes_covered"] == 3 and metrics["modes_total"] == 3
    assert metrics["is_h_y_given_x"] < 0.3  # confident calls
    assert sum(abs(n - 15) for n in metrics["class_histogram"]) <= 4  # 15 test images a class
    assert all(math.isfinite(metrics[k]) for k in ("fid", "kid", "precision", "recall"))
    blank = torch.full((45, 1, 28, 28), -1.0)
    assert evaluate_images(blank, imported, reference=False)["fid"] > 10 * metrics["fid"]
    # the command line takes the imported dataset too, and names the choices for a wrong one
    saved = tmp_path / "real.npy"
    np.save(saved, ((real.numpy() + 1) * 127.5).round().astype(np.uint8))
    code, output = _invoke("eval", "--images", str(saved), "--dataset", imported)
    assert code == 0, output
    written = json.loads(saved.with_suffix(".metrics.json").read_text())
    assert written["modes_total"] == 3 and written["fid"] == pytest.approx(metrics["fid"])
    code, output = _invoke("eval", "--images", str(saved), "--dataset", "my-digitz")
    assert code == 2 and f"choose one of fashion-mnist, mnist, {imported}" in output


@pytest.mark.integration
def test_a_weak_classifier_and_a_small_real_side_are_flagged(
    imported: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluator trained above, recorded as if it classified 44% of its test images: every
    score computed with it carries the warning, as does the real side of 405 + 45 images."""
    if classifier_record(imported) is None:
        assert _invoke("classifier", "train", imported)[0] == 0
    record = classifier_record(imported)
    real, _ = load_tensors(imported, "test")
    assert evaluate_images(real, imported, reference=False)["warnings"] == [
        "the real side (the train images the samples are compared with) holds 405 images, "
        "under the 500 FID and KID need to be stable: these scores and the real-data floor "
        "are noisy. Import more images (the test split is a tenth of an imported folder), or "
        "score more samples"
    ]
    record_classifier(imported, record["sha256"], 0.44, record["epochs"])
    try:
        saved = tmp_path / "real.npy"
        np.save(saved, ((real.numpy() + 1) * 127.5).round().astype(np.uint8))
        code, output = _invoke("eval", "--images", str(saved), "--dataset", imported)
        assert code == 0, output
        weak, small_real, small_reference = json.loads(
            saved.with_suffix(".metrics.json").read_text()
        )["warnings"]
        assert weak.startswith(f"the {imported} classifier classifies only 44.0% of its test")
        assert "below the 90% an evaluator needs" in weak
        assert "405 images" in small_real and "holds 45 images" in small_reference
        assert f"warning: {weak}" in output
    finally:
        record_classifier(imported, record["sha256"], record["test_accuracy"], record["epochs"])
    # `classifier train` says so of a classifier under the threshold when it trains one
    weak_result = TrainedClassifier(tmp_path / "w.safetensors", "0" * 64, 0.44, 1.0)
    monkeypatch.setattr(train_classifier, "train_classifier", lambda *a, **k: weak_result)
    code, output = _invoke("classifier", "train", imported, "--out", str(weak_result.path))
    assert code == 0 and "warning: below the 90% an evaluator needs" in output
    assert classifier_record(imported) == record  # another --out: the metrics' one is kept


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A folder without class sub-folders: 120 MNIST test digits, one class."""
    root = tmp_path_factory.mktemp("unlabelled")
    images, _ = load_arrays("mnist", "test")
    for i in range(120):
        Image.fromarray(images[i]).save(root / f"{i}.png")
    code, output = _invoke("data", "import", str(root), "--name", "unlabelled")
    assert code == 0 and "1 class(es): all: 120" in output
    # no advice to train the classifier it cannot have; what scores it instead
    assert "classifier train" not in output and "--features classifier:mnist" in output
    return "unlabelled"


TRAIN_TINY = ("--iterations", "2", "--quiet", "--set", "train.batch_size=16",
              "--set", "log.sample_every=1", "--set", "log.tensorboard=false",
              "--set", "log.plots=false")  # fmt: skip


@pytest.mark.integration
def test_unlabelled_folder_trains_without_flags_and_is_scored_without_a_classifier(
    unlabelled: str, tmp_path: Path
) -> None:
    code, output = _invoke("classifier", "train", unlabelled)
    assert code == 2 and "one class" in output and "--features inception" in output
    # dcgan-uncond evaluates every 500 iterations; here that is off, and said so, not refused
    assert load_config("dcgan-uncond").log.eval_every > 0
    for flags in ((), ("--no-eval",)):
        run = tmp_path / f"run{len(flags)}"
        code, output = _invoke("train", "dcgan-uncond", "--set", f"data.dataset={unlabelled}",
                               "--out", str(run), *TRAIN_TINY, *flags)  # fmt: skip
        assert code == 0, output
        assert "warning: unlabelled has one class" in output
        assert load_config(str(run / "config.yaml")).log.eval_every == 0
        assert not (run / "metrics.json").exists()
        report = (run / "report.md").read_text()
        assert f"Not evaluated: {unlabelled} has one class" in report
        assert "--features classifier:mnist" in report
    # the default feature space needs the data's own classifier: refused with the ways out
    code, output = _invoke("eval", str(run), "--n-samples", "20")
    assert code == 2 and "--features inception" in output and "Traceback" not in output
    code, output = _invoke("eval", str(run), "--n-samples", "20", "--features", "classifier:cifar")
    assert code == 2 and "no evaluator classifier for dataset 'cifar'" in output
    # another dataset's classifier's features: the metrics that need no classes of the data
    code, output = _invoke("eval", str(run), "--n-samples", "20", "--features", "classifier:mnist")
    assert code == 0, output
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["features"] == "classifier:mnist"
    assert metrics["classifier_sha256"] == get_classifier_spec("mnist").sha256
    assert all(math.isfinite(metrics[k]) for k in ("fid", "kid", "precision", "recall"))
    assert math.isfinite(metrics["memorisation_ratio"]) and math.isfinite(
        metrics["reference"]["fid"]
    )
    assert not {"is_mean", "class_histogram", "modes_covered"} & set(metrics)
    assert metrics["n_real"] == 108 and metrics["reference"]["n_samples"] == 12
    # too few real images on both sides: flagged in metrics.json, the table and the report
    assert len(metrics["warnings"]) == 2
    assert "holds 108 images, under the 500" in metrics["warnings"][0]
    assert "holds 12 images" in metrics["warnings"][1]
    assert "warning: the real side" in output and "FID, MNIST classifier" in output
    report = (run / "report.md").read_text()
    assert "| FID, MNIST classifier (lower is better) |" in report
    assert "scored in the MNIST classifier's features" in report
    assert report.count("Warning: ") == 2


@pytest.mark.skipif(
    importlib.util.find_spec(INCEPTION_PACKAGE) is None, reason="needs the inception extra"
)
def test_unlabelled_folder_gets_the_inception_fid_alone(
    unlabelled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inception_fid, "REAL_PER_SPLIT", 20)
    stand_in_for_inception(monkeypatch)  # which metrics it gets is the question, not their values
    images, _ = load_tensors("mnist", "test")
    metrics = evaluate_images(images[200:220], unlabelled, features="inception")
    assert metrics["features"] == "inception" and metrics["classifier_sha256"] is None
    assert metrics["inception_n_samples"] == metrics["inception_n_real"] == 20
    assert math.isfinite(metrics["fid_inception"]) and math.isfinite(metrics["kid_inception"])
    assert metrics["kid_inception_subset_size"] == 20
    ref = metrics["reference"]
    assert ref["inception_n_samples"] == 12 and math.isfinite(ref["fid_inception"])
    assert not {"fid", "is_mean", "precision", "class_histogram"} & set(metrics)
    assert [w.split(" holds ")[1][:3] for w in metrics["warnings"]] == ["20 ", "12 "]


def test_an_unknown_dataset_has_no_evaluator() -> None:
    code, output = _invoke("classifier", "train", "cifar10")
    assert code == 2 and "no evaluator classifier for dataset 'cifar10'" in output
