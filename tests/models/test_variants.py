"""The variants beyond the papers: WGAN-GP and the conditional GAN."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from support import PLAIN_LAYOUT, set_args

from gankit.cli import main
from gankit.losses import d_hinge, d_wasserstein, g_wasserstein, gradient_penalty
from gankit.models import DISCRIMINATORS, GENERATORS, ImageShape


def test_gradient_penalty_of_a_linear_critic_is_exact() -> None:
    # D(x) = <w, x> has gradient w everywhere, so the penalty is (||w|| - 1)^2 exactly,
    # whatever the interpolation points are; 3 channels of 5x7 check it is shape-agnostic.
    w = torch.randn(3, 5, 7, dtype=torch.float64)

    def critic(x: torch.Tensor) -> torch.Tensor:
        return (x * w).flatten(1).sum(1)

    real, fake = (
        torch.randn(4, 3, 5, 7, dtype=torch.float64),
        torch.randn(4, 3, 5, 7, dtype=torch.float64),
    )
    expected = (w.norm() - 1) ** 2
    assert torch.allclose(gradient_penalty(critic, real, fake), expected)


def test_wasserstein_and_hinge_losses_match_their_formulas() -> None:
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.5, 0.25])
    assert d_wasserstein(real, fake).item() == pytest.approx((-1.5 + 0.25) / 2 - (2.0 + 0.5) / 2)
    assert g_wasserstein(fake).item() == pytest.approx(-(-1.5 + 0.25) / 2)
    # hinge: mean(relu(1 - real)) + mean(relu(1 + fake)) = (0 + 0.5)/2 + (0 + 1.25)/2
    assert d_hinge(real, fake).item() == pytest.approx(0.875)


@pytest.mark.parametrize("name", ["dcgan", "liu2021-dcgan", "xiao2023-mlp", "liu2021-mlp"])
def test_conditional_generator_depends_on_the_label(name: str) -> None:
    g = GENERATORS[name](16, ImageShape(), num_classes=10).eval()
    z = torch.randn(1, 16).repeat(2, 1)
    out = g(z, torch.tensor([3, 7]))
    assert not torch.allclose(out[0], out[1])
    with pytest.raises(ValueError, match="conditional on 10 classes; pass labels"):
        g(z)
    with pytest.raises(ValueError, match="labels must be int64 of shape"):
        g(z, torch.tensor([1.0, 2.0]))


def test_conditional_discriminator_and_unconditional_refusal() -> None:
    d = DISCRIMINATORS["xiao2023-rnn"](ImageShape(), num_classes=10)
    x = torch.randn(1, 1, 28, 28).repeat(2, 1, 1, 1)
    scores = d(x, torch.tensor([0, 9]))
    assert scores.shape == (2,) and scores[0] != scores[1]
    with pytest.raises(ValueError, match="unconditional; it takes no labels"):
        DISCRIMINATORS["dcgan"](ImageShape())(x, torch.tensor([0, 1]))


# Batches of 8 and no periodic evaluation: what these runs train is not the question.
TINY = ("train.batch_size=8", "log.eval_every=0")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.integration
def test_conditional_run_samples_by_label_and_is_scored_on_its_labels(tmp_path: Path) -> None:
    from gankit.runs import evaluate_run

    run = tmp_path / "cgan"
    code, output = _invoke("train", "dcgan", "--out", str(run), "--iterations", "2", "--no-eval",
                           "--quiet", *set_args(*PLAIN_LAYOUT, *TINY))  # fmt: skip
    assert code == 0, output
    png = tmp_path / "three.png"
    assert _invoke("sample", str(run), "--n", "8", "--label", "3", "--out", str(png))[0] == 0
    assert png.is_file()
    code, output = _invoke("sample", str(run), "--n", "8", "--label", "10", "--out", str(png))
    assert code == 2 and "--label must be in 0..9" in output
    metrics = evaluate_run(run, n_samples=200)
    assert 0.0 <= metrics["label_accuracy"] <= 1.0
    assert metrics["reference"]["label_accuracy"] > 0.99  # the classifier on real test digits


@pytest.mark.integration
def test_wgan_gp_trains_with_a_layernorm_critic(tmp_path: Path) -> None:
    run = tmp_path / "wgan"
    code, output = _invoke("train", "wgan-gp", "--out", str(run), "--iterations", "2", "--no-eval",
                           "--quiet", *set_args(*PLAIN_LAYOUT, *TINY))  # fmt: skip
    assert code == 0, output
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert not any("running_mean" in k for k in state["discriminator"])  # no batch statistics
