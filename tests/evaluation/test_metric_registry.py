"""The metric registry: every metric declared once, with the side that is better, and every
table, sweep summary, comparison, TensorBoard scalar, metrics_history.csv column, the
best-checkpoint rule and the cached real-data reference's name read from it, so that a metric
registered here, by a test, shows up in each of them."""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from gankit.evaluation import cache
from gankit.evaluation.metrics import feature_metric, probability_metric
from gankit.evaluation.modes import mode_metrics
from gankit.evaluation.registry import (
    Metric,
    best_checkpoint_metric,
    headline_keys,
    keys_digest,
    metric,
    periodic_keys,
    register,
    registered,
)
from gankit.evaluation.table import format_table
from gankit.paper_report import rebuild_report
from gankit.papers import PAPERS
from gankit.report.compare import build_comparison
from gankit.report.document import write_document
from gankit.report.run_report import metrics_table, verdict
from gankit.rundir import RunDir
from gankit.sweep.aggregate import TrialRow
from gankit.sweep.summary import write_summary
from gankit.training.callbacks import PeriodicEval
from gankit.training.tensorboard import TensorBoardLog

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"
# a generator far from the data by every count: 8,000 plain SGD iterations (Xiao 2023)
POOR = RESULTS / "xiao2023" / "xiao2023-sgd-s0"
SHARPNESS = Metric("sharpness", "sharpness, {net} (higher is better)", "{:.1f}", "higher",
                   spread="sharpness_std", column="sharpness ({net})", headline=True)  # fmt: skip


def test_each_key_is_registered_once_and_a_second_registration_is_refused() -> None:
    keys = [m.key for m in registered()]
    assert len(keys) == len(set(keys))
    before = registered()
    with pytest.raises(ValueError, match="'fid' is registered twice"):
        register(Metric("fid", "another FID", "{:.1f}", "lower"))
    assert registered() == before
    with pytest.raises(KeyError, match="no metric 'fid_typo' is registered"):
        metric("fid_typo")


