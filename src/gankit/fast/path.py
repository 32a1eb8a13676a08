"""How one run's networks execute, built from its resolved `perf` settings."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
from torch import nn

from gankit.config import PerfConfig
from gankit.fast.dropout import use_fast_dropout
from gankit.fast.gemm_conv import use_gemm_conv
from gankit.fast.subpixel import use_subpixel_conv
from gankit.fast.torch_private import available

AMP_DTYPES: dict[str, torch.dtype | None] = {"none": None, "bf16": torch.bfloat16}


def for_role(setting: str, role: str) -> bool:
    """Whether a per-network setting ("both", "generator", "discriminator", "none") covers
    `role`."""
    return setting in ("both", role)


@dataclass(frozen=True)
class FastPath:
    """Every field is one switch; the defaults are the plain path."""

    device_type: str = "cpu"
    amp_dtype: torch.dtype | None = None
    channels_last: str = "none"  # "both", "generator", "discriminator" or "none"
    gemm_conv: str = "none"  # the same choice of networks
    fast_dropout: bool = False
    compile: bool = False
    subpixel_conv: str = "none"  # the same choice of networks as channels_last

    @classmethod
    def from_config(cls, perf: PerfConfig, device: torch.device) -> FastPath:
        """`perf` must be resolved (no `auto` left): see gankit.fast.settings.resolve_perf."""
        if not perf.resolved:
            raise ValueError("perf settings must be resolved before building the fast path")
        cpu = device.type == "cpu"
        return cls(
            device.type,
            AMP_DTYPES[perf.amp],
            perf.channels_last,
            # Both work around slow CPU kernels (oneDNN convolutions, bernoulli_).
            perf.gemm_conv if cpu and available("torch.ops.aten.convolution_backward") else "none",
            cpu and perf.dropout == "fast",
            perf.compile,
            perf.subpixel_conv,
        )

    def prepare(self, module: nn.Module, role: str) -> nn.Module:
        """Ready the `role` network ("generator" or "discriminator") in place: each layer the
        switches name re-classed as its drop-in twin (same parameters, same law), and 4-D
        weights laid out NHWC where asked, so that its convolutions take channels-last kernels."""
        if self.fast_dropout:
            use_fast_dropout(module)
        # Before the GEMM swap, which then leaves the folded convolutions as they are.
        if for_role(self.subpixel_conv, role):
            use_subpixel_conv(module)
        if for_role(self.gemm_conv, role):
            use_gemm_conv(module)
        if for_role(self.channels_last, role):
            module.to(memory_format=torch.channels_last)
        return module

    def forward_fn(self, module: nn.Module) -> Callable[..., torch.Tensor]:
        """What the training steps call for a forward pass. A compiled wrapper shares the
        module's parameters, and checkpoints keep saving the module itself (no `_orig_mod.`)."""
        if not self.compile:
            return module
        # CUDA graphs remove the launch overhead that dominates these small networks on a GPU.
        mode = "reduce-overhead" if self.device_type == "cuda" else None
        return torch.compile(module, mode=mode, dynamic=False)

    def autocast(self) -> AbstractContextManager[object]:
        """Enter around one forward pass, never around an optimizer step: autocast caches each
        weight's low-precision copy until the context exits, so a context spanning several
        updates would keep computing with the weights as they were before the first one."""
        if self.amp_dtype is None:
            return nullcontext()
        return torch.autocast(self.device_type, dtype=self.amp_dtype)

    def begin_iteration(self) -> None:
        if self.compile and self.device_type == "cuda":
            # The last iteration's graph outputs are dead: their CUDA-graph memory may be reused.
            torch.compiler.cudagraph_mark_step_begin()
