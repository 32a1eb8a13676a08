"""`gankit eval` and `gankit classifier train`."""

from __future__ import annotations

from pathlib import Path

import click

from gankit.commands.options import (
    check_out,
    checkpoint_option,
    data_dir_option,
    device_option,
    force_option,
)
from gankit.data.folder import imported_names
from gankit.errors import InputError
from gankit.evaluation.classifier import CLASSIFIERS
from gankit.evaluation.features import FEATURE_EXTRACTORS, OTHER_CLASSIFIER
from gankit.evaluation.inception import FEATURE_SPACE as INCEPTION


def _feature_space(value: str) -> str:
    choices = sorted([*FEATURE_EXTRACTORS, INCEPTION])
    if value in choices or (value.startswith(OTHER_CLASSIFIER) and value != OTHER_CLASSIFIER):
        return value
    raise click.BadParameter(
        f"{value!r}: choose one of {', '.join(choices)}, or {OTHER_CLASSIFIER}NAME for dataset "
        "NAME's classifier (e.g. classifier:mnist)"
    )


def _parse_labels(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(t) for t in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give class indices like 6 or 1,7") from None


@click.command("eval")
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--n-samples",
    type=click.IntRange(min=20),
    default=10_000,
    show_default=True,
    help="Images drawn from the generator (with --images: the first N used).",
)
@device_option()
@click.option(
    "--features",
    default="classifier",
    show_default=True,
    callback=lambda ctx, param, value: _feature_space(value),
    metavar="|".join([*sorted([*FEATURE_EXTRACTORS, INCEPTION]), f"{OTHER_CLASSIFIER}NAME"]),
    help="Feature space of IS, FID, KID, PRDC and memorisation. inception: the classifier's "
    "suite plus FID and KID in the standard FID Inception network's space (fid_inception, "
    "kid_inception), on the scale of published FIDs; needs `pip install 'gankit[inception]'` "
    "(data of one class, with no classifier of its own, gets those two alone). "
    "classifier:NAME: dataset NAME's classifier's features (e.g. classifier:mnist for data "
    "without a classifier of its own): FID, KID, precision / recall and memorisation, no IS or "
    "class statistics.",
)
@click.option(
    "--inception-weights",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Inception-v3 weights file for --features inception-v3.",
)
@click.option(
    "--images",
    type=click.Path(exists=True, path_type=Path),
    help="Evaluate a .npy array or a folder of 28x28 PNGs instead of a run.",
)
@click.option(
    "--dataset",
    help="Dataset the --images imitate: mnist, fashion-mnist, or one imported with "
    "`gankit data import` (and given its classifier).",
)
@click.option(
    "--target-labels",
    callback=lambda ctx, param, value: _parse_labels(value),
    help="With --images: the classes they imitate, e.g. 6.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --images: metrics file [default: beside the images].",
)
@force_option
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="CPU threads [default: torch's]; 1 is faster on a CPU other jobs are busy on.",
)
@click.option(
    "--real-split",
    type=click.Choice(["train", "test"]),
    default="train",
    show_default=True,
    help="Real images the samples are compared with; the other split scores the reference.",
)
@checkpoint_option
def eval_command(
    run_dir: Path | None,
    n_samples: int,
    device: str,
    features: str,
    inception_weights: Path | None,
    images: Path | None,
    dataset: str | None,
    target_labels: list[int] | None,
    out: Path | None,
    threads: int | None,
    real_split: str,
    checkpoint: str,
    force: bool,
) -> None:
    """Evaluate RUN_DIR's generator (or --images) and write metrics.json (another
    --checkpoint than the last: metrics_best.json or metrics_step_NNNNNN.json)."""
    from gankit.evaluation.evaluate import check_feature_space, evaluate_images, write_metrics
    from gankit.evaluation.images import load_images
    from gankit.evaluation.table import format_table
    from gankit.rundir import METRICS, RunDir
    from gankit.runs import evaluate_run

    if (run_dir is None) == (images is None):
        raise InputError("give either RUN_DIR or --images PATH --dataset NAME")
    if run_dir is not None and (dataset or target_labels or out):
        raise InputError("--dataset, --target-labels and --out go with --images only")
    if out is not None:
        check_out(out, force, ".json")
    if images is not None and checkpoint != "last":
        raise InputError("--checkpoint goes with RUN_DIR, not --images")
    if images is not None:
        choices = [*sorted(CLASSIFIERS), *imported_names()]
        if dataset not in choices:
            given = "--images needs --dataset" if dataset is None else f"--dataset {dataset!r}"
            raise InputError(
                f"{given}: choose one of {', '.join(choices)} (a folder of your own becomes "
                "one with `gankit data import DIR --name NAME`)"
            )
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    options = {
        "features": features,
        "inception_weights": inception_weights,
        "real_split": real_split,
    }
    check_feature_space(features, inception_weights)  # before any sampling or loading
    if run_dir is not None:
        metrics = evaluate_run(run_dir, n_samples, device, checkpoint=checkpoint, **options)
        written = RunDir(run_dir).metrics_of(checkpoint)
    else:
        x = load_images(images)[:n_samples]
        metrics = evaluate_images(x, dataset, target_labels=target_labels, device=device, **options)
        written = out or (
            images / METRICS if images.is_dir() else images.with_suffix(f".{METRICS}")
        )
        write_metrics(written, metrics)
    click.echo(format_table(metrics))
    click.echo(f"wrote {written} ({metrics['eval_seconds']:.1f} s)")


