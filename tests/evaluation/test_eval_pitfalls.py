"""Metric pitfalls other toolkits' trackers document: unrounded samples, unlabelled sample
counts, IS splits over class-sorted samples, swapped precision/recall, an unrecorded real
split, and an EMA generator without BatchNorm statistics."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from gankit.cli import main
from gankit.data import load_tensors
from gankit.data.load import as_8_bit, to_uint8
from gankit.evaluation import evaluate as E
from gankit.evaluation import metrics as M
from gankit.evaluation.features import get_extractor
from gankit.runs import load_run
from gankit.training.checkpoint import load_checkpoint

TINY = ["--no-eval", "--quiet", "--set", "data.limit=256", "--set", "model.g_width=8",
        "--set", "model.d_width=8", "--set", "train.batch_size=16", "--set", "log.eval_every=3",
        "--set", "log.eval_samples=50",
        "--set", "log.sample_every=1000", "--set", "log.grid_size=10"]  # fmt: skip
# how long, which checkpoint (name and step), the cached reference
UNSCORED = {"eval_seconds", "step", "checkpoint", "reference"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny unconditional DCGAN with BatchNorm in G and an EMA generator, 3 iterations."""
    out = tmp_path_factory.mktemp("pitfalls") / "run"
    result = CliRunner().invoke(
        main, ["train", "dcgan-uncond", "--out", str(out), "--iterations", "3", *TINY]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.integration
def test_eval_of_a_run_equals_scoring_its_saved_pngs(run_dir: Path, tmp_path: Path) -> None:
    n = 100
    result = CliRunner().invoke(main, ["eval", str(run_dir), "--n-samples", str(n)])
    assert result.exit_code == 0, result.output
    from_run = json.loads((run_dir / "metrics.json").read_text())

    images = load_run(run_dir).generate(n, seed=E.SEED)  # what `gankit eval RUN` scored
    assert not torch.equal(as_8_bit(images), images)  # the rounding is not a no-op here
    pngs = tmp_path / "pngs"
    pngs.mkdir()
    for i, image in enumerate(to_uint8(images)[:, 0].numpy()):
        Image.fromarray(image).save(pngs / f"{i:05d}.png")
    args = ["eval", "--images", str(pngs), "--dataset", "mnist", "--n-samples", str(n)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    from_pngs = json.loads((pngs / "metrics.json").read_text())

    scored = set(from_run) - UNSCORED
    assert {"is_mean", "fid", "kid", "precision", "recall", "class_histogram"} <= scored
    assert {k: from_run[k] for k in scored} == {k: from_pngs[k] for k in scored}


@pytest.mark.integration
def test_periodic_metrics_carry_their_sample_count(run_dir: Path) -> None:
    with open(run_dir / "metrics_history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["step"], r["n_samples"]) for r in rows] == [("3", "50")]
    assert float(rows[0]["is_mean"]) >= 1.0


@pytest.mark.integration
def test_ema_generator_carries_the_batchnorm_statistics(run_dir: Path) -> None:
    state = load_checkpoint(run_dir / "checkpoints" / "last.pt")
    live, ema = state["generator"], state["ema"]
    stats = [k for k in live if k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    assert stats and all(torch.equal(ema[k], live[k]) for k in stats)
    assert live[stats[0]].abs().sum() > 0 and int(live[stats[-1]]) > 0  # trained
    weights = [k for k in live if k not in stats]
    assert any(not torch.equal(ema[k], live[k]) for k in weights)  # averaged, not a copy
    # The sampling generator is the EMA one, in eval mode, normalising with those statistics.
    generator = load_run(run_dir).generator
    assert not generator.training
    loaded = generator.state_dict()
    assert all(torch.equal(loaded[k], ema[k]) for k in ema)


@pytest.fixture(scope="module")
def test_probs() -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = load_tensors("mnist", "test", limit=2000)
    return get_extractor("classifier", "mnist")(images)[1], labels


def _unshuffled_is(probs: torch.Tensor, splits: int = 10) -> float:
    """Consecutive chunks, as the pitfall computes it."""
    scores = []
    for chunk in torch.tensor_split(probs.double(), splits):
        kl = (chunk * (chunk.clamp_min(1e-12).log() - chunk.mean(0).clamp_min(1e-12).log())).sum(1)
        scores.append(kl.mean().exp())
    return torch.stack(scores).mean().item()


def test_inception_score_of_class_sorted_samples(
    test_probs: tuple[torch.Tensor, torch.Tensor],
) -> None:
    probs, labels = test_probs
    by_class = probs[torch.argsort(labels, stable=True)]  # a conditional generator's order
    mean, std = M.inception_score(probs)
    sorted_mean, sorted_std = M.inception_score(by_class)
    assert mean > 9.0
    assert abs(sorted_mean - mean) <= max(std, sorted_std)
    assert _unshuffled_is(by_class) < 1.5  # what splitting without shuffling would report


def test_collapsed_generator_has_precision_near_one_and_recall_near_zero() -> None:
    one_digit, _ = load_tensors("mnist", "test", limit=1)
    collapsed = one_digit.repeat(200, 1, 1, 1)  # a real-looking digit, 200 times
    result = E.evaluate_images(collapsed, "mnist", reference=False)
    assert result["precision"] > 0.95 and result["recall"] < 0.05
    assert result["modes_covered"] == 1


@pytest.mark.integration
def test_every_count_dependent_number_says_its_count() -> None:
    """A digit-6 run scored on 1,000 samples: the test split holds only 958 sixes, so the
    reference and its KID subsets are smaller, and say so."""
    sixes, _ = load_tensors("mnist", "train", labels=[6], limit=1000)
    result = E.evaluate_images(sixes, "mnist", target_labels=[6])
    ref = result["reference"]
    assert result["n_samples"] == 1000 and result["kid_subset_size"] == 1000
    assert ref["n_samples"] == 958 and ref["kid_subset_size"] == 958


def test_the_real_split_is_chosen_and_recorded() -> None:
    sixes, _ = load_tensors("mnist", "train", labels=[6], limit=100)
    train = E.evaluate_images(sixes, "mnist", target_labels=[6])
    test = E.evaluate_images(sixes, "mnist", target_labels=[6], real_split="test")
    assert (train["real_split"], train["reference_split"]) == ("train", "test")
    assert (test["real_split"], test["reference_split"]) == ("test", "train")
    assert train["fid"] != test["fid"]  # the split is used, not only recorded
    assert train["memorisation_ratio"] == test["memorisation_ratio"]  # always against train
    assert test["reference"]["n_samples"] == test["kid_subset_size"] == 100
