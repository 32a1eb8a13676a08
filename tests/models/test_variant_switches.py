"""The variant switches beyond the papers, each checked against what it should compute:
spectral normalisation, LSGAN, R1, DiffAugment, the projection discriminator, PacGAN packing."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gankit.config import ConfigError, load_config
from gankit.losses import LOSSES, d_least_squares, g_least_squares, r1_penalty
from gankit.models import DISCRIMINATORS, GENERATORS, ImageShape
from gankit.training.augment import (
    cutout,
    cutout_size,
    diff_augment,
    random_cutout,
    random_translation,
    translate,
)
from gankit.training.build import build_discriminator
from gankit.training.steps import GANSteps, pack

# --- losses ------------------------------------------------------------------------------


def test_least_squares_losses_match_hand_computed_values() -> None:
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-1.5, 0.25])
    # D: 1/2 mean((D(x) - 1)^2) + 1/2 mean(D(G(z))^2) = 1/2 (1 + 0.25)/2 + 1/2 (2.25 + 0.0625)/2
    assert d_least_squares(real, fake).item() == pytest.approx(0.890625)
    # G: 1/2 mean((D(G(z)) - 1)^2) = 1/2 (6.25 + 0.5625)/2
    assert g_least_squares(fake).item() == pytest.approx(1.703125)
    assert LOSSES["lsgan"].discriminator is d_least_squares
    # the optimum of the D loss for one real and one fake score is D = 1 and D = 0
    assert d_least_squares(torch.ones(3), torch.zeros(3)).item() == 0.0


def test_r1_penalty_of_linear_and_quadratic_critics_is_exact() -> None:
    w = torch.randn(3, 5, 7, dtype=torch.float64)
    real = torch.randn(4, 3, 5, 7, dtype=torch.float64)
    # D(x) = <w, x>: the gradient is w at every x, so E||grad||^2 = ||w||^2
    linear = r1_penalty(lambda x: (x * w).flatten(1).sum(1), real)
    assert torch.allclose(linear, w.pow(2).sum())
    # D(x) = ||x||^2 / 2: the gradient is x, so the penalty is the mean of ||x_i||^2
    quadratic = r1_penalty(lambda x: 0.5 * x.flatten(1).pow(2).sum(1), real)
    assert torch.allclose(quadratic, real.flatten(1).pow(2).sum(1).mean())
    # a critic scoring packs of 2 has one gradient per pack: its squared norm spans both images
    packed = r1_penalty(lambda x: 0.5 * pack(x, 2).flatten(1).pow(2).sum(1), real)
    assert torch.allclose(packed, real.pow(2).sum() / 2)


class _LinearD(nn.Module):
    """D(x) = <w, x> + b over 1x28x28 images; unconditional."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(28 * 28, 1, dtype=torch.float64)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.lin(x.flatten(1)).squeeze(1)


def _steps(discriminator: nn.Module, **train: object) -> GANSteps:
    config = load_config("dcgan-uncond", [f"train.{k}={v}" for k, v in train.items()])
    g = GENERATORS["dcgan"](8, ImageShape(), width=4)
    return GANSteps(
        g,
        discriminator,
        torch.optim.SGD(g.parameters(), lr=0.1),
        torch.optim.SGD(discriminator.parameters(), lr=0.1),
        LOSSES[config.train.loss],
        config.train,
    )


def test_r1_is_added_to_the_d_loss_and_its_gradient() -> None:
    torch.manual_seed(0)
    d = _LinearD()
    steps = _steps(d, r1_gamma=4.0, loss="wgan-gp", gp_weight=0.0)
    real = torch.randn(6, 1, 28, 28, dtype=torch.float64)
    fake = torch.randn(6, 1, 28, 28, dtype=torch.float64)
    w, b = d.lin.weight.detach().clone(), d.lin.bias.detach().clone()
    loss = steps.d_update(real, fake)
    # Wasserstein critic loss plus gamma/2 ||w||^2 (the linear critic's R1)
    critic = (fake.flatten(1) @ w.T).mean() - (real.flatten(1) @ w.T).mean()
    assert loss.item() == pytest.approx((critic + 2.0 * w.pow(2).sum()).item())
    # one SGD step of lr 0.1 on that loss: the penalty's gradient gamma * w is in the update
    grad_w = fake.flatten(1).mean(0) - real.flatten(1).mean(0) + 4.0 * w[0]
    assert torch.allclose(d.lin.weight[0], w[0] - 0.1 * grad_w)
    assert torch.allclose(d.lin.bias, b)  # the bias cancels in the critic loss


