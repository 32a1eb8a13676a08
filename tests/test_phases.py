"""An iteration as phases (training/phases.py): the schedules the config keys choose, and a G
loss that sees the real images' logits (a relativistic loss), checked against the steps by
hand in fp64."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gankit.config import load_config
from gankit.losses import GANLoss, d_bce
from gankit.models import GENERATORS, ImageShape
from gankit.training.build import build_gan
from gankit.training.steps import GANSteps

CPU = torch.device("cpu")
PLAIN = ["perf.device=cpu", "perf.amp=none", "perf.channels_last=none", "perf.gemm_conv=none",
         "perf.subpixel_conv=none", "perf.optimizer=foreach"]  # fmt: skip


@pytest.fixture
def fp64() -> Iterator[None]:
    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)


def test_the_default_gan_is_two_phases() -> None:
    gan = build_gan(load_config("dcgan", [*PLAIN, "train.d_steps=3", "train.g_steps=2"]), CPU)
    d, g = gan.steps.phases
    assert (d.name, d.module, d.optimizer, d.lr_schedule, d.repeat) == (
        "d", gan.discriminator, gan.steps.opt_d, gan.steps.sched_d, 3
    )  # fmt: skip
    assert (g.name, g.module, g.optimizer, g.lr_schedule, g.repeat) == (
        "g", gan.generator, gan.steps.opt_g, gan.steps.sched_g, 2
    )  # fmt: skip
    assert len(d.losses) == len(g.losses) == 1
    # Keras' real-then-fake D step: one phase of two updates in turn on one drawn batch
    halves = build_gan(load_config("xiao2023-sgd", PLAIN), CPU).steps.phases[0]
    assert [loss.__name__ for loss in halves.losses] == ["d_real_half_loss", "d_fake_half_loss"]


def test_a_changed_config_brings_its_phases() -> None:
    """A rank of a distributed run takes its share of the batch (distributed.distribute)."""
    gan = build_gan(load_config("dcgan", PLAIN), CPU)
    gan.steps.cfg = gan.steps.cfg.model_copy(update={"batch_size": 16, "g_steps": 3})
    assert gan.steps.phases[1].repeat == 3
    assert gan.steps.phases[1].inputs(0).z.shape == (16, 64)


# --- a G loss that sees real logits ------------------------------------------------------------


def _relativistic_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Relativistic average D loss (Jolicoeur-Martineau 2018)."""
    return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()


def _relativistic_g(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Its G side: the roles of real and generated images swapped."""
    return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()


RELATIVISTIC = GANLoss(_relativistic_d, _relativistic_g, generator_sees_real=True)


class _LinearD(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(28 * 28, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.lin(x.flatten(1)).squeeze(1)


def test_a_relativistic_g_loss_sees_the_real_batch_through_d(fp64: None) -> None:
    config = load_config("xiao2023-sgd-nobn", ["train.batch_size=4", "train.g_batch_size=6"])
    torch.manual_seed(0)
    g, d = GENERATORS["xiao2023-mlp"](8, ImageShape()), _LinearD()
    lr = 0.1
    opt_g, opt_d = torch.optim.SGD(g.parameters(), lr=lr), torch.optim.SGD(d.parameters(), lr=lr)
    steps = GANSteps(g, d, opt_g, opt_d, RELATIVISTIC, config.train)
    real = torch.rand(4, 1, 28, 28) * 2 - 1
    z_d, z_g = torch.randn(4, 8), torch.randn(6, 8)
    noises = iter([z_d, z_g])
    steps.noise = lambda n, device: next(noises)

    # by hand: D's SGD step on the relativistic loss, then G's through the stepped D
    g_hand, d_hand = _copy(g), _copy(d)
    with torch.no_grad():
        fake_d = g_hand(z_d)
    _relativistic_d(d_hand(real), d_hand(fake_d)).backward()
    _sgd(d_hand, lr)
    d_after = [p.detach().clone() for p in d_hand.parameters()]
    g_loss = _relativistic_g(d_hand(g_hand(z_g)), d_hand(real))
    g_loss.backward()
    _sgd(g_hand, lr)

    stats = steps.iteration(lambda: real)
    assert stats["g_loss"].item() == pytest.approx(g_loss.item(), rel=1e-12)
    for got, want in zip(g.parameters(), g_hand.parameters(), strict=True):
        assert torch.allclose(got, want, rtol=1e-12, atol=1e-15)
    # D was frozen in G's step: as D's own step left it
    assert all(
        torch.allclose(a, b, rtol=1e-12, atol=1e-15)
        for a, b in zip(d.parameters(), d_after, strict=True)
    )
    # a plain G loss takes the fakes' logits alone
    assert not GANLoss(d_bce, lambda fake: fake.mean()).generator_sees_real


def _copy(module: nn.Module) -> nn.Module:
    return copy.deepcopy(module)


def _sgd(module: nn.Module, lr: float) -> None:
    with torch.no_grad():
        for p in module.parameters():
            p -= lr * p.grad
            p.grad = None
