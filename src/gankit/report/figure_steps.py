"""Which sample grids of a run stand for a paper's figure: the iterations its caption (or text)
names, scaled to the run's length, each matched to the nearest grid the run saved, plus the
final one, whose generator the metrics score."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gankit.config import Config, ConfigError, load_config
from gankit.papers import ExperimentFigures, paper_experiment
from gankit.rundir import RunDir, step_of


@dataclass(frozen=True)
class FigureStep:
    step: int  # the iteration in this run
    label: str  # where the step comes from


@dataclass(frozen=True)
class FigureGrid:
    path: Path
    step: int
    labels: tuple[str, ...]

    @property
    def caption(self) -> str:
        return f"step {self.step:,}: " + "; ".join(self.labels)


def experiment_figures(preset: str) -> ExperimentFigures | None:
    found = paper_experiment(preset)
    return found[0].figures.get(found[1]) if found else None


def length_scale(config: Config) -> float:
    """The run's length over its preset's (gankit reproduce --scale shortens both alike);
    1 for a run that is not of a preset."""
    try:
        preset = load_config(config.name)
    except ConfigError:
        return 1.0
    return config.train.iterations / preset.train.iterations


def figure_steps(config: Config) -> list[FigureStep]:
    """The iterations to show, in order: the paper figure's (step 0 and the milestones when
    its caption names none), those its text names, and the last."""
    figures = experiment_figures(config.name)
    scale = length_scale(config)

    def at(step: int) -> int:
        return round(step * scale)

    steps: list[FigureStep] = []
    if figures and figures.samples.steps is not None:
        number = figures.samples.number
        steps += [FigureStep(at(s), f"{number} at {s:,}") for s in figures.samples.steps]
    else:
        steps.append(FigureStep(0, "start"))
        steps += [FigureStep(m, f"milestone {m:,}") for m in config.log.milestones]
    if figures:
        steps += [FigureStep(at(s), f"{s:,} in the text") for s in figures.samples.text_steps]
    steps.append(FigureStep(config.train.iterations, "final, scored"))
    return sorted(steps, key=lambda s: s.step)


def figure_grids(run: RunDir, config: Config) -> list[FigureGrid]:
    return pick_grids(run.sample_grids(), config)


def pick_grids(grids: list[Path], config: Config) -> list[FigureGrid]:
    """Each figure step's grid: the saved grid nearest to it (one grid may stand for several
    steps), oldest first; empty when the run saved none."""
    saved = {step_of(path): path for path in grids}
    if not saved:
        return []
    labels: dict[int, list[str]] = {}
    for wanted in figure_steps(config):
        nearest = min(saved, key=lambda step: (abs(step - wanted.step), step))
        label = wanted.label if nearest == wanted.step else f"{wanted.label} (nearest grid)"
        labels.setdefault(nearest, [])
        if label not in labels[nearest]:
            labels[nearest].append(label)
    return [FigureGrid(saved[s], s, tuple(labels[s])) for s in sorted(labels)]
