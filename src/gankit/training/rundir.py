"""The layout of a run directory, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunDir:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def last_checkpoint(self) -> Path:
        return self.checkpoints / "last.pt"

    def milestone(self, step: int) -> Path:
        return self.checkpoints / f"step_{step:06d}.pt"

    @property
    def samples(self) -> Path:
        return self.root / "samples"

    def sample_grid(self, step: int) -> Path:
        return self.samples / f"step_{step:06d}.png"

    @property
    def losses(self) -> Path:
        return self.root / "losses.csv"

    @property
    def metric_history(self) -> Path:
        return self.root / "metrics_history.csv"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"
