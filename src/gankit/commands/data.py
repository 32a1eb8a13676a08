"""`gankit data where|verify|download`: find, check and fetch the dataset files."""

from __future__ import annotations

import os
from pathlib import Path

import click

from gankit.commands.options import data_dir_option
from gankit.data import stacked
from gankit.data.download import check_file, download_dataset
from gankit.data.errors import DataError
from gankit.data.folder import (
    TEST_FRACTION,
    dataset_dir,
    file_problems,
    import_folder,
    imported_names,
    require_manifest,
)
from gankit.data.locate import find_file, search_dirs
from gankit.data.registry import DATASETS, DatasetSpec
from gankit.errors import UnknownNameError

_DATASET = click.argument("dataset", required=False, metavar="[DATASET]")
_BUILT_IN = click.argument(
    "dataset", required=False, type=click.Choice(sorted(DATASETS)), metavar="[DATASET]"
)


def _specs(dataset: str | None) -> list[DatasetSpec]:
    return [DATASETS[dataset]] if dataset else [DATASETS[n] for n in sorted(DATASETS)]


def _chosen(dataset: str | None) -> tuple[list[DatasetSpec], list[str]]:
    """The built-in specs and the imported names DATASET (default: all of them) stands for."""
    imported = imported_names()
    if dataset is None:
        return _specs(None), imported
    if dataset in DATASETS:
        return _specs(dataset), []
    if dataset in imported:
        return [], [dataset]
    raise UnknownNameError(
        f"unknown dataset {dataset!r}; choose one of {', '.join([*sorted(DATASETS), *imported])}"
        f" ({' and '.join(stacked.DATASETS)} are built from mnist's files)"
    )


def _shown(path: Path) -> str:
    """Absolute and normalised, so a relative $GANKIT_DATA still reads unambiguously."""
    return os.path.abspath(path)


def _source(spec: DatasetSpec, path: Path, data_dir: Path | None) -> str:
    """Which search-order entry `path` was found through (the first folder that holds it)."""
    return next(label for label, folder in search_dirs(spec, data_dir) if folder == path.parent)


@click.group(
    help="Find, verify and download the dataset files (MNIST, Fashion-MNIST); import your own."
)
def data() -> None:
    pass


@data.command(
    short_help="Where each dataset file is found, and the search order.",
    help="Show where each file of DATASET (default: all) is found, and the search order.",
)
@_DATASET
@data_dir_option
def where(dataset: str | None, data_dir: Path | None) -> None:
    specs, imported = _chosen(dataset)
    for spec in specs:
        click.echo(f"{spec.name}: search order")
        for i, (label, folder) in enumerate(search_dirs(spec, data_dir), 1):
            state = "" if folder.is_dir() else "  (no such folder)"
            click.echo(f"  {i}. {label:<13} {_shown(folder)}{state}")
        missing = False
        for filename in spec.sha256:
            path = find_file(spec, filename, data_dir)
            missing = missing or path is None
            found = f"{_shown(path)}  [{_source(spec, path, data_dir)}]" if path else "NOT FOUND"
            click.echo(f"  {filename:<24} {found}")
        if missing:
            click.echo(f"  missing files: run `gankit data download {spec.name}`")
    for name in imported:
        manifest = require_manifest(name)
        click.echo(f"{name}: imported from {manifest['source']}")
        for filename, problem in file_problems(name, manifest).items():
            state = f"  ({problem})" if problem else ""
            click.echo(f"  {filename:<24} {_shown(dataset_dir(name) / filename)}{state}")
    if dataset is None:
        for name in stacked.DATASETS:
            click.echo(f"{name}: built from mnist's files above, in memory")