# --- spectral normalisation --------------------------------------------------------------


def test_spectral_norm_makes_every_d_weight_of_largest_singular_value_one() -> None:
    config = load_config("dcgan", ["model.d_spectral_norm=true", "model.d_conditioning=projection"])
    torch.manual_seed(0)
    d = build_discriminator(config).train()
    x, y = torch.randn(2, 1, 28, 28), torch.randint(10, (2,))
    for _ in range(100):  # each training-mode forward runs one power iteration
        d(x, y)
    layers = [m for m in d.modules() if hasattr(m, "parametrizations")]
    assert {type(m).__mro__[1] for m in layers} == {nn.Conv2d, nn.Linear, nn.Embedding}
    d.eval()  # read the normalised weights without another power iteration
    for layer in layers:
        original = layer.parametrizations.weight.original
        weight = layer.weight
        sigma = torch.linalg.matrix_norm(weight.reshape(len(weight), -1), ord=2)
        raw_sigma = torch.linalg.matrix_norm(original.reshape(len(original), -1), ord=2)
        # power iteration approaches the largest singular value from below: W / sigma_est >= 1
        assert 1 - 1e-4 < sigma.item() < 1.01, type(layer).__name__
        assert abs(raw_sigma.item() - 1.0) > 0.1  # the unnormalised weight is not already there


# --- DiffAugment ---------------------------------------------------------------------------


def _shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Reference: out[i, j] = x[i - dy, j - dx], zero outside, by explicit loops."""
    out = torch.zeros_like(x)
    h, w = x.shape[-2:]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[..., i, j] = x[..., i - dy, j - dx]
    return out


def test_translation_moves_content_by_the_offsets_with_zero_fill() -> None:
    x = torch.rand(3, 2, 9, 9) + 1  # no zeros of its own
    shifts = torch.tensor([[2, -3], [0, 0], [-4, 1]])
    out = translate(x, shifts)
    for b, (dy, dx) in enumerate(shifts.tolist()):
        assert torch.equal(out[b], _shifted(x[b], dy, dx))


def test_random_translation_draws_shifts_of_at_most_an_eighth() -> None:
    torch.manual_seed(0)
    x = torch.rand(32, 1, 28, 28) + 1
    out = random_translation(x)
    grid = torch.tensor([(dy, dx) for dy in range(-4, 5) for dx in range(-4, 5)])
    seen = set()
    for b in range(len(x)):
        candidates = translate(x[b : b + 1].expand(len(grid), -1, -1, -1), grid)
        matches = (candidates == out[b]).flatten(1).all(1).nonzero().flatten()
        assert len(matches) == 1  # every output is exactly one translation of at most 4 pixels
        seen.add(int(matches[0]))
    assert len(seen) > 15  # and the shifts vary from image to image


def test_cutout_zeroes_a_square_of_the_stated_size() -> None:
    x = torch.rand(2, 3, 28, 28) + 1
    out = cutout(x, torch.tensor([[5, 8], [-3, 20]]), 14)
    zero = out[:, 0] == 0
    assert torch.equal(zero[0].nonzero().min(0).values, torch.tensor([5, 8]))
    assert zero[0].sum() == 14 * 14 and zero[0, 5:19, 8:22].all()
    # a square partly outside the image keeps only its inside part: rows 0..10, cols 20..27
    assert zero[1].sum() == 11 * 8 and zero[1, :11, 20:].all()
    assert torch.equal(out[~zero[:, None].expand_as(out)], x[~zero[:, None].expand_as(x)])
    assert (out == 0).all(1).eq(zero).all()  # every channel is cut alike

    torch.manual_seed(1)
    drawn = random_cutout(torch.rand(200, 1, 28, 28) + 1)[:, 0] == 0
    sizes = drawn.sum((1, 2))
    assert cutout_size(28) == 14 and sizes.max() == 14 * 14 and sizes.min() > 0


def test_augmentations_pass_gradients_through() -> None:
    x = torch.rand(4, 1, 28, 28, requires_grad=True)
    torch.manual_seed(2)
    out = diff_augment(x, ["translation", "cutout"])
    out.sum().backward()
    # d(sum out)/dx is 1 exactly where an input pixel survived into the output, else 0
    kept = torch.zeros_like(x)
    torch.manual_seed(2)
    marker = diff_augment(torch.arange(1.0, 4 * 28 * 28 + 1).view_as(x), ["translation", "cutout"])
    kept.view(-1)[marker[marker > 0].long() - 1] = 1
    assert torch.equal(x.grad, kept)
    assert 0 < kept.mean() < 1


class _Recorder(nn.Module):
    """A D that remembers what it was shown."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(()))
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return self.w * x.flatten(1).sum(1)


