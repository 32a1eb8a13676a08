"""checkpoints/best.pt (the lowest periodic FID) and scoring, sampling or exporting any kept
checkpoint with --checkpoint: a run past its best keeps its best generator."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gankit.cli import main
from gankit.report.collect import collect_run
from gankit.rundir import RunDir
from gankit.training.checkpoint import load_checkpoint, save_checkpoint

# An MLP preset, a periodic evaluation every 2 of 6 iterations, a milestone at 2.
TRAIN = ["--quiet", "--eval-samples", "40", "--set", "train.batch_size=8",
         "--set", "log.eval_every=2", "--set", "log.eval_samples=40", "--set", "log.milestones=[2]",
         "--set", "log.tensorboard=false", "--set", "log.plots=false"]  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def history(run: Path) -> list[tuple[int, float]]:
    with open(RunDir(run).metric_history, newline="") as f:
        return [(int(r["step"]), float(r["fid"])) for r in csv.DictReader(f)]


def best_of(run: Path) -> dict:
    return load_checkpoint(RunDir(run).best_checkpoint)["best"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("best") / "run"
    code, output = invoke("train", "xiao2023-adam", "--out", str(run), "--iterations", "6", *TRAIN)
    assert code == 0, output
    assert f"  best        {RunDir(run).best_checkpoint}\n" in output  # among the outputs named
    return run


@pytest.mark.integration
def test_best_pt_holds_the_lowest_periodic_fid(trained: Path) -> None:
    rows = history(trained)
    assert [step for step, _ in rows] == [2, 4, 6]
    step, fid = min(rows, key=lambda r: r[1])
    best = best_of(trained)
    assert best["step"] == step and best["n_samples"] == 40
    assert best["fid"] == pytest.approx(fid, rel=1e-5)  # the CSV keeps 6 significant digits
    state = load_checkpoint(RunDir(trained).best_checkpoint)
    assert state["step"] == step  # the whole state of that step, loadable like last.pt


@pytest.mark.integration
def test_a_resumed_run_must_beat_the_score_already_kept(trained: Path, tmp_path: Path) -> None:

    run = tmp_path / "run"
    shutil.copytree(trained, run)
    # A kept score nothing can beat: a resumed run that forgot it would replace best.pt.
    state = load_checkpoint(RunDir(run).best_checkpoint)
    kept_step = state["step"]
    save_checkpoint(RunDir(run).best_checkpoint, {**state, "best": {**state["best"], "fid": -1.0}})
    code, output = invoke("train", "xiao2023-adam", "--out", str(run), "--iterations", "10", *TRAIN)
    assert code == 0, output
    assert [s for s, _ in history(run)] == [2, 4, 6, 8, 10]
    assert best_of(run)["step"] == kept_step and best_of(run)["fid"] == -1.0


@pytest.mark.integration
def test_a_best_pt_without_its_score_is_refused_on_resume(trained: Path, tmp_path: Path) -> None:

    run = tmp_path / "run"
    shutil.copytree(trained, run)
    shutil.copyfile(RunDir(run).last_checkpoint, RunDir(run).best_checkpoint)  # a stray copy
    code, output = invoke("train", "xiao2023-adam", "--out", str(run), "--iterations", "8", *TRAIN)
    assert code != 0
    assert "best.pt: a checkpoint without the score it was kept for" in output
    assert "Move it away to resume" in output


@pytest.mark.integration
def test_eval_sample_and_export_take_any_kept_checkpoint(trained: Path, tmp_path: Path) -> None:
    final = RunDir(trained).metrics.read_text()
    code, output = invoke("eval", str(trained), "--checkpoint", "best", "--n-samples", "40")
    assert code == 0, output
    scored = json.loads(RunDir(trained).metrics_of("best").read_text())
    assert scored["checkpoint"] == "best" and scored["step"] == best_of(trained)["step"]
    assert RunDir(trained).metrics.read_text() == final  # the final evaluation is untouched
    assert "metrics_best.json" in output

    code, output = invoke(
        "sample", str(trained), "--checkpoint", "2", "--out", str(tmp_path / "g.png")
    )
    assert code == 0 and "(step 2)" in output, output
    code, output = invoke(
        "export", str(trained), "--checkpoint", "best", "--out", str(tmp_path / "e")
    )
    assert code == 0, output
    from safetensors import safe_open

    with safe_open(str(tmp_path / "e" / "generator.safetensors"), framework="pt") as f:
        meta = f.metadata()
    assert meta["checkpoint"] == "best" and meta["step"] == str(best_of(trained)["step"])


@pytest.mark.integration
def test_a_checkpoint_that_is_not_there_names_those_that_are(trained: Path) -> None:
    code, output = invoke("eval", str(trained), "--checkpoint", "3", "--n-samples", "40")
    assert code != 0
    assert "step_000003.pt: no such checkpoint; this run has last, best, 2" in output
    code, output = invoke("sample", str(trained), "--checkpoint", "latest", "--out", "x.png")
    assert code == 2 and "give last, best or a milestone's step" in output


@pytest.mark.integration
def test_the_report_and_the_collection_carry_the_best_checkpoint(
    trained: Path, tmp_path: Path
) -> None:
    from gankit.report.document import to_markdown
    from gankit.report.run_report import build_run_report

    step = best_of(trained)["step"]
    run = tmp_path / "run"

    shutil.copytree(trained, run)
    RunDir(run).metrics_of("best").unlink(missing_ok=True)
    text = to_markdown(build_run_report(run))
    assert f"checkpoints/best.pt holds step {step}, the lowest periodic FID" in text
    assert invoke("eval", str(run), "--checkpoint", "best", "--n-samples", "40")[0] == 0
    text = to_markdown(build_run_report(run))
    assert f"Checkpoint best (step {step})" in text and "checkpoints/best.pt holds" not in text
    collected = collect_run(run, tmp_path / "docs")
    assert (collected / "metrics_best.json").read_text() == RunDir(run).metrics_of(
        "best"
    ).read_text()


@pytest.mark.integration
def test_keep_best_off_keeps_no_best_pt(tmp_path: Path) -> None:
    run = tmp_path / "run"
    args = [*TRAIN, "--set", "log.keep_best=false", "--no-eval"]
    assert invoke("train", "xiao2023-adam", "--out", str(run), "--iterations", "2", *args)[0] == 0
    assert history(run) and not RunDir(run).best_checkpoint.exists()


@pytest.mark.integration
def test_evaluations_from_before_best_pt_was_kept_set_the_score_to_beat(tmp_path: Path) -> None:
    """A run trained without keep_best (or by an older gankit) and resumed with it: best.pt is
    written only by an evaluation that beats the whole history, so it never claims a worse
    state than one the history shows."""
    run = tmp_path / "run"
    args = [*TRAIN, "--no-eval"]
    off = [*args, "--set", "log.keep_best=false"]
    assert invoke("train", "xiao2023-adam", "--out", str(run), "--iterations", "4", *off)[0] == 0
    log = RunDir(run).metric_history
    header, *rows = log.read_text().splitlines()
    # Earlier scores nothing can beat (an FID is never below 0).
    log.write_text(
        "\n".join([header, *(",".join([*r.split(",")[:2], "0", *r.split(",")[3:]]) for r in rows)])
        + "\n"
    )
    assert invoke("train", "xiao2023-adam", "--out", str(run), "--iterations", "8", *args)[0] == 0
    assert [s for s, _ in history(run)] == [2, 4, 6, 8]
    assert not RunDir(run).best_checkpoint.exists()
    code, output = invoke("eval", str(run), "--checkpoint", "best", "--n-samples", "40")
    assert code != 0 and "best.pt is kept once a periodic evaluation beats the earlier" in output