@data.command(
    short_help="Check every file's SHA-256; non-zero exit on failure.",
    help="Check the SHA-256 of each file of DATASET (default: all) as the lookup finds it; "
    "exits non-zero if any file is missing or corrupt.",
)
@_DATASET
@data_dir_option
def verify(dataset: str | None, data_dir: Path | None) -> None:
    failed: list[str] = []
    failed_imports: list[str] = []
    specs, imported = _chosen(dataset)
    for spec in specs:
        for filename in spec.sha256:
            path = find_file(spec, filename, data_dir)
            problem = "not found" if path is None else check_file(spec, filename, path)
            where_ = _shown(path) if path else f"{spec.name}/{filename}"
            if problem is None:
                click.echo(f"OK    {where_}")
            else:
                click.echo(f"FAIL  {where_}: {problem}")
                failed.append(spec.name)
    for name in imported:
        for filename, problem in file_problems(name, require_manifest(name)).items():
            shown = _shown(dataset_dir(name) / filename)
            click.echo(f"OK    {shown}" if problem is None else f"FAIL  {shown}: {problem}")
            if problem is not None:
                failed_imports.append(name)
    fixes = []
    if failed:
        names = " ".join(dict.fromkeys(failed))
        fixes.append(
            f"delete the corrupt files and run `gankit data download {names}`, or point "
            "--data-dir / $GANKIT_DATA at a folder holding good copies (`gankit data where` "
            "shows the search order)"
        )
    for name in dict.fromkeys(failed_imports):
        fixes.append(f"import {name}'s folder again with `gankit data import DIR --name {name} "
                     "--replace`")  # fmt: skip
    if fixes:
        count = len(failed) + len(failed_imports)
        raise DataError(f"{count} file(s) failed. Fix: " + "; ".join(fixes) + ".")


@data.command(
    short_help="Download missing files from the mirrors, verified.",
    help="Download the files of DATASET (default: all) from the mirrors, verified by SHA-256; "
    "files already present and valid are kept. Set $GANKIT_MIRRORS to use other mirrors.",
)
@_BUILT_IN
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Store files in DEST/<dataset>/ (use it later with --data-dir DEST); "
    "default: the user cache (~/.cache/gankit).",
)
def download(dataset: str | None, dest: Path | None) -> None:
    for spec in _specs(dataset):
        folder = None if dest is None else dest / spec.name
        for path in download_dataset(spec.name, folder):
            click.echo(f"OK    {_shown(path)}")


@data.command(
    "import",
    short_help="Convert a folder of your own 28x28 images into a dataset.",
    help="Convert FOLDER, 28x28 images in one sub-folder per class (or none, for unlabelled "
    "images), into the dataset NAME: grey-level IDX files with their SHA-256 in the user "
    "cache, a seeded tenth of each class held out as its test split. Then train on it with "
    "`--set data.dataset=NAME`; with classes, give it an evaluator with `gankit classifier "
    "train NAME`.",
)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", required=True, help="Dataset name (lower-case letters, digits, . _ -).")
@click.option(
    "--test-fraction",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=TEST_FRACTION,
    show_default=True,
    help="Share of each class held out as the test split.",
)
@click.option("--replace", is_flag=True, help="Overwrite a dataset NAME holding other images.")
def import_(folder: Path, name: str, test_fraction: float, replace: bool) -> None:
    result = import_folder(folder, name, test_fraction=test_fraction, replace=replace)
    counts = ", ".join(f"{c}: {n}" for c, n in result.counts.items())
    verb = "already imported, unchanged" if result.unchanged else "imported"
    click.echo(f"{name}: {verb} from {_shown(folder)} into {_shown(result.folder)}")
    click.echo(f"  {sum(result.counts.values())} images, {len(result.classes)} class(es): {counts}")
    if result.skipped:
        click.echo(f"  skipped {result.skipped} file(s) that are not images")
    click.echo(f"  content sha256 {result.content_sha256}")
    if result.unchanged:
        return
    from gankit.evaluation.classifier import WITHOUT_CLASSIFIER

    train = f"`gankit train dcgan-uncond --set data.dataset={name}`"
    if len(result.classes) > 1:
        click.echo(f"next: `gankit classifier train {name}` (the metrics' evaluator), then {train}")
        return
    click.echo(
        f"one class (no class sub-folders): no classifier can be learnt from it, so train with "
        f"{train} (no periodic evaluation) and score the run with `gankit eval RUN_DIR` and "
        f"{WITHOUT_CLASSIFIER}"
    )
