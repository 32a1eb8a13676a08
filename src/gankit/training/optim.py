"""Optimizers by name, with Keras-style time decay: lr_t = lr / (1 + decay * t)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim.lr_scheduler import LambdaLR

from gankit.config import OptimizerConfig


def build_optimizer(
    params: Iterable[torch.nn.Parameter], cfg: OptimizerConfig
) -> torch.optim.Optimizer:
    params = list(params)
    # foreach kernels update all tensors of a network in a few launches instead of one each.
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps, foreach=True)
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, alpha=cfg.rho, eps=cfg.eps, foreach=True)
    if cfg.name == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, foreach=True)
    raise ValueError(f"unknown optimizer {cfg.name!r}; choose one of: adam, rmsprop, sgd")


def build_decay(optimizer: torch.optim.Optimizer, decay: float) -> LambdaLR:
    """Keras' `decay` argument: the rate shrinks with the optimizer's own update count."""
    return LambdaLR(optimizer, lambda t: 1.0 / (1.0 + decay * t))
