"""A plain-text table of a metrics dict, each value beside its real-data reference."""

from __future__ import annotations

from typing import Any

# (label, key, key of a +- spread or None, format); rows whose key is absent are skipped
ROWS: tuple[tuple[str, str, str | None, str], ...] = (
    ("Inception Score (10 splits)", "is_mean", "is_std", "{:.3f}"),
    ("  H(y), diversity (max ln 10 = 2.303)", "is_h_y", None, "{:.3f}"),
    ("  E[H(y|x)], confidence (0 is best)", "is_h_y_given_x", None, "{:.3f}"),
    ("FID (lower is better)", "fid", None, "{:.3f}"),
    ("KID (lower is better)", "kid", "kid_std", "{:.4f}"),
    ("precision (k=5)", "precision", None, "{:.3f}"),
    ("recall (k=5)", "recall", None, "{:.3f}"),
    ("density (k=5)", "density", None, "{:.3f}"),
    ("coverage (k=5)", "coverage", None, "{:.3f}"),
    ("modes covered", "modes_covered", None, "{}"),
    ("class KL to training classes", "class_kl", None, "{:.4f}"),
    ("KL of the modes to uniform (nats)", "kl_to_uniform", None, "{:.4f}"),
    ("share classified as target", "target_share", None, "{:.3f}"),
    ("accuracy on requested labels", "label_accuracy", None, "{:.3f}"),
    ("nearest-train distance, median", "memorisation_nn_median", None, "{:.3f}"),
    ("memorisation ratio (<< 1: copying)", "memorisation_ratio", None, "{:.3f}"),
    ("samples", "n_samples", None, "{}"),
)


def format_cell(metrics: dict[str, Any], key: str, spread: str | None, fmt: str) -> str:
    """One value as text, with its +- spread and 'of N' where the metrics carry them."""
    if key not in metrics:
        return "-"
    text = fmt.format(metrics[key])
    if key == "modes_covered" and "modes_total" in metrics:
        text += f" / {metrics['modes_total']}"
    if spread is not None and spread in metrics:
        text += " +- " + fmt.format(metrics[spread])
    return text


def format_table(metrics: dict[str, Any]) -> str:
    reference = metrics.get("reference", {})
    rows = [("metric", "value", "real-data reference")]
    rows += [
        (label, format_cell(metrics, key, spread, fmt), format_cell(reference, key, spread, fmt))
        for label, key, spread, fmt in ROWS
        if key in metrics
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    if "class_histogram" in metrics:
        lines.append(f"class histogram: {metrics['class_histogram']}")
    if "class_histogram" in reference:
        lines.append(f"reference histogram: {reference['class_histogram']}")
    return "\n".join(lines)
