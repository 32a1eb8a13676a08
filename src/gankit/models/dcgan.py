"""Convolutional GANs: Liu et al. 2021's "improved DCGAN" and a Radford-style DCGAN for 28x28."""

from __future__ import annotations

import torch
from torch import nn

from gankit.errors import InputError
from gankit.models.base import Discriminator, Generator
from gankit.models.layers import init_dcgan_weights, keras_batchnorm1d, keras_batchnorm2d
from gankit.models.projection import ProjectionHead
from gankit.models.registry import ImageShape, register_discriminator, register_generator


def _require_28x28(image: ImageShape, model: str) -> None:
    # These stacks upsample 7 -> 14 -> 28; other sizes need a different stack, not a silent crop.
    if (image.height, image.width) != (28, 28):
        raise ValueError(f"{model} is built for 28x28 images, got {image.height}x{image.width}")


class LiuDCGANGenerator(Generator):
    """Liu 2021: Dense(7*7*256) -> BN -> ReLU -> ConvT(128) -> BN -> ReLU -> Up x2 ->
    ConvT(64) -> BN -> ReLU -> Up x2 -> ConvT(C) -> tanh; 5x5 kernels, 'same' padding.
    Keras BN momentum 0.9, eps 1e-3."""

    def __init__(self, z_dim: int, image: ImageShape, num_classes: int = 0) -> None:
        super().__init__(z_dim, image, num_classes)
        _require_28x28(image, "liu2021-dcgan")
        self.project = nn.Sequential(
            nn.Linear(self.input_dim, 7 * 7 * 256), keras_batchnorm1d(7 * 7 * 256, 0.9), nn.ReLU()
        )
        self.convs = nn.Sequential(
            nn.ConvTranspose2d(256, 128, 5, padding=2),
            keras_batchnorm2d(128, 0.9),
            nn.ReLU(),
            nn.Upsample(scale_factor=2),
            nn.ConvTranspose2d(128, 64, 5, padding=2),
            keras_batchnorm2d(64, 0.9),
            nn.ReLU(),
            nn.Upsample(scale_factor=2),
            nn.ConvTranspose2d(64, image.channels, 5, padding=2),
            nn.Tanh(),
        )

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.convs(self.project(z).view(-1, 256, 7, 7))


class LiuThreeGroupGenerator(Generator):
    """Liu 2021 read with its "three groups" of upsampling, Conv2DTranspose and BatchNorm (the
    layout of Rowel Atienza's Keras dcgan_mnist.py, whose decays and momentum Liu's match):
    Dense(7*7*256) -> BN -> ReLU -> [Up x2 -> ConvT(128) -> BN -> ReLU] -> [Up x2 ->
    ConvT(64) -> BN -> ReLU] -> [ConvT(32) -> BN -> ReLU] -> ConvT(C) -> tanh; 5x5 kernels,
    'same' padding, Keras BN momentum 0.9, eps 1e-3."""

    def __init__(self, z_dim: int, image: ImageShape, num_classes: int = 0) -> None:
        super().__init__(z_dim, image, num_classes)
        _require_28x28(image, "liu2021-dcgan-3groups")
        self.project = nn.Sequential(
            nn.Linear(self.input_dim, 7 * 7 * 256), keras_batchnorm1d(7 * 7 * 256, 0.9), nn.ReLU()
        )
        layers: list[nn.Module] = []
        channels = 256
        for out, upsample in ((128, True), (64, True), (32, False)):
            if upsample:
                layers.append(nn.Upsample(scale_factor=2))
            layers += [
                nn.ConvTranspose2d(channels, out, 5, padding=2),
                keras_batchnorm2d(out, 0.9),
                nn.ReLU(),
            ]
            channels = out
        layers += [nn.ConvTranspose2d(channels, image.channels, 5, padding=2), nn.Tanh()]
        self.convs = nn.Sequential(*layers)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.convs(self.project(z).view(-1, 256, 7, 7))


