"""`gankit bench`: training throughput against a plain PyTorch loop, time to quality, and
evaluation throughput, as a table and optionally JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gankit.commands.options import (
    check_out,
    data_dir_option,
    device_option,
    force_option,
    set_option,
)
from gankit.config import DEFAULT_PRESET, load_config
from gankit.errors import InputError
from gankit.fileio import atomic_write_text

DEFAULT_BENCH_PRESETS = "liu2021-dcgan,liu2021-gan,dcgan"


@click.command()
@click.option(
    "--presets",
    default=DEFAULT_BENCH_PRESETS,
    show_default=True,
    help="Comma-separated presets for the throughput comparison.",
)
@click.option(
    "--iterations",
    type=click.IntRange(min=1),
    help="Iterations per timed repeat [enough for about 3 s].",
)
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--warmup", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--time-to-quality",
    "quality",
    is_flag=True,
    help="Train each --quality-preset until IS >= --target-is and FID <= each --target-fid-x "
    "times the real floor, and report the time to each.",
)
@click.option(
    "--quality-preset",
    "quality_presets",
    multiple=True,
    default=(DEFAULT_PRESET,),
    show_default=True,
    help="Repeatable: several presets are timed one after another in this process.",
)
@click.option("--target-is", type=float, default=9.0, show_default=True)
@click.option(
    "--target-fid-x",
    "fid_multiples",
    type=click.FloatRange(min=0, min_open=True),
    multiple=True,
    default=(3.0, 2.0),
    show_default=True,
    help="FID targets as multiples of the FID of real test images (repeatable).",
)
@click.option("--eval-every", type=click.IntRange(min=1), default=250, show_default=True)
@click.option(
    "--eval", "evaluation", is_flag=True, help="Time the full metric suite on --eval-samples."
)
@click.option("--eval-samples", type=click.IntRange(min=20), default=10000, show_default=True)
@click.option(
    "--pace",
    is_flag=True,
    help="Time gankit's training loop alone (seconds per iteration) for every model of the "
    "model benchmark (`gankit reproduce benchmark`), on an otherwise idle machine: its page "
    "counts the equal training budget on this clock when --json writes pace.json into the "
    "benchmark's folder.",
)
@click.option(
    "--throughput/--no-throughput",
    default=None,
    help="Compare with the reference loop [on unless only --time-to-quality/--eval/--pace is "
    "given].",
)
@device_option()
@data_dir_option
@set_option("Config override (repeatable).")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write results here.")
@force_option
def bench(
    presets: str,
    iterations: int | None,
    repeats: int,
    warmup: int,
    quality: bool,
    quality_presets: tuple[str, ...],
    target_is: float,
    fid_multiples: tuple[float, ...],
    eval_every: int,
    evaluation: bool,
    eval_samples: int,
    pace: bool,
    throughput: bool | None,
    device: str,
    data_dir: Path | None,
    overrides: tuple[str, ...],
    json_path: Path | None,
    force: bool,
) -> None:
    """Iterations per second of gankit's trainer and of a plain eager PyTorch loop of the same
    algorithm (same models, hyper-parameters, batches and passes), measured in this process."""
    from gankit.bench.quality import eval_throughput, time_to_quality
    from gankit.bench.reference import unsupported
    from gankit.bench.report import document, finish, format_table
    from gankit.bench.throughput import measure_pace, measure_throughput
    from gankit.benchmark.study import MODELS
    from gankit.machine import resolve_device

    if json_path is not None:  # refused before minutes of measuring, not after
        check_out(json_path, force, ".json", "--json")
    if throughput is None:
        throughput = not (quality or evaluation or pace)
    names = [p.strip() for p in presets.split(",") if p.strip()]
    flags = [f"perf.device={device}", *overrides]
    configs = {name: load_config(name, flags) for name in names} if throughput else {}
    quality_configs = (
        [load_config(name, flags) for name in quality_presets] if quality or evaluation else []
    )
    # Refused before anything is measured, not after minutes of other presets.
    refused = [f"{name}: the reference loop {why}" for name, config in configs.items()
               if (why := unsupported(config)) is not None]  # fmt: skip
    if refused:
        raise InputError(
            "cannot bench " + "; ".join(refused) + ". Leave these presets out of --presets"
        )
    doc = document(str(resolve_device(device)))
    for name, config in configs.items():
        click.echo(f"measuring {name} ...", err=True)
        doc["presets"][name] = measure_throughput(config, iterations, repeats, warmup, data_dir)
    if pace:
        doc["pace"] = {}
        for model in MODELS:
            click.echo(f"timing {model.label} ...", err=True)
            config = load_config(model.preset, [*model.overrides(), *flags])
            doc["pace"][model.label] = measure_pace(config, iterations, repeats, warmup, data_dir)
    if quality:
        doc["time_to_quality"] = []
        for config in quality_configs:
            click.echo(f"training {config.name} to its quality targets ...", err=True)
            doc["time_to_quality"].append(
                time_to_quality(
                    config, target_is, eval_every, eval_samples, data_dir, fid_multiples
                )
            )
    if evaluation:
        click.echo(f"timing the metric suite on {eval_samples} samples ...", err=True)
        doc["eval"] = eval_throughput(quality_configs[0], eval_samples)
    finish(doc)
    click.echo(format_table(doc))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(json_path, json.dumps(doc, indent=2) + "\n")
        click.echo(f"wrote {json_path}")
