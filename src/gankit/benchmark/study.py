"""What the model benchmark trains: each preset that no paper reproduction runs, at its own
default length, and each variant switch that no preset isolates, laid over the preset it
modifies. `gankit reproduce benchmark` trains every one for each seed; the page sets each beside
the model it modifies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gankit.config import flatten, load_config
from gankit.sweep.spec import override

# The name `gankit reproduce` takes, and what a study folder's marker (report.collect) holds.
STUDY = "benchmark"

# Periodic evaluation every this many iterations at full length (scaled with --scale), so that
# every model has a quality-against-time curve; logging only, outside the config's fingerprint.
EVAL_EVERY = 250

# The equal wall-clock training budget the page compares the models at.
BUDGET_SECONDS = 600


@dataclass(frozen=True)
class StudyModel:
    """A preset at its defaults, or one variant switch (config key -> value) laid over it."""

    preset: str
    switch: dict[str, Any] = field(default_factory=dict)
    what: str = ""  # the switch in words, for the page
    against: str | None = None  # the label of the model it modifies, set beside it

    @property
    def label(self) -> str:
        return self.preset if not self.switch else f"{self.preset} + {self.what}"

    def overrides(self) -> list[str]:
        return [override(key, value) for key, value in self.switch.items()]

    def point(self) -> dict[str, Any]:
        """The switch as its trials' trial.json records it: the values as the config holds
        them (a sweep's grid point)."""
        flat = flatten(load_config(self.preset, self.overrides()).to_dict())
        return {key: flat[key] for key in self.switch}


# In the order they train (the page groups them by dataset): the default recipe, the one before
# it and the quality recipe after it, then both recipes on Fashion-MNIST.
MODELS: tuple[StudyModel, ...] = (
    StudyModel("dcgan"),
    StudyModel("dcgan-projection", against="dcgan"),
    StudyModel("dcgan-projection-r1", against="dcgan-projection"),
    StudyModel("dcgan-fashion"),
    StudyModel("dcgan-projection-fashion", against="dcgan-fashion"),
    StudyModel("dcgan-uncond", against="dcgan"),
    StudyModel(
        "dcgan-uncond",
        {"model.d_spectral_norm": True},
        "spectral norm on D",
        against="dcgan-uncond",
    ),
    StudyModel("dcgan-uncond", {"train.loss": "lsgan"}, "LSGAN loss", against="dcgan-uncond"),
    StudyModel("dcgan-uncond", {"train.r1_gamma": 1.0}, "R1, gamma 1", against="dcgan-uncond"),
    StudyModel(
        "dcgan-uncond",
        {"train.diffaugment": ["translation", "cutout"]},
        "DiffAugment (translation, cutout)",
        against="dcgan-uncond",
    ),
    StudyModel("sngan", against="dcgan-uncond"),
    StudyModel("lsgan", against="dcgan-uncond"),
    StudyModel("wgan-gp", against="dcgan-uncond"),
    StudyModel("stacked-dcgan"),
    StudyModel("stacked-pacgan2", against="stacked-dcgan"),
)


def _key(preset: str, point: dict[str, Any]) -> str:
    return json.dumps([preset, point], sort_keys=True)


class ModelIndex:
    """The study's models by what a run records of them: its preset and grid point."""

    def __init__(self, models: tuple[StudyModel, ...] = MODELS) -> None:
        self.models = models
        self._by_key = {_key(m.preset, m.point()): m for m in models}

    def model_of(self, preset: str, point: dict[str, Any]) -> StudyModel | None:
        """The model a run of `preset` at grid point `point` (its trial.json) trains, or None
        for a run the study does not plan."""
        return self._by_key.get(_key(preset, point))


def model_of(
    preset: str, point: dict[str, Any], models: tuple[StudyModel, ...] = MODELS
) -> StudyModel | None:
    """The study's model a run of `preset` at grid point `point` trains (ModelIndex)."""
    return ModelIndex(models).model_of(preset, point)
