"""Facts about the machine a result was measured on, for reports and benchmarks, and the few
process-wide settings that make training on it fast."""

from __future__ import annotations

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
        "capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
        "torch": str(torch.__version__),  # a TorchVersion would not load with weights_only
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
