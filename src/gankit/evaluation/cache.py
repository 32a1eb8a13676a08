"""Files computed once and reused: the user cache for real-data features and reference
metrics (~/.cache/gankit/evaluation, XDG_CACHE_HOME respected), plus an in-process memo.
A reference's file name carries a hash of the registered metric keys (evaluation.registry),
so a metric added since it was written is computed for the real data too, not shown as
missing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from safetensors.torch import load_file, save

from gankit.data.locate import user_cache_dir
from gankit.evaluation.registry import keys_digest
from gankit.fileio import atomic_write_bytes

# Bump when what a cached file means changes, so that old files are not read as new ones (a
# metric added or removed needs no bump: reference_name follows the registry).
CACHE_VERSION = 1

T = TypeVar("T")
_MEMORY: dict[str, Any] = {}


def cache_dir() -> Path:
    return user_cache_dir() / "evaluation" / f"v{CACHE_VERSION}"


def memo(key: str, compute: Callable[[], T]) -> T:
    """compute() once per key for the life of the process."""
    if key not in _MEMORY:
        _MEMORY[key] = compute()
    return _MEMORY[key]


def clear_memory() -> None:
    _MEMORY.clear()


def cached_json(name: str, compute: Callable[[], Any]) -> Any:
    """The JSON file `name` in the cache, computed and written atomically when absent."""
    path = cache_dir() / name

    def load() -> Any:
        if not path.is_file():
            text = json.dumps(compute(), indent=1)
            atomic_write_bytes(path, lambda f: f.write(text.encode()))
        return json.loads(path.read_text())

    return memo(str(path), load)


def reference_name(stem: str) -> str:
    """The file name of the real-data reference `stem`: scores of real images as samples."""
    return f"{stem}-metrics-{keys_digest()}.json"


def cached_reference(stem: str, compute: Callable[[], Any]) -> Any:
    """cached_json for the real-data reference `stem` (reference_name)."""
    return cached_json(reference_name(stem), compute)


def cached_tensors(
    name: str, compute: Callable[[], dict[str, torch.Tensor]]
) -> dict[str, torch.Tensor]:
    """The safetensors file `name` in the cache, computed and written atomically when absent."""
    path = cache_dir() / name

    def load() -> dict[str, torch.Tensor]:
        if not path.is_file():
            payload = save({k: v.contiguous() for k, v in compute().items()})
            atomic_write_bytes(path, lambda f: f.write(payload))
        return load_file(str(path))

    return memo(str(path), load)


def cached_tensors_if_present(name: str) -> dict[str, torch.Tensor] | None:
    """The safetensors file `name` when the cache holds it (read once per process, under the
    key cached_tensors uses), else None: nothing is computed."""
    path = cache_dir() / name
    if not path.is_file():
        return None
    return memo(str(path), lambda: load_file(str(path)))