def test_diffaugment_and_packing_apply_to_real_and_fake_in_both_steps() -> None:
    d = _Recorder()
    steps = _steps(d, diffaugment="[cutout]", packing=2)
    steps.iteration(lambda: -torch.ones(64, 1, 28, 28))  # all background: -1 everywhere
    real, fake, g_fake = d.seen  # separate D passes: real, fake, then the G step
    for images in (real, fake, g_fake):
        assert images.shape == (32, 2, 28, 28)  # 64 images as 32 packs of 2
        # a cutout square of zeros in every image of every pack (generated pixels are never 0)
        zeros = (images == 0).flatten(2).sum(2)
        assert (zeros > 0).all() and (zeros <= 14 * 14).all()


# --- the projection discriminator --------------------------------------------------------


def test_projection_discriminator_is_psi_plus_the_class_embedding_inner_product() -> None:
    torch.manual_seed(0)
    d = DISCRIMINATORS["dcgan"](ImageShape(), width=8, num_classes=10, projection=True).eval()
    assert d.net[0].in_channels == 1  # the class is not fed as input planes
    x, y = torch.randn(5, 1, 28, 28), torch.tensor([0, 3, 3, 9, 4])
    phi = d.projected_features(x)
    assert phi.shape == (5, 16 * 7 * 7)
    psi_w, psi_b = d.head.psi.weight[0], d.head.psi.bias[0]
    embed = d.head.embed.weight
    expected = torch.stack(
        [sum(phi[i, k] * (psi_w[k] + embed[y[i], k]) for k in range(phi.shape[1])) + psi_b
         for i in range(5)]
    )  # fmt: skip
    assert torch.allclose(d(x, y), expected, atol=1e-5)
    # the label moves the logit by exactly <embed(y1) - embed(y2), phi(x)>
    delta = d(x, torch.full((5,), 7)) - d(x, torch.full((5,), 2))
    assert torch.allclose(delta, phi @ (embed[7] - embed[2]), atol=1e-5)


# --- config ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model.d_conditioning=projection", "model.conditional=false"], "needs conditional"),
        (["model.d_conditioning=projection", "model.discriminator=xiao2023-rnn"], "feature trunk"),
        (["train.packing=2"], "needs an unconditional model"),
        (["model.conditional=false", "train.packing=2", "train.loss=wgan-gp"], "wgan-gp"),
        (["model.conditional=false", "train.packing=3"], "multiple of packing"),
        (["train.diffaugment=[flip]"], "translation"),
    ],
)
def test_variant_switches_are_refused_where_they_do_not_apply(
    overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config("dcgan", overrides)


@pytest.mark.parametrize(
    ("preset", "loss", "sn"), [("sngan", "hinge", True), ("lsgan", "lsgan", False)]
)
def test_named_recipes(preset: str, loss: str, sn: bool) -> None:
    config = load_config(preset)
    assert (config.train.loss, config.model.d_spectral_norm) == (loss, sn)
    assert not config.model.conditional
