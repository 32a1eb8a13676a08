"""gankit.losses: every loss and penalty against values computed by hand, from probabilities
(D = sigmoid(logit)) where the loss is a cross-entropy, so the logit algebra is checked too."""

from __future__ import annotations

import math

import pytest
import torch

from gankit.losses import LOSSES, gradient_penalty, r1_penalty

# logits whose probabilities are round: sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4, sigmoid(-ln 3) = 1/4
REAL = torch.tensor([0.0, math.log(3)])
FAKE = torch.tensor([0.0, -math.log(3)])
# raw scores for the losses that use no sigmoid
REAL_SCORES = torch.tensor([0.5, 2.0])
FAKE_SCORES = torch.tensor([-2.0, 0.5])


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


# D(x) = [1/2, 3/4] on real, D(G(z)) = [1/2, 1/4] on fake
D_ON_REAL = _mean([-math.log(1 / 2), -math.log(3 / 4)])  # -log D(x)
D_ON_FAKE = _mean([-math.log(1 - 1 / 2), -math.log(1 - 1 / 4)])  # -log(1 - D(G(z)))
D_BCE = 0.5 * (D_ON_REAL + D_ON_FAKE)
EXPECTED = {
    # name: (D loss, G loss, logits used)
    "bce": (D_BCE, _mean([-math.log(1 / 2), -math.log(1 / 4)]), "logits"),  # G: -log D(G(z))
    "minimax": (D_BCE, _mean([math.log(1 - 1 / 2), math.log(1 - 1 / 4)]), "logits"),  # log(1-D)
    # relu(1 - [0.5, 2]) = [0.5, 0]; relu(1 + [-2, 0.5]) = [0, 1.5]; G: -mean(fake)
    "hinge": (0.25 + 0.75, 0.75, "scores"),
    # critic: E[D(fake)] - E[D(real)] = -0.75 - 1.25; G: -E[D(fake)]
    "wgan-gp": (-2.0, 0.75, "scores"),
    # 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2] = 1/2 (0.25 + 1)/2 + 1/2 (4 + 0.25)/2;
    # G: 1/2 E[(D(G(z)) - 1)^2] = 1/2 (9 + 0.25)/2
    "lsgan": (0.3125 + 1.0625, 0.5 * (9 + 0.25) / 2, "scores"),
}


def test_every_loss_has_hand_computed_values() -> None:
    assert set(EXPECTED) == set(LOSSES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loss_matches_hand_computed_values(name: str) -> None:
    d_value, g_value, kind = EXPECTED[name]
    real, fake = (REAL, FAKE) if kind == "logits" else (REAL_SCORES, FAKE_SCORES)
    loss = LOSSES[name]
    assert loss.discriminator(real, fake).item() == pytest.approx(d_value, rel=1e-6)
    assert loss.generator(fake).item() == pytest.approx(g_value, rel=1e-6)


@pytest.mark.parametrize("name", ["bce", "minimax"])
def test_cross_entropy_halves_add_up_to_the_joint_loss(name: str) -> None:
    loss = LOSSES[name]
    assert loss.d_real_only is not None and loss.d_fake_only is not None
    assert loss.d_real_only(REAL).item() == pytest.approx(_mean([math.log(2), math.log(4 / 3)]))
    assert loss.d_fake_only(FAKE).item() == pytest.approx(_mean([math.log(2), math.log(4 / 3)]))
    joint = 0.5 * (loss.d_real_only(REAL) + loss.d_fake_only(FAKE))
    assert joint.item() == pytest.approx(loss.discriminator(REAL, FAKE).item())


def test_the_cross_entropy_losses_stay_finite_where_sigmoid_saturates() -> None:
    huge = torch.tensor([200.0])
    assert LOSSES["bce"].discriminator(huge, -huge).item() == pytest.approx(0.0, abs=1e-30)
    assert LOSSES["bce"].generator(-huge).item() == pytest.approx(200.0)  # -log sigmoid(-200)
    assert LOSSES["minimax"].generator(huge).item() == pytest.approx(-200.0)  # log(1 - D)


def test_gradient_penalty_of_a_linear_critic() -> None:
    # D(x) = <w, x> has gradient w everywhere: ||w|| = 3, so the penalty is (3 - 1)^2 = 4
    w = torch.full((1, 2, 2), 1.5)
    critic = lambda x: (x * w).flatten(1).sum(1)  # noqa: E731
    real, fake = torch.randn(5, 1, 2, 2), torch.randn(5, 1, 2, 2)
    assert gradient_penalty(critic, real, fake).item() == pytest.approx(4.0)


def test_r1_penalty_of_a_quadratic_critic() -> None:
    # D(x) = ||x||^2 has gradient 2x: ||2x||^2 is 4 * 4 for an image of ones, 0 for zeros
    critic = lambda x: x.flatten(1).pow(2).sum(1)  # noqa: E731
    real = torch.stack([torch.ones(1, 2, 2), torch.zeros(1, 2, 2)])
    assert r1_penalty(critic, real).item() == pytest.approx(8.0)
