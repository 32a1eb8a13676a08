"""A short measured probe: which memory layout and convolution kernels train a network fastest
on this machine. Results are cached per machine, so a run pays for its probe once; a probe
timed while other work kept every core busy decides only its own run and is not cached, so
that a verdict skewed by the load does not stick."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gankit.data.locate import user_cache_dir
from gankit.fast.capability import cpu_capability
from gankit.fast.gemm_conv import supports_gemm_conv
from gankit.fast.path import FastPath
from gankit.fast.subpixel import foldable_pairs
from gankit.fileio import atomic_write_text
from gankit.machine import available_cores, cpu_id, cpu_model

CACHE_VERSION = 1
WARMUP_PASSES = 1
TIMED_ROUNDS = 3


@dataclass(frozen=True)
class Layout:
    channels_last: bool
    gemm_conv: bool
    subpixel_conv: bool = False

    @property
    def name(self) -> str:
        gemm = " + GEMM conv" if self.gemm_conv else ""
        subpixel = " + sub-pixel" if self.subpixel_conv else ""
        return f"{'NHWC' if self.channels_last else 'NCHW'}{gemm}{subpixel}"


@dataclass(frozen=True)
class ProbeResult:
    best: Layout
    ms_per_pass: dict[str, float]  # Layout.name -> median milliseconds of one training pass
    cached: bool
    busy_note: str = ""  # set when the machine was busy and the result was not cached
    input_penalty: bool = False  # the pass included a gradient penalty on the input

    def describe(self) -> str:
        timings = ", ".join(f"{name} {ms:.1f} ms" for name, ms in self.ms_per_pass.items())
        what = " with its input-gradient penalty" if self.input_penalty else ""
        source = "; cached" if self.cached else ""
        busy = f"; {self.busy_note}" if self.busy_note else ""
        return f"{self.best.name} timed fastest ({timings} per pass{what}{source}{busy})"


def machine_busy() -> str:
    """Why the cores look busy with other work ('' when they do not): a 1-minute load average
    at or above the cores this process may use. Windows keeps no load average, so there it
    tells none."""
    if not hasattr(os, "getloadavg"):
        return ""
    load, cores = os.getloadavg()[0], len(available_cores())
    if load < cores:
        return ""
    return f"not cached: load average {load:.1f} on {cores} cores"


def candidates(net: nn.Module) -> list[Layout]:
    """The layouts worth timing: none for a network without 4-D weights (nothing to decide)."""
    if not any(p.dim() == 4 for p in net.parameters()):
        return []
    gemm = (False, True) if any(supports_gemm_conv(m) for m in net.modules()) else (False,)
    subpixel = (False, True) if foldable_pairs(net) else (False,)
    return [Layout(cl, g, s) for cl in (False, True) for g in gemm for s in subpixel]


def _training_pass(
    net: nn.Module, inputs: tuple[torch.Tensor, ...], fast: FastPath, input_penalty: bool
) -> Callable[[], None]:
    """Forward and backward to the weights; with `input_penalty`, as a critic trained with a
    gradient penalty (WGAN-GP, R1) is: the gradient to the images, kept in the graph, then the
    backward through it as well (a second-order pass with its own costs per layout)."""

    def run() -> None:
        images, *rest = inputs
        if input_penalty:
            images = images.detach().requires_grad_(True)
        with fast.autocast():
            out = net(images, *rest).float().sum()
        if input_penalty:
            (grad,) = torch.autograd.grad(out, images, create_graph=True)
            out = out + grad.float().square().sum()
        out.backward()
        net.zero_grad(set_to_none=True)

    return run


def _cache_key(
    net: nn.Module, role: str, inputs: tuple[torch.Tensor, ...], base: FastPath, input_penalty: bool
) -> str:
    facts = {
        "version": CACHE_VERSION,
        "cpu": cpu_model(),
        "cpu_id": cpu_id(),  # VMs name several generations alike
        "capability": cpu_capability(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": base.device_type,
        "amp": str(base.amp_dtype),
        "role": role,
        "network": type(net).__name__,
        "parameters": [list(p.shape) for p in net.parameters()],
        "inputs": [[list(t.shape), str(t.dtype)] for t in inputs],
        **({"input_penalty": True} if input_penalty else {}),  # older entries keep their keys
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:24]


def _cache_path() -> Path:
    return user_cache_dir() / "fast-path" / f"probe-v{CACHE_VERSION}.json"


def read_decisions(path: Path) -> dict[str, Any]:
    """A file of decisions timed on this machine, by key; empty where it is absent or
    unreadable (time them again, then rewrite it whole)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def keep_decision(path: Path, key: str, decision: object) -> None:
    """Add one decision to the file, re-read first: another process may have added entries
    since this one read it."""
    decisions = read_decisions(path)
    decisions[key] = decision
    atomic_write_text(path, json.dumps(decisions, indent=1, sort_keys=True))


def probe_layout(
    net: nn.Module,
    role: str,
    inputs: tuple[torch.Tensor, ...],
    base: FastPath,
    allowed: Callable[[Layout], bool] = lambda layout: True,
    input_penalty: bool = False,
) -> ProbeResult | None:
    """Time one training pass (forward, backward to the weights; with `input_penalty`, through
    a gradient penalty on the first input too) of copies of `net` in each candidate layout that
    `allowed` admits, round-robin, and return the fastest; None when there is nothing to choose.
    `net` itself and the global random state are left as they were."""
    options = [layout for layout in candidates(net) if allowed(layout)]
    if len(options) < 2:
        return None
    names = ",".join(layout.name for layout in options)
    key = _cache_key(net, role, inputs, base, input_penalty) + names
    cache = read_decisions(_cache_path())
    if key in cache:
        hit = cache[key]
        return ProbeResult(
            Layout(**hit["best"]), hit["ms_per_pass"], cached=True, input_penalty=input_penalty
        )
    busy = machine_busy()
    runs = {}
    with torch.random.fork_rng(devices=[]):
        for layout in options:
            fast = FastPath(
                base.device_type,
                base.amp_dtype,
                role if layout.channels_last else "none",
                role if layout.gemm_conv else "none",
                base.fast_dropout,
                subpixel_conv=role if layout.subpixel_conv else "none",
            )
            trial = fast.prepare(copy.deepcopy(net).train(), role)
            trial_inputs = tuple(
                t.contiguous(memory_format=torch.channels_last)
                if layout.channels_last and t.dim() == 4
                else t
                for t in inputs
            )
            runs[layout] = _training_pass(trial, trial_inputs, fast, input_penalty)
        for run in runs.values():
            for _ in range(WARMUP_PASSES):
                run()
        times: dict[Layout, list[float]] = {layout: [] for layout in runs}
        for _ in range(TIMED_ROUNDS):
            for layout, run in runs.items():
                start = time.perf_counter()
                run()
                times[layout].append(time.perf_counter() - start)
    ms = {layout: 1e3 * statistics.median(ts) for layout, ts in times.items()}
    best = min(ms, key=ms.__getitem__)
    timings = {layout.name: round(t, 2) for layout, t in ms.items()}
    result = ProbeResult(best, timings, False, busy, input_penalty)
    if busy:
        return result
    keep_decision(_cache_path(), key, {"best": best.__dict__, "ms_per_pass": result.ms_per_pass})
    return result
