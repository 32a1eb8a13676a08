"""Build the networks, optimizers and steps that a config describes."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from gankit import choices
from gankit.config import Config, PerfConfig
from gankit.data import dataset_info
from gankit.fast import FastPath, resolve_perf
from gankit.losses import get_loss
from gankit.models import DISCRIMINATORS, GENERATORS, ImageShape, apply_spectral_norm
from gankit.training.distributed import World, average_gradients, rank_share
from gankit.training.ema import EMA
from gankit.training.optim import build_optimizer
from gankit.training.phases import generator_parameters
from gankit.training.steps import GANSteps


def num_classes(config: Config) -> int:
    """Classes a conditional model is told about; 0 for an unconditional one."""
    return len(dataset_info(config.data.dataset).classes) if config.model.conditional else 0


def image_shape(config: Config) -> ImageShape:
    """The dataset's images: what G makes."""
    return ImageShape(channels=dataset_info(config.data.dataset).channels)


def discriminator_image(config: Config) -> ImageShape:
    """What D takes: with PacGAN packing m, m images stacked along the channels."""
    image = image_shape(config)
    return ImageShape(image.channels * config.train.packing, image.height, image.width)


def build_generator(config: Config) -> nn.Module:
    m = config.model
    generator = GENERATORS[m.generator](
        m.z_dim,
        image_shape(config),
        width=m.g_width,
        batchnorm=m.batchnorm,
        num_classes=num_classes(config),
    )
    generator.z_dist = m.z_dist
    return generator


def build_discriminator(config: Config) -> nn.Module:
    m = config.model
    discriminator = DISCRIMINATORS[m.discriminator](
        discriminator_image(config),
        width=m.d_width,
        batchnorm=m.batchnorm,
        norm=m.d_norm,
        num_classes=num_classes(config),
        projection=m.d_conditioning == "projection",
    )
    return apply_spectral_norm(discriminator) if m.d_spectral_norm else discriminator


@dataclass
class GAN:
    generator: nn.Module
    discriminator: nn.Module
    steps: GANSteps
    ema: EMA | None

    @property
    def sampling_generator(self) -> nn.Module:
        """The network whose images are shown and scored: the averaged one when there is one."""
        return self.ema.model if self.ema is not None else self.generator


PROBE_MAX_BATCH = 512  # images per timed pass of the layout probe


def resolve_fast_path(
    config: Config, device: torch.device, previous: PerfConfig | None = None
) -> Config:
    """`config` with its `perf: auto` settings decided for this machine (see gankit.fast)."""

    def probe_inputs() -> dict[str, tuple[nn.Module, tuple[torch.Tensor, ...]]]:
        # Capped: a pass over a batch as large as the dataset would cost tens of GB and minutes
        # per candidate, before the trainer could say that the batch does not fit the data.
        # A pass takes one micro-batch of train.accumulate.
        batch = min(config.train.batch_size // config.train.accumulate, PROBE_MAX_BATCH)
        d_batch = 2 * batch if config.train.d_forward == "combined" else batch
        classes = num_classes(config)
        g, d = build_generator(config).to(device), build_discriminator(config).to(device)

        def labels(n: int) -> tuple[torch.Tensor, ...]:
            return (torch.randint(classes, (n,), device=device),) if classes else ()

        # D sees batches of packs under PacGAN packing: B / m inputs of m images each
        packs = d_batch // config.train.packing
        images = torch.randn(packs, *d.image.as_tuple(), device=device)
        return {
            "generator": (
                g,
                (torch.randn(batch, config.model.z_dim, device=device), *labels(batch)),
            ),
            "discriminator": (d, (images, *labels(d_batch))),
        }

    penalised = (
        choices.LOSSES[config.train.loss].needs_gradient_penalty or config.train.r1_gamma > 0
    )
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        perf = resolve_perf(
            config.perf, device, probe_inputs, previous, ("discriminator",) if penalised else ()
        )
    return config.model_copy(update={"perf": perf})


def build_gan(config: Config, device: torch.device, world: World | None = None) -> GAN:
    """The networks, optimizers and steps of a config (its `perf: auto` settings decided here
    when the caller has not: prepare_process decides them first, to record them). With
    `world`, those of one rank of a data-parallel run: steps that train on the rank's share of
    each batch, and optimizers that average the gradients over the ranks before they step."""
    if not config.perf.resolved:
        config = resolve_fast_path(config, device)
    torch.manual_seed(config.train.seed)  # same seed, same initial weights
    fast = FastPath.from_config(config.perf, device)
    generator = fast.prepare(build_generator(config).to(device), "generator")
    discriminator = fast.prepare(build_discriminator(config).to(device), "discriminator")
    o = config.optim
    g_params = generator_parameters(config.train, generator, discriminator)
    opt_g = build_optimizer(g_params, o.g, config.perf.optimizer)
    opt_d = build_optimizer(discriminator.parameters(), o.d, config.perf.optimizer)
    train = config.train
    if world is not None:
        train = rank_share(train, world)
        for optimizer in (opt_g, opt_d):
            optimizer.register_step_pre_hook(average_gradients)
    steps = GANSteps(
        generator,
        discriminator,
        opt_g,
        opt_d,
        get_loss(config.train.loss),
        train,
        g_decay=o.g.decay,
        d_decay=o.d.decay,
        fast=fast,
    )
    ema = EMA(generator, config.train.ema, config.train.ema_start) if config.train.ema else None
    return GAN(generator, discriminator, steps, ema)
