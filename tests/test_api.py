"""The public Python API (gankit.train, load, Run, metrics.score, classifier), each checked
against what the command line writes for the same thing, and the quickstart example run end
to end."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import gankit
from gankit.cli import main
from gankit.config import ConfigError
from gankit.data import load_tensors
from gankit.data.load import to_uint8
from gankit.evaluation import metrics as M
from gankit.evaluation.classifier import classify, load_classifier
from gankit.training.checkpoint import CheckpointError

ROOT = Path(__file__).resolve().parents[1]
# A few iterations of a narrow conditional DCGAN on a slice of MNIST, scored on few samples.
# Its fast-path layouts are pinned: runs started apart compute alike only under the same ones
# (`auto` is a timed probe, which busy cores may decide differently each time).
TINY = {"data.limit": 256, "model.g_width": 8, "model.d_width": 8, "train.batch_size": 16,
        "log.sample_every": 1000, "log.grid_size": 4, "log.tensorboard": False, "log.plots": False,
        "perf.channels_last": "both", "perf.gemm_conv": "discriminator",
        "perf.subpixel_conv": "generator"}  # fmt: skip
N_EVAL = 60


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_gankit_loads_no_torch_and_lists_the_api() -> None:
    code = (
        "import json, sys, gankit\n"
        "public = [n for n in dir(gankit) if not n.startswith('_')]\n"
        "print(json.dumps([sorted(gankit.__all__), public, 'torch' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed, public, torch_loaded = json.loads(out.stdout)
    names = ["GankitError", "Run", "__version__", "classifier", "load", "load_config",
             "load_generator", "metrics", "train"]  # fmt: skip
    assert listed == names and public == [n for n in names if n != "__version__"]
    assert not torch_loaded  # `import gankit` (and so `gankit --help`) stays cheap
    for name in gankit.__all__:
        assert getattr(gankit, name) is not None
    assert gankit.train.__module__ == "gankit.api" and gankit.metrics.score is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gankit.nope  # noqa: B018


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> gankit.Run:
    out = tmp_path_factory.mktemp("api") / "run"
    return gankit.train("dcgan", out=out, iterations=2, overrides={**TINY, "optim.d.lr": 1e-4},
                        eval_samples=N_EVAL, progress=False)  # fmt: skip


@pytest.mark.integration
def test_train_returns_the_run_with_its_config_and_metrics(run: gankit.Run) -> None:
    assert run.step == 2 and not run.exported and run.checkpoint == "last"
    assert run.config.optim.d.lr == 1e-4 and run.config.model.g_width == 8
    assert (run.config.name, run.config.train.iterations) == ("dcgan", 2)
    written = json.loads((run.path / "metrics.json").read_text())
    assert run.metrics == written and written["n_samples"] == N_EVAL and written["step"] == 2
    assert (run.path / "config.yaml").is_file() and (run.path / "report.html").is_file()


@pytest.mark.integration
def test_sample_follows_the_seeding_rule_of_gankit_sample(run: gankit.Run, tmp_path: Path) -> None:
    images = run.sample(20, seed=3)
    assert images.shape == (20, 1, 28, 28) and images.dtype == torch.float32
    assert torch.equal(images, run.sample(20, seed=3))
    assert not torch.equal(images, run.sample(20, seed=4))
    cli("sample", str(run.path), "--n", "20", "--seed", "3", "--format", "npz",
        "--out", str(tmp_path / "s.npz"))  # fmt: skip
    with np.load(tmp_path / "s.npz") as npz:
        assert np.array_equal(npz["arr_0"][..., 0], to_uint8(images)[:, 0].numpy())
        assert npz["arr_1"].tolist() == [i % 10 for i in range(20)]  # classes in turn
    sevens = run.sample(5, labels=7)
    assert torch.equal(sevens, run.sample(5, labels=[7] * 5))
    assert torch.equal(sevens, run.sample(5, labels=torch.full((5,), 7)))
    with pytest.raises(ValueError, match="class indices in 0..9"):
        run.sample(5, labels=10)
    with pytest.raises(ValueError, match="positive"):
        run.sample(0)


@pytest.mark.integration
def test_evaluate_writes_and_returns_what_gankit_eval_writes(
    run: gankit.Run, tmp_path: Path
) -> None:
    scores = run.evaluate(n_samples=N_EVAL, device="cpu")
    assert scores == run.metrics
    cli("eval", str(run.path), "--n-samples", str(N_EVAL), "--device", "cpu")
    by_cli = json.loads((run.path / "metrics.json").read_text())
    drop = {"eval_seconds"}
    assert {k: v for k, v in by_cli.items() if k not in drop} == {
        k: v for k, v in scores.items() if k not in drop
    }
    assert "per_class_fid" in scores  # a conditional run is scored per class too


@pytest.mark.integration
def test_resuming_through_the_api_matches_one_straight_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train() on a folder with a checkpoint continues it; a config file of one's own, with
    the same settings, trained straight to the same step, draws the same images."""
    resumed_dir = tmp_path / "resumed"
    gankit.train("dcgan", out=resumed_dir, iterations=1, overrides={**TINY, "optim.d.lr": 1e-4},
                 evaluate=False, progress=False)  # fmt: skip
    resumed = gankit.train("dcgan", out=resumed_dir, iterations=3,
                           overrides={**TINY, "optim.d.lr": 1e-4}, evaluate=False,
                           progress=False)  # fmt: skip
    assert resumed.step == 3 and resumed.metrics is None
    (tmp_path / "mine.yaml").write_text(
        "base: dcgan\n"
        "data: {limit: 256}\n"
        "model: {g_width: 8, d_width: 8}\n"
        "train: {batch_size: 16}\n"
        "optim: {d: {lr: 1.0e-4}}\n"
        "log: {sample_every: 1000, grid_size: 4, tensorboard: false}\n"
        "perf: {channels_last: both, gemm_conv: discriminator, subpixel_conv: generator}\n"
    )
    monkeypatch.chdir(tmp_path)
    straight = gankit.train("mine.yaml", iterations=3, evaluate=False, progress=False)
    assert straight.path == Path("runs/mine") and straight.config.name == "mine"
    assert torch.equal(resumed.sample(16), straight.sample(16))


