"""`gankit bench` end to end on tiny settings: it runs and writes the promised JSON. Timings are
recorded, never asserted on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import PLAIN_LAYOUT, set_args

from gankit import choices
from gankit.bench import reference
from gankit.bench.reference import build_reference
from gankit.choices import Implemented
from gankit.cli import main
from gankit.config import AUTO_PERF_KEYS, load_config
from gankit.machine import resolve_device

# One thread: two threads on a busy 2-core machine spin in OpenMP barriers (see
# docs/results/performance.md); the test is about the plumbing.
TINY = ["--iterations", "2", "--repeats", "1", "--warmup", "1", "--set", "perf.threads=1",
        "--set", "train.batch_size=4"]  # fmt: skip


@pytest.mark.integration
def test_bench_writes_throughput_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(main, ["bench", *TINY, "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert list(doc["presets"]) == ["liu2021-dcgan", "liu2021-gan", "dcgan"]
    for r in doc["presets"].values():
        assert r["gankit_it_s"] > 0 and r["reference_it_s"] > 0
        assert r["speedup"] == pytest.approx(r["gankit_it_s"] / r["reference_it_s"])
        assert len(r["gankit_s_per_it"]) == len(r["reference_s_per_it"]) == 1
        assert r["iterations_per_repeat"] == 2
    machine = doc["machine"]
    for key in ("cpu", "cpu_count", "torch_threads", "torch", "device", "load_average_start",
                "omp_wait_policy"):  # fmt: skip
        assert key in machine, key
    assert machine["device"] == "cpu"
    assert "speedup" in result.output and "liu2021-dcgan" in result.output


@pytest.mark.integration
def test_bench_time_to_quality_and_eval_modes(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["bench", "--time-to-quality", "--eval", "--quality-preset", "dcgan",
            "--target-is", "0", "--eval-every", "2", "--eval-samples", "200",
            "--set", "train.iterations=4", "--set", "perf.threads=1",
            *set_args(*PLAIN_LAYOUT), "--json", str(out)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["presets"] == {}  # only the modes asked for run
    [q] = doc["time_to_quality"]
    assert q["target_is"] == 0 and q["step"] == 4
    is_target, *fid_targets = q["targets"]
    assert is_target["reached"] and is_target["step"] == 2  # any IS is >= 0
    # 2 iterations are far from the real floor: the FID targets stay open, and say so
    assert [t["target"] for t in fid_targets] == ["FID <= 3x floor", "FID <= 2x floor"]
    assert not any(t["reached"] for t in fid_targets) and not q["reached"]
    assert 0 < q["fid_floor"] < q["history"][0]["fid"] / 3
    assert "NOT reached" in result.output
    assert q["train_seconds"] > 0 and q["wall_seconds"] >= q["train_seconds"] + q["eval_seconds"]
    assert [h["step"] for h in q["history"]] == [2, 4]  # went on for the open targets
    assert all(q["perf"][key] != "auto" for key in AUTO_PERF_KEYS)  # what ran, decided
    e = doc["eval"]
    assert e["n_samples"] == 200 and len(e["suite_seconds"]) == 2


@pytest.mark.parametrize(
    ("override", "reason"),
    [("train.r1_gamma=1", "has no R1 penalty"), ("train.diffaugment=[cutout]", "no DiffAugment")],
)
def test_reference_loop_refuses_what_it_does_not_implement(override: str, reason: str) -> None:
    config = load_config("dcgan", [override])
    with pytest.raises(ValueError, match=reason):
        build_reference(config, resolve_device("cpu"))


def test_bench_refuses_an_unbenchable_preset_before_measuring_any(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["bench", "--presets", "liu2021-gan,dcgan", "--set", "train.r1_gamma=1",
            "--json", str(out), *TINY]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "cannot bench liu2021-gan: the reference loop has no R1 penalty" in result.output
    assert "measuring" not in result.output and not out.exists()


def test_bench_rejects_an_unknown_preset() -> None:
    result = CliRunner().invoke(main, ["bench", "--presets", "nope", *TINY])
    assert result.exit_code == 2 and "unknown preset 'nope'" in result.output


def test_bench_refuses_a_json_path_over_a_checkpoint_before_measuring(tmp_path: Path) -> None:
    checkpoint = tmp_path / "run" / "checkpoints" / "last.pt"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"weights")
    result = CliRunner().invoke(main, ["bench", "--json", str(checkpoint), *TINY])
    assert result.exit_code == 2, result.output
    assert "checkpoints" in result.output and "--force" in result.output
    assert "measuring" not in result.output  # refused before any preset ran
    assert checkpoint.read_bytes() == b"weights"


def test_reference_loop_refuses_a_declared_choice_it_has_no_plain_computation_of(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config("dcgan")  # hinge loss, Adam for both networks
    assert reference.unsupported(config) is None
    with monkeypatch.context() as patch:
        patch.setattr(reference, "PLAIN_LOSSES", Implemented(choices.LOSSES))
        assert reference.unsupported(config) == "has no plain computation of train.loss=hinge"
    monkeypatch.setattr(reference, "PLAIN_OPTIMIZERS", Implemented(choices.OPTIMIZERS))
    assert reference.unsupported(config) == "has no plain optim.g.name=adam"
