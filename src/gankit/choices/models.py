"""Every generator and discriminator model.generator and model.discriminator choose, declared
once with the model.* keys it reads (every one reads z_dim and conditional) and what it can do;
a module of gankit/models/ builds each, registered under the same name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gankit.choices.registry import Choice, Declared


@dataclass(frozen=True)
class GeneratorSpec(Choice):
    # the model.* keys only some generators read (a factory takes them as width= and batchnorm=)
    OPTIONS: ClassVar[tuple[str, ...]] = ("g_width", "batchnorm")


@dataclass(frozen=True)
class DiscriminatorSpec(Choice):
    # the model.* keys only some discriminators read (width=, batchnorm=, norm=)
    OPTIONS: ClassVar[tuple[str, ...]] = ("d_width", "batchnorm", "d_norm")

    # a feature trunk phi(x) that a projection head reads: model.d_conditioning=projection
    projection: bool = False


GENERATORS: Declared[GeneratorSpec] = Declared("generator")
DISCRIMINATORS: Declared[DiscriminatorSpec] = Declared("discriminator")

# fmt: off
GENERATORS.declare(GeneratorSpec("liu2021-dcgan",
    "Liu et al. 2021's improved DCGAN (Keras layers, upsampling between transposed convs)"))
GENERATORS.declare(GeneratorSpec("liu2021-dcgan-3groups",
    "Liu et al. 2021's DCGAN read with three groups of upsampling, conv and BatchNorm"))
GENERATORS.declare(GeneratorSpec("dcgan",
    "Radford et al. 2015 rules at 28x28, base width model.g_width", reads=("g_width",)))
GENERATORS.declare(GeneratorSpec("liu2021-mlp",
    "Liu et al. 2021's fully connected baseline (Dense 256/512/1024, BatchNorm)"))
GENERATORS.declare(GeneratorSpec("xiao2023-mlp",
    "Xiao 2023's fully connected generator, BatchNorm by model.batchnorm", reads=("batchnorm",)))
GENERATORS.declare(GeneratorSpec("pacgan2018",
    "PacGAN's DCGAN (Lin et al. 2018), TensorFlow 'SAME' padding, base width model.g_width",
    reads=("g_width",)))

DISCRIMINATORS.declare(DiscriminatorSpec("liu2021-dcgan",
    "Liu et al. 2021's four strided convs with BatchNorm and dropout"))
DISCRIMINATORS.declare(DiscriminatorSpec("dcgan",
    "Radford et al. 2015 rules at 28x28, base width model.d_width, norm model.d_norm",
    reads=("d_width", "d_norm"), projection=True))
DISCRIMINATORS.declare(DiscriminatorSpec("liu2021-mlp",
    "Liu et al. 2021's fully connected baseline (Dense 512/256)"))
DISCRIMINATORS.declare(DiscriminatorSpec("xiao2023-mlp",
    "Xiao 2023's fully connected discriminator, BatchNorm by model.batchnorm",
    reads=("batchnorm",)))
DISCRIMINATORS.declare(DiscriminatorSpec("pacgan2018",
    "PacGAN's DCGAN (Lin et al. 2018), TensorFlow 'SAME' padding, base width model.d_width",
    reads=("d_width",)))
DISCRIMINATORS.declare(DiscriminatorSpec("xiao2023-rnn",
    "Xiao 2023's RNN reading the image rows, hidden width model.d_width", reads=("d_width",)))
# fmt: on
