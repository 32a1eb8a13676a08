"""Sweeps: planning and refusals, statistics against a hand computation, and real tiny trials
on the local executor (finished ones skipped, a failing one recorded, a claimed one left)."""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import PLAIN_LAYOUT, set_args

from gankit.cli import main
from gankit.config import DEFAULT_PRESET
from gankit.locks import ClaimBusy, DirClaim
from gankit.rundir import CLAIM
from gankit.sweep.aggregate import TrialRow, describe, group_rows
from gankit.sweep.spec import (
    SweepSpec,
    Trial,
    load_sweep_file,
    parse_grid_option,
    parse_spec,
    plan_trials,
)
from gankit.sweep.summary import stat_cell, write_summary

# Two iterations, logs every step, the smallest evaluation the metric suite accepts and the
# plain layouts.
TINY = ["--iterations", "2", "--eval-samples", "40", "--set", "log.eval_every=0",
        "--set", "log.sample_every=1", "--set", "train.batch_size=8",
        *set_args(*PLAIN_LAYOUT)]  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_trials_are_the_cross_product_named_by_what_differs() -> None:
    spec = SweepSpec.model_validate({
        "presets": ["dcgan", "xiao2023-adam"],
        "grid": {"optim.d.lr": [1e-4, 2e-4], "optim.g.lr": [1e-4], "train.batch_size": [16, 32]},
        "seeds": [0, 5],
        "set": {"train.iterations": 7},
    })  # fmt: skip
    trials = plan_trials(spec)
    assert len(trials) == 2 * 2 * 1 * 2 * 2
    assert trials[0].name == "dcgan_d.lr=0.0001_g.lr=0.0001_batch_size=16-s0"
    assert trials[-1].name == "xiao2023-adam_d.lr=0.0002_g.lr=0.0001_batch_size=32-s5"
    last = trials[-1].config
    assert (last.optim.d.lr, last.optim.g.lr, last.train.batch_size) == (2e-4, 1e-4, 32)
    assert (last.train.seed, last.train.iterations) == (5, 7)
    # '1e-4' is a string to YAML; the trial holds (and is named by) the number the config holds
    lr = SweepSpec.model_validate({"grid": dict([parse_grid_option("optim.d.lr=[1e-4, 2e-4]")])})
    assert [(t.name, t.point) for t in plan_trials(lr)] == [
        (f"{DEFAULT_PRESET}_lr=0.0001-s0", {"optim.d.lr": 0.0001}),  # no preset given
        (f"{DEFAULT_PRESET}_lr=0.0002-s0", {"optim.d.lr": 0.0002}),
    ]
    labels = SweepSpec.model_validate({"grid": {"data.labels": [[6], [1, 7]]}, "seeds": 1})
    assert [t.name for t in plan_trials(labels)] == [
        f"{DEFAULT_PRESET}_labels=6-s0",
        f"{DEFAULT_PRESET}_labels=1-7-s0",
    ]


@pytest.mark.parametrize(
    ("sweep", "named"),
    [
        ({"presets": ["dcgan"], "gird": {}}, "gird: unknown key"),
        ({"presets": ["no-such-preset"]}, "unknown preset 'no-such-preset'"),
        ({"grid": {"optim.d.lrr": [1, 2]}}, "unknown config key 'optim.d.lrr'"),
        ({"grid": {"optim.d.lr": [1e-4, -1]}}, "optim.d.lr"),
        ({"grid": {"train.seed": [1, 2]}}, "not in the grid"),
        ({"seeds": 0}, "seeds"),
        ({"grid": {"optim.d.lr": [1e-4, 0.0001]}}, "share the folder"),
    ],
)
def test_a_bad_sweep_file_is_refused_before_any_trial(
    sweep: dict, named: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(sweep))
    code, output = invoke("sweep", str(path), "--out", str(tmp_path / "out"), *TINY)
    assert code == 2, output
    assert named in output and "Traceback" not in output
    assert not (tmp_path / "out").exists()  # nothing started


