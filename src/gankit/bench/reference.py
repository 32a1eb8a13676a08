"""The plain eager PyTorch loop `gankit bench` measures gankit against.

It runs gankit's algorithm for a preset (the same model classes, hyper-parameters, batch size,
D updates per iteration and generator passes) written the textbook way: a DataLoader over the
dataset, fp32, the default memory format, torch.optim with its default implementation, no
compilation, and `.item()` on the losses every iteration. Like most hand-written loops, its G
step lets gradients flow into D's weights, which nothing uses: real extra work a naive loop
does, and one of the things gankit's step skips.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from gankit import choices
from gankit.choices import Implemented, LossSpec, OptimizerSpec
from gankit.config import Config, OptimizerConfig, TrainConfig
from gankit.errors import InputError
from gankit.training.build import build_discriminator, build_generator
from gankit.training.optim import build_decay


@dataclass
class ReferenceGAN:
    G: nn.Module
    D: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    sched_g: torch.optim.lr_scheduler.LRScheduler
    sched_d: torch.optim.lr_scheduler.LRScheduler
    ema: nn.Module | None
    cfg: TrainConfig


# The loop's own textbook computations of the declared losses and optimizers, independent of
# gankit.losses and training/optim.py (which they check). Each is registered under a declared
# name, so none can name a loss or optimizer that does not exist; a declared one without its
# plain computation here is refused by `unsupported`, not run as another.
PlainOptimizer = Callable[[Iterable[nn.Parameter], OptimizerConfig], torch.optim.Optimizer]
PLAIN_OPTIMIZERS: Implemented[OptimizerSpec, PlainOptimizer] = Implemented(choices.OPTIMIZERS)
PLAIN_OPTIMIZERS.register(
    "adam", lambda params, cfg: torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps)
)
PLAIN_OPTIMIZERS.register(
    "rmsprop",
    lambda params, cfg: torch.optim.RMSprop(params, lr=cfg.lr, alpha=cfg.rho, eps=cfg.eps),
)
PLAIN_OPTIMIZERS.register(
    "sgd", lambda params, cfg: torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)
)


@dataclass(frozen=True)
class PlainLoss:
    """D's loss of its real and generated logits (the gradient penalty, where the loss has one,
    is added by the loop), G's of its generated logits, and for a loss with separate halves,
    D's loss of a real batch alone and of a generated one alone."""

    d: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g: Callable[[torch.Tensor], torch.Tensor]
    d_real_only: Callable[[torch.Tensor], torch.Tensor] | None = None
    d_fake_only: Callable[[torch.Tensor], torch.Tensor] | None = None


_criterion = nn.BCEWithLogitsLoss()


def _labelled_real(logits: torch.Tensor) -> torch.Tensor:
    return _criterion(logits, torch.ones_like(logits))


def _labelled_fake(logits: torch.Tensor) -> torch.Tensor:
    return _criterion(logits, torch.zeros_like(logits))


def _d_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return (_labelled_real(real_logits) + _labelled_fake(fake_logits)) / 2


PLAIN_LOSSES: Implemented[LossSpec, PlainLoss] = Implemented(choices.LOSSES)
# non-saturating: fakes labelled real
PLAIN_LOSSES.register("bce", PlainLoss(_d_bce, _labelled_real, _labelled_real, _labelled_fake))
# minimax: G minimises log(1 - D(G(z)))
PLAIN_LOSSES.register(
    "minimax",
    PlainLoss(_d_bce, lambda fake: -_labelled_fake(fake), _labelled_real, _labelled_fake),
)
PLAIN_LOSSES.register(
    "hinge",
    PlainLoss(
        lambda real, fake: torch.relu(1 - real).mean() + torch.relu(1 + fake).mean(),
        lambda fake: -fake.mean(),
    ),
)
PLAIN_LOSSES.register(
    "wgan-gp", PlainLoss(lambda real, fake: fake.mean() - real.mean(), lambda fake: -fake.mean())
)
PLAIN_LOSSES.register(
    "lsgan",
    PlainLoss(
        lambda real, fake: 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean(),
        lambda fake: 0.5 * ((fake - 1) ** 2).mean(),
    ),
)


def unsupported(config: Config) -> str | None:
    """Why the reference loop cannot run `config`'s algorithm, or None when it can."""
    t = config.train
    if t.loss not in PLAIN_LOSSES:
        return f"has no plain computation of train.loss={t.loss}"
    if t.d_update == "real-then-fake" and PLAIN_LOSSES[t.loss].d_real_only is None:
        return f"has no plain halves of train.loss={t.loss} (train.d_update=real-then-fake)"
    for side, opt in (("g", config.optim.g), ("d", config.optim.d)):
        if opt.name not in PLAIN_OPTIMIZERS:
            return f"has no plain optim.{side}.name={opt.name}"
    if t.r1_gamma:
        return "has no R1 penalty (train.r1_gamma)"
    if t.diffaugment:
        return "has no DiffAugment (train.diffaugment)"
    if t.accumulate > 1:
        return "takes each update on the whole batch, not in micro-batches (train.accumulate)"
    return None


