"""Facts about the machine a result was measured on, for reports and benchmarks, and the few
process-wide settings that make training on it fast."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import platform
from pathlib import Path

import torch


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo where there is one (Linux)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_facts(device: str = "cpu") -> dict[str, str | int]:
    facts: dict[str, str | int] = {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count() or 0,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": device,
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        facts["gpu"] = torch.cuda.get_device_name()
    return facts


def describe_machine(device: str = "cpu") -> str:
    f = machine_facts(device)
    where = f.get("gpu", f"{f['cpu']}, {f['cpu_count']} cores, {f['torch_threads']} threads")
    return f"{where}, torch {f['torch']}"


def resolve_device(name: str) -> torch.device:
    """'auto' picks CUDA when PyTorch sees it; a CUDA device PyTorch cannot see is refused."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} asked for but PyTorch sees no CUDA device; use cpu")
    return torch.device(name)


# glibc mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


@functools.cache  # once per process: finding the C library runs a subprocess
def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse. By default it returns every block over
    its mmap threshold to the kernel on free, so each training step's large short-lived tensors
    (weight casts, activations, patches) come back as fresh pages, one page fault per 4 KiB:
    about 5,000 faults per liu2021-dcgan iteration, and 5 to 10% of its time on a 2-core CPU
    (docs/results/performance.md). Blocks up to 32 MiB (glibc's limit) now come from the heap,
    and up to 1 GiB of freed heap is kept. Returns False where the C library has no mallopt
    (not glibc), which changes nothing."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    )
