"""Fully connected GANs: Liu et al. 2021's baseline and Xiao 2023's plain GAN."""

from __future__ import annotations

import torch
from torch import nn

from gankit.models.base import Discriminator, Generator
from gankit.models.layers import keras_batchnorm1d
from gankit.models.registry import ImageShape, register_discriminator, register_generator


class MLPGenerator(Generator):
    """z -> [Dense -> LeakyReLU(0.2) (-> BN)] x len(hidden) -> Dense -> tanh.

    `bn_after_activation` keeps Liu 2021's Keras order (Dense, LeakyReLU, BN); the usual
    order (Dense, BN, activation) is used otherwise.
    """

    def __init__(
        self,
        z_dim: int,
        image: ImageShape,
        hidden: tuple[int, ...] = (256, 512, 1024),
        batchnorm: bool = False,
        bn_after_activation: bool = False,
        keras_bn_momentum: float = 0.99,
        num_classes: int = 0,
    ) -> None:
        super().__init__(z_dim, image, num_classes)
        layers: list[nn.Module] = []
        width = self.input_dim
        for h in hidden:
            layers.append(nn.Linear(width, h))
            bn = [keras_batchnorm1d(h, keras_bn_momentum)] if batchnorm else []
            act = [nn.LeakyReLU(0.2)]
            layers.extend(act + bn if bn_after_activation else bn + act)
            width = h
        layers += [nn.Linear(width, image.numel), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *self.image.as_tuple())


class MLPDiscriminator(Discriminator):
    """flatten -> [Dense -> (BN ->) LeakyReLU(0.2)] x len(hidden) -> Dense(1)."""

    def __init__(
        self,
        image: ImageShape,
        hidden: tuple[int, ...] = (512, 256),
        batchnorm: bool = False,
        num_classes: int = 0,
    ) -> None:
        super().__init__(image, num_classes)
        layers: list[nn.Module] = [nn.Flatten()]
        width = self.input_channels * image.height * image.width
        for h in hidden:
            layers.append(nn.Linear(width, h))
            if batchnorm:
                layers.append(keras_batchnorm1d(h))
            layers.append(nn.LeakyReLU(0.2))
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@register_generator("liu2021-mlp")
def liu_mlp_generator(z_dim: int, image: ImageShape, num_classes: int = 0, **_: object):
    """Liu 2021 Table 2: Dense 256/512/1024, each LeakyReLU(0.2) then BN (Keras momentum 0.8)."""
    return MLPGenerator(
        z_dim,
        image,
        batchnorm=True,
        bn_after_activation=True,
        keras_bn_momentum=0.8,
        num_classes=num_classes,
    )


@register_discriminator("liu2021-mlp")
def liu_mlp_discriminator(image: ImageShape, num_classes: int = 0, **_: object):
    """Liu 2021 Table 2: Dense 512 -> LeakyReLU -> Dense 256 -> LeakyReLU -> Dense 1."""
    return MLPDiscriminator(image, num_classes=num_classes)


@register_generator("xiao2023-mlp")
def xiao_mlp_generator(
    z_dim: int, image: ImageShape, batchnorm: bool = False, num_classes: int = 0, **_: object
) -> Generator:
    """Xiao 2023's plain GAN generator: Dense 256/512/1024 with LeakyReLU(0.2), optional BN."""
    return MLPGenerator(z_dim, image, batchnorm=batchnorm, num_classes=num_classes)


@register_discriminator("xiao2023-mlp")
def xiao_mlp_discriminator(
    image: ImageShape, batchnorm: bool = False, num_classes: int = 0, **_: object
) -> Discriminator:
    """Xiao 2023's plain GAN discriminator: Dense 512/256 with LeakyReLU(0.2), optional BN."""
    return MLPDiscriminator(image, batchnorm=batchnorm, num_classes=num_classes)
