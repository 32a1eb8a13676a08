"""The benchmark page's tables of final scores: each model over its seeds, the same as multiples
of the real data's own scores, each model against the one it modifies, and each run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from gankit.benchmark.study import MODELS, ModelIndex, StudyModel
from gankit.data import dataset_info
from gankit.evaluation.table import DATASET_NAMES, column_labels
from gankit.paper_report import ReportRun, experiment_label
from gankit.report.document import Table
from gankit.report.sample_counts import SAMPLES, count_cell, mixed, reference_rows, sample_count
from gankit.sweep.aggregate import CONFIDENCE, Stat, describe
from gankit.sweep.summary import stat_cell, value_cell

# the final evaluation's scores the tables show, for image data and for Stacked MNIST
# (the Inception network's FID and KID where `gankit eval --features inception` scored a run)
IMAGE_METRICS = ("is_mean", "fid", "kid", "precision", "recall", "density", "coverage",
                 "label_accuracy", "intra_fid", "fid_inception", "kid_inception")  # fmt: skip
MODE_METRICS = ("modes_covered", "kl_to_uniform")
# the Inception network's FID, which published MNIST-scale FIDs are on
INCEPTION_FID = "fid_inception"
# what a model is set against the one it modifies by
IMAGE_COMPARED = ("fid", "is_mean", "recall")

STACKED_NAMES = {"stacked-mnist": "Stacked MNIST", "stacked-mnist-128k": "Stacked MNIST, 128,000"}


@dataclass
class ModelRuns:
    """The seeds of one model of the study (or of a run the study does not plan), scored on
    one sample count; `twins`: the scored twins of its runs, by run name (twins.py)."""

    label: str
    model: StudyModel | None
    runs: list[ReportRun]
    twins: dict[str, ReportRun] = field(default_factory=dict)

    @property
    def dataset(self) -> str:
        return self.runs[0].config.data.dataset

    @property
    def counts_modes(self) -> bool:
        return dataset_info(self.dataset).counts_modes

    @property
    def against(self) -> str:
        return (self.model.against or "") if self.model else ""

    def values(self, key: str) -> list[float]:
        found = [r.metrics.get(key) for r in self.runs]
        return [math.nan if value is None else float(value) for value in found]

    def scored_by_inception(self) -> list[ReportRun]:
        """For each seed, the run the Inception network scored: the seed's own, else its
        twin; seeds scored neither way are left out."""
        found = [run if run.metrics.get(INCEPTION_FID) is not None else self.twins.get(run.name)
                 for run in self.runs]  # fmt: skip
        return [run for run in found if run is not None]

    def is_twin(self, run: ReportRun) -> bool:
        return run is self.twins.get(run.name)

    def iterations(self) -> str:
        return ", ".join(f"{n:,}" for n in sorted({r.config.train.iterations for r in self.runs}))


def dataset_title(name: str) -> str:
    return DATASET_NAMES.get(name) or STACKED_NAMES.get(name) or name


def models_of(runs: list[ReportRun], models: tuple[StudyModel, ...] = MODELS) -> list[ModelRuns]:
    """The runs as the study's models, in the study's order (then the runs it does not plan,
    by label), each model's seeds by seed; runs of one model that compute different things
    (report.place_in_experiments' `config`) or were scored on different sample counts are
    kept apart."""
    index = ModelIndex(models)
    found: dict[tuple[str, int | None], ModelRuns] = {}
    for run in runs:
        point = {k: v for k, v in run.point.items() if k != "config"}
        model = index.model_of(run.config.name, point)
        label = model.label if model else experiment_label(run.config.name, point)
        label += f", config {run.point['config']}" if "config" in run.point else ""
        key = (label, sample_count(run.metrics))
        found.setdefault(key, ModelRuns(label, model, [])).runs.append(run)
    for group in found.values():
        group.runs.sort(key=lambda r: r.seed)

    def order(group: ModelRuns) -> tuple[int, str]:
        return (models.index(group.model) if group.model else len(models), group.label)

    return sorted(found.values(), key=order)


def by_dataset(models: list[ModelRuns]) -> dict[str, list[ModelRuns]]:
    """The models by the dataset they trained on, in the order first met."""
    groups: dict[str, list[ModelRuns]] = {}
    for model in models:
        groups.setdefault(model.dataset, []).append(model)
    return groups


def _all_metrics(group: list[ModelRuns]) -> list[dict[str, Any]]:
    return [r.metrics for m in group for r in m.runs]


def shown_metrics(group: list[ModelRuns]) -> tuple[str, ...]:
    """The metrics a dataset's tables show: those any of its runs has."""
    keys = MODE_METRICS if group[0].counts_modes else IMAGE_METRICS
    return tuple(k for k in keys if any(k in m for m in _all_metrics(group)))


def _real_data(group: list[ModelRuns]) -> str:
    """What the real-data rows score (the reference of metrics.json)."""
    images = "real training images" if group[0].counts_modes else "real test images"
    return f"{images} ({dataset_title(group[0].dataset)})"


def values_table(group: list[ModelRuns]) -> Table:
    """Per model: 'mean ± sd [95% interval]' over its seeds of each metric; then the real
    data's own scores, once per sample count."""
    metrics = shown_metrics(group)
    labels = column_labels(_all_metrics(group))
    by_count = mixed(_all_metrics(group))
    header = ["model", "modifies", "seeds", "iterations", *([SAMPLES] if by_count else []),
              *(labels[k] for k in metrics)]  # fmt: skip
    rows = []
    for m in group:
        samples = [count_cell(m.runs[0].metrics)] if by_count else []
        cells = [stat_cell(describe(m.values(k)), k) for k in metrics]
        rows.append([m.label, m.against, str(len(m.runs)), m.iterations(), *samples, *cells])
    for label, ref in reference_rows((_real_data(group), m) for m in _all_metrics(group)):
        samples = [count_cell(ref)] if by_count else []
        cells = [value_cell(k, ref[k]) if ref.get(k) is not None else "-" for k in metrics]
        rows.append([label, "", "", "", *samples, *cells])
    return Table(header, rows)


def floor_ratio(metrics: dict[str, Any], key: str) -> float | None:
    """The run's `key` over the real data's own (metrics.json's `reference`); None where
    either is missing or the real data's is not above 0 (KID's unbiased estimate can be 0 or
    below)."""
    value = metrics.get(key)
    floor = (metrics.get("reference") or {}).get(key)
    if value is None or floor is None or not floor > 0:
        return None
    return float(value) / float(floor)


def ratio_cell(stat: Stat) -> str:
    if stat.n == 0:
        return "-"
    if stat.n == 1:
        return f"{stat.mean:.2f}"
    return f"{stat.mean:.2f} ± {stat.sd:.2f} [{stat.low:.2f}, {stat.high:.2f}]"


def floor_table(group: list[ModelRuns]) -> Table:
    """Per model: each metric as a multiple of the real data's score, over its seeds."""
    metrics = shown_metrics(group)
    labels = column_labels(_all_metrics(group))
    header = ["model", "seeds", *(f"{labels[k]} ÷ real" for k in metrics)]
    rows = []
    for m in group:
        cells = []
        for key in metrics:
            ratios = [floor_ratio(r.metrics, key) for r in m.runs]
            cells.append(ratio_cell(describe([x for x in ratios if x is not None])))
        rows.append([m.label, str(len(m.runs)), *cells])
    return Table(header, rows)


def welch_interval(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """mean(a) - mean(b) and its CONFIDENCE interval by Welch's t (unequal variances, the
    Welch-Satterthwaite degrees of freedom); a and b need two values each."""
    na, nb = len(a), len(b)
    va, vb = stats.tvar(a), stats.tvar(b)  # sample variances (n - 1)
    diff = sum(a) / na - sum(b) / nb
    se2 = va / na + vb / nb
    if se2 == 0:
        return diff, diff, diff
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(se2)
    return diff, diff - half, diff + half


def difference_cell(a: list[float], b: list[float], key: str) -> str:
    a = [x for x in a if math.isfinite(x)]
    b = [x for x in b if math.isfinite(x)]
    if not a or not b:
        return "-"
    if len(a) < 2 or len(b) < 2:
        return f"{value_cell(key, sum(a) / len(a) - sum(b) / len(b))} (no interval: one seed)"
    diff, low, high = (value_cell(key, v) for v in welch_interval(a, b))
    return f"{diff} [{low}, {high}]"


def against_table(group: list[ModelRuns]) -> Table | None:
    """Each model that modifies another of the same data: the difference of its mean from the
    other's, with Welch's 95% interval; None when no pair has both sides run."""
    keys = MODE_METRICS if group[0].counts_modes else IMAGE_COMPARED
    keys = tuple(k for k in keys if k in shown_metrics(group))
    labels = column_labels(_all_metrics(group))
    by_label = {m.label: m for m in group}
    rows = []
    for m in group:
        base = by_label.get(m.against)
        if base is None:
            continue
        cells = [difference_cell(m.values(k), base.values(k), k) for k in keys]
        # a preset may change the length too (dcgan-projection trains longer than dcgan)
        lengths = m.iterations()
        if base.iterations() != lengths:
            lengths += f" against {base.iterations()}"
        rows.append([m.label, base.label, lengths, *cells])
    if not rows:
        return None
    header = ["model", "modifies", "iterations", *(f"{labels[k]}: difference" for k in keys)]
    return Table(header, rows)


def per_run_table(group: list[ModelRuns]) -> Table:
    """Each run's scores as its metrics.json holds them (rounded as above), then the real
    data's."""
    metrics = shown_metrics(group)
    labels = column_labels(_all_metrics(group))
    by_count = mixed(_all_metrics(group))
    header = ["run", "model", "seed", "iterations", *([SAMPLES] if by_count else []),
              *(labels[k] for k in metrics)]  # fmt: skip
    rows = []
    for m in group:
        for r in m.runs:
            samples = [count_cell(r.metrics)] if by_count else []
            cells = [value_cell(k, r.metrics[k]) if r.metrics.get(k) is not None else "-"
                     for k in metrics]  # fmt: skip
            rows.append([r.name, m.label, str(r.seed), f"{r.config.train.iterations:,}",
                         *samples, *cells])  # fmt: skip
    for label, ref in reference_rows((_real_data(group), m) for m in _all_metrics(group)):
        samples = [count_cell(ref)] if by_count else []
        cells = [value_cell(k, ref[k]) if ref.get(k) is not None else "-" for k in metrics]
        rows.append([label, "", "", "", *samples, *cells])
    return Table(header, rows)
