"""An iteration as phases (training/phases.py): the schedules the config keys choose, gradient
accumulation over micro-batches checked against the whole batch's update in fp64, and a G loss
that sees the real images' logits (a relativistic loss), checked against the steps by hand."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from typing import NamedTuple

import pytest
import torch
import torch.nn.functional as F
from support import PLAIN_LAYOUT
from torch import nn

from gankit.choices import LossSpec
from gankit.config import ConfigError, load_config
from gankit.losses import GANLoss
from gankit.models import GENERATORS, ImageShape
from gankit.training.build import GAN, build_gan
from gankit.training.steps import GANSteps

CPU = torch.device("cpu")
PLAIN = ["perf.device=cpu", "perf.amp=none", *PLAIN_LAYOUT, "perf.optimizer=foreach"]
B = 8  # images per batch


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


def test_a_rank_builds_its_phases_on_its_share_of_the_batch() -> None:
    """Rank 1 of 2 (distributed.rank_share): D's batch and G's own batch halved, the rest of
    the config (here g_steps) as it is."""
    from gankit.training.distributed import World

    config = load_config("xiao2023-adam", [*PLAIN, "train.g_steps=3", "world_size=2"])
    assert (config.train.batch_size, config.train.g_batch_size) == (16, 32)
    steps = build_gan(config, CPU, World(1, 2)).steps
    assert (steps.cfg.batch_size, steps.cfg.g_batch_size) == (8, 16)
    assert steps.phases[1].repeat == 3
    assert steps.phases[1].inputs(0).z.shape == (16, config.model.z_dim)


# --- gradient accumulation -------------------------------------------------------------------

# BatchNorm-free and dropout-free networks (xiao2023-mlp; a LayerNorm dcgan D for labels), so
# that an image's loss depends on that image alone and micro-batches add up exactly.
ACCUMULATED = {
    "joint": [],
    "adam+combined+same_batch": [
        "optim.d.name=adam", "optim.g.name=adam", "train.d_forward=combined",
        "train.d_steps=2", "train.d_same_batch=true",
    ],
    "real-then-fake+g_batch": ["train.d_update=real-then-fake", f"train.g_batch_size={2 * B}"],
    "packing+hinge": ["train.packing=2", "train.loss=hinge"],
    "conditional+r1+trained_d": [
        "model.conditional=true", "model.discriminator=dcgan", "model.d_norm=layer",
        "model.d_width=4", "train.r1_gamma=2.0", "train.g_step_d=trained",
    ],
    "lsgan+d_step_noise": ["train.loss=lsgan", "train.g_steps=2", "train.g_noise=d-step"],
}  # fmt: skip


class Iteration(NamedTuple):
    before: dict[str, torch.Tensor]  # G's and D's weights before it
    after: dict[str, torch.Tensor]
    stats: dict[str, torch.Tensor]
    shown: list[int]  # the batch sizes D was shown, in order


def _one_iteration(switches: list[str], accumulate: int) -> Iteration:
    """One iteration of xiao2023-sgd-nobn from its seed on a fixed batch."""
    config = load_config(
        "xiao2023-sgd-nobn",
        [*PLAIN, f"train.batch_size={B}", f"train.accumulate={accumulate}", *switches],
    )
    gan = build_gan(config, CPU)
    shown: list[int] = []
    gan.discriminator.register_forward_pre_hook(lambda _m, args: shown.append(len(args[0])))
    torch.manual_seed(1)
    real = torch.rand(B, 1, 28, 28) * 2 - 1
    batch = (real, torch.randint(10, (B,))) if config.model.conditional else real
    before = _weights(gan)
    stats = gan.steps.iteration(lambda: batch, grad_norms=True)
    return Iteration(before, _weights(gan), stats, shown)


def _weights(gan: GAN) -> dict[str, torch.Tensor]:
    return {
        **{f"G.{k}": v.clone() for k, v in gan.generator.state_dict().items()},
        **{f"D.{k}": v.clone() for k, v in gan.discriminator.state_dict().items()},
    }


@pytest.mark.parametrize("case", ACCUMULATED)
def test_accumulated_micro_batches_give_the_whole_batch_update(case: str, fp64: None) -> None:
    whole = _one_iteration(ACCUMULATED[case], 1)
    split = _one_iteration(ACCUMULATED[case], 4)
    # D was shown a quarter of each batch it sees whole without accumulation, four times
    assert split.shown == [n // 4 for n in whole.shown for _ in range(4)]
    assert list(split.stats) == list(whole.stats)
    for key, value in whole.stats.items():
        assert split.stats[key].item() == pytest.approx(value.item(), rel=1e-12), key
    assert split.before.keys() == whole.before.keys()
    for name, value in whole.after.items():
        assert torch.equal(split.before[name], whole.before[name]), name
        # relative to the tensor's norm: Adam's first step, nearly lr * sign(grad), turns the
        # rounding of a gradient element that sums to nearly 0 into a larger weight difference
        assert (split.after[name] - value).norm() <= 1e-12 * value.norm(), name
    moved = [(whole.after[k] - whole.before[k]).abs().max().item() for k in whole.after]
    assert max(moved) > 1e-4  # the iteration did update the weights


def test_micro_batches_must_hold_whole_packs() -> None:
    with pytest.raises(ConfigError, match="train.accumulate=3 micro-batches"):
        load_config("dcgan", ["train.batch_size=64", "train.accumulate=3"])
    with pytest.raises(ConfigError, match="packs of 2: make it a multiple of 8"):
        load_config("stacked-pacgan2", ["train.batch_size=68", "train.accumulate=4"])
    with pytest.raises(ConfigError, match="train.g_batch_size 20"):
        load_config("xiao2023-sgd", ["train.accumulate=8", "train.g_batch_size=20"])
    assert load_config("stacked-pacgan2", ["train.accumulate=4"]).train.accumulate == 4


def test_each_rank_takes_whole_micro_batches() -> None:
    """A distributed run splits each rank's share of the batch (distributed.check_config)."""
    from gankit.training.distributed import World, check_config

    sets = ["world_size=2", "train.accumulate=4"]
    with pytest.raises(ConfigError, match="gives each of 2 ranks 10 images"):
        check_config(load_config("dcgan", [*sets, "train.batch_size=20"]), World(0, 2))
    check_config(load_config("dcgan", [*sets, "train.batch_size=16"]), World(0, 2))


