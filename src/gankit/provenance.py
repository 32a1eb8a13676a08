"""What made a run: the code, the libraries, the arithmetic, the machine and the settings it
started from, one segment per process that trained it (RUN/provenance.json).

A process that trains a run appends its segment when it starts. Segments starting at or after
its step are dropped: their steps are being trained again, as timing.json drops them too. The
code is the git commit of the checkout gankit was imported from, with the files of the package
that differ from it; a gankit installed from a wheel, or copied out of git, records that it is
not a git checkout. Looking up git never fails a run.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import gankit
from gankit.config import Config, ConfigError, flatten, is_config_file, load_config
from gankit.errors import GankitError
from gankit.fileio import atomic_write_text
from gankit.machine import machine_facts
from gankit.rundir import PROVENANCE

NOT_GIT = "not a git checkout"
NOT_RECORDED = "not recorded"
MAX_CHANGED = 20  # changed files listed by name; the count is always recorded
GIT_TIMEOUT_S = 10


class ProvenanceError(GankitError, RuntimeError):
    """A run's provenance.json cannot be read, so a segment cannot be added to it."""


@dataclass(frozen=True)
class Origin:
    """What a run's config was made from: a preset's name or a config file's path, and the
    settings laid over it in order, as `--set` takes them (None where the caller gave none)."""

    source: str | None
    overrides: list[str] | None


def source_of(preset: str | Path) -> str:
    """A preset's name, or a config file's absolute path (a relative one would name another
    file from another folder)."""
    return str(Path(preset).resolve()) if is_config_file(preset) else str(preset)


def origin_of(source: str, config: Config) -> Origin:
    """The Origin of a config made from preset or config file `source` by overrides that were
    not kept (a sweep's trial): every value that differs from the source's, as `--set` takes
    it (JSON, which is YAML, so each parses back unchanged). Overrides None when the source no
    longer loads."""
    try:
        base = flatten(load_config(source).to_dict())
    except ConfigError:
        return Origin(source_of(source), None)
    flat = flatten(config.to_dict())
    changed = [f"{k}={json.dumps(v)}" for k, v in flat.items() if base.get(k, object()) != v]
    return Origin(source_of(source), changed)


def _git(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(package), *args],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_S,
        check=False,
    )


def code_version(package: Path | None = None) -> dict[str, Any]:
    """gankit's version, and the commit of the git checkout holding `package` (gankit's own
    folder by default) with the package's files that differ from it; `commit` is NOT_GIT when
    the package is not tracked by git (a wheel installed into a venv inside some repository is
    not), or 'unknown: why' when git is missing or fails."""
    package = package or Path(gankit.__file__).resolve().parent
    record: dict[str, Any] = {"gankit": gankit.__version__}
    try:
        tracked = _git(package, "ls-files", "--error-unmatch", "__init__.py")
        if tracked.returncode != 0:
            not_repo = tracked.returncode == 1 or "not a git repository" in tracked.stderr
            why = tracked.stderr.strip().splitlines()[-1] if tracked.stderr.strip() else ""
            return {**record, "commit": NOT_GIT if not_repo else f"unknown: {why}"}
        head = _git(package, "rev-parse", "HEAD")
        status = _git(package, "status", "--porcelain", "--", ".")
    except FileNotFoundError:
        return {**record, "commit": "unknown: git is not installed"}
    except subprocess.TimeoutExpired:
        return {**record, "commit": f"unknown: git took over {GIT_TIMEOUT_S} s"}
    if head.returncode != 0:
        return {**record, "commit": f"unknown: {head.stderr.strip() or 'git rev-parse failed'}"}
    changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    return {
        **record,
        "commit": head.stdout.strip(),
        "dirty": bool(changed),
        "changed_files": len(changed),
        "changed": changed[:MAX_CHANGED],
    }


def precision(config: Config) -> str:
    """The arithmetic of the forward passes, from the run's resolved perf.amp."""
    return {"none": "fp32", "bf16": "bf16"}.get(config.perf.amp, config.perf.amp)


def segment(
    config: Config, device: torch.device, step: int, origin: Origin | None
) -> dict[str, Any]:
    """This process's record, training `config` (its perf settings resolved) from `step`."""
    record: dict[str, Any] = {
        "from_step": step,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "code": code_version(),
        "torch": str(torch.__version__),
        "precision": precision(config),
        "fingerprint": config.fingerprint(),
        "machine": machine_facts(str(device)),
        "source": origin.source if origin else None,
        "overrides": list(origin.overrides) if origin and origin.overrides is not None else None,
    }
    if device.type == "cuda":  # TF32 rounds fp32 matrix products and convolutions on GPUs
        record["tf32"] = {
            "matmul": torch.backends.cuda.matmul.allow_tf32,
            "cudnn": torch.backends.cudnn.allow_tf32,
        }
    return record


