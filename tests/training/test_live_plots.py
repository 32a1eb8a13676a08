"""When the live plots are redrawn: at most every PLOT_REFRESH_SECONDS while training, and what
is not drawn yet at the loop's end, from the whole log."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from support import PLAIN_LAYOUT

from gankit.config import load_config
from gankit.training import callbacks
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

pytestmark = pytest.mark.integration

TINY = ("train.batch_size=8", "log.every=1", "log.sample_every=1", "log.eval_every=2",
        "log.eval_samples=40", "log.tensorboard=false", *PLAIN_LAYOUT)  # fmt: skip


def _train(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refresh_seconds: float) -> dict:
    """Train 4 iterations; what each plot was drawn from (the rows its CSV held)."""
    drawn: dict[str, list[int]] = {"losses": [], "metrics": []}

    def rows(path: Path) -> int:
        with open(path, newline="") as f:
            return len(list(csv.DictReader(f)))

    monkeypatch.setattr(callbacks, "PLOT_REFRESH_SECONDS", refresh_seconds)
    monkeypatch.setattr(
        callbacks, "plot_losses", lambda src, out, title: drawn["losses"].append(rows(src))
    )
    monkeypatch.setattr(
        callbacks, "plot_metric_history", lambda src, out: drawn["metrics"].append(rows(src))
    )
    run = tmp_path / "run"
    config = prepare_process(load_config("dcgan", ["train.iterations=4", *TINY]), run)
    trainer = Trainer(config, run, progress=False)
    trainer.start()
    trainer.train()
    return drawn


def test_a_short_run_draws_each_plot_once_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _train(tmp_path, monkeypatch, 1e9) == {"losses": [4], "metrics": [2]}


def test_plots_follow_the_grids_and_evaluations_when_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # due at every chance: the loss plot beside each grid (steps 1 to 4), the metric plot after
    # each evaluation (steps 2 and 4); nothing is left to draw at the end
    assert _train(tmp_path, monkeypatch, 0) == {"losses": [1, 2, 3, 4], "metrics": [1, 2]}


def test_log_plots_false_attaches_no_live_plots() -> None:
    attached = callbacks.default_callbacks(load_config("dcgan", ["log.plots=false"]), False)
    assert not any(isinstance(c, callbacks.LivePlots) for c in attached)
    assert any(isinstance(c, callbacks.LivePlots) for c in callbacks.default_callbacks(
        load_config("dcgan"), False))  # fmt: skip
