"""Load a verified dataset split as arrays or as training tensors in [-1, 1]."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import torch

from gankit.data import folder, idx, stacked
from gankit.data.catalog import dataset_info
from gankit.data.errors import DataError
from gankit.data.locate import find_files, search_dirs
from gankit.data.registry import DATASETS, DatasetSpec, get_spec
from gankit.errors import InputError

log = logging.getLogger(__name__)


def _checked_array(spec: DatasetSpec, filename: str, path: Path) -> np.ndarray:
    data = idx.read_bytes(path)
    digest = idx.sha256(data)
    if digest != spec.sha256[filename]:
        raise DataError(
            f"{path}: SHA-256 of the decompressed bytes is {digest}, expected "
            f"{spec.sha256[filename]}; the file is corrupt or not {spec.name}'s {filename}. "
            "Delete it and run `gankit data download "
            f"{spec.name}` (or point --data-dir at a good copy)"
        )
    return idx.parse(data, path)


@functools.lru_cache(maxsize=16)
def _verified(name: str, filename: str, path: Path, mtime: float) -> np.ndarray:
    """One verified file, read once per process per version (`mtime` keys out replaced files);
    a failure is not cached."""
    array = _checked_array(get_spec(name), filename, path)
    array.setflags(write=False)
    return array


def _read_verified(spec: DatasetSpec, filename: str, path: Path) -> np.ndarray:
    try:
        return _verified(spec.name, filename, path.resolve(), path.stat().st_mtime)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from exc


def read_first_good(
    spec: DatasetSpec, filename: str, data_dir: str | Path | None, download: bool
) -> np.ndarray:
    """The first copy of `filename` in the lookup order that passes its checksum. A corrupt or
    truncated copy is reported and skipped for the next one; when none is good, a verified
    download (if allowed), else a DataError naming every copy and what is wrong with it."""
    problems = []
    for path in find_files(spec, filename, data_dir):
        try:
            array = _read_verified(spec, filename, path)
        except DataError as exc:
            problems.append(str(exc))
            continue
        for problem in problems:
            log.warning("%s\n  skipped it; using %s", problem, path)
        return array
    if download:
        from gankit.data.download import download_file

        for problem in problems:
            log.warning("%s\n  skipped it; downloading a fresh copy", problem)
        return _read_verified(spec, filename, download_file(spec, filename))
    if problems:
        raise DataError("\n".join(problems))
    searched = ", ".join(str(d) for _, d in search_dirs(spec, data_dir))
    raise DataError(
        f"{spec.name}: {filename} not found (searched {searched}); run "
        f"`gankit data download {spec.name}` or set --data-dir / $GANKIT_DATA"
    )


def load_arrays(
    name: str, split: str = "train", data_dir: str | Path | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Verified uint8 images (N, 28, 28), or (N, C, 28, 28) for a multi-channel dataset, and
    labels (N,), read-only.

    Files are looked up on every call (so a changed $GANKIT_DATA or a fresh download is seen)
    and read and checked once per process per file version.
    """
    if name not in DATASETS:  # built from other files: Stacked MNIST, imported folders
        return _built_arrays(name, split, data_dir, download)
    spec = get_spec(name)
    if split not in spec.files:
        raise InputError(f"unknown split {split!r}; choose one of: {', '.join(spec.files)}")
    names = spec.files[split]
    x, y = (read_first_good(spec, f, data_dir, download) for f in names)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DataError(
            f"{spec.name} {split}: images {x.shape} and labels {y.shape} do not pair up; "
            "the files are from different datasets, re-download them"
        )
    return x, y


def to_unit_range(images_uint8: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W) or (N, C, H, W) -> float32 (N, C, H, W) in [-1, 1] (C = 1 for the
    first), the range a tanh generator produces."""
    x = torch.as_tensor(np.asarray(images_uint8)).float().div_(127.5).sub_(1.0)  # in place
    return x.unsqueeze(1) if x.dim() == 3 else x


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) in [-1, 1] -> uint8, rounded to nearest: what every PNG gankit writes, its
    .npz samples and other FID tools hold."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


def as_8_bit(images: torch.Tensor) -> torch.Tensor:
    """The float images a saved PNG of `images` holds: rounded to 8 bits and mapped back to
    [-1, 1] as to_unit_range maps a loaded PNG, bit for bit."""
    return to_uint8(images).float() / 127.5 - 1.0


def check_label_subset(name: str, labels: list[int] | None) -> None:
    """Raise DataError unless `name` is a known dataset and every one of `labels` is among its
    classes; reads no images, so a sweep checks every trial before the first one trains."""
    if labels is None:
        return
    n_classes = len(dataset_info(name).classes)
    bad = [c for c in labels if not 0 <= c < n_classes]
    if bad:
        raise DataError(
            f"labels {bad} out of range for {name}: its classes are 0..{n_classes - 1}; "
            f"fix data.labels, e.g. --set data.labels=[6]"
        )


def load_tensors(
    name: str,
    split: str = "train",
    data_dir: str | Path | None = None,
    labels: list[int] | None = None,
    limit: int | None = None,
    download: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images in [-1, 1] as (N, 1, 28, 28) float32 and labels as int64, optionally a subset.

    `labels` keeps only those classes (the digit 6 alone: [6]); `limit` keeps the first N
    after that filter.
    """
    images, targets = load_arrays(name, split, data_dir, download)
    keep = np.arange(len(targets))
    if labels is not None:
        check_label_subset(name, labels)
        keep = keep[np.isin(targets, labels)]
    if limit is not None:
        if limit <= 0:
            raise InputError(f"limit must be positive, got {limit}")
        keep = keep[:limit]
    return to_unit_range(images[keep]), torch.as_tensor(targets[keep].astype(np.int64))


def _built_arrays(
    name: str, split: str, data_dir: str | Path | None, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of a dataset that is not an IDX download: Stacked MNIST, or a folder."""
    if name in stacked.DATASETS:
        return _stacked_arrays(name, split, data_dir, download)
    dataset_info(name)  # an unknown name fails here, with the list of known ones
    return folder.folder_arrays(name, split)


def _stacked_arrays(
    name: str, split: str, data_dir: str | Path | None, download: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Split `split` of Stacked MNIST dataset `name` (one of stacked.DATASETS), stacked from
    the verified MNIST digits."""
    splits = stacked.SPLITS[name]
    if split not in splits:
        raise InputError(f"unknown split {split!r}; choose one of: {', '.join(splits)}")
    spec = splits[split]
    parts = [load_arrays("mnist", part, data_dir, download) for part in spec.pool]
    if len(parts) == 1:
        digits, labels = parts[0]
    else:
        digits = np.concatenate([images for images, _ in parts])
        labels = np.concatenate([targets for _, targets in parts])
    return stacked.stack(digits, labels, spec.size, spec.seed)
