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
    ("FID, Inception pool3 (papers' scale)", "fid_inception", None, "{:.2f}"),
    ("KID, Inception pool3", "kid_inception", "kid_inception_std", "{:.4f}"),
    ("precision (k=5)", "precision", None, "{:.3f}"),
    ("recall (k=5)", "recall", None, "{:.3f}"),
    ("density (k=5)", "density", None, "{:.3f}"),
    ("coverage (k=5)", "coverage", None, "{:.3f}"),
    ("modes covered", "modes_covered", None, "{}"),
    ("class KL to training classes", "class_kl", None, "{:.4f}"),
    ("KL of the modes to uniform (nats)", "kl_to_uniform", None, "{:.4f}"),
    ("share classified as target", "target_share", None, "{:.3f}"),
    ("share drawn dark on light (inverted)", "inverted_share", None, "{:.3f}"),
    ("accuracy on requested labels", "label_accuracy", None, "{:.3f}"),
    ("intra-class FID (mean over classes)", "intra_fid", None, "{:.3f}"),
    ("nearest-train distance, median", "memorisation_nn_median", None, "{:.3f}"),
    ("memorisation ratio (<< 1: copying)", "memorisation_ratio", None, "{:.3f}"),
    ("samples", "n_samples", None, "{}"),
)

# Scores every evaluation computes but only one paper's tables show (Paper.metrics): Liu 2021's
# ISc as its eq. 18 writes it, exp E[H(y|x)], from the same classifier outputs as the IS.
PAPER_ROWS: tuple[tuple[str, str, str | None, str], ...] = (
    ("ISc, Liu 2021 eq. 18 (1 is sharpest)", "liu_isc_mean", "liu_isc_std", "{:.3f}"),
)


def format_cell(metrics: dict[str, Any], key: str, spread: str | None, fmt: str) -> str:
    """One value as text, with its +- spread and 'of N' where the metrics carry them."""
    if metrics.get(key) is None:
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
    if "per_class_fid" in metrics:
        table = per_class_table(metrics)
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        lines += ["", "per class (reference in brackets):"]
        lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in table]
    return "\n".join(lines)


# (label, key, format) of the per-class lists of a conditional model's evaluation
PER_CLASS_ROWS = (
    ("FID", "per_class_fid", "{:.2f}"),
    ("precision", "per_class_precision", "{:.3f}"),
    ("recall", "per_class_recall", "{:.3f}"),
    ("samples", "per_class_n", "{}"),
)


def per_class_table(metrics: dict[str, Any]) -> list[list[str]]:
    """Rows of [name, class 0, class 1, ...] with each value beside its reference."""
    reference = metrics.get("reference", {})
    classes = len(metrics["per_class_fid"])
    table = [["class", *map(str, range(classes))]]
    for label, key, fmt in PER_CLASS_ROWS:
        ours, theirs = metrics.get(key), reference.get(key)
        row = [label]
        for c in range(classes):
            cell = "-" if ours is None or ours[c] is None else fmt.format(ours[c])
            if theirs is not None and theirs[c] is not None and key != "per_class_n":
                cell += f" ({fmt.format(theirs[c])})"
            row.append(cell)
        table.append(row)
    return table