def test_statistics_match_a_hand_computation() -> None:
    # mean 2.5; sd = sqrt(((1.5^2 + 0.5^2) * 2) / 3) = sqrt(5/3); t(0.975, 3 df) = 3.182446
    s = describe([1.0, 2.0, 3.0, 4.0])
    half = 3.182446305 * math.sqrt(5 / 3) / 2
    assert (s.n, s.mean) == (4, 2.5)
    assert s.sd == pytest.approx(math.sqrt(5 / 3), rel=1e-12)
    assert (s.low, s.high) == (pytest.approx(2.5 - half, rel=1e-8), pytest.approx(2.5 + half))
    one = describe([7.0, math.nan])  # a missing value does not count as a seed
    assert one.n == 1 and one.mean == 7 and math.isnan(one.sd)
    assert stat_cell(describe([1.0, 3.0]), "fid") == "2.000 ± 1.414 [-10.706, 14.706]"
    rows = [TrialRow(f"t{i}", "p", {"lr": lr}, i, "finished", 1.0, "", {"fid": v})
            for i, (lr, v) in enumerate([(1, 10.0), (2, 5.0), (1, 14.0), (2, 7.0)])]  # fmt: skip
    groups = group_rows(rows)
    assert [(g.point, g.seeds, g.stats["fid"].mean) for g in groups] == [
        ({"lr": 1}, [0, 2], 12.0),
        ({"lr": 2}, [1, 3], 6.0),
    ]


def test_a_summary_of_trials_with_different_grid_keys_is_written(tmp_path: Path) -> None:
    """Several sweeps in one folder: trials that set different keys share one summary, a key a
    trial does not set shown as "-" (it kept its preset's value)."""
    points = [{}, {"lr": 0.1}, {"lr": 0.2}, {"width": 64}]
    rows = [TrialRow(f"t{i}", "p", point, 0, "finished", 1.0, "", {"fid": 10.0 + i})
            for i, point in enumerate(points)]  # fmt: skip
    write_summary(rows, tmp_path, "sweep", "made by a test;")
    assert (tmp_path / "summary.png").is_file()
    trials = _csv_rows(tmp_path / "trials.csv")
    assert [t["width"] for t in trials] == ["", "", "", "64"]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.integration
def test_local_sweep_runs_skips_records_failures_and_respects_claims(tmp_path: Path) -> None:
    out = tmp_path / "sweep"

    def sweep(*args: str) -> tuple[int, str]:
        return invoke("sweep", "--preset", "dcgan", "--out", str(out), *TINY, *args)

    # Four images are fewer than one batch of 8: that trial fails once it starts training; the
    # other runs beside it (one worker per core).
    code, output = sweep("--grid", "data.limit=[60000, 4]", "--seeds", "[0]")
    assert code == 1, output
    assert "dcgan_limit=60000-s0 finished" in output
    failed = out / "dcgan_limit=4-s0"
    assert "fewer than one batch" in (failed / "error.txt").read_text()
    assert json.loads((failed / "trial.json").read_text())["status"] == "failed"
    done = out / "dcgan_limit=60000-s0"
    for part in ("metrics.json", "checkpoints/last.pt", "report.md", "trial.json", "train.log"):
        assert (done / part).is_file(), part
    summary = (out / "summary.md").read_text()
    assert "## Errors" in summary and "fewer than one batch" in summary

    # A second seed: the finished trial is skipped, not redone.
    code, output = sweep("--grid", "data.limit=[60000]", "--seeds", "2")
    assert code == 0, output
    assert "2 trials: 1 already finished, 1 to run" in output
    assert "dcgan_limit=60000-s1 finished" in output
    metrics = [json.loads((out / f"dcgan_limit=60000-s{s}/metrics.json").read_text())
               for s in (0, 1)]  # fmt: skip
    (point,) = _csv_rows(out / "summary.csv")
    fids = [m["fid"] for m in metrics]
    assert (point["data.limit"], point["n_seeds"], point["seeds"]) == ("60000", "2", "0 1")
    assert float(point["fid_mean"]) == pytest.approx(sum(fids) / 2)
    assert float(point["fid_sd"]) == pytest.approx(abs(fids[0] - fids[1]) / math.sqrt(2))
    assert [t["status"] for t in _csv_rows(out / "trials.csv")] == ["skipped", "finished"]
    summary = (out / "summary.md").read_text()
    assert "## Over seeds" in summary and "## Per seed" in summary
    assert (out / "summary.png").is_file()
    assert "data:image/png;base64," in (out / "summary.html").read_text()

    # Longer: the finished run trains on, keeping its evaluation at its old end.
    code, output = sweep("--grid", "data.limit=[60000]", "--seeds", "[0]", "--iterations", "3")
    assert code == 0, output
    assert "its finished run of 2 iterations trains on to 3" in output
    assert json.loads((done / "metrics_step_000002.json").read_text()) == metrics[0]
    assert json.loads((done / "metrics.json").read_text())["step"] == 3

    # A trial another sweep holds is left to it.
    held = DirClaim(out / "dcgan_limit=60000-s2")
    with held:
        code, output = sweep("--grid", "data.limit=[60000]", "--seeds", "[2]")
    assert code == 1, output
    assert f"busy: {out / 'dcgan_limit=60000-s2'} is in use by pid" in output
    assert not (out / "dcgan_limit=60000-s2" / "trial.json").exists()


