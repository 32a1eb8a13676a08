"""What a sweep is: presets x a grid of config overrides x seeds, and the trials it expands to.

Every trial's config is built and validated here, before any trial starts, so a typo in a
preset, a key or a value stops the sweep with a message that names it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gankit.config import (
    DEFAULT_PRESET,
    Config,
    ConfigError,
    _format_errors,
    config_label,
    flatten,
    is_config_file,
    load_config,
)
from gankit.data.load import check_label_subset


class SweepError(ConfigError):
    """A sweep file or sweep option is invalid; the message names the key and the fix."""


class SweepSpec(BaseModel):
    """The sweep file's schema (the command line fills the same fields)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    presets: list[str] = Field(default_factory=lambda: [DEFAULT_PRESET], min_length=1)
    grid: dict[str, list[Any]] = Field(
        default_factory=dict, description="config key -> the values to try"
    )
    seeds: int | list[int] = Field(default=1, description="N (seeds 0..N-1) or a list of seeds")
    fixed: dict[str, Any] = Field(
        default_factory=dict, alias="set", description="config key -> value, in every trial"
    )

    @field_validator("grid")
    @classmethod
    def _grid_values(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in grid.items():
            if key == "train.seed":
                raise ValueError("sweep seeds with `seeds:` (or --seeds), not in the grid")
            if not values:
                raise ValueError(f"grid key {key!r} has no values")
        return grid

    @field_validator("seeds")
    @classmethod
    def _seed_list(cls, seeds: int | list[int]) -> int | list[int]:
        if isinstance(seeds, int) and seeds < 1:
            raise ValueError("seeds must be at least 1 (a count) or a list of seeds")
        if isinstance(seeds, list) and (not seeds or len(set(seeds)) != len(seeds)):
            raise ValueError("the seed list must be non-empty and hold each seed once")
        return seeds

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)

    def fixed_overrides(self) -> list[str]:
        return [override(key, value) for key, value in self.fixed.items()]


def override(key: str, value: Any) -> str:
    """`key=value` as `--set` takes it; JSON is YAML, so the value parses back unchanged."""
    return f"{key}={json.dumps(value)}"


def parse_spec(tree: Any, source: str) -> SweepSpec:
    if not isinstance(tree, dict):
        raise SweepError(f"{source}: a sweep is a mapping with keys presets, grid, seeds, set")
    try:
        return SweepSpec.model_validate(tree)
    except ValidationError as exc:
        valid = "presets, grid, seeds, set"
        raise SweepError(
            f"invalid sweep ({source}):\n{_format_errors(exc)}\nvalid keys: {valid}"
        ) from None


def load_sweep_file(path: Path) -> SweepSpec:
    try:
        tree = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise SweepError(f"cannot read sweep file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SweepError(f"{path} is not valid YAML: {exc}") from None
    spec = parse_spec(tree, str(path))
    # a config file it sweeps is found beside it, wherever the sweep is started from
    presets = [str(Path(path).parent / p) if is_config_file(p) else p for p in spec.presets]
    return spec.model_copy(update={"presets": presets})


def parse_grid_option(text: str) -> tuple[str, list[Any]]:
    """`--grid optim.d.lr=[1e-4, 2e-4]` -> ('optim.d.lr', [0.0001, 0.0002])."""
    key, sep, raw = text.partition("=")
    try:
        values = yaml.safe_load(raw) if sep else None
    except yaml.YAMLError:
        values = None
    if not isinstance(values, list) or not values:
        raise SweepError(f"--grid {text!r} must look like KEY=[v1, v2] (a YAML list of values)")
    return key.strip(), values


@dataclass(frozen=True)
class Trial:
    """One run of a sweep: a preset, its overrides, one seed, and the resolved config."""

    name: str
    preset: str
    seed: int
    point: dict[str, Any]  # the grid keys' values in this trial
    config: Config = field(compare=False)

    def to_payload(self) -> dict[str, Any]:
        """Plain data, so a worker can receive a trial before it imports torch."""
        return {
            "name": self.name,
            "preset": self.preset,
            "seed": self.seed,
            "point": self.point,
            "config": self.config.to_dict(),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Trial:
        config = Config.model_validate(payload["config"])
        return cls(payload["name"], payload["preset"], payload["seed"], payload["point"], config)


def _short_keys(keys: list[str]) -> dict[str, str]:
    """The shortest dotted suffix that tells each key apart: optim.d.lr -> d.lr beside
    optim.g.lr, train.batch_size -> batch_size."""
    short = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            suffix = ".".join(parts[-n:])
            if all(not k.endswith(suffix) for k in keys if k != key):
                short[key] = suffix
                break
        else:
            short[key] = key
    return short


def _name_value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, float):
        text = format(value, "g")
    elif isinstance(value, list):
        text = "-".join(_name_value(v) for v in value)
    else:
        text = str(value)
    return re.sub(r"[^A-Za-z0-9.+-]", "-", text)


def trial_name(preset: str, point: dict[str, Any], short: dict[str, str], seed: int) -> str:
    """What differs, readable as a folder name: dcgan_d.lr=0.0001-s2."""
    knobs = "".join(f"_{short[k]}={_name_value(v)}" for k, v in point.items())
    return f"{preset}{knobs}-s{seed}"


def plan_trials(
    spec: SweepSpec,
    extra: list[str] | tuple[str, ...] = (),
    per_preset: Callable[[str], list[str]] = lambda preset: [],
) -> list[Trial]:
    """Every trial of the sweep, each config validated; raises ConfigError (or DataError, for
    an unknown dataset or a class it lacks) naming the problem.

    Overrides apply in this order: per_preset(preset) (reproduce's scaling), the sweep's
    `set:`, `extra` (the command line's --set), the grid point, the seed."""
    # Every grid key names the trial, one value or many: a grid later widened from [8] to
    # [8, 16] keeps the folders it already has.
    swept = spec.grid
    short = _short_keys(list(swept))
    trials: list[Trial] = []
    for preset in spec.presets:
        for values in itertools.product(*swept.values()):
            point = dict(zip(swept, values, strict=True))
            for seed in spec.seed_list():
                overrides = [
                    *per_preset(preset),
                    *spec.fixed_overrides(),
                    *extra,
                    *(override(k, v) for k, v in point.items()),
                    f"train.seed={seed}",
                ]
                config = load_config(preset, overrides)
                # before any trial trains
                check_label_subset(config.data.dataset, config.data.labels)
                # The values as the config holds them: '1e-4' (a string to YAML) is 0.0001.
                flat = flatten(config.to_dict())
                point = {k: flat[k] for k in point}
                label = config_label(preset)  # a config file: its name, not its path
                trials.append(Trial(trial_name(label, point, short, seed), preset, seed, point,
                                    config))  # fmt: skip
    names = [t.name for t in trials]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise SweepError(
            f"two trials would share the folder {clashes[0]!r}: a grid lists one value twice "
            "(1e-4 and 0.0001 are the same number); list each value once"
        )
    return trials
