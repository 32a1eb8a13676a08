"""Every registered network maps the right shapes and refuses wrong ones clearly."""

from __future__ import annotations

import pytest
import torch

from gankit.models import DISCRIMINATORS, GENERATORS, ImageShape
from gankit.models.dcgan import (
    LiuDCGANDiscriminator,
    LiuDCGANGenerator,
    LiuThreeGroupGenerator,
)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_produce_images_in_tanh_range(name: str) -> None:
    g = GENERATORS[name](100, ImageShape())
    out = g(torch.randn(5, 100))
    assert out.shape == (5, 1, 28, 28)
    assert out.abs().max() <= 1.0


@pytest.mark.parametrize("name", sorted(DISCRIMINATORS))
def test_discriminators_give_one_logit_per_image(name: str) -> None:
    d = DISCRIMINATORS[name](ImageShape())
    assert d(torch.randn(5, 1, 28, 28)).shape == (5,)


def test_wrong_shapes_are_named() -> None:
    g = GENERATORS["dcgan"](64, ImageShape())
    with pytest.raises(
        ValueError, match=r"input noise: expected shape \(batch, 64\), got \(3, 100\)"
    ):
        g(torch.randn(3, 100))
    d = DISCRIMINATORS["liu2021-dcgan"](ImageShape())
    with pytest.raises(ValueError, match=r"input image: expected shape \(batch, 1, 28, 28\)"):
        d(torch.randn(3, 1, 32, 32))


def test_liu_dcgan_follows_the_paper_layer_by_layer() -> None:
    g, d = LiuDCGANGenerator(100, ImageShape()), LiuDCGANDiscriminator(ImageShape())
    convs = [m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [c.out_channels for c in convs] == [128, 64, 1]
    assert all(c.kernel_size == (5, 5) for c in convs)
    assert g.project[0].out_features == 7 * 7 * 256
    bns = [m for m in g.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert all(abs(b.momentum - 0.1) < 1e-9 and b.eps == 1e-3 for b in bns)  # Keras 0.9
    d_convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in d_convs] == [64, 128, 256, 512]
    assert all(c.stride == (2, 2) for c in d_convs)
    assert sum(isinstance(m, torch.nn.Dropout) and m.p == 0.3 for m in d.modules()) == 4


def test_liu_three_group_generator_upsamples_in_its_first_two_groups() -> None:
    g = LiuThreeGroupGenerator(100, ImageShape())
    shapes, hooks = [], []
    for m in g.modules():
        if isinstance(m, torch.nn.ConvTranspose2d):
            hooks.append(m.register_forward_hook(lambda _m, _i, out: shapes.append(out.shape)))
    g(torch.randn(2, 100))
    # 7x7 -> up -> 128 at 14x14 -> up -> 64 at 28x28 -> 32 at 28x28 -> the image
    assert [tuple(s[1:]) for s in shapes] == [
        (128, 14, 14),
        (64, 28, 28),
        (32, 28, 28),
        (1, 28, 28),
    ]
    bns = [m for m in g.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert len(bns) == 4 and all(abs(b.momentum - 0.1) < 1e-9 for b in bns)


def test_rnn_discriminator_reads_rows_in_order() -> None:
    d = DISCRIMINATORS["xiao2023-rnn"](ImageShape())
    x = torch.randn(2, 1, 28, 28)
    flipped = x.flip(2)  # same rows, reversed order: a sequence model must notice
    assert not torch.allclose(d(x), d(flipped))
    assert d.rnn.input_size == 28
