"""What `gankit train` prints: results by default, the speed probe's decisions with -v, less with
-q, and off a terminal plain progress lines instead of a redrawn bar."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from gankit.cli import main
from gankit.training.callbacks import ProgressBar

TINY = ["train", "xiao2023-sgd", "--no-eval", "--iterations", "3", "--set", "data.limit=64",
        "--set", "train.batch_size=8", "--set", "log.sample_every=1000",
        "--set", "log.eval_every=0", "--set", "log.grid_size=4"]  # fmt: skip


def _train(tmp_path: Path, name: str, *flags: str) -> str:
    result = CliRunner().invoke(main, [*flags, *TINY, "--out", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.integration
def test_train_says_more_with_v_and_less_with_q(tmp_path: Path) -> None:
    plain = _train(tmp_path, "plain")
    assert "\r" not in plain  # no progress bar redrawn into a pipe or a log file
    progress = [line for line in plain.splitlines() if line.startswith("xiao2023-sgd: step ")]
    assert [line.split(",")[0] for line in progress] == [
        f"xiao2023-sgd: step {step}/3 ({100 * step // 3}%)" for step in (1, 2, 3)
    ]
    assert "perf." not in plain and "trained xiao2023-sgd to step 3" in plain

    verbose = _train(tmp_path, "verbose", "-v")
    decisions = [line for line in verbose.splitlines() if line.startswith("perf.")]
    assert [line.split(":")[0] for line in decisions][:2] == ["perf.amp", "perf.probe"]
    assert "perf.probe: generator: nothing to choose" in verbose

    quiet = _train(tmp_path, "quiet", "-q")
    assert "step 1/3" not in quiet and "perf." not in quiet
    assert "trained xiao2023-sgd to step 3" in quiet  # results are still said

    both = CliRunner().invoke(main, ["-v", "-q", "presets"])
    assert both.exit_code == 2 and "-v and -q ask for opposite things" in both.output


def test_off_a_terminal_progress_is_one_line_per_twentieth_of_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    trainer = SimpleNamespace(step=0, until=1000, config=SimpleNamespace(name="dcgan"))
    bar = ProgressBar()
    bar.on_loop(trainer)
    for step in range(1, 1001):
        trainer.step = step
        if step == 10:
            bar.on_log(trainer, [(10, {"d_loss": 0.6931, "g_loss": 0.7, "other": 1.0})])
        bar.on_step(trainer, {})
    bar.close(trainer)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 20
    assert lines[0].startswith("dcgan: step 50/1000 (5%), ")
    assert lines[0].endswith(" it/s, d_loss 0.693, g_loss 0.700")
    assert lines[-1].startswith("dcgan: step 1000/1000 (100%), ")