@pytest.mark.integration
def test_load_opens_a_run_and_an_export(run: gankit.Run, tmp_path: Path) -> None:
    again = gankit.load(run.path)
    assert again.step == run.step and again.config == run.config
    assert torch.equal(again.sample(10, seed=5), run.sample(10, seed=5))
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        gankit.load(run.path, checkpoint="999")
    cli("export", str(run.path), "--out", str(tmp_path / "exported"))
    exported = gankit.load(tmp_path / "exported")
    assert exported.exported and exported.metrics is None and exported.step == run.step
    assert torch.equal(exported.sample(10, seed=5), run.sample(10, seed=5))
    scores = exported.evaluate(n_samples=N_EVAL)
    assert scores["fid"] == pytest.approx(run.metrics["fid"])  # the same draw, scored alike
    assert sorted(p.name for p in (tmp_path / "exported").iterdir()) == [
        "config.yaml", "generator.safetensors"]  # nothing written into an export  # fmt: skip
    with pytest.raises(ValueError, match="is an export"):
        gankit.load(tmp_path / "exported", checkpoint="best")
    with pytest.raises(CheckpointError, match="no checkpoints/last.pt"):
        gankit.load(tmp_path)


def test_train_refuses_a_bad_override_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown config key 'optim.d.rate'"):
        gankit.train("dcgan", out=tmp_path / "run", overrides={"optim.d.rate": 1e-4})
    with pytest.raises(ConfigError, match="train.iterations"):
        gankit.train("dcgan", out=tmp_path / "run", iterations=0)
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    """100 real test digits, uint8 (N, 1, 28, 28)."""
    images, _ = load_tensors("mnist", "test", limit=100)
    return to_uint8(images)