def test_a_declaration_gankit_cannot_use_is_refused(register_metric: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="better must be"):
        register_metric(Metric("odd", "odd", "{}", "best"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="periodic must be"):
        register_metric(Metric("odd", "odd", "{}", None, periodic="hourly"))  # type: ignore[arg-type]
    assert "odd" not in {m.key for m in registered()}


def test_a_feature_metric_names_a_registered_metric_once(
    register_metric: Callable[..., Any],
) -> None:
    with pytest.raises(KeyError, match="no metric 'unregistered' is registered"):
        feature_metric("unregistered")
    register_metric(Metric("spread", "spread", "{:.2f}", None), compute=lambda fake, real: 0.0)
    with pytest.raises(ValueError, match="'spread' already has a function"):
        feature_metric("spread")
    with pytest.raises(ValueError, match="'spread' already has a function"):
        probability_metric("spread")  # one function per metric, of either kind


def test_each_metric_ranks_the_right_way() -> None:
    lower = ("fid", "kid", "fid_inception", "kid_inception", "intra_fid", "class_kl",
             "kl_to_uniform", "is_h_y_given_x", "inverted_share", "liu_isc_mean")  # fmt: skip
    higher = ("is_mean", "is_h_y", "precision", "recall", "coverage", "modes_covered",
              "target_share", "label_accuracy")  # fmt: skip
    assert {k: metric(k).better for k in lower} == dict.fromkeys(lower, "lower")
    assert {k: metric(k).better for k in higher} == dict.fromkeys(higher, "higher")
    assert metric("n_samples").better is None
    with pytest.raises(ValueError, match="'n_samples' has no better side"):
        metric("n_samples").improves(1, 2)
    assert metric("fid").improves(1.0, 2.0) and not metric("fid").improves(math.nan, 2.0)
    assert metric("is_mean").improves(9.0, 2.0) and metric("is_mean").worst == -math.inf


def test_real_data_outranks_a_poor_generator_on_every_ranked_metric() -> None:
    """The real test images against the samples of a generator far from the data: each
    direction the registry declares must put the real data ahead (or level, where both reach
    the top: all ten digits covered)."""
    scores = json.loads(RunDir(POOR).metrics.read_text())
    reference = scores["reference"]
    ranked = [m for m in registered() if m.better and m.key in scores and m.key in reference]
    ahead = [m.key for m in ranked if m.improves(reference[m.key], scores[m.key])]
    level = [m.key for m in ranked if reference[m.key] == scores[m.key]]
    assert level == ["modes_covered"] and len(ahead) == len(ranked) - 1 >= 10
    # Stacked MNIST's scores: every one of the 1,000 modes against one mode alone
    uniform = mode_metrics(torch.arange(1000).repeat(3))
    collapsed = mode_metrics(torch.zeros(3000, dtype=torch.long))
    for key in ("modes_covered", "kl_to_uniform"):
        assert metric(key).improves(uniform[key], collapsed[key]), key


def test_the_best_checkpoint_rule_is_the_lowest_periodic_fid(tmp_path: Path) -> None:
    rule = best_checkpoint_metric()
    assert (rule.key, rule.better) == ("fid", "lower")
    assert rule.key in periodic_keys("classifier")  # logged, so there is something to rank
    run = RunDir(tmp_path)
    run.metric_history.write_text(
        "step,is_mean,fid,n_samples\n2,2.0,5.5,40\n4,3.0,nan,40\n6,2.5,3.25,40\n8,2.1,3.25,40\n"
    )
    assert run.best_periodic_eval(rule)["step"] == "6"  # the first of equals; NaN never wins
    assert run.best_periodic_eval(metric("is_mean"))["step"] == "4"  # a higher-is-better rule


def test_papers_name_only_registered_metrics() -> None:
    for paper in PAPERS.values():
        for key in paper.metrics:
            assert metric(key).paper_only, (paper.key, key)
        for key in (*(paper.headline or ()), *(paper.table.columns if paper.table else ())):
            metric(key)
        assert set(paper.history) <= set(periodic_keys()), paper.key
    # a paper-only metric stays out of a run's own table
    liu = json.loads((RESULTS / "liu2021" / "liu2021-gan-s0" / "metrics.json").read_text())
    assert "liu_isc_mean" in liu and "ISc" not in format_table(liu)


def _table_rows(markdown: str, first_cell: str) -> list[list[str]]:
    """The rows of the markdown table whose header starts with `first_cell`, header first."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_cell} |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


@pytest.mark.integration
def test_a_registered_metric_shows_in_the_sweep_summary(
    register_metric: Callable[..., Any], tmp_path: Path
) -> None:
    register_metric(SHARPNESS)
    assert headline_keys()[-1] == "sharpness"
    rows = []
    for seed, value in ((0, 4.0), (1, 5.0)):
        scores = json.loads((RESULTS / "liu2021" / f"liu2021-gan-s{seed}" / "metrics.json")
                            .read_text())  # fmt: skip
        rows.append(TrialRow(f"liu2021-gan-s{seed}", "liu2021-gan", {}, seed, "finished", 1.0, "",
                             {**scores, "sharpness": value}))  # fmt: skip
    write_summary(rows, tmp_path, "summary", "Made by a test of")
    text = (tmp_path / "summary.md").read_text()
    header, group = _table_rows(text, "preset")
    # mean 4.5, sd 0.71, 95% interval 4.5 +- t(0.975, 1) * 0.71 / sqrt(2) = 4.5 +- 6.35
    assert group[header.index("sharpness (MNIST classifier)")] == "4.5 ± 0.7 [-1.9, 10.9]"
    header, *trials = _table_rows(text, "trial")
    assert [t[header.index("sharpness (MNIST classifier)")] for t in trials] == ["4.0", "5.0"]
    with open(tmp_path / "summary.csv", newline="") as f:
        (summary,) = list(csv.DictReader(f))
    assert float(summary["sharpness_mean"]) == 4.5
    with open(tmp_path / "trials.csv", newline="") as f:
        assert [r["sharpness"] for r in csv.DictReader(f)] == ["4.0", "5.0"]


def test_a_registered_metric_shows_in_a_comparison_and_a_run_report(
    register_metric: Callable[..., Any], tmp_path: Path
) -> None:
    register_metric(SHARPNESS)
    runs = []
    for source, value in ((RESULTS / "liu2021" / "liu2021-gan-s0", 4.31), (POOR, 1.25)):
        run = shutil.copytree(source, tmp_path / source.name)
        scores = json.loads(RunDir(run).metrics.read_text())
        scores |= {"sharpness": value, "sharpness_std": 0.5}
        scores["reference"] |= {"sharpness": 9.5}
        RunDir(run).metrics.write_text(json.dumps(scores))
        runs.append(run)
    out = tmp_path / "compare"
    write_document(build_comparison(runs, out, "comparison"), out)
    header, first, second, reference = _table_rows((out / "report.md").read_text(), "run")
    column = header.index("sharpness (MNIST classifier)")
    assert [first[column], second[column], reference[column]] == ["4.3 +- 0.5", "1.2 +- 0.5", "9.5"]

    scores = json.loads(RunDir(runs[0]).metrics.read_text())
    row = ["sharpness, MNIST classifier (higher is better)", "4.3 +- 0.5", "9.5"]
    assert row in [r[:3] for r in metrics_table(scores).rows]
    terminal = [
        [c.strip() for c in line.split(" | ")] for line in format_table(scores).splitlines()
    ]
    assert row in terminal
    assert "sharpness" not in verdict(scores)  # the verdict names the metrics that ask for it
    with pytest.raises(ValueError, match="place 2 of the verdict is taken"):
        register_metric(Metric("crispness", "crispness", "{:.2f}", "higher", verdict=2))
    register_metric(Metric("crispness", "crispness", "{:.2f}", "higher", verdict=6))
    assert verdict({**scores, "crispness": 7}).endswith(
        "modes covered 10 (real data: 10); crispness 7.00."
    )


def test_a_registered_metric_renames_the_cached_reference(
    register_metric: Callable[..., Any],
) -> None:
    before, digest = cache.reference_name("mnist-reference-n1000"), keys_digest()
    assert before == f"mnist-reference-n1000-metrics-{digest}.json"
    register_metric(SHARPNESS)
    after = cache.reference_name("mnist-reference-n1000")
    assert after != before and after.startswith("mnist-reference-n1000-metrics-")


class _Scalars:
    def __init__(self) -> None:
        self.logged: list[tuple[str, float, int]] = []

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.logged.append((tag, value, step))


def test_training_logs_the_registered_periodic_metrics(
    register_metric: Callable[..., Any], tmp_path: Path
) -> None:
    register_metric(Metric("blur", "blur", "{:.3f}", "lower", periodic="classifier"))
    trainer = SimpleNamespace(
        step=7,
        config=SimpleNamespace(data=SimpleNamespace(dataset="mnist")),
        run=SimpleNamespace(metric_history=tmp_path / "metrics_history.csv"),
    )
    PeriodicEval().on_start(trainer, None)  # type: ignore[arg-type]
    assert trainer.run.metric_history.read_text() == "step,is_mean,fid,blur,n_samples\n"
    log = TensorBoardLog()
    log.writer = _Scalars()
    log.on_eval(trainer, {"is_mean": 2.0, "fid": 30.0, "target_share": 0.5, "blur": 0.25})  # type: ignore[arg-type]
    assert log.writer.logged == [
        ("metrics_history/is_mean", 2.0, 7),
        ("metrics_history/fid", 30.0, 7),
        ("metrics_history/blur", 0.25, 7),
    ]


def test_an_inception_fid_is_a_column_only_where_a_run_holds_one(tmp_path: Path) -> None:
    scored = RESULTS / "frontier" / "dcgan-projection-r1-14000"  # scored on the Inception scale
    plain = RESULTS / "frontier" / "dcgan-16800"
    fid = json.loads(RunDir(scored).metrics.read_text())["fid_inception"]
    floor = json.loads(RunDir(scored).metrics.read_text())["reference"]["fid_inception"]
    assert "fid_inception" not in json.loads(RunDir(plain).metrics.read_text())
    assert "fid_inception" in headline_keys([{"fid_inception": fid}])
    assert "fid_inception" not in headline_keys([{"fid": 1.0}])

    out = tmp_path / "compare"
    write_document(build_comparison([scored, plain], out, "comparison"), out)
    header, first, second, reference = _table_rows((out / "report.md").read_text(), "run")
    column = header.index("FID (Inception)")
    assert [first[column], second[column], reference[column]] == [f"{fid:.2f}", "-", f"{floor:.2f}"]
    out = tmp_path / "compare-plain"
    write_document(build_comparison([plain, POOR], out, "comparison"), out)
    assert "FID (Inception)" not in _table_rows((out / "report.md").read_text(), "run")[0]

    folder = shutil.copytree(RESULTS / "frontier", tmp_path / "frontier")
    rebuild_report(folder)
    header, *rows = _table_rows((folder / "report.md").read_text(), "run")
    cells = {row[0]: row[header.index("FID (Inception)")] for row in rows}
    assert cells["dcgan-projection-r1-14000"] == f"{fid:.2f}"
    assert cells["dcgan-16800"] == "-"
    assert cells["real test data (mnist), 10,000 images"] == f"{floor:.2f}"
