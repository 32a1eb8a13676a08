"""The benchmark's trials: every model of the study for seeds 0..N-1, each a sweep trial named
as the sweep runner names a grid point's (`<preset>-s<seed>`, `<preset>_<key>=<value>-s<seed>`
for a variant), so that the runner skips the finished ones and resumes the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from gankit.benchmark.study import EVAL_EVERY, MODELS, StudyModel
from gankit.config import load_config
from gankit.data import dataset_info
from gankit.reproduce import scaled_overrides, settings_of
from gankit.sweep.spec import SweepError, SweepSpec, Trial, plan_trials


def study_overrides(preset: str, scale: float) -> list[str]:
    """What the study lays over a preset besides a variant's switch: its length and logging
    times `scale` (reproduce.scaled_overrides), and a periodic evaluation every EVAL_EVERY
    iterations (scaled too) for the equal-budget curves. Stacked MNIST's periodic evaluation
    counts modes and has no FID to keep a best.pt by. All of it is outside the config's
    fingerprint: at scale 1 each trial computes what `gankit train PRESET` computes."""
    base = load_config(preset)
    extra = [f"log.eval_every={max(1, round(EVAL_EVERY * scale))}"]
    if dataset_info(base.data.dataset).counts_modes:
        extra.append("log.keep_best=false")
    return [*scaled_overrides(preset, scale), *extra]


def benchmark_trials(
    scale: float = 1.0,
    seeds: int = 3,
    extra_overrides: tuple[str, ...] = (),
    settings_from: Path | None = None,
    echo: Callable[[str], None] = print,
    models: tuple[StudyModel, ...] = MODELS,
) -> list[Trial]:
    """Every model of the study for seeds 0..seeds-1, validated before any trains. With
    `settings_from` (the benchmark's OUT or its collected folder) each trial takes the settings
    its namesake there trained with, but for the keys `extra_overrides` set (as
    reproduce.paper_trials)."""
    trials: list[Trial] = []
    for model in models:
        grid = {key: [value] for key, value in model.switch.items()}
        spec = SweepSpec(presets=[model.preset], grid=grid, seeds=seeds)
        trials += plan_trials(spec, extra_overrides, lambda p: study_overrides(p, scale))
    clashes = sorted(name for name, n in Counter(t.name for t in trials).items() if n > 1)
    if clashes:
        raise SweepError(f"two models of the study train in the folder {clashes[0]!r}")
    return settings_of(trials, settings_from, extra_overrides, echo)