def test_a_claim_is_exclusive_and_freed_when_released(tmp_path: Path) -> None:
    first, second = DirClaim(tmp_path), DirClaim(tmp_path)
    first.acquire()
    with pytest.raises(ClaimBusy, match="in use by pid"):
        second.acquire()
    assert second.is_held_elsewhere()
    first.release()
    assert not (tmp_path / CLAIM).exists()  # released and removed: a claim file means a holder
    assert not second.is_held_elsewhere()
    with second:
        assert first.is_held_elsewhere()
    # A claim file left by a process that died is free: the next sweep takes it.
    (tmp_path / CLAIM).write_text("pid 999999999\nhost elsewhere\nsince 2026-01-01\n")
    assert not first.is_held_elsewhere()
    with first:
        assert f"pid {os.getpid()}\n" in (tmp_path / CLAIM).read_text()


def test_spec_refuses_a_sweep_that_is_not_a_mapping() -> None:
    with pytest.raises(ValueError, match="a sweep is a mapping"):
        parse_spec(["dcgan"], "x.yaml")


class InProcess:
    """Runs trials one after another in this process: the report, not the executor, is
    under test here (the executors have their own tests)."""

    def describe(self) -> str:
        return "in-process"

    def run(self, trials: list, out: Path, on_outcome) -> None:  # noqa: ANN001
        from gankit.sweep.trial import execute_trial

        for trial in trials:
            on_outcome(execute_trial(trial, out / trial.name, eval_samples=40))


@pytest.mark.integration
def test_reproduce_reports_mean_and_sd_over_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gankit import reproduce
    from gankit.papers import PAPERS, Paper

    paper = Paper("tiny", "A tiny paper", ("xiao2023-adam",), {"xiao2023-adam": ("IS", 5.0)}, "")
    monkeypatch.setitem(PAPERS, "tiny", paper)
    out = tmp_path / "repro"
    tiny = ("train.batch_size=8", "log.eval_every=0")
    lines: list[str] = []
    result, report = reproduce.reproduce("tiny", out, InProcess(), 0.00025, 2, tiny, lines.append)
    assert result.complete and report is not None, lines
    runs = [out / "xiao2023-adam-s0", out / "xiao2023-adam-s1"]
    scores = [json.loads((run / "metrics.json").read_text())["is_mean"] for run in runs]
    mean, sd = sum(scores) / 2, abs(scores[0] - scores[1]) / math.sqrt(2)
    md = report[0].read_text()
    assert "## Over seeds" in md and "| IS: 5.00 |" in md
    assert f"| xiao2023-adam | 2 | {mean:.3f} ± {sd:.3f} [" in md
    assert "| xiao2023-adam-s0 | 0 | 2 |" in md  # each seed's own row
    assert (out / "summary.html").is_file() and (out / "trials.csv").is_file()
    result, _ = reproduce.reproduce("tiny", out, InProcess(), 0.00025, 2, tiny, lines.append)
    assert [o.status for o in result.outcomes.values()] == ["skipped", "skipped"]


