"""Ablation behind docs/results/performance.md: what each part of gankit's fast path is worth.

Every variant is built in this one process and the variants are timed round-robin, so a change
in the (shared) machine's load hits all of them alike; the table reports the median seconds
per iteration of each. Run from the repository root:

    GANKIT_DATA=path/to/data .venv/bin/python docs/results/perf_ablation.py \
        liu2021-dcgan --threads 2 --iterations 10 --rounds 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch import nn

from gankit.bench.reference import build_reference, real_batches, reference_iteration
from gankit.config import Config, load_config
from gankit.data import load_tensors
from gankit.machine import machine_facts
from gankit.training.dropout import FastDropout
from gankit.training.gemm_conv import GemmConv2d
from gankit.training.optim import FlatViewAdam, build_decay
from gankit.training.trainer import Trainer


def gankit_variant(preset: str, tmp: Path, sets: list[str], tweak: Callable | None = None):
    config = load_config(preset, ["perf.device=cpu", *sets])
    trainer = Trainer(config, tmp / f"run{len(list(tmp.iterdir()))}", progress=False)
    trainer.start()
    if tweak is not None:
        tweak(trainer)
    return trainer.advance


def foreach_optimizers(trainer: Trainer) -> None:
    """Undo the fused optimizers: torch's multi-tensor (foreach) kernels instead."""
    steps, o = trainer.gan.steps, trainer.config.optim
    for net, cfg, name in ((steps.G, o.g, "g"), (steps.D, o.d, "d")):
        opt = type(getattr(steps, f"opt_{name}"))
        kwargs = {"lr": cfg.lr, "eps": cfg.eps, "foreach": True}
        if cfg.name == "adam":
            kwargs["betas"] = cfg.betas
        elif cfg.name == "rmsprop":
            kwargs["alpha"] = cfg.rho
        else:
            kwargs = {"lr": cfg.lr, "momentum": cfg.momentum, "foreach": True}
        new = opt(net.parameters(), **kwargs)
        setattr(steps, f"opt_{name}", new)
        setattr(steps, f"sched_{name}", build_decay(new, cfg.decay))


def d_weight_grads_in_g_step(trainer: Trainer) -> None:
    """Undo the frozen D in the G step: D's weight gradients get computed (and thrown away)."""
    d = trainer.gan.steps.D
    d.requires_grad_ = lambda requires_grad=True: d


def _layers(trainer: Trainer, cls: type[nn.Module]) -> Iterator[nn.Module]:
    """Every layer of exactly type `cls` in the generator and the discriminator."""
    for net in (trainer.gan.steps.G, trainer.gan.steps.D):
        yield from (module for module in net.modules() if type(module) is cls)


def bernoulli_dropout(trainer: Trainer) -> None:
    """Undo the fast dropout: nn.Dropout's bernoulli_ masks, as the reference draws them."""
    for module in _layers(trainer, FastDropout):
        module.__class__ = nn.Dropout


def native_convolutions(trainer: Trainer) -> None:
    """Undo the GEMM convolutions: oneDNN's own bf16 kernels for every pass."""
    for module in _layers(trainer, GemmConv2d):
        module.__class__ = nn.Conv2d


def native_small_map_passes(trainer: Trainer) -> None:
    """Undo the GEMM forward and input gradient on small output maps (weight gradients stay)."""
    for module in _layers(trainer, GemmConv2d):
        module.small_map = 0


def torch_fused_adam(trainer: Trainer) -> None:
    """Undo the flat views: torch's fused Adam on the NHWC tensors themselves."""
    for opt in (trainer.gan.steps.opt_g, trainer.gan.steps.opt_d):
        if type(opt) is FlatViewAdam:
            opt.__class__ = torch.optim.Adam


def dataloader_batches(trainer: Trainer) -> None:
    """Undo the in-memory batch sampler: a DataLoader over the dataset, as the reference has."""
    batches = _dataloader(trainer.config, trainer.device)
    trainer.sampler = lambda: next(batches)


