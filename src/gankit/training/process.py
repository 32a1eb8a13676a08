"""The process-wide settings a run trains under, made once by whoever starts the run (the
workflow, the benchmarks) before it builds a Trainer, so that building one changes none of
them."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from gankit.config import Config
from gankit.fast.memory import keep_freed_memory
from gankit.machine import resolve_device
from gankit.rundir import RunDir
from gankit.training.build import resolve_fast_path
from gankit.training.distributed import World, from_main
from gankit.training.resume import previous_perf

log = logging.getLogger(__name__)


def prepare_process(config: Config, run_dir: Path, world: World | None = None) -> Config:
    """Set this process up to train `config` into `run_dir`: on the CPU, glibc keeps freed
    memory and torch uses perf.threads threads; then `perf: auto` is decided for this machine
    (a timed probe, cached per machine; a run being resumed keeps what its start chose) and the
    decisions are logged (`gankit -v` shows them). Returns `config` with its perf resolved, the
    config the Trainer takes and config.yaml records. With `world` (its process group
    initialised), rank 0 decides and every other rank takes its decisions."""
    device = resolve_device(config.perf.device)
    if device.type == "cpu":
        if config.perf.keep_freed_memory:
            keep_freed_memory()
        if config.perf.threads:
            torch.set_num_threads(config.perf.threads)
    if world is None or world.is_main:
        # After the threads: the probe times the networks with the threads training will use.
        config = resolve_fast_path(config, device, previous_perf(RunDir(run_dir)))
        for key, why in config.perf.decisions.items():
            log.info("perf.%s: %s", key, why)
    if world is not None:
        # One decision for all: ranks probing each for itself could choose different layouts,
        # whose different rounding would set their weights apart.
        config = config.model_copy(update={"perf": from_main(config.perf)})
    return config
