"""The Ray executor: each trial a Ray task on an existing cluster (or a local instance).

A task trains in a temporary folder on whichever machine Ray picks, seeded with the files the
trial already has in OUT (so an interrupted trial resumes from its last gathered checkpoint),
and hands the whole run directory back; the sweep writes it into OUT/<trial>. The sweep
process holds each trial's claim while its task runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gankit.fileio import atomic_write_bytes
from gankit.locks import ClaimBusy, DirClaim
from gankit.rundir import METRICS, TRIAL
from gankit.sweep.executor_base import TrialSettings, counting_sigint
from gankit.sweep.outcome import BUSY, FAILED, INTERRUPTED, SKIPPED, Outcome
from gankit.sweep.spec import SweepError, Trial
from gankit.sweep.trial import is_finished

# written last, so a sweep killed while gathering never sees a finished record without metrics
LAST = (METRICS, TRIAL)


def _run_files(root: Path) -> list[Path]:
    """The run's files; hidden ones (claims, locks, half-written temporaries) stay local."""
    if not root.is_dir():
        return []
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".")]


def read_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in _run_files(root)}


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Make root's files exactly `files`, each written atomically."""
    for p in _run_files(root):
        if str(p.relative_to(root)) not in files:
            p.unlink()  # e.g. the error.txt of an earlier failed attempt
    for rel in sorted(files, key=lambda r: r in LAST):
        atomic_write_bytes(root / rel, lambda f, data=files[rel]: f.write(data))


def run_remote_trial(
    payload: dict[str, Any], files: dict[str, bytes], settings: TrialSettings
) -> tuple[Outcome, dict[str, bytes]]:
    """The body of a Ray task: the trial in a scratch folder on the worker machine."""
    from gankit.sweep.trial import execute_trial

    trial = Trial.from_payload(payload)
    with tempfile.TemporaryDirectory(prefix="gankit-trial-") as scratch:
        run_dir = Path(scratch) / trial.name
        write_tree(run_dir, files)
        outcome = execute_trial(
            trial,
            run_dir,
            threads=settings.threads,
            data_dir=settings.data_dir,
            eval_samples=settings.eval_samples,
        )
        return outcome, read_tree(run_dir)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SweepError(
            "--executor ray needs Ray: pip install 'gankit[ray]' (on every machine of the "
            "cluster), then start it with `ray start --head`"
        ) from None
    return ray


class RayExecutor:
    def __init__(self, address: str | None, settings: TrialSettings) -> None:
        self.ray = _import_ray()
        self.address = address
        self.settings = settings

    def describe(self) -> str:
        where = self.address or "a local instance"
        return f"Ray executor on {where}, {self.settings.threads} thread(s) per trial"

    def run(self, trials: list[Trial], out: Path, on_outcome: Callable[[Outcome], None]) -> None:
        ray = self.ray
        if not ray.is_initialized():
            ray.init(address=self.address, log_to_driver=False)
        # Ray retries a task whose worker died (a lost machine), from the same files
        task = ray.remote(num_cpus=self.settings.threads)(run_remote_trial)
        pending: dict[Any, tuple[Trial, DirClaim]] = {}
        stopping = False

        def on_sigint(count: int) -> None:
            nonlocal stopping
            stopping = True

        with counting_sigint(on_sigint):
            for trial in trials:
                run_dir = out / trial.name
                claim = DirClaim(run_dir)
                try:
                    claim.acquire()
                except ClaimBusy as exc:
                    on_outcome(Outcome(trial.name, BUSY, error=str(exc)))
                    continue
                if is_finished(trial, run_dir):
                    claim.release()
                    on_outcome(Outcome(trial.name, SKIPPED))
                    continue
                files = ray.put(read_tree(run_dir))
                pending[task.remote(trial.to_payload(), files, self.settings)] = (trial, claim)
            while pending and not stopping:
                done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
                for ref in done:
                    trial, claim = pending.pop(ref)
                    with claim:
                        on_outcome(self._gather(ref, trial, out / trial.name))
            for ref, (trial, claim) in pending.items():  # Ctrl-C: cancel what still runs
                ray.cancel(ref, force=True)
                claim.release()
                on_outcome(Outcome(trial.name, INTERRUPTED, error="cancelled by Ctrl-C"))

    def _gather(self, ref: Any, trial: Trial, run_dir: Path) -> Outcome:
        try:
            outcome, files = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:  # the task or its worker died
            cause = getattr(exc, "cause", None) or exc  # a task's own exception, when it has one
            error = f"Ray: {type(cause).__name__}: {cause}".splitlines()[0]
            return Outcome(trial.name, FAILED, error=error)
        write_tree(run_dir, files)
        return outcome