def build_reference(config: Config, device: torch.device) -> ReferenceGAN:
    reason = unsupported(config)
    if reason is not None:
        raise InputError(f"preset {config.name!r} cannot be benched: the reference loop {reason}")
    torch.manual_seed(config.train.seed)
    G = build_generator(config).to(device)
    D = build_discriminator(config).to(device)
    g_params = [*G.parameters()]
    if config.train.g_step_d == "trained":  # the combined model's optimizer steps D too
        g_params += [*D.parameters()]
    opt_g = PLAIN_OPTIMIZERS[config.optim.g.name](g_params, config.optim.g)
    opt_d = PLAIN_OPTIMIZERS[config.optim.d.name](D.parameters(), config.optim.d)
    return ReferenceGAN(
        G,
        D,
        opt_g,
        opt_d,
        # Keras-style decay is part of the algorithm, so the reference has it too.
        build_decay(opt_g, config.optim.g.decay),
        build_decay(opt_d, config.optim.d.decay),
        copy.deepcopy(G) if config.train.ema else None,
        config.train,
    )


def real_batches(
    images: torch.Tensor,
    batch_size: int,
    device: torch.device,
    labels: torch.Tensor | None = None,
) -> Iterator[torch.Tensor | tuple[torch.Tensor, torch.Tensor]]:
    """Endless shuffled batches from a DataLoader, one epoch after another; (images, labels)
    pairs when labels are given (a conditional model)."""
    tensors = (images,) if labels is None else (images, labels)
    loader = DataLoader(
        TensorDataset(*tensors), batch_size=batch_size, shuffle=True, drop_last=True
    )
    while True:
        for batch in loader:
            moved = [t.to(device) for t in batch]
            yield moved[0] if labels is None else (moved[0], moved[1])


def reference_iteration(
    gan: ReferenceGAN,
    next_real: Callable[[], torch.Tensor | tuple[torch.Tensor, torch.Tensor]],
    noise: Callable[[int], torch.Tensor],
    step: int | None = None,
) -> tuple[float, float]:
    """k D updates, then g G updates (and the EMA); returns the last D loss and the last G
    loss. `step`: the iteration this is, counted from 1, for train.ema_start (None: past it)."""
    G, d_net, cfg = gan.G, gan.D, gan.cfg
    loss = PLAIN_LOSSES[cfg.loss]
    classes = G.num_classes

    def D(images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """PacGAN: runs of `packing` consecutive images stacked along the channels."""
        n, c, h, w = images.shape
        return d_net(images.reshape(n // cfg.packing, cfg.packing * c, h, w), labels)

    def draw() -> tuple[torch.Tensor, torch.Tensor | None]:
        batch = next_real()
        return batch if isinstance(batch, tuple) else (batch, None)

    def fake_labels(n: int, device: torch.device) -> torch.Tensor | None:
        return torch.randint(classes, (n,), device=device) if classes else None

    real, y_real = draw()
    fake = y_fake = z_fake = None
    for k in range(cfg.d_steps):
        if k > 0 and not cfg.d_same_batch:
            real, y_real = draw()
        if fake is None or not cfg.d_same_batch:
            y_fake = fake_labels(len(real), real.device)
            z_fake = noise(len(real))
            with torch.no_grad():
                fake = G(z_fake, y_fake)
        if cfg.d_update == "real-then-fake":  # two updates, as Keras' two train_on_batch calls
            assert loss.d_real_only is not None and loss.d_fake_only is not None, "unsupported"
            halves = ((real, y_real, loss.d_real_only), (fake, y_fake, loss.d_fake_only))
            losses = []
            for images, labels, half in halves:
                logits = D(images, labels)
                half_loss = half(logits)
                gan.opt_d.zero_grad()
                half_loss.backward()
                gan.opt_d.step()
                gan.sched_d.step()
                losses.append(half_loss)
            d_loss = (losses[0] + losses[1]) / 2
            continue
        if cfg.d_forward == "combined":
            labels = None if y_real is None else torch.cat([y_real, y_fake])
            logits = D(torch.cat([real, fake]), labels)
            n_real = len(real) // cfg.packing
            real_logits, fake_logits = logits[:n_real], logits[n_real:]
        else:
            real_logits, fake_logits = D(real, y_real), D(fake, y_fake)
        d_loss = loss.d(real_logits, fake_logits)
        if choices.LOSSES[cfg.loss].needs_gradient_penalty:
            alpha = torch.rand(len(real), 1, 1, 1, device=real.device)
            mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
            (grad,) = torch.autograd.grad(D(mixed, y_real).sum(), mixed, create_graph=True)
            penalty = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            d_loss = d_loss + cfg.gp_weight * penalty
        gan.opt_d.zero_grad()
        d_loss.backward()
        gan.opt_d.step()
        gan.sched_d.step()

    g_batch = cfg.g_batch_size or cfg.batch_size
    for _ in range(cfg.g_steps):
        if cfg.g_noise == "d-step":  # DCGAN-tensorflow: the D step's batch_z again
            z_gen, y_gen = z_fake, y_fake
        else:
            y_gen = fake_labels(g_batch, real.device)
            z_gen = noise(g_batch)
        if cfg.g_step_d_bn == "running":  # a frozen Keras D: BatchNorm in inference mode
            for m in d_net.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        fake_logits = D(G(z_gen, y_gen), y_gen)
        d_net.train()
        g_loss = loss.g(fake_logits)
        gan.opt_g.zero_grad()
        g_loss.backward()
        gan.opt_g.step()
        gan.sched_g.step()

    if gan.ema is not None:
        decay = 0.0 if step is not None and step < cfg.ema_start else cfg.ema
        with torch.no_grad():
            for avg, p in zip(gan.ema.parameters(), G.parameters(), strict=True):
                avg.mul_(decay).add_(p, alpha=1 - decay)
            for avg, b in zip(gan.ema.buffers(), G.buffers(), strict=True):
                avg.copy_(b)
    return d_loss.item(), g_loss.item()