def test_a_finished_trial_stays_finished_when_the_config_schema_grows(tmp_path: Path) -> None:
    from gankit.sweep.trial import FINISHED, is_finished, write_record

    (trial,) = plan_trials(SweepSpec.model_validate({"seeds": 1}))
    write_record(tmp_path, trial, FINISHED)
    (tmp_path / "metrics.json").write_text("{}")
    assert is_finished(trial, tmp_path)
    record = json.loads((tmp_path / "trial.json").read_text())
    assert trial.config.train.gp_weight == 10.0  # the default
    del record["config"]["train"]["gp_weight"]  # as a gankit before that key would write it
    (tmp_path / "trial.json").write_text(json.dumps(record))
    assert is_finished(trial, tmp_path)
    record["config"]["train"]["gp_weight"] = 5.0  # trained with another value: not this trial
    (tmp_path / "trial.json").write_text(json.dumps(record))
    assert not is_finished(trial, tmp_path)
    (longer,) = plan_trials(SweepSpec.model_validate({"seeds": 1, "set": {"train.iterations": 9}}))
    assert not is_finished(longer, tmp_path)


def test_a_longer_trial_of_a_finished_run_says_it_trains_that_run_on(tmp_path: Path) -> None:
    from gankit.sweep.trial import FINISHED, finished_length_to_extend, write_record

    def trial(**settings: object) -> Trial:
        (planned,) = plan_trials(SweepSpec.model_validate({"seeds": 1, "set": settings}))
        return planned

    write_record(tmp_path, trial(**{"train.iterations": 6}), FINISHED)
    assert finished_length_to_extend(trial(**{"train.iterations": 9}), tmp_path) == 6
    assert finished_length_to_extend(trial(**{"train.iterations": 6}), tmp_path) is None
    assert finished_length_to_extend(trial(**{"train.iterations": 3}), tmp_path) is None
    other = trial(**{"train.iterations": 9, "optim.d.lr": 0.1})  # another run, not this one
    assert finished_length_to_extend(other, tmp_path) is None
    assert finished_length_to_extend(trial(**{"train.iterations": 9}), tmp_path / "new") is None


def test_a_trial_pinning_the_precision_auto_chose_is_finished_and_no_other(tmp_path: Path) -> None:
    from gankit.config import dump_config
    from gankit.sweep.trial import FINISHED, is_finished, write_record

    (auto,) = plan_trials(SweepSpec.model_validate({"seeds": 1}))
    assert auto.config.perf.amp == "auto"
    write_record(tmp_path, auto, FINISHED)
    (tmp_path / "metrics.json").write_text("{}")
    pinned = {"seeds": 1, "set": {"perf.amp": "none"}}
    (fp32,) = plan_trials(SweepSpec.model_validate(pinned))
    assert not is_finished(fp32, tmp_path)  # no config.yaml: what auto chose is unknown
    resolved = auto.config.model_copy(deep=True)
    resolved.perf.amp = "none"  # as a run on a CPU without bf16 writes its config.yaml
    (tmp_path / "config.yaml").write_text(dump_config(resolved))
    assert is_finished(fp32, tmp_path) and is_finished(auto, tmp_path)
    pinned["set"]["perf.amp"] = "bf16"
    (bf16,) = plan_trials(SweepSpec.model_validate(pinned))
    assert not is_finished(bf16, tmp_path)  # other arithmetic than the run computed
    (tmp_path / "config.yaml").write_text("perf: [unreadable")
    assert not is_finished(fp32, tmp_path) and is_finished(auto, tmp_path)


def test_a_sweep_file_may_sweep_a_config_file_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "mine.yaml").write_text("base: dcgan-uncond\ntrain: {batch_size: 16}\n")
    sweep = tmp_path / "study" / "sweep.yaml"
    sweep.write_text("presets: [mine.yaml, dcgan]\nseeds: 1\n")
    monkeypatch.chdir(tmp_path)  # not the sweep file's folder
    code, output = invoke("sweep", "study/sweep.yaml", "--out", "out", "--dry-run")
    assert code == 0, output
    assert output.split() == ["to", "run", "out/mine-s0", "to", "run", "out/dcgan-s0"]
    trials = plan_trials(load_sweep_file(Path("study/sweep.yaml")))
    assert trials[0].config.train.batch_size == 16 and trials[0].config.name == "mine"
