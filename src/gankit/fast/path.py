"""The fast path: how the networks run (memory layout, autocast precision, compilation), never
what the training algorithm does. docs/results/performance.md has what each setting measured."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import torch
from torch import nn

from gankit.config import PerfConfig
from gankit.training.dropout import use_fast_dropout
from gankit.training.gemm_conv import use_gemm_conv

AMP_DTYPES: dict[str, torch.dtype | None] = {"none": None, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class FastPath:
    device_type: str = "cpu"
    amp_dtype: torch.dtype | None = None
    channels_last: str = "none"  # "both", "generator", "discriminator" or "none"
    compile: bool = False

    @classmethod
    def from_config(cls, perf: PerfConfig, device: torch.device) -> FastPath:
        return cls(device.type, AMP_DTYPES[perf.amp], perf.channels_last, perf.compile)

    def prepare(self, module: nn.Module, role: str) -> nn.Module:
        """Ready the `role` network ("generator" or "discriminator") in place. On the CPU:
        dropout masks drawn the fast way (same law) and, under bf16 autocast, convolution weight
        gradients as one GEMM (same sum). When asked: 4-D weights laid out as NHWC, so that its
        convolutions take the channels-last kernels."""
        if self.device_type == "cpu":  # both work around slow CPU kernels (bernoulli_, oneDNN)
            use_fast_dropout(module)
            if self.amp_dtype is not None:
                use_gemm_conv(module)
        if self.channels_last in ("both", role):
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
