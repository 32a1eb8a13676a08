"""Decide whether a checkpoint may be resumed under a given config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gankit.config import UNHASHED, Config, ConfigError, PerfConfig, flatten, load_config_file
from gankit.rundir import RunDir
from gankit.training.checkpoint import CheckpointError


def previous_perf(run: RunDir) -> PerfConfig | None:
    """The perf settings a resumable run in `run` chose at its start (its config.yaml), so that
    `auto` decides the same again; None for a new run."""
    if not (run.last_checkpoint.exists() and run.config.exists()):
        return None
    try:
        return load_config_file(run.config).perf
    except ConfigError:
        return None  # unreadable: decide afresh; the fingerprint check still guards the resume


def config_differences(saved: dict[str, Any], current: Config) -> list[str]:
    """Keys (in the fingerprint's scope) whose values differ, as 'key: saved -> now'."""
    probe = Config.model_validate(saved)
    if probe.fingerprint() == current.fingerprint():
        return []
    old, new = flatten(probe.to_dict()), flatten(current.to_dict())
    return [
        f"{key}: {old.get(key)!r} -> {new.get(key)!r}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key) and not key.startswith(UNHASHED)
    ]


def check_resumable(state: dict[str, Any], config: Config, path: Path) -> None:
    diffs = config_differences(state["config"], config)
    if diffs:
        raise CheckpointError(
            f"{path} was trained with a different config; refusing to resume it:\n  "
            + "\n  ".join(diffs)
            + "\nTrain into a new --out, or resume with the original settings"
        )
