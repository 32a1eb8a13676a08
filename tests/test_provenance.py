"""provenance.json: what made a run (code commit, torch, precision, machine, source and
overrides), one segment per process that trained it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from support import PLAIN_LAYOUT, set_args

from gankit import provenance
from gankit.cli import main
from gankit.config import load_config
from gankit.provenance import (
    NOT_GIT,
    NOT_RECORDED,
    ProvenanceError,
    append_segment,
    code_version,
    origin_of,
    provenance_label,
)
from gankit.report.run_report import write_run_report
from gankit.rundir import RunDir

TINY = ["data.limit=64", "model.g_width=8", "model.d_width=8", "train.batch_size=8",
        "log.eval_every=0", "log.sample_every=1000", "log.grid_size=4", "perf.amp=none",
        *PLAIN_LAYOUT]  # fmt: skip
SETS = set_args(*TINY)


def train(out: Path, iterations: int) -> str:
    args = ["train", "dcgan-uncond", "--out", str(out), "--iterations", str(iterations),
            "--no-eval", "--quiet", *SETS]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def segments(run: Path) -> list[dict]:
    return json.loads(RunDir(run).provenance.read_text())["segments"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.integration
def test_a_run_records_what_made_it_and_a_resume_appends(tmp_path: Path) -> None:
    run = tmp_path / "run"
    train(run, 2)
    [first] = segments(run)
    assert first["from_step"] == 0
    assert first["source"] == "dcgan-uncond"
    assert first["overrides"] == ["train.iterations=2", *TINY]
    assert first["torch"] == str(torch.__version__)
    assert first["precision"] == "fp32"
    assert first["machine"]["device"] == "cpu" and first["machine"]["cpu_count"] >= 1
    config = load_config("dcgan-uncond", first["overrides"])
    assert first["fingerprint"] == config.fingerprint()
    # the tests run from gankit's own checkout: its HEAD, and whether the package differs
    package = Path(provenance.__file__).parent
    assert first["code"]["commit"] == git(package, "rev-parse", "HEAD")
    assert first["code"]["dirty"] == bool(git(package, "status", "--porcelain", "--", "."))
    assert first["code"]["gankit"] == provenance.gankit.__version__

    train(run, 4)  # resumed at step 2: a second segment, the first kept as it was
    resumed = segments(run)
    assert [s["from_step"] for s in resumed] == [0, 2]
    assert resumed[0] == first
    assert resumed[1]["overrides"] == ["train.iterations=4", *TINY]

    train(run, 4)  # finished: nothing trains, nothing is added
    assert len(segments(run)) == 2

    # the run's report says it, with the command that trains the same config again
    md = RunDir(run).report_md.read_text()
    assert f"Trained by gankit {first['code']['gankit']} at commit {first['code']['commit']}" in md
    assert "Resumed at step 2 by gankit" in md and "torch " + str(torch.__version__) in md
    again = "gankit train dcgan-uncond --set train.iterations=4 " + " ".join(
        f"--set {o}" for o in TINY
    )
    assert again + " --out NEW_RUN_DIR" in md  # perf.amp=none already among the overrides
    RunDir(run).provenance.unlink()
    write_run_report(run)
    assert "(code commit, torch, precision) was not recorded" in RunDir(run).report_md.read_text()


def test_segments_trained_again_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "provenance.json"
    for step in (0, 500, 1000):
        append_segment(path, {"from_step": step, "n": step})
    # killed after its checkpoint at 500: the process from 1000 trained nothing that was kept
    assert [s["from_step"] for s in append_segment(path, {"from_step": 500})] == [0, 500]
    # a run resumed under gankit that records it: its first steps say they are not recorded
    code = {"commit": "a" * 40, "dirty": False}
    same = {"code": code, "torch": "2.5", "precision": "fp32"}
    label = provenance_label([{"from_step": 500, **same}, {"from_step": 900, **same},
                              {"from_step": 1000, **same, "precision": "bf16"}])  # fmt: skip
    assert label == ("to step 500 not recorded; from step 500: aaaaaaa, torch 2.5, fp32; "
                     "from step 1,000: aaaaaaa, torch 2.5, bf16")  # fmt: skip
    path.write_text("{not json")
    with pytest.raises(ProvenanceError, match="provenance.json cannot be read"):
        append_segment(path, {"from_step": 0})
    assert path.read_text() == "{not json"  # never written over


def test_code_outside_git_is_said_so_and_a_run_does_not_fail(tmp_path: Path) -> None:
    copy = tmp_path / "gankit"
    copy.mkdir()
    (copy / "__init__.py").write_text("")
    assert code_version(copy)["commit"] == NOT_GIT
    # a copy inside some other repository, not tracked by it, is no checkout of gankit either
    git(tmp_path, "init", "-q")
    assert code_version(copy)["commit"] == NOT_GIT


def test_a_checkout_records_its_commit_and_changes(tmp_path: Path) -> None:
    package = tmp_path / "src" / "gankit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert code_version(package) == {"gankit": provenance.gankit.__version__, "commit": head,
                                     "dirty": False, "changed_files": 0, "changed": []}  # fmt: skip
    (package / "new.py").write_text("")
    (tmp_path / "README").write_text("outside the package: not counted")
    version = code_version(package)
    assert version["dirty"] and version["changed"] == ["src/gankit/new.py"]
    record = {"from_step": 0, "code": version, "torch": "2.5", "precision": "bf16"}
    assert provenance_label([record]) == f"{head[:7]} +1 changed, torch 2.5, bf16"


def test_without_git_the_run_trains_and_says_not_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_git(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    assert code_version()["commit"] == "unknown: git is not installed"
    monkeypatch.setattr(provenance, "code_version", lambda: {"gankit": "0", "commit": NOT_GIT})
    train(tmp_path / "run", 1)
    [record] = segments(tmp_path / "run")
    assert record["code"]["commit"] == NOT_GIT
    assert provenance_label([record]).startswith(NOT_GIT)
    assert "by gankit 0 from a copy that is not a git checkout, torch" in (
        RunDir(tmp_path / "run").report_md.read_text()
    )
    assert provenance_label(None) == NOT_RECORDED


def test_a_trial_records_the_settings_laid_over_its_preset() -> None:
    config = load_config("dcgan", ["train.seed=2", "perf.amp=none", "optim.d.lr=1e-4"])
    origin = origin_of("dcgan", config)
    assert origin.source == "dcgan"
    assert sorted(origin.overrides or []) == ['optim.d.lr=0.0001', 'perf.amp="none"',
                                              "train.seed=2"]  # fmt: skip
    assert load_config("dcgan", origin.overrides).fingerprint() == config.fingerprint()


def test_the_python_api_records_its_source_and_overrides(tmp_path: Path) -> None:
    import gankit

    tiny = {key: value for key, _, value in (o.partition("=") for o in TINY)}
    gankit.train("dcgan-uncond", tmp_path / "run", overrides=tiny, iterations=1, evaluate=False,
                 progress=False)  # fmt: skip
    [record] = segments(tmp_path / "run")
    assert record["source"] == "dcgan-uncond"
    assert record["overrides"][0] == "train.iterations=1"
    again = load_config("dcgan-uncond", record["overrides"])
    assert again.fingerprint() == record["fingerprint"]
