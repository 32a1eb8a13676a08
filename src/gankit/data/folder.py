"""Your own 28x28 images as a dataset: a folder of images (one sub-folder per class, or none)
converted once into the user cache as IDX files, with their SHA-256 in a manifest, and read
back verified, like the built-in datasets.

    ~/.cache/gankit/datasets/NAME/manifest.json        classes, counts, checksums, source
    ~/.cache/gankit/datasets/NAME/{train,t10k}-*-ubyte  the images and labels
    ~/.cache/gankit/datasets/NAME/classifier.*          the evaluator, once trained on them

Each class keeps a seeded tenth of its images (at least one) as the test split, which the
evaluator's accuracy and the real-data reference metrics are measured on.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from dataclasses import replace as replace_fields
from pathlib import Path
from typing import Any

import numpy as np

from gankit.data import idx
from gankit.data.errors import DataError
from gankit.data.locate import user_cache_dir
from gankit.errors import InputError
from gankit.fileio import atomic_write_bytes, atomic_write_text

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
SIZE = (28, 28)
TEST_FRACTION = 0.1
SPLIT_SEED = 0
UNLABELLED = "all"  # the one class of a folder without sub-folders
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
MANIFEST = "manifest.json"
CLASSIFIER_WEIGHTS = "classifier.safetensors"
CLASSIFIER_RECORD = "classifier.json"


@dataclass(frozen=True)
class ImportResult:
    name: str
    folder: Path
    classes: tuple[str, ...]
    counts: dict[str, int]
    content_sha256: str
    unchanged: bool  # the same images were already imported under this name
    skipped: int  # files in the source folder that are not images


def datasets_root() -> Path:
    return user_cache_dir() / "datasets"


def dataset_dir(name: str) -> Path:
    return datasets_root() / name


def read_manifest(name: str) -> dict[str, Any] | None:
    path = dataset_dir(name) / MANIFEST
    if not NAME_PATTERN.fullmatch(name) or not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(
            f"{path}: unreadable ({exc}); import the folder again with "
            f"`gankit data import DIR --name {name} --replace`"
        ) from exc


def imported_names() -> list[str]:
    root = datasets_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def _scan(folder: Path) -> tuple[list[Path], list[int], tuple[str, ...], int]:
    """Image files, their class indices, the class names and how many other files were seen."""
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder; give a folder of 28x28 images")
    entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    subfolders = [p for p in entries if p.is_dir()]
    loose = [p for p in entries if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES]
    if subfolders and loose:
        raise DataError(
            f"{folder}: holds both sub-folders ({subfolders[0].name}, ...) and images "
            f"({loose[0].name}, ...); put every image in its class's sub-folder, or use no "
            "sub-folders at all for unlabelled images"
        )
    groups = [(p.name, p) for p in subfolders] if subfolders else [(UNLABELLED, folder)]
    if len(groups) > 256:
        raise DataError(f"{folder}: {len(groups)} class sub-folders; at most 256 are supported")
    files: list[Path] = []
    labels: list[int] = []
    skipped = 0
    for label, (_, group) in enumerate(groups):
        found = sorted(p for p in group.iterdir() if p.is_file() and not p.name.startswith("."))
        images = [p for p in found if p.suffix.lower() in IMAGE_SUFFIXES]
        skipped += len(found) - len(images)
        if not images:
            raise DataError(
                f"{group}: no images ({', '.join(IMAGE_SUFFIXES)}); every class sub-folder "
                "needs at least one"
            )
        files += images
        labels += [label] * len(images)
    return files, labels, tuple(name for name, _ in groups), skipped


def _read_images(files: list[Path]) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError  # comes with matplotlib

    arrays = []
    for file in files:
        try:
            with Image.open(file) as img:
                # Grey levels: colour images are converted the way PIL's "L" mode does.
                array = np.asarray(img.convert("L"))
        except (OSError, UnidentifiedImageError) as exc:
            raise DataError(f"{file}: not a readable image ({exc}); remove or replace it") from exc
        if array.shape != SIZE:
            raise DataError(
                f"{file}: {array.shape[1]}x{array.shape[0]} pixels; every image must be 28x28 "
                "(resize the folder first, e.g. with PIL's Image.resize)"
            )
        arrays.append(array)
    return np.stack(arrays)


def split_indices(
    labels: np.ndarray, test_fraction: float, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test indices: per class, a seeded random `test_fraction` (at least one image
    of every class with two or more) goes to test."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = max(1, round(len(members) * test_fraction)) if len(members) > 1 else 0
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _content_sha256(images: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> str:
    digest = hashlib.sha256(json.dumps(classes).encode())
    digest.update(images.tobytes())
    digest.update(labels.tobytes())
    return digest.hexdigest()


def import_folder(
    folder: str | Path,
    name: str,
    *,
    test_fraction: float = TEST_FRACTION,
    replace: bool = False,
) -> ImportResult:
    """Convert `folder` into the cached dataset `name`. The same images imported again are
    left as they are (or rewritten, if a cached file was altered); other images under an
    existing name need `replace`."""
    from gankit.data.registry import DATASETS
    from gankit.data.stacked import DATASETS as STACKED_DATASETS

    folder = Path(folder).expanduser()
    if not NAME_PATTERN.fullmatch(name) or name in (*DATASETS, *STACKED_DATASETS):
        raise DataError(
            f"dataset name {name!r}: use lower-case letters, digits, '.', '_' and '-' (at most "
            "64), starting with a letter or digit, and not a built-in dataset's name"
        )
    if not 0 < test_fraction < 1:
        raise DataError(f"test fraction {test_fraction}: give a number between 0 and 1")
    files, label_list, classes, skipped = _scan(folder)
    images = _read_images(files)
    labels = np.asarray(label_list, dtype=np.uint8)
    content = _content_sha256(images, labels, classes)
    counts = {c: int((labels == i).sum()) for i, c in enumerate(classes)}
    result = ImportResult(name, dataset_dir(name), classes, counts, content, False, skipped)
    previous = read_manifest(name)
    if previous is not None:
        same = previous.get("content_sha256") == content
        if same and previous.get("test_fraction") == test_fraction and _intact(name, previous):
            return replace_fields(result, unchanged=True)
        if not replace:
            raise DataError(
                f"dataset {name!r} already holds other images (imported from "
                f"{previous.get('source')}); pass --replace to overwrite it (its classifier is "
                "dropped too), or choose another --name"
            )
    train, test = split_indices(labels, test_fraction)
    if len(test) == 0:
        raise DataError(f"{folder}: too few images to hold any out for testing; add more")
    out = dataset_dir(name)
    sha = {}
    for split, rows in (("train", train), ("test", test)):
        for filename, array in zip(FILES[split], (images[rows], labels[rows]), strict=True):
            data = idx.encode(array)
            sha[filename] = idx.sha256(data)
            atomic_write_bytes(out / filename, lambda f, data=data: f.write(data))
    # A new import invalidates an evaluator trained on the old images.
    (out / CLASSIFIER_RECORD).unlink(missing_ok=True)
    manifest = {
        "name": name,
        "source": str(folder.resolve()),
        "classes": list(classes),
        "counts": counts,
        "splits": {"train": len(train), "test": len(test)},
        "test_fraction": test_fraction,
        "split_seed": SPLIT_SEED,
        "content_sha256": content,
        "sha256": sha,
    }
    # Written last: a dataset whose manifest is there is complete.
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return result


def file_problems(name: str, manifest: dict[str, Any]) -> dict[str, str | None]:
    """Each cached file of imported dataset NAME -> None when it still has the checksum its
    manifest records, else what is wrong."""
    problems: dict[str, str | None] = {}
    for filename, expected in manifest["sha256"].items():
        path = dataset_dir(name) / filename
        if not path.is_file():
            problems[filename] = "missing"
            continue
        digest = idx.sha256(path.read_bytes())
        problems[filename] = (
            None if digest == expected else f"SHA-256 {digest}, expected {expected}"
        )
    return problems


def _intact(name: str, manifest: dict[str, Any]) -> bool:
    return not any(file_problems(name, manifest).values())


def require_manifest(name: str) -> dict[str, Any]:
    manifest = read_manifest(name)
    if manifest is None:
        raise DataError(
            f"no imported dataset {name!r} in {datasets_root()}; import a folder of 28x28 "
            f"images with `gankit data import DIR --name {name}`"
        )
    return manifest


@functools.lru_cache(maxsize=8)
def _verified(path: Path, expected: str, mtime: float) -> np.ndarray:
    data = path.read_bytes()
    digest = idx.sha256(data)
    if digest != expected:
        raise DataError(
            f"{path}: SHA-256 is {digest}, its manifest says {expected}; the cached file was "
            "altered. Import the folder again with `gankit data import DIR --name "
            f"{path.parent.name} --replace`"
        )
    array = idx.parse(data, path)
    array.setflags(write=False)
    return array


def folder_arrays(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Verified uint8 images (N, 28, 28) and labels (N,) of an imported dataset's split."""
    manifest = require_manifest(name)
    if split not in FILES:
        raise InputError(f"unknown split {split!r}; choose one of: {', '.join(FILES)}")
    arrays = []
    for filename in FILES[split]:
        path = dataset_dir(name) / filename
        if not path.is_file():
            raise DataError(
                f"{path}: missing; import the folder again with `gankit data import DIR "
                f"--name {name} --replace`"
            )
        arrays.append(_verified(path, manifest["sha256"][filename], path.stat().st_mtime))
    return arrays[0], arrays[1]


def single_class(name: str) -> bool:
    """An imported folder of one class (no class sub-folders): no classifier can be learnt
    from it, so it is scored only with metrics that need none of its own."""
    manifest = read_manifest(name)
    return manifest is not None and len(manifest["classes"]) < 2


def classifier_weights(name: str) -> Path:
    return dataset_dir(name) / CLASSIFIER_WEIGHTS


def classifier_record(name: str) -> dict[str, Any] | None:
    """What `gankit classifier train NAME` recorded: the weights' SHA-256 and accuracy."""
    path = dataset_dir(name) / CLASSIFIER_RECORD
    return json.loads(path.read_text()) if path.is_file() else None


def record_classifier(name: str, sha256: str, test_accuracy: float, epochs: int) -> None:
    require_manifest(name)
    record = {"sha256": sha256, "test_accuracy": test_accuracy, "epochs": epochs}
    atomic_write_text(dataset_dir(name) / CLASSIFIER_RECORD, json.dumps(record, indent=1) + "\n")
