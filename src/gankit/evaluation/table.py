"""A plain-text table of a metrics dict, each value beside its real-data reference, and the
labels every table and report gives the metrics: each names the network that computed it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

# (label, key, key of a +- spread or None, format); rows whose key is absent are skipped.
# A label's {net} is the network of the run's feature space (network()), {classes} and {h_max}
# the IS classifier's class count and ln of it, {kid_subsets} and {kid_inception_subsets} the
# KID subset size; row_label() fills them in.
ROWS: tuple[tuple[str, str, str | None, str], ...] = (
    ("Inception Score, {net} (10 splits)", "is_mean", "is_std", "{:.3f}"),
    ("  H(y), diversity (max ln {classes} = {h_max:.3f})", "is_h_y", None, "{:.3f}"),
    ("  E[H(y|x)], confidence (0 is best)", "is_h_y_given_x", None, "{:.3f}"),
    ("FID, {net} (lower is better)", "fid", None, "{:.3f}"),
    ("KID x10^3, {net}{kid_subsets} (lower is better)", "kid", "kid_std", "{:.2f}"),
    ("FID, Inception pool3 (papers' scale)", "fid_inception", None, "{:.2f}"),
    ("KID x10^3, Inception{kid_inception_subsets}", "kid_inception", "kid_inception_std", "{:.2f}"),
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
    ("intra-class FID, {net} (mean over classes)", "intra_fid", None, "{:.3f}"),
    ("nearest-train distance, median", "memorisation_nn_median", None, "{:.3f}"),
    ("memorisation ratio (<< 1: copying)", "memorisation_ratio", None, "{:.3f}"),
    ("samples", "n_samples", None, "{}"),
)

# Scores every evaluation computes but only one paper's tables show (Paper.metrics): Liu 2021's
# ISc as its eq. 18 writes it, exp E[H(y|x)], from the same classifier outputs as the IS.
PAPER_ROWS: tuple[tuple[str, str, str | None, str], ...] = (
    ("ISc, Liu 2021 eq. 18 (1 is sharpest)", "liu_isc_mean", "liu_isc_std", "{:.3f}"),
)

# Shown multiplied, as KID is usually printed (metrics.json keeps the plain value).
SCALE = {"kid": 1000, "kid_std": 1000, "kid_inception": 1000, "kid_inception_std": 1000}

# Column headers of the tables that set several runs side by side; the other keys' headers
# are their row labels up to the first " (" or ",".
SHORT = {
    "is_mean": "IS ({net})",
    "fid": "FID ({net})",
    "kid": "KID x10^3 ({net})",
    "fid_inception": "FID (Inception)",
    "kid_inception": "KID x10^3 (Inception)",
    "intra_fid": "intra-class FID ({net})",
}

DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
SPACE_NAMES = {"inception-v3": "Inception-v3", "inception": "Inception"}


def network(metrics: dict[str, Any]) -> str:
    """The network IS, FID, KID, precision / recall and memorisation were computed with: the
    scored dataset's classifier unless metrics.json's `features` names another
    (classifier:DATASET, inception-v3; inception for data scored with the Inception FID
    alone)."""
    features = str(metrics.get("features", "classifier"))
    if features in SPACE_NAMES:
        return SPACE_NAMES[features]
    _, _, other = features.partition(":")
    dataset = other or metrics.get("dataset")
    return f"{DATASET_NAMES.get(dataset, dataset)} classifier" if dataset else "classifier"


def is_classes(metrics: dict[str, Any]) -> int:
    """The class count of the IS classifier: H(y) is at most its natural log."""
    return int(metrics.get("is_classes") or len(metrics.get("class_histogram") or ()) or 10)


def _subsets(size: Any) -> str:
    return f", subsets of {size:,}" if isinstance(size, int) else ""


def row_label(label: str, metrics: dict[str, Any]) -> str:
    """A ROWS label with the network, class count and KID subset sizes of `metrics`."""
    classes = is_classes(metrics)
    return label.format(
        net=network(metrics),
        classes=classes,
        h_max=math.log(classes),
        kid_subsets=_subsets(metrics.get("kid_subset_size")),
        kid_inception_subsets=_subsets(metrics.get("kid_inception_subset_size")),
    )


def shared_network(runs: Iterable[dict[str, Any]]) -> str:
    """The network of every scored run in `runs`, or what tells them apart when they differ."""
    names = {network(m) for m in runs if m}
    if len(names) == 1:
        return names.pop()
    return "each run's classifier" if names else "classifier"


def column_labels(runs: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Short labels of every key for tables of several runs' `metrics`, naming the network."""
    net = shared_network(runs)
    labels = {key: label.split(" (")[0].split(",")[0] for label, key, _, _ in ROWS}
    labels |= {key: label.split(" (")[0] for label, key, _, _ in PAPER_ROWS}
    return labels | {key: short.format(net=net) for key, short in SHORT.items()}


def scaled(key: str, value: float) -> float:
    return value * SCALE.get(key, 1)


def format_cell(metrics: dict[str, Any], key: str, spread: str | None, fmt: str) -> str:
    """One value as text (KID x10^3), with its +- spread and 'of N' where the metrics carry
    them."""
    if metrics.get(key) is None:
        return "-"
    text = fmt.format(scaled(key, metrics[key]))
    if key == "modes_covered" and "modes_total" in metrics:
        text += f" / {metrics['modes_total']}"
    if spread is not None and spread in metrics:
        text += " +- " + fmt.format(scaled(spread, metrics[spread]))
    return text


def format_table(metrics: dict[str, Any]) -> str:
    reference = metrics.get("reference", {})
    rows = [("metric", "value", "real-data reference")]
    rows += [
        (
            row_label(label, metrics),
            format_cell(metrics, key, spread, fmt),
            format_cell(reference, key, spread, fmt),
        )
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
    lines += [f"warning: {warning}" for warning in metrics.get("warnings") or ()]
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
