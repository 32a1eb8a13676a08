"""Runs scored on different sample counts are not comparable as they stand: FID and KID are
biased estimates whose bias shrinks as the count grows, and the other metrics move too. The
tables that set runs side by side say so, add a samples column, and give the real-data
reference once per size, never one run's reference for all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SAMPLES = "samples"  # the column that tells the counts apart


def sample_count(metrics: dict[str, Any]) -> int | None:
    """How many images these metrics were computed on (None where not recorded)."""
    n = metrics.get("n_samples")
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def counts_of(runs: Iterable[dict[str, Any]]) -> list[int]:
    """The distinct sample counts of the scored runs, largest first."""
    return sorted({n for m in runs if (n := sample_count(m)) is not None}, reverse=True)


def mixed(runs: Iterable[dict[str, Any]]) -> bool:
    return len(counts_of(runs)) > 1


def count_cell(metrics: dict[str, Any]) -> str:
    n = sample_count(metrics)
    return "-" if n is None else f"{n:,}"


def mixed_counts_warning(runs: Iterable[dict[str, Any]]) -> str | None:
    """The warning a table of these runs carries when they were scored on different counts."""
    counts = counts_of(runs)
    if len(counts) < 2:
        return None
    listed = ", ".join(f"{n:,}" for n in counts)
    return (
        f"Warning: these runs were scored on different sample counts ({listed}). FID and KID "
        "fall as the count grows, and the other metrics move too, so rows of different counts "
        "are not comparable: compare each with the rows and the real-data reference of its own "
        "count (the samples column), or score every run on one count with `gankit eval RUN_DIR "
        "--n-samples N`."
    )


def reference_rows(runs: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """From (what the real data is, a run's metrics) pairs: one real-data reference per data
    and size, labelled with its image count, largest first within each data. A value the first
    run's reference lacks (an opt-in score, such as the Inception network's) is taken from the
    next run's that holds it."""
    found: dict[tuple[str, int | None], dict[str, Any]] = {}
    for what, metrics in runs:
        reference = metrics.get("reference")
        if reference:
            merged = found.setdefault((what, sample_count(reference)), {})
            for key, value in reference.items():
                merged.setdefault(key, value)
    data = list(dict.fromkeys(what for what, _ in found))  # in the order first met
    order = sorted(found, key=lambda key: (data.index(key[0]), -(key[1] or 0)))
    return [(f"{what}, {n:,} images" if n else what, found[(what, n)]) for what, n in order]
