"""The warnings an evaluation recorded in metrics.json (evaluation.trust: a weak classifier, too
few real images), repeated by every report that shows its numbers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gankit.report.document import Paragraph


def warnings_of(metrics: dict[str, Any]) -> list[str]:
    return [str(w) for w in metrics.get("warnings") or ()]


def warning_paragraphs(runs: Iterable[tuple[str, dict[str, Any]]]) -> list[Paragraph]:
    """One paragraph per distinct warning of the named runs' metrics, naming the runs it
    concerns (none for a single run's report)."""
    concerns: dict[str, list[str]] = {}
    for name, metrics in runs:
        for warning in warnings_of(metrics):
            concerns.setdefault(warning, []).append(name)
    paragraphs = []
    for warning, names in concerns.items():
        which = f" ({', '.join(names)})" if any(names) else ""
        paragraphs.append(Paragraph(f"Warning{which}: {warning}."))
    return paragraphs
