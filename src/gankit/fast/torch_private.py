"""Every private PyTorch API the fast path relies on, in one place, each guarded.

A torch release that drops one of these turns the optimisation built on it off (the plain path
computes the same thing) with one warning, instead of failing a run. So does any release but the
one they were checked on (TESTED_TORCH): a private API can keep its name and change what it
does, and pyproject.toml sets only a floor on torch.
"""

from __future__ import annotations

import functools
import re
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


TESTED_TORCH = (2, 13)  # major, minor


def _release(version: str) -> tuple[int, int] | None:
    """(major, minor) of a torch version string ('2.13.0+cpu'); None if it reads as neither."""
    found = re.match(r"(\d+)\.(\d+)", version)
    return (int(found[1]), int(found[2])) if found else None


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
    tested = ".".join(map(str, TESTED_TORCH))
    if _release(str(torch.__version__)) != TESTED_TORCH:
        why = f"is not {tested}, the release gankit's use of {name} was checked on"
    elif not present():
        why = f"lacks {name}"
    else:
        return True
    warnings.warn(
        f"this torch ({torch.__version__}) {why}; {feature} falls back to the plain path "
        f"(torch {tested} has it)",
        RuntimeWarning,
        stacklevel=2,
    )
    return False
