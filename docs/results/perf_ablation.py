"""Ablation behind docs/results/performance.md: what each part of gankit's fast path is worth.

Every variant is built in this one process and the variants are timed round-robin, so a change
in the (shared) machine's load hits all of them alike; the table reports the median seconds
per iteration of each. Run from the repository root:

    GANKIT_DATA=path/to/data .venv/bin/python docs/results/perf_ablation.py \
        liu2021-dcgan --threads 2 --iterations 10 --rounds 5 --json out.json

(add `--skip amp=bf16` on a CPU without native bf16, where that variant alone takes an hour).
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

from gankit.bench.reference import build_reference, real_batches, reference_iteration
from gankit.config import Config, load_config
from gankit.data import load_tensors
from gankit.fast.capability import cpu_capability
from gankit.machine import machine_facts
from gankit.training.build import resolve_fast_path
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer


def gankit_variant(preset: str, tmp: Path, sets: list[str], tweak: Callable | None = None):
    config = load_config(preset, ["perf.device=cpu", *sets])
    out = tmp / f"run{len(list(tmp.iterdir()))}"
    trainer = Trainer(prepare_process(config, out), out, progress=False)
    trainer.start()
    if tweak is not None:
        tweak(trainer)
    return trainer.advance


def d_weight_grads_in_g_step(trainer: Trainer) -> None:
    """Undo the frozen D in the G step: D's weight gradients get computed (and thrown away)."""
    d = trainer.gan.steps.D
    d.requires_grad_ = lambda requires_grad=True: d


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
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="leave out a variant, e.g. amp=bf16 where bf16 is emulated (minutes per iteration)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    preset = args.preset
    # "gankit" is the preset with its perf settings decided for this machine (auto).
    chosen = resolve_fast_path(load_config(preset, ["perf.device=cpu"]), torch.device("cpu")).perf
    switches = ("amp", "channels_last", "gemm_conv", "subpixel_conv", "dropout", "optimizer")
    base = {key: f"perf.{key}={getattr(chosen, key)}" for key in switches}

    def one_changed(key: str, value: str) -> list[str]:
        return [*(v for k, v in base.items() if k != key), f"perf.{key}={value}"]

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
            "gankit, settings chosen for this machine": gankit_variant(
                preset, tmp, list(base.values())
            ),
        }
        options = {
            "amp": ("none", "bf16"),
            "channels_last": ("both", "generator", "discriminator", "none"),
            "gemm_conv": ("both", "discriminator", "none"),
            "subpixel_conv": ("generator", "none"),
            "dropout": ("fast", "native"),
            "optimizer": ("fused-flat", "fused", "foreach"),
        }
        for key, values in options.items():
            for value in values:
                if value != getattr(chosen, key) and f"{key}={value}" not in args.skip:
                    variants[f"  {key}={value}"] = gankit_variant(
                        preset, tmp, one_changed(key, value)
                    )
        variants["  D weight grads in the G step"] = gankit_variant(
            preset, tmp, list(base.values()), d_weight_grads_in_g_step
        )
        variants["  DataLoader batches"] = gankit_variant(
            preset, tmp, list(base.values()), dataloader_batches
        )
        variants["  compile=true"] = gankit_variant(
            preset, tmp, [*base.values(), "perf.compile=true"]
        )
        variants["gankit, every switch off"] = gankit_variant(
            preset,
            tmp,
            [
                "perf.amp=none",
                "perf.channels_last=none",
                "perf.gemm_conv=none",
                "perf.subpixel_conv=none",
                "perf.dropout=native",
                "perf.optimizer=foreach",
            ],
        )
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
    load = f"load {load_start[0]:.2f} -> {load_end[0]:.2f}"
    print(f"{preset}, {args.threads} threads, {cpu_capability()}, {load}")
    print(f"chosen for this machine: {chosen.model_dump(exclude={'decisions'})}")
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
                    "machine": {**machine_facts("cpu"), "capability": cpu_capability()},
                    "chosen": chosen.model_dump(),
                    "load_average": [load_start, load_end],
                    "seconds_per_iteration": times,
                    "warmup_seconds": warmup,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
