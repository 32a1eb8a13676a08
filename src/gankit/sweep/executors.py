"""The executor the command line names: local processes or a Ray cluster."""

from __future__ import annotations

from gankit.machine import available_cores
from gankit.sweep.executor_base import Executor, TrialSettings
from gankit.sweep.local import LocalExecutor
from gankit.sweep.ray_executor import RayExecutor
from gankit.sweep.spec import SweepError


def make_executor(
    kind: str, settings: TrialSettings, workers: int | None = None, address: str | None = None
) -> Executor:
    """The executor the command line names; bad combinations are refused before any trial."""
    if settings.threads < 1:
        raise SweepError(f"--threads must be at least 1, got {settings.threads}")
    if kind == "local":
        if address is not None:
            raise SweepError("--address is for --executor ray; the local executor needs none")
        cores = len(available_cores())
        return LocalExecutor(workers or max(1, cores // settings.threads), settings)
    if kind == "ray":
        if workers is not None:
            raise SweepError(
                "--workers is for --executor local; Ray runs as many trials at once as its "
                "cluster has CPUs for (--threads each)"
            )
        return RayExecutor(address, settings)
    raise SweepError(f"unknown executor {kind!r}; choose local or ray")
