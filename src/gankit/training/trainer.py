"""The training loop: draw batches, run the GAN's iteration, and let logging, sample grids,
checkpoints and periodic evaluation observe it."""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from gankit.config import Config, dump_config
from gankit.data import load_tensors
from gankit.fileio import atomic_write_text
from gankit.machine import keep_freed_memory, resolve_device
from gankit.report.grid import save_grid
from gankit.report.plots import plot_losses, plot_metric_history
from gankit.training.build import GAN, build_gan, num_classes
from gankit.training.checkpoint import load_checkpoint, save_checkpoint
from gankit.training.csvlog import CSVLog
from gankit.training.resume import check_resumable
from gankit.training.rundir import RunDir
from gankit.training.sampler import BatchSampler

FIXED_NOISE_SEED = 1234  # same grid noise for every run, so grids compare across runs


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    interrupted: bool
    seconds: float


@contextmanager
def _stop_on_sigint() -> Iterator[threading.Event]:
    """First Ctrl-C asks the loop to stop after the current iteration (and checkpoint);
    a second one interrupts at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


class Trainer:
    def __init__(
        self,
        config: Config,
        out_dir: Path,
        data_dir: str | Path | None = None,
        progress: bool = True,
    ) -> None:
        self.config = config
        self.run = RunDir(Path(out_dir))
        self.device = resolve_device(config.perf.device)
        if self.device.type == "cpu":
            keep_freed_memory()
            if config.perf.threads:
                torch.set_num_threads(config.perf.threads)
        self.data_dir = data_dir
        self.progress = progress
        self.gan: GAN = build_gan(config, self.device)
        images, labels = load_tensors(
            config.data.dataset,
            "train",
            data_dir,
            labels=config.data.labels,
            limit=config.data.limit,
        )
        self.classes = num_classes(config)
        self.sampler = BatchSampler(
            images.to(self.device),
            config.train.batch_size,
            config.train.seed,
            labels=labels.to(self.device) if self.classes else None,
        )
        self.fixed_noise = torch.randn(
            config.log.grid_size,
            config.model.z_dim,
            generator=torch.Generator().manual_seed(FIXED_NOISE_SEED),
        ).to(self.device)
        # A conditional grid shows one class per column.
        self.fixed_labels = (
            torch.arange(config.log.grid_size, device=self.device) % self.classes
            if self.classes
            else None
        )
        self.losses = CSVLog(self.run.losses, ["step", "d_loss", "g_loss"])
        self.history = CSVLog(self.run.metric_history, ["step", "is_mean", "fid"])
        self.step = 0
        self._pending: list[tuple[int, torch.Tensor]] = []

    # ---- state -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        steps = self.gan.steps
        state: dict[str, Any] = {
            "step": self.step,
            "config": self.config.to_dict(),
            "fingerprint": self.config.fingerprint(),
            "generator": self.gan.generator.state_dict(),
            "discriminator": self.gan.discriminator.state_dict(),
            "opt_g": steps.opt_g.state_dict(),
            "opt_d": steps.opt_d.state_dict(),
            "sched_g": steps.sched_g.state_dict(),
            "sched_d": steps.sched_d.state_dict(),
            "sampler": self.sampler.state_dict(),
            "rng_cpu": torch.get_rng_state(),
        }
        if self.gan.ema is not None:
            state["ema"] = self.gan.ema.model.state_dict()
        if self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        steps = self.gan.steps
        self.gan.generator.load_state_dict(state["generator"])
        self.gan.discriminator.load_state_dict(state["discriminator"])
        steps.opt_g.load_state_dict(state["opt_g"])
        steps.opt_d.load_state_dict(state["opt_d"])
        steps.sched_g.load_state_dict(state["sched_g"])
        steps.sched_d.load_state_dict(state["sched_d"])
        if self.gan.ema is not None:
            self.gan.ema.model.load_state_dict(state["ema"])
        self.sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["rng_cpu"])
        if self.device.type == "cuda" and "rng_cuda" in state:
            torch.cuda.set_rng_state(state["rng_cuda"], self.device)
        self.step = int(state["step"])

    # ---- observers ---------------------------------------------------------------------
    def _flush_losses(self) -> dict[str, float]:
        """One host sync for many steps: move the logged losses over, check them, append."""
        if not self._pending:
            return {}
        values = torch.stack([v for _, v in self._pending]).cpu().tolist()
        rows = [(s, d, g) for (s, _), (d, g) in zip(self._pending, values, strict=True)]
        self._pending.clear()
        for s, d, g in rows:
            if not (math.isfinite(d) and math.isfinite(g)):
                self.losses.append([r for r in rows if r[0] < s])
                raise TrainingDiverged(
                    f"loss became non-finite at step {s} (d_loss={d}, g_loss={g}); training "
                    f"stopped and {self.run.last_checkpoint} still holds the last good state. "
                    "Lower the learning rates (--set optim.d.lr=... optim.g.lr=...) or change "
                    "the seed, then train into a new --out"
                )
        self.losses.append(rows)
        return {"d_loss": rows[-1][1], "g_loss": rows[-1][2]}

    @torch.no_grad()
    def _generate(self, noise: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        g = self.gan.sampling_generator
        was_training = g.training
        g.eval()
        try:
            return g(noise, labels).float().cpu()
        finally:
            g.train(was_training)

    def _save_samples(self) -> None:
        images = self._generate(self.fixed_noise, self.fixed_labels)
        save_grid(images, self.run.sample_grid(self.step), nrow=self.classes or None)

    def _save_checkpoint(self) -> None:
        self._flush_losses()  # never save weights that follow a non-finite loss
        save_checkpoint(self.run.last_checkpoint, self.state_dict())
        if self.step in self.config.log.milestones:
            save_checkpoint(self.run.milestone(self.step), self.state_dict())

    def _periodic_eval(self) -> None:
        from gankit.evaluation.evaluate import quick_metrics

        # Scoring must not touch the training RNG, or evaluation would change the run.
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            gen = torch.Generator().manual_seed(FIXED_NOISE_SEED + 1)
            n, z_dim = self.config.log.eval_samples, self.config.model.z_dim
            noise = torch.randn(n, z_dim, generator=gen).to(self.device)
            labels = torch.arange(n, device=self.device) % self.classes if self.classes else None
            images = torch.cat(
                [
                    self._generate(z, None if labels is None else labels[i : i + len(z)])
                    for i, z in zip(range(0, n, 500), noise.split(500), strict=True)
                ]
            )
            scores = quick_metrics(
                images, self.config.data.dataset, target_labels=self.config.data.labels
            )
        self.history.append(
            [(self.step, scores.get("is_mean", math.nan), scores.get("fid", math.nan))]
        )
        plot_metric_history(self.run.metric_history, self.run.plots / "metrics.png")

    def _plot(self) -> None:
        plot_losses(self.run.losses, self.run.plots / "losses.png", title=self.config.name)

    # ---- the loop ----------------------------------------------------------------------
    def start(self) -> int | None:
        """Resume from last.pt when there is one (refusing a different config); else start."""
        self.run.root.mkdir(parents=True, exist_ok=True)
        resume_step = None
        if self.run.last_checkpoint.exists():
            state = load_checkpoint(self.run.last_checkpoint, self.device)
            check_resumable(state, self.config, self.run.last_checkpoint)
            self.load_state_dict(state)
            resume_step = self.step
        atomic_write_text(self.run.config, dump_config(self.config))
        self.losses.start(resume_step)
        if self.config.log.eval_every:
            self.history.start(resume_step)
        if resume_step is None:
            self._save_samples()
        return resume_step

    def advance(self) -> None:
        """One iteration, without the observers; `gankit bench` times exactly this."""
        losses = self.gan.steps.iteration(self.sampler)
        if self.gan.ema is not None:
            self.gan.ema.update(self.gan.generator)
        self.step += 1
        self._pending.append((self.step, torch.stack([losses["d_loss"], losses["g_loss"]])))

    def train(self) -> TrainResult:
        log = self.config.log
        total = self.config.train.iterations
        started = time.perf_counter()
        bar = tqdm(
            total=total,
            initial=self.step,
            desc=self.config.name,
            unit="it",
            disable=not self.progress,
            dynamic_ncols=True,
        )
        interrupted = False
        with _stop_on_sigint() as stop, bar:
            while self.step < total:
                self.advance()
                bar.update(1)
                if self.step % log.every == 0 or self.step == total:
                    bar.set_postfix({k: f"{v:.3f}" for k, v in self._flush_losses().items()})
                if self.step % log.sample_every == 0 or self.step == total:
                    self._save_samples()
                    self._plot()
                if log.eval_every and (self.step % log.eval_every == 0 or self.step == total):
                    self._periodic_eval()
                if (
                    self.step % log.checkpoint_every == 0
                    or self.step in log.milestones
                    or self.step == total
                ):
                    self._save_checkpoint()
                if stop.is_set():
                    interrupted = True
                    self._save_checkpoint()
                    break
        self._flush_losses()
        self._plot()
        return TrainResult(self.run.root, self.step, interrupted, time.perf_counter() - started)