def test_the_bench_reference_loop_refuses_micro_batches() -> None:
    from gankit.bench.reference import unsupported

    assert "train.accumulate" in (unsupported(load_config("dcgan", ["train.accumulate=2"])) or "")
    assert unsupported(load_config("dcgan")) is None


@pytest.mark.parametrize(
    ("preset", "warned"),
    [("dcgan", ["generator's BatchNorm", "discriminator's BatchNorm"]),
     ("sngan", ["generator's BatchNorm", "discriminator's spectral normalisation"]),
     ("xiao2023-sgd-nobn", [])],
)  # fmt: skip
def test_accumulation_warns_where_micro_batches_see_less_than_the_batch(
    preset: str, warned: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gankit.training.phases"):
        build_gan(load_config(preset, [*PLAIN, "train.accumulate=2"]), CPU)
        messages = [record.getMessage() for record in caplog.records]
        assert len(messages) == len(warned)
        assert all(f"accumulate=2: the {w}" in m for w, m in zip(warned, messages, strict=True))
        caplog.clear()
        build_gan(load_config(preset, PLAIN), CPU)  # one micro-batch: nothing to warn of
        assert caplog.records == []


# --- a G loss that sees real logits ------------------------------------------------------------


def _relativistic_d(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Relativistic average D loss (Jolicoeur-Martineau 2018)."""
    return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()


def _relativistic_g(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Its G side: the roles of real and generated images swapped."""
    return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()


RELATIVISTIC = GANLoss(
    LossSpec("relativistic-average", "relativistic average GAN", generator_sees_real=True),
    _relativistic_d,
    _relativistic_g,
)


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
    assert not LossSpec("plain", "a G loss of the fakes alone").generator_sees_real


def _copy(module: nn.Module) -> nn.Module:
    return copy.deepcopy(module)


def _sgd(module: nn.Module, lr: float) -> None:
    with torch.no_grad():
        for p in module.parameters():
            p -= lr * p.grad
            p.grad = None
