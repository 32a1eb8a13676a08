"""Stacked MNIST: the dataset built from the MNIST files, 3-channel models, and mode counting
checked on real stacked digits (every mode, KL near its sampling floor) and a collapsed set."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import entropy
from support import PLAIN_LAYOUT, set_args

from gankit.config import ConfigError, load_config
from gankit.data import dataset_info, load_arrays, load_tensors, to_unit_range
from gankit.data.stacked import stack
from gankit.evaluation.modes import channel_digits, mode_metrics, modes_of
from gankit.training.build import build_discriminator, build_generator

N = 4000  # real images scored here; the benchmark scores 26,000 (docs/results/benchmark.md)


@pytest.fixture(scope="module")
def stacked() -> tuple[np.ndarray, np.ndarray]:
    return load_arrays("stacked-mnist", "train")


def test_each_channel_is_an_mnist_digit_and_the_label_names_the_triple(stacked) -> None:
    images, labels = stacked
    digits, digit_labels = load_arrays("mnist", "train")
    assert images.shape == (60_000, 3, 28, 28) and images.dtype == np.uint8
    picks = np.random.default_rng(0).integers(0, 60_000, size=(60_000, 3))  # the train seed
    for i in (0, 1, 59_999):
        assert all(np.array_equal(images[i, c], digits[picks[i, c]]) for c in range(3))
        r, g, b = digit_labels[picks[i]].astype(int)
        assert labels[i] == 100 * r + 10 * g + b
    assert len(np.unique(labels)) == 1000 and dataset_info("stacked-mnist").channels == 3
    # deterministic: the same seed gives the same images, another seed others
    again, _ = stack(digits, digit_labels, 100, seed=0)
    other, _ = stack(digits, digit_labels, 100, seed=5)
    assert np.array_equal(again, images[:100]) and not np.array_equal(other, again)
    test_images, _ = load_arrays("stacked-mnist", "test")
    assert test_images.shape == (10_000, 3, 28, 28)


@pytest.mark.integration
def test_mode_counting_on_real_stacked_digits(stacked) -> None:
    images, labels = stacked
    digits = channel_digits(to_unit_range(images[:N]))
    modes = modes_of(digits)
    # the classifier reads the triple right almost always (each digit ~99.5%)
    assert (modes.numpy() == labels[:N]).mean() > 0.97
    scores = mode_metrics(modes)
    # N uniform draws over 1,000 modes reach 1000 (1 - e^(-N/1000)) = 982 of them on average
    assert scores["modes_covered"] >= 970 and scores["modes_total"] == 1000
    # KL against an independent computation, and near the floor of N uniform draws
    hist = np.bincount(modes.numpy(), minlength=1000)
    assert scores["kl_to_uniform"] == pytest.approx(entropy(hist, np.full(1000, 1e-3)), rel=1e-9)
    rng = np.random.default_rng(0)
    entropies = [entropy(np.bincount(rng.integers(0, 1000, N), minlength=1000)) for _ in range(5)]
    floor = math.log(1000) - np.mean(entropies)  # about 999 / (2 N) = 0.12 nats
    assert 0.7 * floor < scores["kl_to_uniform"] < 1.3 * floor


def test_a_collapsed_generator_covers_one_mode(stacked) -> None:
    images, labels = stacked
    one = to_unit_range(images[:1]).expand(300, -1, -1, -1)
    scores = mode_metrics(modes_of(channel_digits(one)))
    assert scores["modes_covered"] == 1
    assert scores["kl_to_uniform"] == pytest.approx(math.log(1000))  # all mass on 1 of 1000
    # half the modes, equally often: KL = ln 2
    assert mode_metrics(torch.arange(500).repeat(4))["kl_to_uniform"] == pytest.approx(math.log(2))


def test_stacked_models_take_three_channels_and_packs() -> None:
    config = load_config("stacked-pacgan2")
    g, d = build_generator(config), build_discriminator(config)
    fake = g(torch.randn(4, config.model.z_dim))
    assert fake.shape == (4, 3, 28, 28)
    assert d(fake.reshape(2, 6, 28, 28)).shape == (2,)  # packs of 2 RGB images
    x, _ = load_tensors("stacked-mnist", "test", limit=8)
    assert x.shape == (8, 3, 28, 28) and x.min() >= -1 and x.max() <= 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [(["model.conditional=true"], "unconditional"), (["log.eval_every=100"], "keep_best=false")],
)
def test_stacked_mnist_refuses_what_it_cannot_score(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config("stacked-dcgan", overrides)


def test_the_128k_set_draws_each_channel_from_mnist_train_and_test_pooled() -> None:
    """PacGAN's Table 2 training set: 128,000 images, each channel an independent draw with
    replacement from the 70,000 MNIST digits of both splits."""
    images, labels = load_arrays("stacked-mnist-128k", "train")
    assert images.shape == (128_000, 3, 28, 28) and labels.shape == (128_000,)
    parts = [load_arrays("mnist", split) for split in ("train", "test")]
    pool = np.concatenate([p[0] for p in parts])
    pool_labels = np.concatenate([p[1] for p in parts])
    picks = np.random.default_rng(2).integers(0, 70_000, size=(128_000, 3))  # its seed
    for i in (0, 1, 127_999):
        assert all(np.array_equal(images[i, c], pool[picks[i, c]]) for c in range(3))
        r, g, b = pool_labels[picks[i]].astype(int)
        assert labels[i] == 100 * r + 10 * g + b
    assert (picks >= 60_000).mean() == pytest.approx(1 / 7, abs=0.005)  # test digits too
    assert len(np.unique(picks)) < picks.size  # with replacement
    # deterministic per seed: the same seed gives the same images, another seed others
    again, _ = stack(pool, pool_labels, 100, seed=2)
    other, _ = stack(pool, pool_labels, 100, seed=3)
    assert np.array_equal(again, images[:100]) and not np.array_equal(other, again)
    info = dataset_info("stacked-mnist-128k")
    assert (info.kind, info.channels, len(info.classes)) == ("stacked", 3, 1000)
    # its test split is stacked-mnist's
    assert np.array_equal(
        load_arrays("stacked-mnist-128k", "test")[0], load_arrays("stacked-mnist", "test")[0]
    )


def test_the_128k_set_refuses_what_it_cannot_score() -> None:
    with pytest.raises(ConfigError, match="stacked-mnist-128k's periodic evaluation counts"):
        load_config("stacked-dcgan", ["data.dataset=stacked-mnist-128k", "log.eval_every=100"])


@pytest.mark.integration
def test_the_periodic_evaluation_counts_modes(tmp_path) -> None:
    import csv

    from click.testing import CliRunner

    from gankit.cli import main
    from gankit.evaluation.modes import quick_mode_metrics
    from gankit.runs import load_run
    from gankit.sampling import EVAL_SEED

    out = tmp_path / "run"
    args = ["train", "stacked-dcgan", "--out", str(out), "--iterations", "2", "--no-eval",
            "--quiet", "--set", "train.batch_size=8", "--set", "log.eval_every=1",
            "--set", "log.keep_best=false", "--set", "log.eval_samples=300",
            *set_args(*PLAIN_LAYOUT)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with open(out / "metrics_history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["step", "modes_covered", "kl_to_uniform", "n_samples"]
    assert [(r["step"], r["n_samples"]) for r in rows] == [("1", "300"), ("2", "300")]
    # the last row scores the last checkpoint's generator on the evaluation seed's draw
    last = quick_mode_metrics(load_run(out).generate(300, seed=EVAL_SEED))
    assert int(rows[-1]["modes_covered"]) == last["modes_covered"] >= 1
    assert float(rows[-1]["kl_to_uniform"]) == pytest.approx(last["kl_to_uniform"])
    assert (out / "plots" / "metrics.png").is_file() and not (out / "checkpoints/best.pt").exists()
