"""Trials planned again with the settings their recorded runs trained with.

A study's runs may differ from what its presets plan today: a seed trained in fp32 where the
others took the machine's choice (`--set perf.amp=none` for that seed alone), or a preset
revised since. Every setting that changes what training computes (the config's fingerprint
scope: precision, model, optimizer, data, seed) is taken from the recorded run's config.yaml,
with `auto` precision as the run resolved it; length, logging and speed settings stay as
planned, so `--scale` still applies.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from gankit.config import UNHASHED, ConfigError, flatten, load_config_file, set_value, validate
from gankit.rundir import RunDir
from gankit.sweep.spec import Trial


def recorded_settings(trial: Trial, run_dir: Path) -> dict[str, Any]:
    """The fingerprinted values of `run_dir`'s config.yaml that differ from `trial`'s."""
    path = RunDir(run_dir).config
    try:
        recorded = flatten(load_config_file(path).to_dict())
    except (ConfigError, ValueError) as exc:
        raise ConfigError(
            f"{path}: cannot take the settings of this run ({exc}); remove it from the folder, "
            "or reproduce without --settings-from"
        ) from None
    planned = flatten(trial.config.to_dict())
    return {
        key: value
        for key, value in recorded.items()
        if not key.startswith(UNHASHED) and planned.get(key) != value
    }


def overridden_keys(overrides: tuple[str, ...] | list[str]) -> set[str]:
    """The dotted keys a list of `key=value` overrides sets."""
    return {assignment.partition("=")[0].strip() for assignment in overrides}


def _took(name: str, run_dir: Path, taken: dict[str, Any], recorded: dict[str, Any]) -> str:
    """One line: what a trial took from its recorded run, and what --set kept instead."""
    kept = {k: v for k, v in recorded.items() if k not in taken}
    if taken:
        line = f"{name}: {' '.join(f'{k}={json.dumps(v)}' for k, v in taken.items())} as "
        line += f"{run_dir} trained"
    else:
        line = f"{name}: as planned" + ("" if kept else f", the settings {run_dir} trained with")
    if kept:
        line += f"; --set wins over {', '.join(f'{k}={json.dumps(v)}' for k, v in kept.items())}"
        line += " there"
    return line


def with_recorded_settings(
    trials: list[Trial], folder: Path, keep: set[str] = frozenset()
) -> tuple[list[Trial], list[str]]:
    """`trials` with the settings of the runs of the same name in `folder` (a study's OUT, or
    the folder its runs were collected into), but for the keys in `keep` (the command line's
    --set, which wins). Returns the trials and one line per trial saying what it took."""
    if not folder.is_dir():
        raise ConfigError(f"--settings-from {folder}: no such folder")
    planned, lines, matched = [], [], 0
    for trial in trials:
        run_dir = folder / trial.name
        if not RunDir(run_dir).config.is_file():
            lines.append(f"{trial.name}: no run in {folder}; as planned")
            planned.append(trial)
            continue
        matched += 1
        recorded = recorded_settings(trial, run_dir)
        settings = {k: v for k, v in recorded.items() if k not in keep}
        if settings:
            tree = trial.config.to_dict()
            for key, value in settings.items():
                set_value(tree, key, value)
            config = validate(tree, f"{trial.name} with the settings of {run_dir}")
            trial = dataclasses.replace(trial, config=config)
        lines.append(_took(trial.name, run_dir, settings, recorded))
        planned.append(trial)
    if not matched:
        raise ConfigError(
            f"--settings-from {folder}: no run there is named as a trial of this study "
            f"({', '.join(t.name for t in trials[:3])}, ...); give the folder holding them"
        )
    return planned, lines
