"""The training loop: draw batches, run the GAN's iteration, and let the callbacks (logging,
sample grids, periodic evaluation, checkpoints; see callbacks.py) observe it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gankit.config import Config, dump_config
from gankit.data import load_tensors
from gankit.fileio import atomic_write_text
from gankit.machine import resolve_device
from gankit.provenance import Origin, append_segment, segment
from gankit.rundir import RunDir
from gankit.training.build import GAN, build_gan, num_classes
from gankit.training.callbacks import TrainingDiverged, default_callbacks
from gankit.training.checkpoint import load_checkpoint
from gankit.training.distributed import RankShare, RankSync, World
from gankit.training.hooks import Callback
from gankit.training.resume import check_resumable
from gankit.training.sampler import BatchSampler
from gankit.training.stopping import stop_on_signal
from gankit.training.timing import TrainingClock

__all__ = ["TrainResult", "Trainer", "TrainingDiverged"]


@dataclass
class TrainResult:
    run_dir: Path
    step: int
    interrupted: bool
    seconds: float


class Trainer:
    def __init__(
        self,
        config: Config,
        out_dir: Path,
        data_dir: str | Path | None = None,
        progress: bool = True,
        *,
        gan: GAN | None = None,
        callbacks: Sequence[Callback] | None = None,
        origin: Origin | None = None,
        world: World | None = None,
    ) -> None:
        """`config`: its perf settings resolved by training/process.prepare_process, which
        also makes the process-wide settings (threads, allocator), so that building a Trainer
        changes none and prints nothing; it seeds torch's random generator (build_gan), where
        the run's random stream starts. `gan`: already-built networks, optimizers and steps
        (built from `config` when None). `callbacks`: the loop's observers
        (default_callbacks(config) when None). `origin`: the preset or config file and the
        overrides `config` was made from, for provenance.json. `world`: this process is rank
        `world.rank` of a data-parallel run (training/distributed.py): its steps and optimizers
        are built for the rank (build_gan), it draws its share of each batch (RankShare), and
        RankSync goes first among the callbacks."""
        if not config.perf.resolved:
            raise ValueError(
                "the config's perf settings still hold `auto`: resolve them with "
                "gankit.training.process.prepare_process(config, out_dir) before building "
                "the Trainer"
            )
        self.run = RunDir(Path(out_dir))
        self.device = resolve_device(config.perf.device)
        self.config = config
        self.data_dir = data_dir
        self.gan: GAN = gan if gan is not None else build_gan(config, self.device, world)
        images, labels = load_tensors(
            config.data.dataset,
            "train",
            data_dir,
            labels=config.data.labels,
            limit=config.data.limit,
        )
        self.classes = num_classes(config)
        sampler = BatchSampler(
            images.to(self.device),
            config.train.batch_size,
            config.train.seed,
            labels=labels.to(self.device) if self.classes else None,
        )
        self.sampler: BatchSampler | RankShare = (
            sampler if world is None else RankShare(sampler, world)
        )
        observers = (
            list(callbacks) if callbacks is not None else default_callbacks(config, progress)
        )
        self.callbacks: list[Callback] = (
            observers if world is None else [RankSync(world), *observers]
        )
        self.step = 0
        self.clock = TrainingClock(self.device.type)
        self.until = config.train.iterations  # the step the current train() call stops at
        self.interrupted = False
        self.origin = origin

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
            "timing": self.clock.record(self.step),
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
    def publish(self, event: str, *args: Any) -> None:
        """Call hook `event` of every callback, in order (callbacks publish to each other)."""
        for callback in self.callbacks:
            getattr(callback, event)(self, *args)

    # ---- the loop ----------------------------------------------------------------------
    def start(self) -> int | None:
        """Resume from last.pt when there is one (refusing a different config); else start."""
        self.run.root.mkdir(parents=True, exist_ok=True)
        resume_step, timing = None, None
        if self.run.last_checkpoint.exists():
            state = load_checkpoint(self.run.last_checkpoint, self.device)
            check_resumable(state, self.config, self.run.last_checkpoint)
            self.load_state_dict(state)
            resume_step, timing = self.step, state.get("timing")
        self.clock.begin(self.step, timing)
        atomic_write_text(self.run.config, dump_config(self.config))
        if self.step < self.config.train.iterations:  # a finished run started again trains nothing
            record = segment(self.config, self.device, self.step, self.origin)
            append_segment(self.run.provenance, record)
        self.publish("on_start", resume_step)
        return resume_step

    def advance(self) -> dict[str, torch.Tensor]:
        """One iteration, without the observers; returns its scalars, still on the device
        (gradient norms on the steps losses.csv logs, every log.every-th)."""
        measure = (self.step + 1) % self.config.log.every == 0
        stats = self.gan.steps.iteration(self.sampler, grad_norms=measure)
        self.step += 1
        if self.gan.ema is not None:
            self.gan.ema.update(self.gan.generator, self.step)
        return stats

    def train(self, until: int | None = None) -> TrainResult:
        """Iterate up to step `until` (train.iterations by default), the callbacks observing."""
        self.until = self.config.train.iterations if until is None else until
        self.interrupted = False
        started = time.perf_counter()
        self.clock.enter()
        try:
            with stop_on_signal() as stop:
                self.publish("on_loop")
                while self.step < self.until:
                    self.publish("on_step", self.advance())
                    if stop.is_set():
                        self.interrupted = True
                        break
                self.publish("flush")
                self.publish("on_end")
        finally:
            self.clock.leave()
            self.publish("close")
        seconds = time.perf_counter() - started
        return TrainResult(self.run.root, self.step, self.interrupted, seconds)
