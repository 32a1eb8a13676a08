"""train.d_update=real-then-fake: D takes two plain SGD steps per iteration, first on the real
batch alone (label 1), then on the generated batch alone (label 0), as Keras code calling
train_on_batch once per half does; checked against the two steps written out by hand."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from gankit.config import ConfigError, load_config
from gankit.losses import get_loss
from gankit.training.build import build_gan

CPU = torch.device("cpu")


def test_real_then_fake_is_two_sgd_steps_in_order() -> None:
    config = load_config(
        # fp32 like the steps by hand: `auto` would pick bf16 on a CPU that has it
        "xiao2023-sgd",
        ["perf.device=cpu", "perf.amp=none", "train.batch_size=4", "optim.d.lr=0.5"],
    )
    gan = build_gan(config, CPU)
    torch.manual_seed(0)
    real, fake = torch.rand(4, 1, 28, 28) * 2 - 1, torch.rand(4, 1, 28, 28) * 2 - 1
    start = copy.deepcopy(gan.discriminator)
    by_hand = copy.deepcopy(gan.discriminator)
    for images, half in ((real, lambda x: F.softplus(-x)), (fake, F.softplus)):
        by_hand.zero_grad()
        half(by_hand(images)).mean().backward()
        with torch.no_grad():
            for p in by_hand.parameters():
                p -= 0.5 * p.grad
    loss = gan.steps.d_update(real, fake)
    for got, want in zip(gan.discriminator.parameters(), by_hand.parameters(), strict=True):
        assert torch.allclose(got, want, atol=1e-6)
    real_half = F.softplus(-start(real)).mean()
    fake_half = F.softplus(by_hand_mid(start, real)(fake)).mean()
    assert loss.item() == pytest.approx(0.5 * (real_half + fake_half).item(), rel=1e-5)
    # Both halves' gradients taken at the start (one step) land elsewhere: the fake half was
    # taken after the real step.
    start.zero_grad()
    (F.softplus(-start(real)).mean() + F.softplus(start(fake)).mean()).backward()
    one_step = [p - 0.5 * p.grad for p in start.parameters()]
    assert not all(
        torch.allclose(a, b, atol=1e-6)
        for a, b in zip(one_step, gan.discriminator.parameters(), strict=True)
    )


def by_hand_mid(start: torch.nn.Module, real: torch.Tensor) -> torch.nn.Module:
    """D after the real half's SGD step (lr 0.5) from `start`."""
    mid = copy.deepcopy(start)
    mid.zero_grad()
    F.softplus(-mid(real)).mean().backward()
    with torch.no_grad():
        for p in mid.parameters():
            p -= 0.5 * p.grad
    return mid


def test_real_then_fake_needs_a_loss_with_halves() -> None:
    with pytest.raises(ConfigError, match="halves"):  # refused before anything is built
        load_config("xiao2023-sgd", ["train.loss=hinge"])
    gan = build_gan(load_config("xiao2023-sgd", ["perf.device=cpu"]), CPU)
    gan.steps.loss = get_loss("hinge")  # the steps check too, for callers that build them
    with pytest.raises(ValueError, match="halves"):
        gan.steps.d_update(torch.zeros(16, 1, 28, 28), torch.zeros(16, 1, 28, 28))


def test_g_batch_size_sets_the_generator_batch() -> None:
    config = load_config("xiao2023-sgd", ["perf.device=cpu"])
    gan = build_gan(config, CPU)
    seen: list[int] = []
    generate = gan.steps.generate
    gan.steps.generate = lambda z, y=None: seen.append(len(z)) or generate(z, y)
    gan.steps.iteration(lambda: torch.zeros(16, 1, 28, 28))
    assert seen == [16, 32]  # the D step's fakes, then G's own batch