@pytest.mark.integration
def test_score_is_gankit_eval_of_the_same_images(digits: torch.Tensor, tmp_path: Path) -> None:
    scores = gankit.metrics.score(digits, dataset="mnist")
    np.save(tmp_path / "digits.npy", digits[:, 0].numpy())
    cli("eval", "--images", str(tmp_path / "digits.npy"), "--dataset", "mnist")
    by_cli = json.loads((tmp_path / "digits.metrics.json").read_text())
    scores.pop("eval_seconds"), by_cli.pop("eval_seconds")
    assert json.loads(json.dumps(scores)) == by_cli
    assert scores["fid"] < 5 * scores["reference"]["fid"] + 1  # real digits score as real
    # the same images as floats in [-1, 1], as (N, 28, 28) numpy, and as a folder of PNGs
    floats = gankit.metrics.score(digits.float() / 127.5 - 1)
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(digits[:, 0].numpy()):
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    for other in (floats, gankit.metrics.score(digits[:, 0].numpy()), gankit.metrics.score(folder)):
        other.pop("eval_seconds")
        assert other == scores


def test_score_with_labels_adds_label_accuracy_and_per_class(digits: torch.Tensor) -> None:
    _, labels = load_tensors("mnist", "test", limit=100)
    scores = gankit.metrics.score(digits, labels=labels, real="test")
    assert scores["label_accuracy"] > 0.95 and len(scores["per_class_fid"]) == 10
    assert scores["real_split"] == "test" and scores["reference_split"] == "train"
    with pytest.raises(ValueError, match="one class per image"):
        gankit.metrics.score(digits, labels=labels[:10])
    with pytest.raises(ValueError, match="at least 20 images"):
        gankit.metrics.score(digits[:10])
    with pytest.raises(ValueError, match=r"expected \(N, 28, 28\)"):
        gankit.metrics.score(torch.zeros(30, 1, 32, 32))


def test_classifier_gives_the_features_the_metrics_use(digits: torch.Tensor) -> None:
    net = gankit.classifier("mnist")
    features, probs = classify(load_classifier("mnist"), digits.float() / 127.5 - 1)
    assert torch.allclose(net(digits), features, atol=1e-5)  # uint8, as torchmetrics hands it
    assert torch.allclose(net(digits.float() / 127.5 - 1), features, atol=1e-5)
    assert torch.allclose(torch.softmax(net.logits(digits), 1), probs, atol=1e-5)
    assert net.num_features == features.shape[1] == 128
    net.train()  # a frozen extractor: BatchNorm keeps its running statistics
    assert not net.training and torch.allclose(net(digits), features, atol=1e-5)
    assert not any(p.requires_grad for p in net.parameters())
    with torch.no_grad():
        next(net.parameters()).add_(1.0)  # a copy: the metrics' own network is untouched
    assert torch.allclose(classify(load_classifier("mnist"), digits.float() / 127.5 - 1)[0],
                          features)  # fmt: skip


def test_classifier_as_a_torchmetrics_fid_feature_extractor(digits: torch.Tensor) -> None:
    fid_module = pytest.importorskip("torchmetrics.image.fid")
    images, _ = load_tensors("mnist", "test", limit=600)
    real, fake = to_uint8(images[:300]), to_uint8(images[300:].flip(3))  # mirrored digits
    fid = fid_module.FrechetInceptionDistance(feature=gankit.classifier("mnist"))
    fid.update(real, real=True)
    fid.update(fake, real=False)
    net = load_classifier("mnist")
    ours = M.frechet_distance(
        *M.gaussian_stats(classify(net, fake.float() / 127.5 - 1)[0]),
        *M.gaussian_stats(classify(net, real.float() / 127.5 - 1)[0]),
    )
    assert float(fid.compute()) == pytest.approx(ours, rel=1e-3)


@pytest.mark.integration
def test_quickstart_example_runs_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The script as `python examples/quickstart.py ...` runs it, in this process (a fresh
    interpreter would only add the imports' seconds)."""
    script = ROOT / "examples" / "quickstart.py"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(script), "--out", str(tmp_path / "run"),
                                      "--iterations", "2", "--eval-samples", "40"])  # fmt: skip
    runpy.run_path(str(script), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Run(") and "step 2" in lines[0]
    assert lines[1].startswith("metrics.json: FID ")
    assert lines[2] == "samples: (10, 1, 28, 28) in [" + lines[2].split("[")[1]
    assert lines[3].startswith("own images: FID ") and "floor" in lines[3]
    assert lines[4].startswith("features: (16, 128); the sevens are classified as [")
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["n_samples"] == 40
