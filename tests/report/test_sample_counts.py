"""Tables that set runs side by side never pass scores on different sample counts off as
comparable: they say so, show each count, never pool them over seeds, and give the real-data
reference of every size instead of one run's for all; and they repeat what an evaluation
warned of."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gankit.cli import main
from gankit.report.sample_counts import mixed_counts_warning, reference_rows
from gankit.sweep.aggregate import TrialRow, group_rows
from gankit.sweep.summary import seed_table, write_summary

TINY = ["--no-eval", "--quiet", "--iterations", "2", "--set", "log.sample_every=1"]


def _scores(n: int, fid: float, real_fid: float) -> dict:
    reference = {"fid": real_fid, "is_mean": 9.8, "n_samples": n}
    return {"fid": fid, "is_mean": 8.0, "kid": 2.0, "n_samples": n, "reference": reference}


BIG = _scores(10_000, 3.1, 0.69)
SMALL = _scores(500, 7.4, 4.65) | {"warnings": ["the my-data classifier is weak"]}


def test_references_are_given_per_size_largest_first() -> None:
    rows = reference_rows([("real test data (mnist)", SMALL), ("real test data (mnist)", BIG),
                           ("real test data (mnist)", SMALL)])  # fmt: skip
    assert [(label, ref["fid"]) for label, ref in rows] == [
        ("real test data (mnist), 10,000 images", 0.69),
        ("real test data (mnist), 500 images", 4.65),
    ]
    assert mixed_counts_warning([BIG, BIG, {}]) is None
    assert "different sample counts (10,000, 500)" in (mixed_counts_warning([SMALL, BIG]) or "")


@pytest.mark.integration
def test_compare_marks_runs_scored_on_different_counts(tmp_path: Path) -> None:
    runs = [tmp_path / "big", tmp_path / "small"]
    runner = CliRunner()
    result = runner.invoke(main, ["train", "dcgan", "--out", str(runs[0]), *TINY])
    assert result.exit_code == 0, result.output
    shutil.copytree(runs[0], runs[1])
    for run, scores in zip(runs, (BIG, SMALL), strict=True):
        (run / "metrics.json").write_text(json.dumps(scores))
    out = tmp_path / "cmp"
    result = runner.invoke(main, ["compare", *map(str, runs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text()
    assert "Warning: these runs were scored on different sample counts (10,000, 500)" in md
    assert "| run | iterations | samples | IS (classifier) | FID (classifier) |" in md
    assert "| dcgan (big) | 2 | 10,000 | 8.000 | 3.100 |" in md
    assert "| dcgan (small) | 2 | 500 | 8.000 | 7.400 |" in md
    # the real data at both sizes, not the small run's reference for both
    assert "| real test data (mnist), 10,000 images |  | 10,000 | 9.800 | 0.690 |" in md
    assert "| real test data (mnist), 500 images |  | 500 | 9.800 | 4.650 |" in md
    # what the evaluation warned of, repeated under the table
    assert "Warning (dcgan (small)): the my-data classifier is weak." in md


def test_seeds_scored_on_different_counts_are_never_pooled(tmp_path: Path) -> None:
    rows = [TrialRow(f"p-s{i}", "p", {}, i, "finished", 1.0, "", scores)
            for i, scores in enumerate([BIG, SMALL, BIG])]  # fmt: skip
    groups = group_rows(rows)
    assert [(g.samples, g.seeds, g.stats["fid"].mean) for g in groups] == [
        (10_000, [0, 2], pytest.approx(3.1)),
        (500, [1], pytest.approx(7.4)),
    ]
    table = seed_table(groups, [])
    assert table.header[:3] == ["preset", "seeds", "samples"]
    assert [row[:3] for row in table.rows] == [["p", "2", "10,000"], ["p", "1", "500"]]
    md, _ = write_summary(rows, tmp_path, "sweep", "made by a test;")
    text = md.read_text()
    assert "different sample counts (10,000, 500)" in text
    assert "| p-s1 | p | 1 | finished | 1 | 500 |" in text
    assert "Warning (p-s1): the my-data classifier is weak." in text
    summary = (tmp_path / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("preset,n_seeds,seeds,n_samples,")
    assert summary[1].startswith("p,2,0 2,10000,") and summary[2].startswith("p,1,1,500,")
    # one count: the tables stay as they were, without the column or the warning
    same = group_rows(rows[::2])
    assert len(same) == 1 and "samples" not in seed_table(same, []).header


def test_a_collected_report_marks_seeds_scored_on_different_counts(tmp_path: Path) -> None:
    """The reproduction report (report collect / report build) of the user's case: a seed
    scored on 10,000 samples beside one on 500, the real-data row of each size."""
    from gankit.config import dump_config, load_config
    from gankit.paper_report import rebuild_report

    for seed, scores in enumerate((BIG, SMALL)):
        run = tmp_path / f"xiao2023-sgd-s{seed}"
        run.mkdir()
        config = load_config("xiao2023-sgd", [f"train.seed={seed}"])
        (run / "config.yaml").write_text(dump_config(config))
        (run / "metrics.json").write_text(json.dumps({**scores, "dataset": "mnist"}))
        (run / "losses.csv").write_text("step,d_loss,g_loss\n1,0.7,0.7\n2,0.6,0.8\n")
    md = rebuild_report(tmp_path)[0].read_text()
    assert md.count("different sample counts (10,000, 500)") == 1
    over = md[md.index("## Over seeds") : md.index("## Per seed")]
    assert "| preset | seeds | samples | IS (MNIST classifier) | FID (MNIST classifier) |" in over
    assert "| xiao2023-sgd | 1 | 10,000 | 8.000 | 3.100 |" in over  # never pooled
    assert "| xiao2023-sgd | 1 | 500 | 8.000 | 7.400 |" in over
    per_seed = md[md.index("## Per seed") :]
    assert "| xiao2023-sgd-s1 | 1 | 8000 | 500 | 8.000 | 7.400 | 2.000 |" in per_seed
    assert "| real test data (mnist), 10,000 images |  |  | 10,000 | 9.800 | 0.690 |" in per_seed
    assert "| real test data (mnist), 500 images |  |  | 500 | 9.800 | 4.650 |" in per_seed
    assert "Warning (xiao2023-sgd-s1): the my-data classifier is weak." in per_seed
