"""Every dataset gankit can train on, by name: the IDX datasets of the registry, Stacked MNIST
(built from MNIST) and the folders imported into the user cache."""

from __future__ import annotations

from dataclasses import dataclass

from gankit import choices
from gankit.data import folder, stacked
from gankit.data.errors import DataError
from gankit.data.registry import DATASETS


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    classes: tuple[str, ...]
    channels: int = 1
    kind: str = "idx"  # a dataset kind declared in gankit/choices/datasets.py

    def __post_init__(self) -> None:
        if self.kind not in choices.DATASET_KINDS:
            raise ValueError(
                f"dataset {self.name!r}: kind {self.kind!r} is not declared in "
                "gankit/choices/datasets.py"
            )

    @property
    def counts_modes(self) -> bool:
        """Its evaluation counts the modes a generator covers (the kind's capability)."""
        return choices.DATASET_KINDS[self.kind].counts_modes


def known_datasets() -> list[str]:
    """Built-in names first, then the imported ones."""
    return [*sorted(DATASETS), *stacked.DATASETS, *folder.imported_names()]


def dataset_info(name: str) -> DatasetInfo:
    if name in DATASETS:
        return DatasetInfo(name, DATASETS[name].classes)
    if name in stacked.DATASETS:
        return DatasetInfo(name, stacked.CLASSES, stacked.CHANNELS, "stacked")
    manifest = folder.read_manifest(name)
    if manifest is None:
        imported = ", ".join(folder.imported_names()) or "none"
        raise DataError(
            f"unknown dataset {name!r}; built in: "
            f"{', '.join([*sorted(DATASETS), *stacked.DATASETS])}; "
            f"imported: {imported}. Import a folder of 28x28 images with "
            f"`gankit data import DIR --name {name}`"
        )
    return DatasetInfo(name, tuple(manifest["classes"]), 1, "folder")
