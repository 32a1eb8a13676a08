"""PacGAN's Stacked MNIST DCGAN (Lin et al. 2018, Table 2), as the authors' TensorFlow code
builds it: layer sizes and parameter counts, TensorFlow's 'SAME' padding, the initialisers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gankit.config import load_config
from gankit.models import DISCRIMINATORS, GENERATORS, ImageShape
from gankit.models.pacgan import SameConv2d, SameConvTranspose2d, same_padding
from gankit.training.build import build_discriminator, build_generator

RGB = ImageShape(3)


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _sizes(module: nn.Module, x: torch.Tensor, kind: type[nn.Module]) -> list[int]:
    """The spatial size after each `kind` layer of a forward pass."""
    sizes: list[int] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: sizes.append(out.shape[-1]))
        for m in module.modules()
        if isinstance(m, kind)
    ]
    module(x)
    for hook in hooks:
        hook.remove()
    return sizes


def test_the_networks_have_the_protocols_sizes_and_parameter_counts() -> None:
    g, d = GENERATORS["pacgan2018"](100, RGB), DISCRIMINATORS["pacgan2018"](RGB)
    # G: linear 100 -> 2048 (+ bias), BN(512), deconvs 512-256-128-64-3 (+ biases), 3 BNs
    linear = 100 * 2048 + 2048
    deconvs = sum(25 * a * b + b for a, b in ((512, 256), (256, 128), (128, 64), (64, 3)))
    norms = 2 * (512 + 256 + 128 + 64)
    assert _count(g) == linear + deconvs + norms == 4_514_819
    # D: convs 3-64-128-256-512 (+ biases), BN on the last three, linear 2048 -> 1
    convs = sum(25 * a * b + b for a, b in ((3, 64), (64, 128), (128, 256), (256, 512)))
    assert _count(d) == convs + 2 * (128 + 256 + 512) + 2049 == 4_310_401
    z = torch.rand(4, 100) * 2 - 1
    assert _sizes(g, z, SameConvTranspose2d) == [4, 7, 14, 28]
    fake = g(z)
    assert fake.shape == (4, 3, 28, 28) and fake.abs().max() <= 1
    assert _sizes(d, fake, SameConv2d) == [14, 7, 4, 2]
    assert d(fake).shape == (4,)
    # packing m: only D's first convolution sees 3m channels
    packed = DISCRIMINATORS["pacgan2018"](ImageShape(6))
    assert _count(packed) - _count(d) == 25 * 3 * 64


def test_widths_and_packing_come_from_the_config() -> None:
    config = load_config(
        "stacked-dcgan",
        ["model.generator=pacgan2018", "model.discriminator=pacgan2018", "model.g_width=32",
         "model.d_width=16", "train.packing=4"],
    )  # fmt: skip
    g, d = build_generator(config), build_discriminator(config)
    assert g.project.out_features == 8 * 32 * 4
    assert d.features[0].conv.in_channels == 12 and d.head.in_features == 8 * 16 * 4


def test_same_padding_puts_the_odd_pixel_after() -> None:
    # TensorFlow: out = ceil(n / 2), padding (total // 2, the rest); 7 pads evenly
    assert [same_padding(n) for n in (28, 14, 7, 4)] == [(1, 2), (1, 2), (2, 2), (1, 2)]
    conv = SameConv2d(1, 1, 28)
    with torch.no_grad():
        conv.conv.weight.copy_(torch.arange(25.0).view(1, 1, 5, 5))
        conv.conv.bias.zero_()
    x = torch.zeros(1, 1, 28, 28)
    x[0, 0, 0, 0] = x[0, 0, 27, 27] = 1
    y = conv(x)[0, 0]
    assert y.shape == (14, 14)
    # one padded row above: input row 0 meets kernel row 1 at output 0 (symmetric padding 2,
    # PyTorch's, would give kernel row 2); input row 27 meets kernel row 2 at output 13
    assert y[0, 0] == 1 * 5 + 1 and y[13, 13] == 2 * 5 + 2


@pytest.mark.parametrize("size", [4, 7, 14, 28])
def test_the_transposed_convolution_is_the_adjoint_of_the_convolution(size: int) -> None:
    """tf.nn.conv2d_transpose is the gradient of tf.nn.conv2d: <conv(y), x> = <deconv(x), y>
    for the same kernel, with the output size the convolution's input has."""
    torch.manual_seed(size)
    conv, deconv = SameConv2d(3, 5, size), SameConvTranspose2d(5, 3, size)
    with torch.no_grad():
        deconv.deconv.weight.copy_(conv.conv.weight)
        conv.conv.bias.zero_()
        deconv.deconv.bias.zero_()
    y = torch.randn(2, 3, size, size, dtype=torch.float64)
    x = torch.randn(2, 5, -(-size // 2), -(-size // 2), dtype=torch.float64)
    conv.double(), deconv.double()
    assert deconv(x).shape == y.shape
    assert (conv(y) * x).sum().item() == pytest.approx((deconv(x) * y).sum().item(), rel=1e-12)


def test_weights_start_as_the_tensorflow_initialisers() -> None:
    torch.manual_seed(0)
    g, d = GENERATORS["pacgan2018"](100, RGB), DISCRIMINATORS["pacgan2018"](RGB)
    convs = [m.conv.weight for m in d.modules() if isinstance(m, SameConv2d)]
    assert all(w.abs().max() <= 0.04 for w in convs)  # truncated at two standard deviations
    big = convs[-1]  # 3.3M draws: the truncated normal's sd is 0.88 of 0.02
    assert big.std().item() == pytest.approx(0.02 * 0.8796, rel=0.01)
    deconv = g.convs[0].deconv.weight
    assert deconv.std().item() == pytest.approx(0.02, rel=0.01) and deconv.abs().max() > 0.06
    assert g.project.weight.std().item() == pytest.approx(0.02, rel=0.02)
    biases = [m.bias for m in [*g.modules(), *d.modules()] if isinstance(m, (nn.Linear,
              nn.Conv2d, nn.ConvTranspose2d))]  # fmt: skip
    assert all(torch.all(b == 0) for b in biases)
    norms = [m for m in [*g.modules(), *d.modules()] if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 4 + 3
    # tf.contrib.layers.batch_norm: decay 0.9 is PyTorch's momentum 0.1; eps 1e-5; scale 1
    assert all(m.momentum == 0.1 and m.eps == 1e-5 for m in norms)
    assert all(torch.all(m.weight == 1) and torch.all(m.bias == 0) for m in norms)