@click.group()
def classifier() -> None:
    """The bundled evaluator classifiers that every metric is computed with."""


@classifier.command("train")
@click.argument("dataset")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Weights file to write [default: ./DATASET.safetensors; for an imported folder, its "
    "cache, where every metric then finds it].",
)
@force_option
@click.option("--seed", type=int, help="Seed [default: the bundled classifier's].")
@click.option(
    "--epochs", type=click.IntRange(min=1), help="Epochs [default: the bundled classifier's]."
)
@data_dir_option
def classifier_train(
    dataset: str,
    out: Path | None,
    force: bool,
    seed: int | None,
    epochs: int | None,
    data_dir: Path | None,
) -> None:
    """Train the evaluator for DATASET: mnist or fashion-mnist (with the defaults it reproduces
    the bundled file), or a folder imported with `gankit data import`."""
    from gankit.data.folder import record_classifier
    from gankit.evaluation.classifier import classifier_recipe, load_classifier
    from gankit.evaluation.train_classifier import train_classifier
    from gankit.evaluation.trust import MIN_ACCURACY

    recipe = classifier_recipe(dataset)
    imported = dataset not in CLASSIFIERS
    if out is not None:
        check_out(out, force, ".safetensors")
    out = out or (recipe.path if imported else Path(f"{dataset}.safetensors"))
    result = train_classifier(dataset, out, seed=seed, epochs=epochs, data_dir=data_dir)
    click.echo(f"wrote {result.path} in {result.seconds:.0f} s")
    click.echo(f"test accuracy {result.test_accuracy:.4f}")
    if result.test_accuracy < MIN_ACCURACY:
        click.echo(
            f"warning: below the {MIN_ACCURACY:.0%} an evaluator needs; every evaluation "
            "computed with it says so (metrics.json's warnings, the tables and reports)",
            err=True,
        )
    click.echo(f"sha256 {result.sha256}")
    if imported:
        if out != recipe.path:
            click.echo(f"not used by the metrics: train without --out to make {dataset}'s own")
            return
        record_classifier(dataset, result.sha256, result.test_accuracy, epochs or recipe.epochs)
        load_classifier.cache_clear()
        click.echo(f"every metric on {dataset} is now computed with it")
        return
    bundled = recipe.sha256
    click.echo(
        "identical to the bundled weights"
        if result.sha256 == bundled
        else f"differs from the bundled weights ({bundled}); a different seed, epoch count, "
        "or torch build changes the bytes"
    )
