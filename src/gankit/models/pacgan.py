"""The DCGAN of PacGAN's Stacked MNIST experiments (Lin et al. 2018, Table 2, the "VEEGAN
setting"), as the authors' TensorFlow code builds it (fjxmlzn/PacGAN,
stacked_MNIST_experiments/VEEGAN_experiment, on carpedm20's DCGAN-tensorflow):

G: linear z -> 2x2x(8w), BN, ReLU; transposed convolutions 5x5 stride 2, 8w -> 4w -> 2w -> w
-> C at 2 -> 4 -> 7 -> 14 -> 28, with BN and ReLU after each but the last, which ends in tanh.
D: convolutions 5x5 stride 2, C*m -> w -> 2w -> 4w -> 8w at 28 -> 14 -> 7 -> 4 -> 2, LeakyReLU
0.2, BN after all but the first; linear 2x2x(8w) -> 1 logit. w = 64 in the paper (gf_dim,
df_dim), model.g_width and model.d_width here.

Padding is TensorFlow's 'SAME', reproduced exactly: a stride-2 convolution of an N-pixel input
gives ceil(N / 2) pixels and pads the odd pixel of an uneven total after (bottom, right), where
PyTorch's padding is symmetric; a transposed convolution is the adjoint of the convolution from
its output size (what tf.nn.conv2d_transpose computes), so it crops that way too. BN is
tf.contrib.layers.batch_norm's: decay 0.9 (PyTorch momentum 0.1), eps 1e-5, scale 1 and
offset 0 at the start, normalising over channels (the 2x2 map after the linear layer as well).
Weights start as the code's initialisers: D's convolutions truncated normal (stddev 0.02,
redrawn beyond two), the transposed convolutions and linear layers normal (0.02); biases 0.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit.models.base import Discriminator, Generator
from gankit.models.registry import ImageShape, register_discriminator, register_generator

KERNEL, STRIDE = 5, 2
SIZES = (28, 14, 7, 4, 2)  # the spatial sizes of both networks, image to smallest map
STDDEV = 0.02


def same_size(size: int, stride: int = STRIDE) -> int:
    """TensorFlow 'SAME': the output of a strided convolution covers ceil(size / stride)."""
    return -(-size // stride)


def same_padding(size: int, kernel: int = KERNEL, stride: int = STRIDE) -> tuple[int, int]:
    """The (before, after) padding TensorFlow's 'SAME' gives a `size`-pixel input: the odd
    pixel of an uneven total goes after."""
    total = max((same_size(size, stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Module):
    """tf.nn.conv2d(padding='SAME'), 5x5 stride 2, for a `size`-pixel square input."""

    def __init__(self, in_channels: int, out_channels: int, size: int) -> None:
        super().__init__()
        before, after = same_padding(size)
        self.padding = (before, after, before, after)  # F.pad's order: left, right, top, bottom
        self.conv = nn.Conv2d(in_channels, out_channels, KERNEL, STRIDE)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, self.padding))


class SameConvTranspose2d(nn.Module):
    """tf.nn.conv2d_transpose(padding='SAME'), 5x5 stride 2, to a `size`-pixel square output:
    the full transposed convolution cropped by the padding SameConv2d gives that size, `before`
    rows and columns at the start (PyTorch's padding) and the odd one at the end."""

    def __init__(self, in_channels: int, out_channels: int, size: int) -> None:
        super().__init__()
        before, _ = same_padding(size)
        self.size = size
        self.deconv = nn.ConvTranspose2d(in_channels, out_channels, KERNEL, STRIDE, before)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deconv(x)[..., : self.size, : self.size]


def _require_28x28(image: ImageShape) -> None:
    if (image.height, image.width) != (SIZES[0], SIZES[0]):
        raise ValueError(f"pacgan2018 is built for 28x28 images, got {image.height}x{image.width}")


class PacGANGenerator(Generator):
    def __init__(
        self, z_dim: int, image: ImageShape, width: int = 64, num_classes: int = 0
    ) -> None:
        super().__init__(z_dim, image, num_classes)
        _require_28x28(image)
        self.width = width
        self.project = nn.Linear(self.input_dim, 8 * width * SIZES[-1] ** 2)
        self.project_norm = nn.BatchNorm2d(8 * width)
        layers: list[nn.Module] = []
        channels = (8 * width, 4 * width, 2 * width, width)
        for c_in, c_out, size in zip(channels[:-1], channels[1:], SIZES[-2:0:-1], strict=True):
            layers += [SameConvTranspose2d(c_in, c_out, size), nn.BatchNorm2d(c_out), nn.ReLU()]
        layers += [SameConvTranspose2d(width, image.channels, SIZES[0]), nn.Tanh()]
        self.convs = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, STDDEV)
                nn.init.zeros_(m.bias)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(-1, 8 * self.width, SIZES[-1], SIZES[-1])
        return self.convs(F.relu(self.project_norm(h)))


class PacGANDiscriminator(Discriminator):
    def __init__(self, image: ImageShape, width: int = 64, num_classes: int = 0) -> None:
        super().__init__(image, num_classes)
        _require_28x28(image)
        layers: list[nn.Module] = []
        channels = (self.input_channels, width, 2 * width, 4 * width, 8 * width)
        for c_in, c_out, size in zip(channels[:-1], channels[1:], SIZES[:-1], strict=True):
            layers.append(SameConv2d(c_in, c_out, size))
            if size < SIZES[0]:  # BN on every layer but the first
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.LeakyReLU(0.2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(8 * width * SIZES[-1] ** 2, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.trunc_normal_(m.weight, 0.0, STDDEV, -2 * STDDEV, 2 * STDDEV)
                nn.init.zeros_(m.bias)
        nn.init.normal_(self.head.weight, 0.0, STDDEV)
        nn.init.zeros_(self.head.bias)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))


@register_generator("pacgan2018")
def pacgan_generator(
    z_dim: int, image: ImageShape, width: int = 64, num_classes: int = 0, **_: object
) -> Generator:
    return PacGANGenerator(z_dim, image, width, num_classes)


@register_discriminator("pacgan2018")
def pacgan_discriminator(
    image: ImageShape, width: int = 64, num_classes: int = 0, **_: object
) -> Discriminator:
    return PacGANDiscriminator(image, width, num_classes)