class LiuDCGANDiscriminator(Discriminator):
    """Liu 2021: 4 x [Conv 5x5 stride 2 'same' (64/128/256/512) -> LeakyReLU(0.2) -> BN ->
    Dropout(0.3)] -> flatten -> linear (28 -> 14 -> 7 -> 4 -> 2)."""

    def __init__(self, image: ImageShape, num_classes: int = 0) -> None:
        super().__init__(image, num_classes)
        _require_28x28(image, "liu2021-dcgan")
        layers: list[nn.Module] = []
        channels = self.input_channels
        for out in (64, 128, 256, 512):
            layers += [
                nn.Conv2d(channels, out, 5, stride=2, padding=2),
                nn.LeakyReLU(0.2),
                keras_batchnorm2d(out, 0.9),
                nn.Dropout(0.3),
            ]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(512 * 2 * 2, 1)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))


class RadfordGenerator(Generator):
    """Radford et al. 2015 rules at 28x28: z -> ConvT 7x7 (4w) -> ConvT stride 2 (2w, 14x14)
    -> ConvT stride 2 (C, 28x28) -> tanh; BN and ReLU in every hidden layer, no pooling."""

    def __init__(
        self, z_dim: int, image: ImageShape, width: int = 64, num_classes: int = 0
    ) -> None:
        super().__init__(z_dim, image, num_classes)
        _require_28x28(image, "dcgan")
        self.net = nn.Sequential(
            nn.ConvTranspose2d(self.input_dim, 4 * width, 7, bias=False),
            nn.BatchNorm2d(4 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(4 * width, 2 * width, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * width),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, image.channels, 4, stride=2, padding=1),
            nn.Tanh(),
        )
        init_dcgan_weights(self)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


def _norm2d(kind: str, channels: int, size: int) -> nn.Module:
    """BatchNorm (Radford), LayerNorm (WGAN-GP: its penalty is per sample, so the critic must
    not mix samples through batch statistics) or nothing."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.LayerNorm([channels, size, size])
    if kind == "none":
        return nn.Identity()
    raise InputError(f"unknown norm {kind!r}; choose one of: batch, layer, none")


class RadfordDiscriminator(Discriminator):
    """Strided convs with LeakyReLU(0.2), a norm on every layer but the first, no fully
    connected hidden layers: 28 -> 14 (w) -> 7 (2w) -> 7x7 conv to one logit. With a
    projection head, phi(x) is the flattened 7x7 map and psi the linear map the 7x7 conv is."""

    def __init__(
        self,
        image: ImageShape,
        width: int = 64,
        norm: str = "batch",
        num_classes: int = 0,
        projection: bool = False,
    ) -> None:
        super().__init__(image, num_classes, projection)
        _require_28x28(image, "dcgan")
        trunk = [
            nn.Conv2d(self.input_channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=norm == "none"),
            _norm2d(norm, 2 * width, 7),
            nn.LeakyReLU(0.2),
        ]
        if self.projection:
            self.net = nn.Sequential(*trunk, nn.Flatten())
            self.head = ProjectionHead(2 * width * 7 * 7, num_classes)
        else:
            self.net = nn.Sequential(*trunk, nn.Conv2d(2 * width, 1, 7))
        init_dcgan_weights(self)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten(1)

    def projected_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@register_generator("liu2021-dcgan")
def liu_dcgan_generator(
    z_dim: int, image: ImageShape, num_classes: int = 0, **_: object
) -> Generator:
    return LiuDCGANGenerator(z_dim, image, num_classes)


@register_generator("liu2021-dcgan-3groups")
def liu_three_group_generator(
    z_dim: int, image: ImageShape, num_classes: int = 0, **_: object
) -> Generator:
    return LiuThreeGroupGenerator(z_dim, image, num_classes)


@register_discriminator("liu2021-dcgan")
def liu_dcgan_discriminator(image: ImageShape, num_classes: int = 0, **_: object):
    return LiuDCGANDiscriminator(image, num_classes)


@register_generator("dcgan")
def radford_generator(
    z_dim: int, image: ImageShape, width: int = 64, num_classes: int = 0, **_: object
) -> Generator:
    return RadfordGenerator(z_dim, image, width, num_classes)


@register_discriminator("dcgan")
def radford_discriminator(
    image: ImageShape,
    width: int = 64,
    norm: str = "batch",
    num_classes: int = 0,
    projection: bool = False,
    **_: object,
) -> Discriminator:
    return RadfordDiscriminator(image, width, norm, num_classes, projection)
