"""Bad input to every command: each of these ends with a message that names the problem,
exit code 2 and no traceback, and leaves every file already on disk as it was."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from gankit.cli import main
from gankit.data import download

TINY = ["--set", "data.limit=64", "--set", "model.g_width=8", "--set", "model.d_width=8",
        "--set", "train.batch_size=8", "--set", "log.eval_every=0",
        "--set", "log.sample_every=1000", "--set", "log.grid_size=4"]  # fmt: skip
TRAIN = ["train", "dcgan-uncond", "--no-eval", "--quiet", "--iterations", "2", *TINY]


@dataclass
class Case:
    argv: list[str]  # "{ws}" stands for the workspace folder
    expect: str  # a piece of the message
    env: dict[str, str] = field(default_factory=dict)


def _offline(ws: str) -> dict[str, str]:
    """Only the workspace's broken copies exist, and every download fails. The user cache
    sits beside the workspace: caches are not user files."""
    return {"GANKIT_DATA": f"{ws}/empty", "XDG_CACHE_HOME": f"{ws}-cache",
            "GANKIT_MIRRORS": f"file://{ws}/no-mirror/"}  # fmt: skip


CASES: dict[str, Case] = {
    # train: presets, overrides, values
    "unknown-preset": Case(["train", "nope", "--out", "{ws}/new"], "unknown preset 'nope'"),
    "unknown-key": Case([*TRAIN, "--set", "model.nope=1"], "unknown config key 'model.nope'"),
    "malformed-yaml": Case([*TRAIN, "--set", "data.labels=[6"], "is not a YAML value"),
    "label-out-of-range": Case([*TRAIN, "--set", "data.labels=[11]"], "labels [11] out of range"),
    "batch-beyond-data": Case([*TRAIN, "--set", "train.batch_size=100000"], "fewer than one batch"),
    "no-equals": Case([*TRAIN, "--set", "optim.d.lr"], "must look like key=value"),
    "wrong-type": Case([*TRAIN, "--set", "train.batch_size=abc"], "train.batch_size"),
    "zero-batch": Case([*TRAIN, "--set", "train.batch_size=0"], "greater than 0"),
    "negative-lr": Case([*TRAIN, "--set", "optim.d.lr=-1"], "optim.d.lr"),
    "zero-iterations": Case([*TRAIN, "--iterations", "0"], "train.iterations"),
    "bad-loss": Case([*TRAIN, "--set", "train.loss=wasserstein"], "'wasserstein'"),
    "unknown-generator": Case([*TRAIN, "--set", "model.generator=resnet"], "unknown generator"),
    "unknown-dataset": Case([*TRAIN, "--set", "data.dataset=cifar10"], "cifar10"),
    "zero-limit": Case([*TRAIN, "--set", "data.limit=0"], "data.limit"),
    "ema-out-of-range": Case([*TRAIN, "--set", "train.ema=1.5"], "train.ema"),
    "list-for-number": Case([*TRAIN, "--set", "train.iterations=[1,2]"], "train.iterations"),
    "bad-device": Case([*TRAIN, "--device", "tpu"], "'tpu' is not one of"),
    "iterations-not-int": Case([*TRAIN, "--iterations", "ten"], "'ten' is not a valid integer"),
    # train: config files
    "config-file-missing": Case(
        ["train", "{ws}/no-config.yaml", "--out", "{ws}/new"], "no-config.yaml: no such file"
    ),
    "config-file-bad-yaml": Case(
        ["train", "{ws}/bad-config.yaml", "--out", "{ws}/new"], "flow mapping at line 2, column 8"
    ),
    "config-file-unknown-key": Case(
        ["train", "{ws}/typo-config.yaml", "--print-config"], "trian: unknown key"
    ),
    # train: run directories and checkpoints
    "other-model-checkpoint": Case(
        ["train", "dcgan", "--no-eval", "--quiet", "--out", "{ws}/run", *TINY],
        "refusing to resume",
    ),
    "truncated-checkpoint": Case([*TRAIN, "--out", "{ws}/truncated"], "corrupt"),
    "pickle-with-code": Case([*TRAIN, "--out", "{ws}/pickled"], "not a readable checkpoint"),
    "foreign-checkpoint": Case([*TRAIN, "--out", "{ws}/foreign"], "not a gankit checkpoint"),
    "out-is-a-file": Case([*TRAIN, "--out", "{ws}/a-file.txt"], "a file is in the way"),
    "run-in-use": Case([*TRAIN, "--out", "{ws}/locked"], "is being written by pid"),
    "data-dir-missing": Case(
        [*TRAIN, "--out", "{ws}/new", "--data-dir", "{ws}/no-such-folder"], "does not exist"
    ),
    "truncated-idx": Case(
        [*TRAIN, "--out", "{ws}/new", "--data-dir", "{ws}/truncated-data"],
        "truncated or corrupt",
        env={"offline": "1"},
    ),
    "foreign-idx": Case(
        [*TRAIN, "--out", "{ws}/new", "--data-dir", "{ws}/foreign-data"],
        "SHA-256",
        env={"offline": "1"},
    ),
    "no-data-no-mirror": Case(
        [*TRAIN, "--out", "{ws}/new"], "could not download", env={"offline": "1"}
    ),
    # sample
    "sample-no-dir": Case(["sample", "{ws}/nowhere", "--out", "{ws}/g.png"], "does not exist"),
    "sample-not-a-run": Case(["sample", "{ws}/empty", "--out", "{ws}/g.png"], "no checkpoints"),
    "sample-zero": Case(["sample", "{ws}/run", "--n", "0", "--out", "{ws}/g.png"], "positive"),
    "sample-label-uncond": Case(
        ["sample", "{ws}/run", "--label", "3", "--out", "{ws}/g.png"], "unconditional"
    ),
    "sample-pickle": Case(["sample", "{ws}/pickled", "--out", "{ws}/g.png"], "not a readable"),
    "sample-mismatched-weights": Case(
        ["sample", "{ws}/mismatched", "--out", "{ws}/g.png"], "do not fit the model"
    ),
    "sample-unregistered-generator": Case(
        ["sample", "{ws}/registered", "--out", "{ws}/g.png"],
        "unknown generator 'my-own'",
    ),
    "sample-no-out": Case(["sample", "{ws}/run"], "Missing option '--out'"),
    "sample-n-not-int": Case(["sample", "{ws}/run", "--n", "x", "--out", "{ws}/g.png"], "'x'"),
    "sample-png-dir-taken": Case(
        ["sample", "{ws}/run", "--format", "png-dir", "--out", "{ws}/grid-pngs"],
        "not an empty folder",
    ),
    "sample-over-checkpoint": Case(
        ["sample", "{ws}/run", "--out", "{ws}/run/checkpoints/last.pt"],
        "the checkpoints a run resumes and samples from; write somewhere else, or add --force",
    ),
    "sample-into-checkpoints": Case(
        ["sample", "{ws}/pickled", "--out", "{ws}/pickled/checkpoints/g.png"], "add --force"
    ),
    "sample-over-config": Case(
        ["sample", "{ws}/run", "--out", "{ws}/run/config.yaml"],
        "exists and is not a .png file; writing would replace it",
    ),
    "sample-npz-over-npy": Case(
        ["sample", "{ws}/run", "--format", "npz", "--out", "{ws}/good.npy"], "not a .npz file"
    ),
    "sample-grid-to-folder": Case(
        ["sample", "{ws}/run", "--out", "{ws}/empty"], "is a folder; --out names the .png file"
    ),
    "sample-walk-as-npz": Case(
        ["sample", "{ws}/run", "--interpolate", "--format", "npz", "--out", "{ws}/s.npz"],
        "write a grid",
    ),
    "sample-zero-steps": Case(
        ["sample", "{ws}/run", "--interpolate", "--steps", "0", "--out", "{ws}/g.png"], "positive"
    ),
    # export
    "export-not-a-run": Case(["export", "{ws}/empty", "--out", "{ws}/exported"], "no checkpoints"),
    "export-no-out": Case(["export", "{ws}/run"], "Missing option '--out'"),
    "export-into-checkpoints": Case(
        ["export", "{ws}/run", "--out", "{ws}/run/checkpoints"], "the checkpoints a run resumes"
    ),
    "export-into-a-run": Case(["export", "{ws}/run", "--out", "{ws}/run"], "is a run's folder"),
    "export-to-a-file": Case(["export", "{ws}/run", "--out", "{ws}/a-file.txt"], "is a file"),
    "sample-no-checkpoint-yet": Case(
        ["sample", "{ws}/stopped-early", "--n", "4", "--out", "{ws}/g.png"],
        "stopped before its first checkpoint",
    ),
    # eval
    "eval-not-a-run": Case(["eval", "{ws}/empty", "--n-samples", "20"], "no checkpoints"),
    "eval-too-few": Case(["eval", "{ws}/run", "--n-samples", "5"], "5 is not in the range"),
    "eval-run-and-images": Case(
        ["eval", "{ws}/run", "--images", "{ws}/good.npy", "--dataset", "mnist"], "either"
    ),
    "eval-no-dataset": Case(["eval", "--images", "{ws}/good.npy"], "--images needs --dataset"),
    "eval-wrong-shape": Case(
        ["eval", "--images", "{ws}/wrong-shape.npy", "--dataset", "mnist"], "expected (N, 28, 28)"
    ),
    "eval-pickled-npy": Case(
        ["eval", "--images", "{ws}/pickled.npy", "--dataset", "mnist"], "not a plain numpy"
    ),
    "eval-text-as-npy": Case(
        ["eval", "--images", "{ws}/text.npy", "--dataset", "mnist"], "not a plain numpy"
    ),
    "eval-out-of-range": Case(
        ["eval", "--images", "{ws}/range.npy", "--dataset", "mnist"], "use [0, 1] or [-1, 1]"
    ),
    "eval-int64": Case(["eval", "--images", "{ws}/int64.npy", "--dataset", "mnist"], "dtype"),
    "eval-few-images": Case(
        ["eval", "--images", "{ws}/ten.npy", "--dataset", "mnist"], "at least 20 images"
    ),
    "eval-grid-png": Case(
        ["eval", "--images", "{ws}/grid-pngs", "--dataset", "mnist"], "one 28x28 image"
    ),
    "eval-empty-folder": Case(
        ["eval", "--images", "{ws}/empty", "--dataset", "mnist"], "no .png files"
    ),
    "eval-bad-labels": Case(
        ["eval", "--images", "{ws}/good.npy", "--dataset", "mnist", "--target-labels", "six"],
        "class indices",
    ),
    "eval-no-inception": Case(
        ["eval", "{ws}/run", "--features", "inception-v3", "--inception-weights", "{ws}/no.pth"],
        "inception-v3 weights not found",
    ),
    "eval-weights-for-the-classifier": Case(
        ["eval", "{ws}/run", "--inception-weights", "{ws}/good.npy"],
        "--inception-weights goes with --features inception-v3",
    ),
    "eval-pickle": Case(["eval", "{ws}/pickled"], "not a readable checkpoint"),
    "eval-bad-split": Case(["eval", "{ws}/run", "--real-split", "val"], "'val' is not one of"),
    # reproduce
    "reproduce-unknown-paper": Case(["reproduce", "goodfellow2014"], "'goodfellow2014'"),
    "reproduce-zero-scale": Case(["reproduce", "liu2021", "--scale", "0"], "range x>0"),
    "reproduce-negative-scale": Case(["reproduce", "xiao2023", "--scale", "-1"], "range x>0"),
    "reproduce-unknown-key": Case(
        ["reproduce", "liu2021", "--out", "{ws}/new", "--set", "nope=1"], "unknown config key"
    ),
    "reproduce-malformed-yaml": Case(
        ["reproduce", "liu2021", "--out", "{ws}/new", "--set", "optim.d.lr=[1"], "YAML"
    ),
    # compare
    "compare-no-dir": Case(["compare", "{ws}/nowhere", "--out", "{ws}/cmp"], "does not exist"),
    "compare-not-a-run": Case(["compare", "{ws}/empty", "--out", "{ws}/cmp"], "error:"),
    "compare-no-out": Case(["compare", "{ws}/run"], "Missing option '--out'"),
    "compare-out-a-file": Case(
        ["compare", "{ws}/run", "--out", "{ws}/a-file.txt"], "is a file; --out names a folder"
    ),
    "compare-into-checkpoints": Case(
        ["compare", "{ws}/run", "--out", "{ws}/run/checkpoints/cmp"], "add --force"
    ),
    # report collect / build
    "report-collect-unfinished": Case(
        ["report", "collect", "{ws}/run", "--to", "{ws}/docs"], "has no metrics.json"
    ),
    "report-collect-not-a-run": Case(
        ["report", "collect", "{ws}/empty", "--to", "{ws}/docs"], "no run directory inside"
    ),
    "report-collect-no-to": Case(["report", "collect", "{ws}/run"], "Missing option '--to'"),
    "report-collect-into-a-run": Case(
        ["report", "collect", "{ws}/run", "--to", "{ws}/run"], "is a run's folder, whose own files"
    ),
    "report-build-no-runs": Case(["report", "build", "{ws}/empty"], "holds no runs"),
    "report-build-a-file": Case(["report", "build", "{ws}/a-file.txt"], "is a file"),
    # data
    "data-unknown-dataset": Case(
        ["data", "verify", "cifar10"],
        "unknown dataset 'cifar10'; choose one of fashion-mnist, mnist",
    ),
    "data-where-unknown": Case(
        ["data", "where", "svhn"], "unknown dataset 'svhn'; choose one of fashion-mnist, mnist"
    ),
    "data-import-no-images": Case(
        ["data", "import", "{ws}/empty", "--name", "nothing"], "no images", {"offline": "1"}
    ),
    "data-import-bad-name": Case(
        ["data", "import", "{ws}/empty", "--name", "MNIST!"], "lower-case letters", {"offline": "1"}
    ),
    "data-verify-corrupt": Case(
        ["data", "verify", "mnist", "--data-dir", "{ws}/truncated-data"], "file(s) failed"
    ),
    "data-download-no-mirror": Case(
        ["data", "download", "mnist", "--dest", "{ws}/dest"],
        "could not download",
        env={"offline": "1"},
    ),
    # sweep
    "sweep-unknown-preset": Case(
        ["sweep", "--preset", "nope", "--out", "{ws}/new"], "unknown preset 'nope'"
    ),
    "sweep-bad-seeds": Case(
        ["sweep", "--preset", "dcgan", "--seeds", "abc", "--out", "{ws}/new"], "--seeds 'abc'"
    ),
    "sweep-bad-grid": Case(
        ["sweep", "--preset", "dcgan", "--grid", "train.loss=hinge", "--out", "{ws}/new"],
        "a YAML list",
    ),
    "sweep-negative-seeds": Case(
        ["sweep", "--preset", "dcgan", "--seeds", "-1", "--out", "{ws}/new"],
        "a count is at least 1",
    ),
    "sweep-label-out-of-range": Case(  # the second trial's: refused before the first trains
        ["sweep", "--preset", "dcgan", "--grid", "data.labels=[[6], [12]]", "--out", "{ws}/new"],
        "labels [12] out of range for mnist",
    ),
    "sweep-missing-file": Case(["sweep", "{ws}/no-sweep.yaml"], "cannot read sweep file"),
    "sweep-malformed-yaml": Case(["sweep", "{ws}/bad-sweep.yaml", "--out", "{ws}/new"], "error:"),
    # classifier, bench, presets, the group
    "classifier-unknown": Case(["classifier", "train", "cifar10"], "'cifar10'"),
    "classifier-zero-epochs": Case(
        ["classifier", "train", "mnist", "--epochs", "0", "--out", "{ws}/clf.safetensors"],
        "0 is not in the range",
    ),
    "bench-unknown-preset": Case(["bench", "--presets", "nope"], "unknown preset 'nope'"),
    "bench-zero-repeats": Case(["bench", "--repeats", "0"], "0 is not in the range"),
    "bench-unknown-key": Case(["bench", "--set", "nope.key=1"], "unknown config key"),
    "presets-extra-argument": Case(["presets", "extra"], "unexpected extra argument"),
    "presets-set-without-show": Case(["presets", "--set", "train.seed=1"], "goes with --show"),
    "presets-show-missing-file": Case(["presets", "--show", "{ws}/no-config.yaml"], "no such file"),
    "unknown-command": Case(["frobnicate"], "No such command 'frobnicate'"),
}


def _save_idx_copies(folder: Path, data_root: Path, damage) -> None:  # noqa: ANN001
    for path in (data_root / "mnist").glob("*.gz"):
        target = folder / "mnist" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(damage(path.read_bytes()))


class _Payload:  # a pickle that would run code if it were unpickled freely
    def __reduce__(self):  # noqa: ANN204
        return (os.system, ("touch pwned",))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, gankit_data: Path) -> Iterator[Path]:
    ws = tmp_path_factory.mktemp("bad-input")
    run = ws / "run"
    result = CliRunner().invoke(main, [*TRAIN, "--out", str(run)])
    assert result.exit_code == 0, result.output
    good = (run / "checkpoints" / "last.pt").read_bytes()
    for name, content in {
        "truncated": good[: len(good) // 2],
        "pickled": pickle.dumps({"format": "gankit-checkpoint", "x": _Payload()}, protocol=2),
        "locked": good,
    }.items():
        (ws / name / "checkpoints").mkdir(parents=True)
        (ws / name / "checkpoints" / "last.pt").write_bytes(content)
    (ws / "foreign" / "checkpoints").mkdir(parents=True)
    torch.save({"weights": torch.zeros(3)}, ws / "foreign" / "checkpoints" / "last.pt")
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    state["ema"] = {"layer.weight": torch.zeros(2)}  # weights of some other network
    (ws / "mismatched" / "checkpoints").mkdir(parents=True)
    torch.save(state, ws / "mismatched" / "checkpoints" / "last.pt")
    state = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    state["config"]["model"]["generator"] = "my-own"  # as one registered from Python names it
    (ws / "registered" / "checkpoints").mkdir(parents=True)
    torch.save(state, ws / "registered" / "checkpoints" / "last.pt")
    (ws / "a-file.txt").write_text("not a folder")
    (ws / "stopped-early").mkdir()  # a run killed before its first checkpoint
    (ws / "stopped-early" / "config.yaml").write_bytes((run / "config.yaml").read_bytes())
    (ws / "bad-sweep.yaml").write_text("presets: [dcgan\n")
    (ws / "bad-config.yaml").write_text("base: dcgan\ntrain: {iterations: 5\n")
    (ws / "typo-config.yaml").write_text("base: dcgan\ntrian: {iterations: 5}\n")
    for folder in ("empty", "no-mirror", "dest/mnist", "cmp"):
        (ws / folder).mkdir(parents=True)
    _save_idx_copies(ws / "truncated-data", gankit_data, lambda b: b[: len(b) // 2])
    _save_idx_copies(ws / "foreign-data", gankit_data, lambda b: gzip.compress(bytes(1000)))
    np.save(ws / "good.npy", np.zeros((40, 28, 28), np.uint8))
    np.save(ws / "wrong-shape.npy", np.zeros((40, 32, 32), np.uint8))
    np.save(ws / "pickled.npy", np.array([{"a": 1}] * 40, dtype=object), allow_pickle=True)
    (ws / "text.npy").write_text("these are not images")
    np.save(ws / "range.npy", np.full((40, 28, 28), 300.0, np.float32))
    np.save(ws / "int64.npy", np.zeros((40, 28, 28), np.int64))
    np.save(ws / "ten.npy", np.zeros((10, 28, 28), np.uint8))
    (ws / "grid-pngs").mkdir()
    Image.fromarray(np.zeros((56, 56), np.uint8)).save(ws / "grid-pngs" / "grid.png")
    hold = (
        "import sys, time; from pathlib import Path\n"
        "from gankit.locks import run_lock\n"
        "with run_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(600)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(ws / "locked")], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    yield ws
    holder.kill()
    holder.wait()


def _tree(root: Path) -> dict[str, str]:
    """Every file and folder under root with a hash of its content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "/"
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_cleanly(
    name: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    ws = str(workspace)
    argv = [a.replace("{ws}", ws) for a in case.argv]
    env = _offline(ws) if case.env.get("offline") else {}
    monkeypatch.setattr(download, "BACKOFF_S", 0.0)
    monkeypatch.chdir(workspace)  # a default --out (runs/...) would land in the workspace
    before = _tree(workspace)
    result = CliRunner().invoke(main, argv, env=env)
    assert isinstance(result.exception, SystemExit), result.output  # no uncaught exception
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert case.expect in result.output, result.output
    assert _tree(workspace) == before
    assert not (workspace / "pwned").exists()


@pytest.mark.integration
def test_force_writes_where_out_is_refused(workspace: Path, tmp_path: Path) -> None:
    """--force is the way past a refused --out: the grid is written where it was asked."""
    other = tmp_path / "other-run"
    (other / "checkpoints").mkdir(parents=True)
    (other / "config.yaml").write_text("base: dcgan\n")
    (tmp_path / "notes.yaml").write_text("mine\n")
    for out in (other / "checkpoints" / "grid.png", tmp_path / "notes.yaml"):
        argv = ["sample", str(workspace / "run"), "--n", "4", "--out", str(out)]
        refused = CliRunner().invoke(main, argv)
        assert refused.exit_code == 2 and "--force" in refused.output, refused.output
        forced = CliRunner().invoke(main, [*argv, "--force"])
        assert forced.exit_code == 0, forced.output
        assert out.read_bytes().startswith(b"\x89PNG")


def test_a_gpu_asked_for_on_a_machine_without_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = CliRunner().invoke(main, [*TRAIN, "--out", str(tmp_path / "run"), "--device", "cuda"])
    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "device 'cuda' asked for, but PyTorch sees no CUDA device" in result.output
    assert "use --device cpu" in result.output
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_the_table_covers_every_command() -> None:
    assert len(CASES) >= 50
    used = {case.argv[0] for case in CASES.values()}
    listed = set(main.list_commands(click.Context(main)))
    assert len(listed) >= 12 and listed <= used  # a new command brings its bad inputs here


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "--images", "IMAGES", "--dataset", "mnist", "--out", "CHECKPOINT"],
        ["classifier", "train", "mnist", "--out", "CHECKPOINT"],
    ],
    ids=["eval --out", "classifier train --out"],
)
def test_outputs_over_a_checkpoint_are_refused_before_any_work(
    args: list[str], tmp_path: Path
) -> None:
    checkpoint = tmp_path / "run" / "checkpoints" / "last.pt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"weights")
    images = tmp_path / "images.npy"
    np.save(images, np.zeros((4, 28, 28), dtype=np.uint8))
    argv = [{"CHECKPOINT": str(checkpoint), "IMAGES": str(images)}.get(arg, arg) for arg in args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert "checkpoints" in result.output and "--force" in result.output
    assert checkpoint.read_bytes() == b"weights"
