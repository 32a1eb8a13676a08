"""Every metric gankit reports, declared once: its metrics.json key, how tables label and print
it, which side is better, and where it appears. Tables, reports, sweep summaries, comparisons,
the periodic evaluation's columns, TensorBoard's scalars, the best-checkpoint rule and the name
of the cached real-data reference all read this module. It imports nothing beyond the standard
library, so report code that only formats numbers loads no torch.

Adding a metric: its function (evaluation/metrics.py, marked `@feature_metric(key)` when it
compares the generated and the real features, `@probability_metric(key)` when it reads the
classifier's class probabilities, else called from `metric_suite`) and its
`register(Metric(...))` below."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Better = Literal["lower", "higher"]
# The periodic evaluation of training (training/callbacks.PeriodicEval) that computes a metric:
# "classifier" on the dataset's classifier (evaluate.quick_metrics), "modes" on Stacked MNIST
# (modes.quick_mode_metrics).
Periodic = Literal["classifier", "modes"]
PERIODIC: tuple[Periodic, ...] = ("classifier", "modes")


@dataclass(frozen=True)
class Metric:
    """One metrics.json key as every table shows it.

    `label`: its row in a run's table; {net} is the network of the run's feature space,
    {classes} and {h_max} the IS classifier's class count and ln of it, {kid_subsets} and
    {kid_inception_subsets} the KID subset size (evaluation.table.row_label fills them in).
    `column`: its header in tables of several runs ({net}: their shared network); None: the
    label up to its first " (" or ",". `fmt`: how its value prints (after `scale`, which its
    `spread` shares). `better`: which side is better; None where neither is (a count, or a
    distance whose best is the real data's own value)."""

    key: str
    label: str
    fmt: str
    better: Better | None
    spread: str | None = None  # the key of its +- spread
    column: str | None = None
    scale: int = 1  # shown multiplied (Inception KID x10^3); metrics.json keeps the plain value
    total: str | None = None  # the key of the count it is out of ("10 / 10")
    headline: bool = False  # a column of the tables over seeds, summaries and comparisons
    # a column of folder reports and comparisons with a run that holds it (an opt-in score,
    # such as `gankit eval --features inception`'s, that most runs lack)
    headline_where_scored: bool = False
    periodic: Periodic | None = None  # logged by that periodic evaluation during training
    paper_only: bool = False  # only in the reports of papers naming it (Paper.metrics)
    verdict: int | None = None  # its place in the one-line verdict of a run's report (1 first)
    # how the run report's sentence on feature spaces names the metrics this key stands for
    space: str | None = None

    def header(self, net: str) -> str:
        """Its header in a table of several runs whose shared network is `net`."""
        return self.column.format(net=net) if self.column else self._short_label

    @property
    def name(self) -> str:
        """Its plain name, the network aside: 'FID', 'FID (Inception)', 'modes covered'."""
        return (self.column or self._short_label).replace(" ({net})", "")

    @property
    def _short_label(self) -> str:
        return self.label.split(" (")[0].split(",")[0]

    @property
    def worst(self) -> float:
        """Where a search for the best value starts: every finite value improves on it."""
        return math.inf if self._ranked == "lower" else -math.inf

    def improves(self, value: float, than: float) -> bool:
        """Whether `value` is strictly better than `than` (NaN never is)."""
        return value < than if self._ranked == "lower" else value > than

    @property
    def _ranked(self) -> Better:
        if self.better is None:
            raise ValueError(f"metric {self.key!r} has no better side to rank by")
        return self.better


_METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    """Adds `metric`; a key registered before, a place in the verdict another metric holds, or
    a direction or periodic evaluation gankit does not know, is refused."""
    if metric.key in _METRICS:
        raise ValueError(f"metric {metric.key!r} is registered twice; each key is declared once")
    if metric.verdict is not None and metric.verdict in {m.verdict for m in _METRICS.values()}:
        raise ValueError(f"metric {metric.key!r}: place {metric.verdict} of the verdict is taken")
    if metric.better not in ("lower", "higher", None):
        raise ValueError(f"metric {metric.key!r}: better must be 'lower', 'higher' or None")
    if metric.periodic not in (*PERIODIC, None):
        raise ValueError(f"metric {metric.key!r}: periodic must be one of {PERIODIC} or None")
    _METRICS[metric.key] = metric
    return metric


def metric(key: str) -> Metric:
    try:
        return _METRICS[key]
    except KeyError:
        raise KeyError(f"no metric {key!r} is registered (evaluation/registry.py)") from None


def registered() -> tuple[Metric, ...]:
    """Every metric, in the order tables show them."""
    return tuple(_METRICS.values())


def headline_keys(scored: Iterable[Mapping[str, Any]] = ()) -> tuple[str, ...]:
    """The columns of tables of several runs, in the registry's order: the headline metrics, and
    those shown where scored that any of `scored` (the runs' metrics.json) holds."""
    held = {key for metrics in scored for key in metrics}
    return tuple(
        m.key
        for m in _METRICS.values()
        if m.headline or (m.headline_where_scored and m.key in held)
    )


def verdict_metrics() -> tuple[Metric, ...]:
    """The metrics a run report's verdict names, in its order."""
    named = [m for m in _METRICS.values() if m.verdict is not None]
    return tuple(sorted(named, key=lambda m: m.verdict or 0))


def periodic_keys(evaluation: Periodic | None = None) -> tuple[str, ...]:
    """The columns of `evaluation`'s metrics_history.csv; None: those of either."""
    return tuple(
        m.key
        for m in _METRICS.values()
        if m.periodic is not None and evaluation in (None, m.periodic)
    )


def keys_digest() -> str:
    """A short hash of the registered keys: the name of a cached real-data reference carries it,
    so a metric added (or removed) makes the reference be computed again."""
    return hashlib.sha256(",".join(sorted(_METRICS)).encode()).hexdigest()[:10]


# best.pt is the state at the periodic evaluation with the best value of this metric
BEST_CHECKPOINT_METRIC = "fid"


def best_checkpoint_metric() -> Metric:
    return metric(BEST_CHECKPOINT_METRIC)


# fmt: off
register(Metric("is_mean", "Inception Score, {net} (10 splits)", "{:.3f}", "higher",
    spread="is_std", column="IS ({net})", headline=True, periodic="classifier", verdict=1,
    space="IS"))
register(Metric("is_h_y", "  H(y), diversity (max ln {classes} = {h_max:.3f})", "{:.3f}", "higher"))
register(Metric("is_h_y_given_x", "  E[H(y|x)], confidence (0 is best)", "{:.3f}", "lower"))
register(Metric("fid", "FID, {net} (lower is better)", "{:.3f}", "lower",
    column="FID ({net})", headline=True, periodic="classifier", verdict=2, space="FID, KID"))
# KID in a classifier's features is of order 0.1 to 1,000 (they are not Inception's), so it prints
# plain, as FID is; the Inception network's KID keeps the literature's x10^3.
register(Metric("kid", "KID, {net}{kid_subsets} (lower is better)", "{:.3f}", "lower",
    spread="kid_std", column="KID ({net})", headline=True))
register(Metric("fid_inception", "FID, Inception pool3 (papers' scale)", "{:.2f}", "lower",
    column="FID (Inception)", verdict=3, headline_where_scored=True))
register(Metric("kid_inception", "KID x10^3, Inception{kid_inception_subsets}", "{:.2f}", "lower",
    spread="kid_inception_std", column="KID x10^3 (Inception)", scale=1000))
register(Metric("precision", "precision (k=5)", "{:.3f}", "higher",
    headline=True, space="precision / recall"))
register(Metric("recall", "recall (k=5)", "{:.3f}", "higher", headline=True))
# 1 where samples are as dense around real points as real points are around each other; above
# 1, samples crowd the real data's dense regions
register(Metric("density", "density (k=5)", "{:.3f}", None))
register(Metric("coverage", "coverage (k=5)", "{:.3f}", "higher", headline=True))
register(Metric("modes_covered", "modes covered", "{}", "higher",
    total="modes_total", headline=True, periodic="modes", verdict=5))
register(Metric("class_kl", "class KL to the real split's classes", "{:.4f}", "lower"))
register(Metric("kl_to_uniform", "KL of the modes to uniform (nats)", "{:.4f}", "lower",
    periodic="modes"))
register(Metric("target_share", "share classified as target", "{:.3f}", "higher"))
register(Metric("inverted_share", "share drawn dark on light (inverted)", "{:.3f}", "lower"))
register(Metric("label_accuracy", "accuracy on requested labels", "{:.3f}", "higher"))
register(Metric("intra_fid", "intra-class FID, {net} (mean over classes)", "{:.3f}", "lower",
    column="intra-class FID ({net})", verdict=4))
# a distance and a ratio whose best is the real data's own value (about 1 for the ratio)
register(Metric("memorisation_nn_median", "nearest-train distance, median", "{:.3f}", None))
register(Metric("memorisation_ratio", "memorisation ratio (<< 1: copying)", "{:.3f}", None,
    space="memorisation"))
register(Metric("n_samples", "samples", "{}", None))
# Liu 2021's ISc as its eq. 18 writes it, exp E[H(y|x)], from the same classifier outputs as
# the IS: every evaluation computes it, only that paper's tables show it
register(Metric("liu_isc_mean", "ISc, Liu 2021 eq. 18 (1 is sharpest)", "{:.3f}", "lower",
    spread="liu_isc_std", column="ISc, Liu 2021 eq. 18", paper_only=True))
# fmt: on
