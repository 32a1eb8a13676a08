"""Twins: a benchmark trial trained again from its collected config.yaml where the trial's own
checkpoint went with the machine that trained it, so that a score the trial lacks (the Inception
network's FID) can still be measured (docs/results/benchmark-inception.sh). A twin is the same
recipe and seed, but another run: another CPU sums in another order. Twins sit in the folder
TWINS beside the benchmark's, each under its trial's name; the page takes only their Inception
scores, labelled as twins', and sets each twin's classifier-scale FID beside its trial's, which
says how far apart the two runs ended."""

from __future__ import annotations

from pathlib import Path

from gankit.benchmark.tables import INCEPTION_FID
from gankit.errors import GankitError
from gankit.paper_report import ReportRun, open_runs
from gankit.rundir import RunDir

TWINS = "benchmark-inception"


class TwinError(GankitError, ValueError):
    """A twin that does not compute what its trial computes."""


def twins_folder(benchmark: Path) -> Path:
    """Where the twins of the benchmark folder `benchmark` sit: RUNS/benchmark's in
    RUNS/benchmark-inception, docs/results/benchmark's in docs/results/benchmark-inception."""
    return benchmark.parent / TWINS


def _check_twin(twin: ReportRun, trial: ReportRun) -> None:
    differs = [
        what
        for what, mine, theirs in (
            ("settings", twin.config.fingerprint(), trial.config.fingerprint()),
            ("seed", twin.seed, trial.seed),
            ("length", twin.config.train.iterations, trial.config.train.iterations),
        )
        if mine != theirs
    ]
    if differs:
        raise TwinError(
            f"{twin.run.root}: not a twin of the trial {trial.name} (its {', '.join(differs)} "
            f"differ from {trial.run.config}); remove it, or train it again "
            "from the trial's config.yaml (docs/results/benchmark-inception.sh)"
        )


def scored_twins(benchmark: Path, trials: list[ReportRun]) -> dict[str, ReportRun]:
    """The twins beside `benchmark` that the Inception network scored, by the name of the
    trial each twins, for the trials among `trials` that were not scored where they trained;
    a twin whose settings, seed or length are not its trial's is refused (TwinError)."""
    folder = twins_folder(benchmark)
    wanted = {t.name: t for t in trials if t.metrics.get(INCEPTION_FID) is None}
    if not folder.is_dir() or not wanted:
        return {}
    found = [p for p in sorted(folder.iterdir()) if p.name in wanted and RunDir(p).config.is_file()]
    twins = {}
    for twin in open_runs(found):
        if twin.metrics.get(INCEPTION_FID) is None:
            continue  # trained, not scored yet
        _check_twin(twin, wanted[twin.name])
        twins[twin.name] = twin
    return twins
