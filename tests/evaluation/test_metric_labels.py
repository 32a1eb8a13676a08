"""Every table names the network that computed each metric, shows KID with its subset size (x10^3
on the Inception network's scale, plain in a classifier's), and bounds H(y) by the scored
classifier's own class count."""

from __future__ import annotations

import math

from gankit.evaluation.table import column_labels, format_table, network
from gankit.report.run_report import metrics_table, scored_with
from gankit.sweep.aggregate import describe
from gankit.sweep.summary import stat_cell

SCORES = {
    "is_mean": 2.5, "is_std": 0.01, "is_h_y": 1.05, "is_h_y_given_x": 0.1, "fid": 12.0,
    "kid": 1.23, "kid_std": 0.45, "kid_subset_size": 958, "class_histogram": [5, 6, 9],
    "n_samples": 20, "dataset": "my-letters", "features": "classifier",
}  # fmt: skip


def _rows(text: str) -> dict[str, str]:
    lines = [line.split(" | ") for line in text.splitlines()[2:] if " | " in line]
    return {cells[0].strip(): cells[1].strip() for cells in lines}


def test_the_terminal_table_names_the_network_and_the_classes_it_counts() -> None:
    rows = _rows(format_table(SCORES))
    assert rows["Inception Score, my-letters classifier (10 splits)"] == "2.500 +- 0.010"
    assert rows["H(y), diversity (max ln 3 = 1.099)"] == "1.050"  # three classes, not ten
    assert rows["FID, my-letters classifier (lower is better)"] == "12.000"
    # KID in a classifier's features, plain as FID, with the subset size it was averaged over
    assert rows["KID, my-letters classifier, subsets of 958 (lower is better)"] == (
        "1.230 +- 0.450"
    )
    assert (
        _rows(format_table({**SCORES, "kid": 24.726, "kid_std": 3.5}))[
            "KID, my-letters classifier, subsets of 958 (lower is better)"
        ]
        == "24.726 +- 3.500"
    )
    mnist = _rows(format_table({**SCORES, "dataset": "mnist", "class_histogram": [1] * 10}))
    assert "H(y), diversity (max ln 10 = 2.303)" in mnist
    assert "FID, MNIST classifier (lower is better)" in mnist


def test_inception_rows_say_inception_and_other_spaces_say_theirs() -> None:
    scored = {**SCORES, "dataset": "fashion-mnist", "fid_inception": 31.2,
              "kid_inception": 0.012, "kid_inception_std": 0.002,
              "kid_inception_subset_size": 1000}  # fmt: skip
    rows = _rows(format_table(scored))
    assert rows["FID, Inception pool3 (papers' scale)"] == "31.20"
    assert rows["KID x10^3, Inception, subsets of 1,000"] == "12.00 +- 2.00"
    assert "FID, Fashion-MNIST classifier (lower is better)" in rows
    assert network({**SCORES, "features": "classifier:mnist"}) == "MNIST classifier"
    assert network({**SCORES, "features": "inception-v3"}) == "Inception-v3"
    table = metrics_table(scored)
    assert ["FID, Inception pool3 (papers' scale)", "31.20", "-"] in table.rows


def test_tables_of_several_runs_name_the_network_in_their_headers() -> None:
    mnist = {**SCORES, "dataset": "mnist"}
    labels = column_labels([mnist, mnist, {}])
    assert labels["is_mean"] == "IS (MNIST classifier)"
    assert labels["fid"] == "FID (MNIST classifier)"
    assert labels["kid"] == "KID (MNIST classifier)"
    assert labels["kid_inception"] == "KID x10^3 (Inception)"
    assert labels["fid_inception"] == "FID (Inception)" and labels["precision"] == "precision"
    mixed = column_labels([mnist, {**SCORES, "dataset": "fashion-mnist"}])
    assert mixed["fid"] == "FID (each run's classifier)"
    # over seeds, the Inception KID is scaled as in every other table
    assert stat_cell(describe([0.001, 0.003]), "kid_inception") == "2.00 ± 1.41 [-10.71, 14.71]"
    assert stat_cell(describe([1.0, 3.0]), "kid") == "2.000 ± 1.414 [-10.706, 14.706]"
    assert math.isclose(describe([0.001, 0.003]).mean, 0.002)  # the statistics stay unscaled


def test_the_run_report_says_which_spaces_its_numbers_come_from() -> None:
    suite = {**SCORES, "dataset": "mnist", "precision": 0.5, "memorisation_ratio": 1.0}
    assert scored_with(suite).startswith(
        "20 samples scored in the MNIST classifier's features (IS, FID, KID, precision / "
        "recall, memorisation); the real-data column"
    )
    other = {"features": "classifier:mnist", "dataset": "letters", "fid": 3.0, "n_samples": 20}
    assert scored_with(other).startswith(
        "20 samples scored in the MNIST classifier's features (FID, KID); another dataset's "
        "classifier, so no IS or class statistics;"
    )
    alone = {"features": "inception", "dataset": "letters", "fid_inception": 30.0,
             "n_samples": 20}  # fmt: skip
    assert network(alone) == "Inception"
    assert scored_with(alone).startswith(
        "20 samples scored in the standard FID Inception network's features (its FID and KID);"
    )
