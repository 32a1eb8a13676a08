"""Where dataset files are found: --data-dir, $GANKIT_DATA, the user cache, system folders."""

from __future__ import annotations

import os
from pathlib import Path

from gankit.data.registry import DatasetSpec

ENV_VAR = "GANKIT_DATA"


def user_cache_dir() -> Path:
    """The user cache (XDG_CACHE_HOME respected); downloads land here, never in site-packages."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gankit"


def search_dirs(spec: DatasetSpec, data_dir: str | Path | None = None) -> list[tuple[str, Path]]:
    """Folders searched for a dataset's files, in order, each with where it came from."""
    dirs: list[tuple[str, Path]] = []
    if data_dir is not None:
        dirs.append(("--data-dir", Path(data_dir).expanduser() / spec.name))
    env = os.environ.get(ENV_VAR)
    if env:
        dirs.append((f"${ENV_VAR}", Path(env).expanduser() / spec.name))
    dirs.append(("user cache", user_cache_dir() / spec.name))
    dirs.extend(("system", Path(d)) for d in spec.system_dirs)
    return dirs


def find_files(spec: DatasetSpec, filename: str, data_dir: str | Path | None = None) -> list[Path]:
    """Every existing copy of `filename` (raw or .gz), in the search order."""
    return [
        candidate
        for _, folder in search_dirs(spec, data_dir)
        for candidate in (folder / filename, folder / f"{filename}.gz")
        if candidate.is_file()
    ]


def find_file(spec: DatasetSpec, filename: str, data_dir: str | Path | None = None) -> Path | None:
    """The first existing copy of `filename` (raw or .gz) in the search order, else None."""
    return next(iter(find_files(spec, filename, data_dir)), None)
