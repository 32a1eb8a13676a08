"""The layout of a run directory: every file name of a run is defined here and nowhere else.

RUN/
  config.yaml            the resolved config (perf decisions included)
  checkpoints/last.pt    the latest checkpoint; step_NNNNNN.pt are milestones; best.pt the
                         state at the lowest periodic FID (log.keep_best)
  samples/step_NNNNNN.png  fixed-noise grids
  losses.csv             one row per log.every iterations
  metrics_history.csv    periodic IS/FID (log.eval_every)
  plots/losses.png, plots/metrics.png
  metrics.json           the final evaluation (of last.pt)
  metrics_best.json, metrics_step_NNNNNN.json   `gankit eval --checkpoint best|STEP`
  timing.json            how long it trained, on which machines, over its resumes
  provenance.json        what made it: code commit, torch, precision, machine, source and
                         overrides, one segment per process that trained it (gankit.provenance)
  report.md, report.html
  events.out.tfevents.*  TensorBoard (written by tensorboardX into the root)
  trial.json, error.txt  a sweep trial's record and, when it failed, its traceback
  .lock, .claim          held by the process writing the run / the sweep running the trial
                         (gankit.locks); removed when released
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gankit.evaluation.registry import Metric

from gankit.errors import InputError

CONFIG = "config.yaml"
CHECKPOINTS = "checkpoints"
LAST_CHECKPOINT = "last.pt"
BEST_CHECKPOINT = "best.pt"
LAST, BEST = "last", "best"  # the checkpoint names `--checkpoint` takes besides a step
SAMPLES = "samples"
LOSSES = "losses.csv"
METRIC_HISTORY = "metrics_history.csv"
PLOTS = "plots"
LOSS_PLOT = "losses.png"
METRIC_PLOT = "metrics.png"
METRICS = "metrics.json"
TIMING = "timing.json"
PROVENANCE = "provenance.json"
REPORT = "report"  # report.md and report.html
TRIAL = "trial.json"
ERROR = "error.txt"
LOCK = ".lock"
CLAIM = ".claim"


STEP_PREFIX = "step_"  # milestones and sample grids: step_NNNNNN.pt / .png


def step_file(step: int, suffix: str) -> str:
    return f"{STEP_PREFIX}{step:06d}{suffix}"


def checkpoint_step(which: str) -> int:
    if not which.isdigit():
        raise InputError(
            f"checkpoint {which!r}: give {LAST}, {BEST} or a milestone's step (e.g. 10000)"
        )
    return int(which)


def _finite(text: str | None) -> bool:
    try:
        return math.isfinite(float(text or "nan"))
    except ValueError:
        return False


def step_of(path: Path) -> int:
    """The step a milestone or sample grid was written at."""
    return int(path.stem.removeprefix(STEP_PREFIX))


@dataclass(frozen=True)
class RunDir:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def checkpoints(self) -> Path:
        return self.root / CHECKPOINTS

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / LAST_CHECKPOINT

    @property
    def best_checkpoint(self) -> Path:
        return self.checkpoints / BEST_CHECKPOINT

    def milestone(self, step: int) -> Path:
        return self.checkpoints / step_file(step, ".pt")

    @property
    def milestones(self) -> list[Path]:
        return sorted(self.checkpoints.glob(f"{STEP_PREFIX}*.pt"))

    def checkpoint(self, which: str) -> Path:
        """'last', 'best' or a milestone's step (as `--checkpoint` takes it)."""
        if which == LAST:
            return self.last_checkpoint
        if which == BEST:
            return self.best_checkpoint
        return self.milestone(checkpoint_step(which))

    def best_periodic_eval(self, rule: Metric) -> dict[str, str] | None:
        """metrics_history.csv's row with the best finite value of `rule` (the best-checkpoint
        metric; the first of equals): the evaluation best.pt was kept at; None without one."""
        if not self.metric_history.exists():
            return None
        best = None
        with open(self.metric_history, newline="") as f:
            for row in csv.DictReader(f):
                value = row.get(rule.key)
                if _finite(value) and (
                    best is None or rule.improves(float(value), float(best[rule.key]))
                ):
                    best = row
        return best

    @property
    def earlier_metrics(self) -> list[Path]:
        """Evaluations of other checkpoints than the last (metrics_of), best first."""
        best = self.metrics_of(BEST)
        return sorted(self.root.glob("metrics_*.json"), key=lambda p: p != best)

    def metrics_of(self, which: str) -> Path:
        """Where the evaluation of checkpoint `which` goes: metrics.json for the last one, so
        that scoring an earlier state never overwrites the final evaluation."""
        if which == LAST:
            return self.metrics
        if which == BEST:
            return self.root / f"metrics_{BEST}.json"
        return self.root / f"metrics_{step_file(checkpoint_step(which), '.json')}"

    @property
    def samples(self) -> Path:
        return self.root / SAMPLES

    def sample_grid(self, step: int) -> Path:
        return self.samples / step_file(step, ".png")

    def sample_grids(self) -> list[Path]:
        """The saved grids, oldest first."""
        return sorted(self.samples.glob(f"{STEP_PREFIX}*.png"))

    @property
    def losses(self) -> Path:
        return self.root / LOSSES

    @property
    def metric_history(self) -> Path:
        return self.root / METRIC_HISTORY

    @property
    def plots(self) -> Path:
        return self.root / PLOTS

    @property
    def loss_plot(self) -> Path:
        return self.plots / LOSS_PLOT

    @property
    def metric_plot(self) -> Path:
        return self.plots / METRIC_PLOT

    @property
    def metrics(self) -> Path:
        return self.root / METRICS

    @property
    def timing(self) -> Path:
        return self.root / TIMING

    @property
    def provenance(self) -> Path:
        return self.root / PROVENANCE

    @property
    def report_md(self) -> Path:
        return self.root / f"{REPORT}.md"

    @property
    def report_html(self) -> Path:
        return self.root / f"{REPORT}.html"

    @property
    def tensorboard(self) -> Path:
        """The folder TensorBoard's event files go in."""
        return self.root

    @property
    def trial(self) -> Path:
        return self.root / TRIAL

    @property
    def error(self) -> Path:
        return self.root / ERROR

    @property
    def lock(self) -> Path:
        return self.root / LOCK

    @property
    def claim(self) -> Path:
        return self.root / CLAIM
