"""`gankit sample` and `gankit export`: images and generators out of a trained run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gankit.commands.options import (
    check_out,
    checkpoint_option,
    data_dir_option,
    device_option,
    force_option,
)
from gankit.errors import InputError

if TYPE_CHECKING:
    import torch

    from gankit.runs import TrainedRun

FORMATS = ("grid", "png-dir", "npz")
OUT_SUFFIX = {"grid": ".png", "png-dir": None, "npz": ".npz"}  # None: a folder


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--n",
    "n",
    type=int,
    default=64,
    show_default=True,
    help="Images (rows with --interpolate or --nearest).",
)
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="File or folder to write."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="grid",
    show_default=True,
    help="grid: one PNG; png-dir: a folder of 28x28 PNGs; npz: uint8 (N, H, W, C) as "
    "'arr_0' (+ labels as 'arr_1'), the ADM evaluation layout other FID tools read.",
)
@click.option("--label", type=int, help="Class to draw (conditional runs) [every class].")
@click.option("--seed", type=int, default=0, show_default=True, help="Noise seed.")
@click.option("--nrow", type=int, help="Images per row of a grid [square].")
@click.option(
    "--interpolate",
    is_flag=True,
    help="A grid of N latent walks (slerp between two draws), --steps images each.",
)
@click.option("--steps", type=int, default=10, show_default=True, help="Images per walk.")
@click.option(
    "--nearest",
    is_flag=True,
    help="A grid of N samples, each followed by its --k nearest training images (pixels).",
)
@click.option("--k", "k", type=int, default=5, show_default=True, help="Neighbours shown.")
@checkpoint_option
@data_dir_option
@device_option("cpu")
@force_option
def sample(
    run_dir: Path,
    n: int,
    out: Path,
    fmt: str,
    label: int | None,
    seed: int,
    nrow: int | None,
    interpolate: bool,
    steps: int,
    nearest: bool,
    k: int,
    checkpoint: str,
    data_dir: Path | None,
    device: str,
    force: bool,
) -> None:
    """Write N images from RUN_DIR's trained generator (or from a folder `gankit export`
    wrote): a grid, a folder of PNGs, an .npz, a latent-interpolation grid or a
    nearest-training-image gallery."""
    import torch

    from gankit.export import is_export, load_generator
    from gankit.runs import load_run
    from gankit.sampling import cycle_labels

    for name, value in (("--n", n), ("--steps", steps), ("--k", k)):
        if value <= 0:
            raise InputError(f"{name} must be positive, got {value}")
    if interpolate and nearest:
        raise InputError("--interpolate and --nearest make different pictures; choose one")
    if (interpolate or nearest) and fmt != "grid":
        raise InputError(f"--interpolate and --nearest write a grid; drop --format {fmt}")
    check_out(out, force, OUT_SUFFIX[fmt])
    exported = is_export(run_dir)
    if exported and checkpoint != "last":
        raise InputError(f"{run_dir} is an exported generator: it has one state, no --checkpoint")
    run = load_generator(run_dir, device) if exported else load_run(run_dir, device, checkpoint)
    labels = None
    if label is not None:
        if not run.conditional:
            raise InputError(
                f"{run_dir} is unconditional: --label needs a class-conditional run "
                "(model.conditional: true, as in dcgan-projection)"
            )
        if not 0 <= label < run.num_classes:
            raise InputError(f"--label must be in 0..{run.num_classes - 1}, got {label}")
        labels = torch.full((n,), label, dtype=torch.long)
    elif run.conditional and not (interpolate or nearest):
        nrow = nrow or run.num_classes  # one class per column
        labels = cycle_labels(n, run.num_classes)

    if interpolate:
        _grid(out, _interpolation(run, n, steps, seed, labels), steps)
        what = f"{n} latent walks (slerp) of {steps} images"
    elif nearest:
        _grid(out, _nearest(run, n, k, seed, labels, data_dir), k + 1)
        what = f"{n} samples with their {k} nearest training images (pixel distance)"
    elif fmt == "grid":
        _grid(out, run.generate(n, labels=labels, seed=seed), nrow)
        what = f"{n} samples"
    else:
        what = f"{_write_files(run, n, labels, seed, out, fmt)} samples ({fmt})"
    click.echo(f"wrote {what} from {run_dir} (step {run.step}) to {out}")


def _grid(out: Path, images: torch.Tensor, nrow: int | None) -> None:
    from gankit.figures.grid import save_grid

    save_grid(images, out, nrow=nrow)


def _interpolation(
    run: TrainedRun, n: int, steps: int, seed: int, labels: torch.Tensor | None
) -> torch.Tensor:
    from gankit.gallery import interpolation_grid

    return interpolation_grid(run.generator, n, steps, seed=seed, labels=labels)


def _nearest(
    run: TrainedRun, n: int, k: int, seed: int, labels: torch.Tensor | None, data_dir: Path | None
) -> torch.Tensor:
    from gankit.data import load_tensors
    from gankit.gallery import nearest_gallery

    data = run.config.data
    training, _ = load_tensors(data.dataset, "train", data_dir, data.labels, data.limit)
    return nearest_gallery(run.generator, n, k, training, seed=seed, labels=labels)


def _write_files(
    run: TrainedRun, n: int, labels: torch.Tensor | None, seed: int, out: Path, fmt: str
) -> int:
    from gankit.sample_files import write_npz, write_png_dir
    from gankit.sampling import generate_batches

    batches = generate_batches(run.generator, n, seed=seed, labels=labels)
    if fmt == "npz":
        return write_npz(out, batches, labels)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose a new --out")
    return write_png_dir(out, batches, labels)


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
@checkpoint_option
@force_option
def export(run_dir: Path, out: Path, checkpoint: str, force: bool) -> None:
    """Write RUN_DIR's generator as OUT/generator.safetensors and OUT/config.yaml, loadable
    without the run with `gankit.load_generator(OUT)`."""
    from gankit.export import export_generator

    check_out(out, force, None)
    export_generator(run_dir, out, checkpoint)
    click.echo(
        f"exported the generator of {run_dir} to {out} (gankit.load_generator({str(out)!r}))"
    )
