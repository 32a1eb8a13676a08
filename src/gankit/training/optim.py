"""Optimizers by name (each declared in gankit/choices/optimizers.py, built by the builder
registered under its name), with Keras-style time decay: lr_t = lr / (1 + decay * t)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.optim.lr_scheduler import LambdaLR

from gankit import choices
from gankit.choices import Implemented, OptimizerSpec
from gankit.config import OptimizerConfig
from gankit.fast.adam import FlatViewAdam
from gankit.fast.torch_private import available

# Builds an optimizer for the parameters from its optim.g / optim.d config and perf.optimizer.
OptimizerBuilder = Callable[[list[torch.nn.Parameter], OptimizerConfig, str], torch.optim.Optimizer]
BUILDERS: Implemented[OptimizerSpec, OptimizerBuilder] = Implemented(choices.OPTIMIZERS)


def build_optimizer(
    params: Iterable[torch.nn.Parameter], cfg: OptimizerConfig, kernels: str = "fused-flat"
) -> torch.optim.Optimizer:
    """`kernels` is perf.optimizer: fused-flat, fused or foreach (all the same update)."""
    opt = BUILDERS[cfg.name](list(params), cfg, kernels)
    opt.register_load_state_dict_post_hook(_match_parameter_layouts)
    return opt


@BUILDERS.registering("adam")
def _adam(
    params: list[torch.nn.Parameter], cfg: OptimizerConfig, kernels: str
) -> torch.optim.Optimizer:
    flat = kernels == "fused-flat" and available("torch.optim.Adam._init_group")
    adam = FlatViewAdam if flat else torch.optim.Adam
    return _kernels(kernels)(adam, params, lr=cfg.lr, betas=cfg.betas, eps=cfg.eps)


@BUILDERS.registering("sgd")
def _sgd(
    params: list[torch.nn.Parameter], cfg: OptimizerConfig, kernels: str
) -> torch.optim.Optimizer:
    return _kernels(kernels)(torch.optim.SGD, params, lr=cfg.lr, momentum=cfg.momentum)


@BUILDERS.registering("rmsprop")
def _rmsprop(
    params: list[torch.nn.Parameter], cfg: OptimizerConfig, kernels: str
) -> torch.optim.Optimizer:
    return torch.optim.RMSprop(params, lr=cfg.lr, alpha=cfg.rho, eps=cfg.eps, foreach=True)


def _kernels(kernels: str) -> Callable[..., torch.optim.Optimizer]:
    """perf.optimizer's kernels: fused ones update every weight in one pass over memory instead
    of one pass per arithmetic op (Adam and SGD have them on CPU and CUDA; RMSprop has foreach
    kernels only, so its builder asks for those whatever perf.optimizer says)."""
    return _foreach if kernels == "foreach" else _fused


def _fused(
    cls: type[torch.optim.Optimizer], params: list[torch.nn.Parameter], **hyper: Any
) -> torch.optim.Optimizer:
    try:
        return cls(params, fused=True, **hyper)
    except RuntimeError:  # a device without fused kernels (CPU before torch 2.4)
        return _foreach(cls, params, **hyper)


def _foreach(
    cls: type[torch.optim.Optimizer], params: list[torch.nn.Parameter], **hyper: Any
) -> torch.optim.Optimizer:
    return cls(params, foreach=True, **hyper)


def _match_parameter_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Give loaded state tensors their parameter's memory layout. Fused kernels walk parameter,
    gradient and state as flat memory, so moments saved by a run with another layout (say,
    without channels_last) would be applied to the wrong elements, silently."""
    for group in optimizer.param_groups:
        for param in group["params"]:
            state = optimizer.state.get(param, {})
            for key, value in state.items():
                if (
                    torch.is_tensor(value)
                    and value.shape == param.shape
                    and value.stride() != param.stride()
                ):
                    state[key] = torch.empty_like(param, dtype=value.dtype).copy_(value)


def build_decay(optimizer: torch.optim.Optimizer, decay: float) -> LambdaLR:
    """Keras' `decay` argument: the rate shrinks with the optimizer's own update count."""
    return LambdaLR(optimizer, lambda t: 1.0 / (1.0 + decay * t))
