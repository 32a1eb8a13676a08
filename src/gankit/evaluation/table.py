"""A plain-text table of a metrics dict, each value beside its real-data reference, and the
labels and cells every table and report gives the registered metrics (evaluation.registry):
each label names the network that computed it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from gankit.evaluation.registry import Metric, metric, registered

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


def run_rows() -> tuple[Metric, ...]:
    """The rows of a run's own table: every metric but those only a paper's report shows."""
    return tuple(m for m in registered() if not m.paper_only)


def row_label(label: str, metrics: dict[str, Any]) -> str:
    """A metric's label with the network, class count and KID subset sizes of `metrics`."""
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
    return {m.key: m.header(net) for m in registered()}


def scaled(key: str, value: float) -> float:
    """A value as tables show it (Inception KID x10^3)."""
    return value * metric(key).scale


def format_cell(metrics: dict[str, Any], key: str, spread: bool = True) -> str:
    """One value as text (Inception KID x10^3), with 'of N' and (with `spread`) its +- spread
    where the metrics carry them."""
    m = metric(key)
    if metrics.get(key) is None:
        return "-"
    text = m.fmt.format(scaled(key, metrics[key]))
    if m.total is not None and m.total in metrics:
        text += f" / {metrics[m.total]}"
    if spread and m.spread is not None and m.spread in metrics:
        text += " +- " + m.fmt.format(metrics[m.spread] * m.scale)
    return text


def format_table(metrics: dict[str, Any]) -> str:
    reference = metrics.get("reference", {})
    rows = [("metric", "value", "real-data reference")]
    rows += [
        (row_label(m.label, metrics), format_cell(metrics, m.key), format_cell(reference, m.key))
        for m in run_rows()
        if m.key in metrics
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
