"""Every private PyTorch API the fast path relies on, in one place, each guarded.

A torch release that drops or changes one of these turns the optimisation built on it off (the
plain path computes the same thing) with one warning, instead of failing a run. pyproject.toml
pins the torch range these were tested with.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import torch


def _adam_init_group() -> bool:
    # FlatViewAdam overrides Adam._init_group, which builds the fused kernel's tensor lists.
    return callable(getattr(torch.optim.Adam, "_init_group", None))


def _convolution_backward() -> bool:
    # GemmConv2d computes the native input gradient of large maps with this op.
    return hasattr(torch.ops.aten, "convolution_backward")


def _cpu_bf16_queries() -> bool:
    # torch.cpu's instruction-set queries tell native bf16 from emulated.
    return all(
        callable(getattr(torch.cpu, name, None))
        for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    )


PRIVATE_APIS: dict[str, tuple[Callable[[], bool], str]] = {
    "torch.optim.Adam._init_group": (_adam_init_group, "the flat-view fused Adam"),
    "torch.ops.aten.convolution_backward": (_convolution_backward, "the GEMM convolutions"),
    "torch.cpu._is_avx512_bf16_supported": (
        _cpu_bf16_queries,
        "torch's bf16 queries (the CPU flags in /proc/cpuinfo are read instead)",
    ),
}


@functools.cache
def available(name: str) -> bool:
    """Whether the private API `name` is there; warns once per process when it is not."""
    present, feature = PRIVATE_APIS[name]
    if present():
        return True
    warnings.warn(
        f"this torch ({torch.__version__}) lacks {name}; {feature} falls back to the plain path",
        RuntimeWarning,
        stacklevel=2,
    )
    return False
