"""What the machine a run is on can do natively: the facts the fast path decides from."""

from __future__ import annotations

import functools
import platform
from pathlib import Path

import torch

from gankit.fast.torch_private import available

# /proc/cpuinfo flags of CPUs with bf16 arithmetic in hardware (x86 AVX-512 BF16 or AMX,
# Arm's BF16 extension).
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def cpu_capability() -> str:
    """ATen's vector instruction set for this CPU (AVX2, AVX512, ...)."""
    return torch.backends.cpu.get_cpu_capability()


@functools.cache
def cpu_flags() -> frozenset[str]:
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return frozenset()
    for line in cpuinfo.read_text().splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def cpu_native_bf16() -> tuple[bool, str]:
    """Whether this CPU computes bf16 in hardware, and the evidence."""
    if available("torch.cpu._is_avx512_bf16_supported"):
        amx, avx = torch.cpu._is_amx_tile_supported(), torch.cpu._is_avx512_bf16_supported()
        if amx or avx:
            return True, "AMX tiles" if amx else "AVX-512 BF16"
    found = sorted(BF16_CPU_FLAGS & cpu_flags())
    if found:
        return True, f"CPU flags {', '.join(found)}"
    return False, f"no AVX-512 BF16, AMX or Arm BF16 on this {platform.machine()} CPU"


def native_bf16(device: torch.device) -> tuple[bool, str]:
    """Whether bf16 autocast runs natively on `device`, and why (for the run's log)."""
    if device.type == "cuda":
        ok = torch.cuda.is_bf16_supported(including_emulation=False)
        return ok, f"{torch.cuda.get_device_name(device)} {'has' if ok else 'lacks'} bf16"
    return cpu_native_bf16()
