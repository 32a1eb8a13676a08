"""Running one trial into its run directory, and the record (trial.json) that says how it went.

A trial is finished when its trial.json says so for the same config (the same fingerprint and
length, both computed again from the recorded config, so a gankit that adds a config key with a
default does not make finished trials look new) and its metrics.json exists. The config the run
resolved (config.yaml, its `auto` keys decided) counts too: a trial that pins `perf.amp=none`
asks for the arithmetic a run whose `auto` chose fp32 computed. trial.json is
rewritten to "running" before any work starts, so a trial resumed to a new length and killed
midway never counts as finished.
"""

from __future__ import annotations

import json
import socket
import time
import traceback
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gankit.config import Config, ConfigError, load_config_file
from gankit.fileio import atomic_write_text
from gankit.rundir import RunDir
from gankit.sweep.outcome import FAILED, FINISHED, INTERRUPTED, Outcome
from gankit.sweep.spec import Trial


def read_record(run_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads(RunDir(run_dir).trial.read_text())
    except (OSError, ValueError):
        return None


def write_record(run_dir: Path, trial: Trial, status: str, **extra: Any) -> None:
    record = {
        "name": trial.name,
        "preset": trial.preset,
        "seed": trial.seed,
        "point": trial.point,
        "fingerprint": trial.config.fingerprint(),
        "config": trial.config.to_dict(),
        "iterations": trial.config.train.iterations,
        "status": status,
        "host": socket.gethostname(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }
    atomic_write_text(RunDir(run_dir).trial, json.dumps(record, indent=2) + "\n")


def _recorded_config(record: dict[str, Any]) -> Config | None:
    try:
        return Config.model_validate(record.get("config"))
    except ValidationError:  # written by a gankit with other config keys
        return None


def _resolved_config(run_dir: Path) -> Config | None:
    try:
        return load_config_file(RunDir(run_dir).config)
    except ConfigError:  # none yet, or not one gankit can read
        return None


def _same_config(saved: Config | None, config: Config) -> bool:
    if saved is None:
        return False
    same_length = saved.train.iterations == config.train.iterations
    return same_length and saved.fingerprint() == config.fingerprint()


def _finished_record(run_dir: Path) -> dict[str, Any] | None:
    record = read_record(run_dir)
    return record if record is not None and record.get("status") == FINISHED else None


def is_finished(trial: Trial, run_dir: Path) -> bool:
    record = _finished_record(run_dir)
    if record is None or not RunDir(run_dir).metrics.is_file():
        return False
    if _same_config(_recorded_config(record), trial.config):
        return True
    return _same_config(_resolved_config(run_dir), trial.config)


def finished_length_to_extend(trial: Trial, run_dir: Path) -> int | None:
    """The length of a finished run of this trial's config in `run_dir` that is shorter than
    the trial's: the trial trains that run on rather than anew."""
    record = _finished_record(run_dir)
    saved = None if record is None else _recorded_config(record)
    if saved is None or saved.fingerprint() != trial.config.fingerprint():
        return None
    length = saved.train.iterations
    return length if length < trial.config.train.iterations else None


def execute_trial(
    trial: Trial,
    run_dir: Path,
    *,
    threads: int | None = None,
    data_dir: str | Path | None = None,
    eval_samples: int = 10_000,
) -> Outcome:
    """Train (or resume), evaluate and report one trial. Every error becomes a failed outcome
    with error.txt beside the run; Ctrl-C becomes an interrupted one. The caller holds the
    trial's claim."""
    from gankit.provenance import origin_of
    from gankit.workflow import run_experiment  # torch loads here, after the worker's pinning

    config = trial.config
    if threads is not None:
        config = config.model_copy(deep=True)
        config.perf.threads = threads  # speed only: outside the fingerprint
    run_dir.mkdir(parents=True, exist_ok=True)
    RunDir(run_dir).error.unlink(missing_ok=True)
    write_record(run_dir, trial, "running")
    started = time.perf_counter()
    error, resumed_from = "", None
    try:
        result = run_experiment(
            config,
            run_dir,
            data_dir=data_dir,
            eval_samples=eval_samples,
            progress=False,
            origin=origin_of(trial.preset, config),
        )
        status = INTERRUPTED if result.train.interrupted else FINISHED
        resumed_from = result.resumed_from
    except KeyboardInterrupt:
        status = INTERRUPTED
    except Exception as exc:  # any failure is this trial's alone; the sweep goes on
        status = FAILED
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        atomic_write_text(RunDir(run_dir).error, traceback.format_exc())
    seconds = time.perf_counter() - started
    write_record(run_dir, trial, status, seconds=round(seconds, 2), error=error,
                 resumed_from=resumed_from)  # fmt: skip
    return Outcome(trial.name, status, seconds, error)
