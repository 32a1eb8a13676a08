"""A finished run's small files, gathered into a folder that can be committed: enough to rebuild
its report pages without checkpoints or TensorBoard events.

DEST/<run folder name>/
  config.yaml, metrics.json, metrics_history.csv, trial.json, timing.json, provenance.json
                      as the run wrote them, and metrics_best.json / metrics_step_NNNNNN.json
                      if scored
  losses.csv          every Nth row (all columns, the last row kept), to stay under a size cap
  samples/step_NNNNNN.png   the grids standing for the paper's figures (figure_steps.py)
  collected.json      what was thinned and left out
DEST/study.json       which study's page the folder holds (the model benchmark's), carried
                      over from the study's OUT; a paper reproduction's folder has none
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from gankit.config import load_config_file
from gankit.errors import GankitError
from gankit.fileio import WriteError, atomic_write_text, temporary_folder
from gankit.report.figure_steps import figure_grids
from gankit.rundir import CONFIG, METRICS, RunDir

# losses.csv is cut to every Nth row until it fits
MAX_LOSSES_BYTES = 100_000
COLLECTED = "collected.json"
STUDY_FILE = "study.json"


class CollectError(GankitError, ValueError):
    """A run that cannot be collected, or a folder with nothing to report."""


def thin_csv(text: str, max_bytes: int) -> tuple[str, int]:
    """The header and every Nth row (the last row too) with the smallest N that brings the
    text under `max_bytes`; returns (text, N)."""
    header, *rows = text.splitlines(keepends=True)
    every = 1
    while True:
        kept = rows[::every]
        if rows and kept[-1] is not rows[-1]:
            kept.append(rows[-1])
        thinned = header + "".join(kept)
        if len(thinned.encode()) <= max_bytes or len(kept) <= 2:
            return thinned, every
        every += 1


def run_dirs_in(paths: list[Path]) -> list[Path]:
    """Each path that is a run directory, and the run directories directly inside one that is
    not (the OUT of gankit reproduce or gankit sweep)."""
    found: list[Path] = []
    for path in paths:
        if RunDir(path).config.is_file():
            found.append(path)
        else:
            inside = sorted(p for p in path.iterdir() if RunDir(p).config.is_file())
            if not inside:
                raise CollectError(
                    f"{path}: no {CONFIG}, and no run directory inside; give run directories "
                    "(or the folder gankit reproduce or gankit sweep wrote them into)"
                )
            found += inside
    return found


def _finished(run_dir: Path) -> bool:
    """Whether a run has its final evaluation (metrics.json), the mark of a run to collect."""
    return RunDir(run_dir).metrics.is_file()


def _check(run_dirs: list[Path], dest: Path) -> None:
    names: dict[str, Path] = {}
    for run_dir in run_dirs:
        if not _finished(run_dir):
            raise CollectError(
                f"{run_dir} has no {METRICS}: the run has not finished or was trained with "
                f"--no-eval; finish it, or run 'gankit eval {run_dir}', then collect it (or "
                "leave the unfinished runs out with --finished)"
            )
        if run_dir.name in names:
            raise CollectError(
                f"two runs are named {run_dir.name!r} ({names[run_dir.name]} and {run_dir}); "
                "collect them into different folders"
            )
        names[run_dir.name] = run_dir
        if (dest / run_dir.name).resolve() == run_dir.resolve():
            raise CollectError(f"{run_dir} would be collected onto itself; choose another --to")


def _write_collection(run: RunDir, folder: Path, max_losses_bytes: int) -> None:
    config = load_config_file(run.config)
    target = RunDir(folder)
    for name in ("config", "metrics", "metric_history", "trial", "timing", "provenance"):
        source = getattr(run, name)
        if source.is_file():
            shutil.copyfile(source, getattr(target, name))
    for source in run.earlier_metrics:
        shutil.copyfile(source, folder / source.name)
    losses_every, losses_rows = 0, 0
    if run.losses.is_file():
        text = run.losses.read_text()
        thinned, losses_every = thin_csv(text, max_losses_bytes)
        losses_rows = max(0, len(text.splitlines()) - 1)
        target.losses.write_text(thinned)
        earlier = read_collected(run.root)  # a collection collected again: count from the run
        if earlier.get("losses_every"):
            losses_every *= earlier["losses_every"]
            losses_rows = earlier.get("losses_rows", losses_rows)
    grids = figure_grids(run, config)
    target.samples.mkdir()
    for grid in grids:
        shutil.copyfile(grid.path, target.samples / grid.path.name)
    record = {
        "losses_every": losses_every,
        "losses_rows": losses_rows,
        "grids": [grid.step for grid in grids],
        "left_out": "checkpoints, TensorBoard events, the other sample grids, plots, reports",
    }
    (folder / COLLECTED).write_text(json.dumps(record, indent=2) + "\n")


def collect_run(run_dir: Path, dest: Path, max_losses_bytes: int = MAX_LOSSES_BYTES) -> Path:
    """Write DEST/<run folder name> whole in a temporary folder, then swap it in: a failure
    leaves the previous collection of the run as it was."""
    final = dest / run_dir.name
    try:
        dest.mkdir(parents=True, exist_ok=True)
        staging = temporary_folder(dest, f".{run_dir.name}.", ".collecting")
    except OSError as exc:
        raise WriteError(dest, exc) from exc
    old: Path | None = None
    try:
        _write_collection(RunDir(run_dir), staging, max_losses_bytes)
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", suffix=".old", dir=dest))
            os.replace(final, old / run_dir.name)
        os.replace(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            if not final.exists():
                os.replace(old / run_dir.name, final)  # put the previous collection back
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(exc, OSError):
            raise WriteError(final, exc) from exc
        raise
    if old is not None:
        shutil.rmtree(old)
    return final


def unfinished_runs(paths: list[Path]) -> list[Path]:
    """The run directories among `paths` (run_dirs_in) that have no metrics.json yet."""
    return [run_dir for run_dir in run_dirs_in(paths) if not _finished(run_dir)]


def collect_runs(
    paths: list[Path],
    dest: Path,
    max_losses_bytes: int = MAX_LOSSES_BYTES,
    finished_only: bool = False,
) -> list[Path]:
    """Collect every run among `paths` into `dest`; every run is checked before the first is
    written, and one not finished is refused, or with `finished_only` left out (a study still
    running, collected as it goes). `dest` is marked as the study's (write_study) when the
    paths are of one study: its folder, or runs inside it."""
    run_dirs = run_dirs_in(paths)
    if finished_only:
        run_dirs = [run_dir for run_dir in run_dirs if _finished(run_dir)]
    _check(run_dirs, dest)
    collected = [collect_run(run_dir, dest, max_losses_bytes) for run_dir in run_dirs]
    studies = {study for path in paths if (study := _study_of(path)) is not None}
    if len(studies) == 1:
        write_study(dest, studies.pop())
    return collected


def _study_of(path: Path) -> str | None:
    """The study `path` holds runs of, or, for one run directory, the study of its folder."""
    if RunDir(path).config.is_file():
        return read_study(path.parent)
    return read_study(path)


def write_study(folder: Path, study: str) -> None:
    """Mark `folder` as holding the runs of `study`, so that its page is that study's."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / STUDY_FILE, json.dumps({"study": study}) + "\n")


def read_study(folder: Path) -> str | None:
    """The study `folder` holds runs of (write_study), None for any other folder."""
    try:
        study = json.loads((Path(folder) / STUDY_FILE).read_text()).get("study")
    except (OSError, ValueError, AttributeError):
        return None
    return study if isinstance(study, str) else None


def collected_runs(folder: Path) -> list[Path]:
    """The run folders a report is built from: those inside `folder` with a config.yaml."""
    if not folder.is_dir():
        raise CollectError(f"{folder} is not a folder")
    runs = sorted(p for p in folder.iterdir() if RunDir(p).config.is_file())
    if not runs:
        raise CollectError(
            f"{folder} holds no runs (folders with a {CONFIG}); collect some first: "
            f"gankit report collect RUN_DIR ... --to {folder}"
        )
    return runs


def read_collected(folder: Path) -> dict:
    path = folder / COLLECTED
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        return {}
