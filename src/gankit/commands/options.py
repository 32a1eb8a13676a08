"""Options shared by several commands, so they read and behave the same everywhere."""

from __future__ import annotations

from pathlib import Path

import click

data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Folder holding <dataset>/ IDX files."
)


def set_option(help_text: str):  # noqa: ANN201  (click's decorator type is private)
    return click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=help_text)


eval_samples_option = click.option(
    "--eval-samples",
    type=int,
    default=10000,
    show_default=True,
    help="Samples for the final evaluation.",
)