def _dataloader(config: Config, device: torch.device) -> Iterator:
    d = config.data
    images, labels = load_tensors(d.dataset, "train", labels=d.labels, limit=d.limit)
    labels = labels if config.model.conditional else None
    return real_batches(images, config.train.batch_size, device, labels)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("preset")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    preset = args.preset
    fast = load_config(preset).perf  # the preset's own settings are "gankit"
    base = [f"perf.amp={fast.amp}", f"perf.channels_last={fast.channels_last}"]

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = load_config(preset, ["perf.device=cpu"])
        reference = build_reference(config, torch.device("cpu"))
        batches = _dataloader(config, torch.device("cpu"))
        z = config.model.z_dim

        def run_reference() -> None:
            reference_iteration(reference, lambda: next(batches), lambda n: torch.randn(n, z))

        variants: dict[str, Callable[[], None]] = {
            "reference (plain eager loop)": run_reference,
            "gankit, preset settings": gankit_variant(preset, tmp, base),
            "  amp=none": gankit_variant(preset, tmp, [base[1], "perf.amp=none"]),
            "  amp=bf16": gankit_variant(preset, tmp, [base[1], "perf.amp=bf16"]),
            "  channels_last=both": gankit_variant(
                preset, tmp, [base[0], "perf.channels_last=both"]
            ),
            "  channels_last=generator": gankit_variant(
                preset, tmp, [base[0], "perf.channels_last=generator"]
            ),
            "  channels_last=discriminator": gankit_variant(
                preset, tmp, [base[0], "perf.channels_last=discriminator"]
            ),
            "  channels_last=none": gankit_variant(
                preset, tmp, [base[0], "perf.channels_last=none"]
            ),
            "  foreach instead of fused optimizers": gankit_variant(
                preset, tmp, base, foreach_optimizers
            ),
            "  D weight grads in the G step": gankit_variant(
                preset, tmp, base, d_weight_grads_in_g_step
            ),
            "  DataLoader batches": gankit_variant(preset, tmp, base, dataloader_batches),
            "  nn.Dropout (bernoulli_) masks": gankit_variant(preset, tmp, base, bernoulli_dropout),
            "  oneDNN forward/input grad on <=2x2 maps": gankit_variant(
                preset, tmp, base, native_small_map_passes
            ),
            "  oneDNN bf16 convolutions throughout": gankit_variant(
                preset, tmp, base, native_convolutions
            ),
            "  torch's fused Adam on NHWC tensors": gankit_variant(
                preset, tmp, base, torch_fused_adam
            ),
            "  compile=true": gankit_variant(preset, tmp, [*base, "perf.compile=true"]),
            "gankit, every switch off (fp32, NCHW)": gankit_variant(
                preset, tmp, ["perf.amp=none", "perf.channels_last=none"]
            ),
        }
        warmup: dict[str, float] = {}
        for name, run in variants.items():  # first calls pick kernels; compile=true compiles
            start = time.perf_counter()
            for _ in range(2):
                run()
            warmup[name] = time.perf_counter() - start
        times: dict[str, list[float]] = {name: [] for name in variants}
        load_start = os.getloadavg()
        for _ in range(args.rounds):
            for name, run in variants.items():
                start = time.perf_counter()
                for _ in range(args.iterations):
                    run()
                times[name].append((time.perf_counter() - start) / args.iterations)
        load_end = os.getloadavg()

    ref = statistics.median(times["reference (plain eager loop)"])
    print(f"{preset}, {args.threads} threads, load {load_start[0]:.2f} -> {load_end[0]:.2f}")
    print(f"{'variant':<42} {'s/it':>8} {'vs reference':>13} {'warm-up s':>10}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<42} {med:>8.4f} {ref / med:>12.2f}x {warmup[name]:>10.1f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "preset": preset,
                    "threads": args.threads,
                    "machine": machine_facts("cpu"),
                    "load_average": [load_start, load_end],
                    "seconds_per_iteration": times,
                    "warmup_seconds": warmup,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
