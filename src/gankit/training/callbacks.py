"""Observers of the training loop: the per-step log, sample grids and plots, periodic
evaluation, checkpoints, the progress bar and TensorBoard, each attached to the loop as a
callback (as ignite and Lightning attach handlers; training/hooks.py: the hooks and their
order), so the trainer itself only iterates.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING, Any

import torch
from tqdm.auto import tqdm

from gankit.config import Config
from gankit.data import dataset_info
from gankit.errors import GankitError
from gankit.evaluation.registry import best_checkpoint_metric, periodic_keys
from gankit.figures.curves import plot_losses, plot_metric_history
from gankit.sampling import EVAL_SEED, GRID_SEED, generate
from gankit.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gankit.training.csvlog import CSVLog
from gankit.training.hooks import Callback, LogRow, due
from gankit.training.tensorboard import TensorBoardLog
from gankit.training.timing import write_timing

if TYPE_CHECKING:
    from gankit.training.trainer import Trainer


class TrainingDiverged(GankitError, RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class StepLog(Callback):
    """Per-step scalars to losses.csv. The iteration's values stay on the device until every
    log.every-th step, then cross to the host in one sync, are checked for NaN or infinity,
    written, and published to the other callbacks."""

    def __init__(self) -> None:
        self.pending: list[tuple[int, list[str], torch.Tensor]] = []
        self.csv: CSVLog | None = None

    def on_start(self, trainer: Trainer, resumed_from: int | None) -> None:
        self.csv = CSVLog(trainer.run.losses, ["step", *trainer.gan.steps.stat_names()])
        self.csv.start(resumed_from)

    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
        self.pending.append((trainer.step, list(stats), torch.stack(list(stats.values()))))
        if due(trainer, trainer.config.log.every):
            self.flush(trainer)

    def flush(self, trainer: Trainer) -> None:
        if not self.pending:
            return
        values = torch.cat([v for _, _, v in self.pending]).cpu().tolist()
        rows: list[LogRow] = []
        for step, names, _ in self.pending:
            rows.append((step, dict(zip(names, values[: len(names)], strict=True))))
            values = values[len(names) :]
        self.pending.clear()
        for i, (step, row) in enumerate(rows):
            d, g = row["d_loss"], row["g_loss"]
            if not (math.isfinite(d) and math.isfinite(g)):
                self._write(rows[:i])
                raise TrainingDiverged(
                    f"loss became non-finite at step {step} (d_loss={d}, g_loss={g}); training "
                    f"stopped and {trainer.run.last_checkpoint} still holds the last good "
                    "state. Lower the learning rates (--set optim.d.lr=... optim.g.lr=...) or "
                    "change the seed, then train into a new --out"
                )
        self._write(rows)
        trainer.publish("on_log", rows)

    def _write(self, rows: list[LogRow]) -> None:
        assert self.csv is not None, "on_start opens the log"
        columns = self.csv.columns[1:]
        self.csv.append([[step, *(row.get(c) for c in columns)] for step, row in rows])


class ProgressBar(Callback):
    """A progress bar on a terminal; anywhere else (a log file, a pipe, CI) one plain line per
    twentieth of the run, since a redrawn bar fills a log with carriage returns."""

    LINES = 20

    def __init__(self) -> None:
        self.bar: Any = None
        self.every = 0  # iterations between plain lines; 0 while the bar is drawn
        self.losses: dict[str, float] = {}
        self.since: tuple[int, float] = (0, 0.0)  # step and time the loop (re)started at

    def on_loop(self, trainer: Trainer) -> None:
        if getattr(sys.stderr, "isatty", lambda: False)():
            self.bar = tqdm(
                total=trainer.until,
                initial=trainer.step,
                desc=trainer.config.name,
                unit="it",
                dynamic_ncols=True,
            )
        else:
            self.every = max(1, trainer.until // self.LINES)
            self.since = (trainer.step, time.perf_counter())

    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
        if self.bar is not None:
            self.bar.update(1)
        elif self.every and due(trainer, self.every):
            print(self._line(trainer), file=sys.stderr, flush=True)

    def _line(self, trainer: Trainer) -> str:
        start, started = self.since
        rate = (trainer.step - start) / max(time.perf_counter() - started, 1e-9)
        losses = "".join(f", {k} {v:.3f}" for k, v in self.losses.items())
        percent = 100 * trainer.step // trainer.until
        return (
            f"{trainer.config.name}: step {trainer.step}/{trainer.until} ({percent}%), "
            f"{rate:.2f} it/s{losses}"
        )

    def on_log(self, trainer: Trainer, rows: list[LogRow]) -> None:
        last = rows[-1][1]
        self.losses = {k: float(last[k]) for k in ("d_loss", "g_loss")}
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in self.losses.items()})

    def close(self, trainer: Trainer) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class SampleGrids(Callback):
    """The fixed-noise grid (step 0 included) every log.sample_every iterations; a conditional
    grid shows one class per column."""

    def on_start(self, trainer: Trainer, resumed_from: int | None) -> None:
        if resumed_from is None:
            self._save(trainer)

    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
        if due(trainer, trainer.config.log.sample_every):
            self._save(trainer)

    def _save(self, trainer: Trainer) -> None:
        from gankit.figures.grid import save_grid

        images = generate(
            trainer.gan.sampling_generator, trainer.config.log.grid_size, seed=GRID_SEED
        )
        save_grid(images, trainer.run.sample_grid(trainer.step), nrow=trainer.classes or None)
        trainer.publish("on_samples", images)


# A redrawn plot costs about half a second (matplotlib's layout), whatever the run's length.
PLOT_REFRESH_SECONDS = 30.0


class LivePlots(Callback):
    """plots/losses.png beside each sample grid and plots/metrics.png after each periodic
    evaluation, redrawn at most every PLOT_REFRESH_SECONDS while training, and whatever is not
    drawn yet when the loop ends."""

    def __init__(self) -> None:
        self.drawn = time.monotonic()
        self.losses_stale = self.metrics_stale = False

    def on_loop(self, trainer: Trainer) -> None:
        self.drawn = time.monotonic()
        self.losses_stale = True  # the loop's end draws the losses whatever happens before

    def on_log(self, trainer: Trainer, rows: list[LogRow]) -> None:
        self.losses_stale = True

    def on_samples(self, trainer: Trainer, images: torch.Tensor) -> None:
        self._refresh(trainer)

    def on_eval(self, trainer: Trainer, scores: dict[str, float]) -> None:
        self.metrics_stale = True
        self._refresh(trainer)

    def on_end(self, trainer: Trainer) -> None:
        self._draw(trainer)

    def _refresh(self, trainer: Trainer) -> None:
        if time.monotonic() - self.drawn >= PLOT_REFRESH_SECONDS:
            self._draw(trainer)

    def _draw(self, trainer: Trainer) -> None:
        run = trainer.run
        if self.losses_stale:
            plot_losses(run.losses, run.loss_plot, title=trainer.config.name)
        if self.metrics_stale:
            plot_metric_history(run.metric_history, run.metric_plot)
        self.losses_stale = self.metrics_stale = False
        self.drawn = time.monotonic()


class PeriodicEval(Callback):
    """IS and FID (for Stacked MNIST: modes covered and KL to uniform) on log.eval_samples
    images every log.eval_every iterations, to metrics_history.csv (with the sample count:
    these are not the final evaluation's numbers; LivePlots draws them). It never touches the
    training RNG: scoring must not change the run."""

    def __init__(self) -> None:
        self.history: CSVLog | None = None
        self.counts_modes = False
        self.keys: tuple[str, ...] = ()

    def on_start(self, trainer: Trainer, resumed_from: int | None) -> None:
        self.counts_modes = dataset_info(trainer.config.data.dataset).counts_modes
        self.keys = periodic_keys("modes" if self.counts_modes else "classifier")
        self.history = CSVLog(trainer.run.metric_history, ["step", *self.keys, "n_samples"])
        self.history.start(resumed_from)

    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
        every = trainer.config.log.eval_every
        if every and due(trainer, every):
            self.evaluate(trainer)

    def evaluate(self, trainer: Trainer) -> None:
        from gankit.evaluation.evaluate import quick_metrics
        from gankit.evaluation.modes import quick_mode_metrics

        assert self.history is not None, "on_start opens the history"
        config, device = trainer.config, trainer.device
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            images = generate(
                trainer.gan.sampling_generator, config.log.eval_samples, seed=EVAL_SEED
            )
            if self.counts_modes:
                scores = quick_mode_metrics(images, str(device))
            else:
                scores = quick_metrics(
                    images, config.data.dataset, target_labels=config.data.labels
                )
        values = [scores.get(key, math.nan) for key in self.keys]
        self.history.append([(trainer.step, *values, len(images))])
        trainer.publish("on_eval", scores)


class Checkpoints(Callback):
    """checkpoints/last.pt every log.checkpoint_every iterations, also once log.checkpoint_minutes
    have passed since the last save (a machine that stops without warning loses at most that
    much), at the end and on Ctrl-C or SIGTERM; kept milestones at log.milestones. Every other
    callback is flushed first, so a checkpoint never holds weights that follow a non-finite
    loss."""

    def __init__(self) -> None:
        self.saved_at: int | None = None
        self.saved_when = time.monotonic()

    def on_loop(self, trainer: Trainer) -> None:
        self.saved_when = time.monotonic()

    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
        log = trainer.config.log
        overdue = log.checkpoint_minutes > 0 and (
            time.monotonic() - self.saved_when >= 60 * log.checkpoint_minutes
        )
        if due(trainer, log.checkpoint_every) or trainer.step in log.milestones or overdue:
            self.save(trainer)

    def on_end(self, trainer: Trainer) -> None:
        if trainer.interrupted and self.saved_at != trainer.step:
            self.save(trainer)

    def save(self, trainer: Trainer) -> None:
        trainer.publish("flush")
        state = trainer.state_dict()
        # The milestone first: once last.pt says step N, a resumed run never passes N again,
        # so a kill between the two writes must not be able to lose N's milestone.
        if trainer.step in trainer.config.log.milestones:
            save_checkpoint(trainer.run.milestone(trainer.step), state)
        save_checkpoint(trainer.run.last_checkpoint, state)
        write_timing(trainer.run.timing, state["timing"])
        self.saved_at = trainer.step
        self.saved_when = time.monotonic()


class BestCheckpoint(Callback):
    """checkpoints/best.pt: the whole state at the periodic evaluation with the best value of
    the registry's best-checkpoint metric (the lowest FID), with that score in it, so a run
    that overtrains (a discriminator that memorises a small training set) keeps its best
    generator. A resumed run reads the score to beat from the
    file (or, without one, from metrics_history.csv: evaluations made before best.pt was
    kept), so best.pt is always the best of the whole history."""

    def __init__(self) -> None:
        self.rule = best_checkpoint_metric()
        self.best = self.rule.worst

    def on_start(self, trainer: Trainer, resumed_from: int | None) -> None:
        path, key = trainer.run.best_checkpoint, self.rule.key
        if resumed_from is not None and not path.exists():
            # the history is trimmed to the resume
            earlier = trainer.run.best_periodic_eval(self.rule)
            self.best = float(earlier[key]) if earlier else self.rule.worst
        elif resumed_from is not None:
            state = load_checkpoint(path)
            if not isinstance(state.get("best"), dict) or key not in state["best"]:
                raise CheckpointError(
                    f"{path}: a checkpoint without the score it was kept for; it was not "
                    "written as best.pt. Move it away to resume"
                )
            self.best = float(state["best"][key])

    def on_eval(self, trainer: Trainer, scores: dict[str, float]) -> None:
        value = scores.get(self.rule.key, math.nan)
        if not self.rule.improves(value, self.best):  # NaN (a diverged generator) never wins
            return
        trainer.publish("flush")  # as Checkpoints.save: a non-finite loss raises first
        best = {self.rule.key: value, "step": trainer.step,
                "n_samples": trainer.config.log.eval_samples}  # fmt: skip
        save_checkpoint(trainer.run.best_checkpoint, {**trainer.state_dict(), "best": best})
        self.best = value


def default_callbacks(config: Config, progress: bool = True) -> list[Callback]:
    """What `gankit train` attaches: the log first (it raises on a non-finite loss before
    anything is saved), the checkpoint last (it saves what the others wrote)."""
    callbacks: list[Callback] = [StepLog()]
    if progress:
        callbacks.append(ProgressBar())
    callbacks.append(SampleGrids())
    if config.log.eval_every:
        callbacks.append(PeriodicEval())
        if config.log.keep_best:
            callbacks.append(BestCheckpoint())
    if config.log.plots:
        callbacks.append(LivePlots())
    if config.log.tensorboard:
        callbacks.append(TensorBoardLog())
    callbacks.append(Checkpoints())
    return callbacks
