"""Facts about the machine a result was measured on, for reports and benchmarks, and the device
a run trains on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import torch

from gankit.errors import GankitError

CPUINFO = Path("/proc/cpuinfo")


class DeviceError(GankitError, RuntimeError):
    """A device was asked for that this machine's PyTorch cannot use; the message says which
    to use instead."""


def _first_cpu_fields() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo; empty where there is none (not Linux)."""
    if not CPUINFO.exists():
        return {}
    fields: dict[str, str] = {}
    for line in CPUINFO.read_text().splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo where there is one (Linux)."""
    return _first_cpu_fields().get("model name") or platform.processor() or platform.machine()


def cpu_id() -> str:
    """Vendor, family, model and stepping: what tells CPU generations apart where a VM's
    marketing name does not (two generations both reported as 'AMD EPYC'); '' if unknown."""
    fields = _first_cpu_fields()
    if "cpu family" not in fields:
        return ""
    return (
        f"{fields.get('vendor_id', '?')} family {fields['cpu family']} "
        f"model {fields.get('model', '?')} stepping {fields.get('stepping', '?')}"
    )


def available_cores() -> list[int]:
    """The CPU cores this process may run on: its affinity where the OS keeps one (Linux),
    else every core (macOS and Windows have no sched_getaffinity)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def machine_facts(device: str = "cpu") -> dict[str, str | int]:
    facts: dict[str, str | int] = {
        "cpu": cpu_model(),
        "cpu_id": cpu_id(),
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
        why = "a CPU-only build" if torch.version.cuda is None else "a CUDA build that finds no GPU"
        raise DeviceError(
            f"device {name!r} asked for, but PyTorch sees no CUDA device (torch "
            f"{torch.__version__}, {why}); use --device cpu, or --device auto to take a GPU "
            "when there is one"
        )
    return torch.device(name)