def read_segments(path: Path) -> list[dict[str, Any]]:
    """The segments recorded in `path`; [] when there is no file."""
    if not path.exists():
        return []
    try:
        segments = json.loads(path.read_text())["segments"]
        if not isinstance(segments, list):
            raise TypeError("segments is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProvenanceError(
            f"{path} cannot be read ({exc}); it was not written by gankit. Move it away (a new "
            "record then starts with this process) or restore it, and run again"
        ) from None
    return segments


def append_segment(path: Path, new: dict[str, Any]) -> list[dict[str, Any]]:
    """Add `new` to the record in `path`, dropping the segments it trains again; written
    atomically. Returns the record's segments."""
    kept = [s for s in read_segments(path) if s.get("from_step", 0) < new["from_step"]]
    segments = [*kept, new]
    atomic_write_text(path, json.dumps({"segments": segments}, indent=2) + "\n")
    return segments


def read_provenance(path: Path) -> list[dict[str, Any]] | None:
    """The segments for a report; None when the run has no readable record."""
    try:
        return read_segments(path) or None
    except ProvenanceError:
        return None


def commit_label(code: dict[str, Any]) -> str:
    """'a94a678' (with '+N changed' for a checkout that differs from its commit), NOT_GIT, or
    'unknown: why'."""
    commit = str(code.get("commit", NOT_RECORDED))
    if commit in (NOT_GIT, NOT_RECORDED) or commit.startswith("unknown"):
        return commit
    label = commit[:7]
    if code.get("dirty"):
        label += f" +{code.get('changed_files', '?')} changed"
    return label


def segment_label(record: dict[str, Any]) -> str:
    """A segment as 'commit, torch V, precision', for the reports' tables."""
    code = commit_label(record.get("code") or {})
    return f"{code}, torch {record.get('torch', '?')}, {record.get('precision', '?')}"


def provenance_label(segments: list[dict[str, Any]] | None) -> str:
    """The segments' labels, the same one said once: 'a94a678, torch 2.5.1, fp32', with 'from
    step N: ...' where a resume changed it, and NOT_RECORDED for steps without a record."""
    if not segments:
        return NOT_RECORDED
    parts: list[str] = []
    if segments[0].get("from_step", 0) > 0:
        parts.append(f"to step {segments[0]['from_step']:,} {NOT_RECORDED}")
    last = None
    for s in segments:
        label = segment_label(s)
        if label != last:
            step = s.get("from_step", 0)
            parts.append(f"from step {step:,}: {label}" if parts else label)
        last = label
    return "; ".join(parts)


def rerun_command(record: dict[str, Any]) -> str | None:
    """The `gankit train` command that makes the segment's config again, its precision pinned
    to the one it resolved (an `auto` could pick another on another machine); None when its
    source was not recorded."""
    source = record.get("source")
    if not source:
        return None
    overrides = list(record.get("overrides") or [])
    amp = {"fp32": "none", "bf16": "bf16"}.get(str(record.get("precision")))
    if amp and not any(o.startswith("perf.amp=") for o in overrides):
        overrides.append(f"perf.amp={amp}")
    sets = [arg for o in overrides for arg in ("--set", o)]
    return shlex.join(["gankit", "train", str(source), *sets])


def _code_phrase(code: dict[str, Any]) -> str:
    commit = str(code.get("commit", NOT_RECORDED))
    if commit == NOT_GIT:
        return "from a copy that is not a git checkout"
    if commit.startswith("unknown") or commit == NOT_RECORDED:
        return f"at an unknown commit ({commit})"
    phrase = f"at commit {commit}"
    if code.get("dirty"):
        changed = code.get("changed") or []
        count = code.get("changed_files", len(changed))
        if 0 < count <= 3 and len(changed) == count:
            phrase += f" with uncommitted changes to {', '.join(changed)}"
        else:
            phrase += f" with uncommitted changes to {count} files of the package ({PROVENANCE})"
    return phrase


def _made_from(record: dict[str, Any]) -> str:
    source, overrides = record.get("source"), record.get("overrides")
    if not source:
        return "from a config given in Python (source not recorded)"
    sets = f" with {' '.join(f'`{o}`' for o in overrides)}" if overrides else ""
    return f"from `{source}`{sets}"


def describe(segments: list[dict[str, Any]] | None) -> str:
    """Sentences for a run's report: who trained which steps, with what code and settings."""
    if not segments:
        return (
            f"What made this run (code commit, torch, precision) was {NOT_RECORDED}: it trained "
            "before gankit recorded it."
        )
    sentences = []
    first = segments[0].get("from_step", 0)
    if first > 0:
        sentences.append(f"Steps 0 to {first:,}: what made them was {NOT_RECORDED}.")
    for s in segments:
        step = s.get("from_step", 0)
        lead = f"Resumed at step {step:,}" if step else "Trained"
        code = s.get("code") or {}
        sentences.append(
            f"{lead} by gankit {code.get('gankit', '?')} {_code_phrase(code)}, torch "
            f"{s.get('torch', '?')}, {s.get('precision', '?')}, {_made_from(s)}."
        )
    return " ".join(sentences)
