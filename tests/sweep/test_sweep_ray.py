"""The Ray executor on a local Ray instance this test starts: a trial runs as a Ray task, its
run directory comes back to OUT, a longer rerun resumes from the gathered checkpoint, and a
finished trial is skipped. Skipped where Ray is not installed (pip install 'gankit[ray]')."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import gankit

ray = pytest.importorskip("ray")

from gankit.sweep.executor_base import TrialSettings  # noqa: E402
from gankit.sweep.ray_executor import RayExecutor  # noqa: E402
from gankit.sweep.runner import run_trials  # noqa: E402
from gankit.sweep.spec import SweepSpec, plan_trials  # noqa: E402
from gankit.training.checkpoint import load_checkpoint  # noqa: E402

pytestmark = pytest.mark.integration

TINY = {"train.batch_size": 8, "log.eval_every": 0, "log.sample_every": 1}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")  # no usage report leaves the machine
        # Workers import the gankit under test; the loopback address, or Ray would probe the
        # network for this machine's own.
        source = str(Path(gankit.__file__).resolve().parents[1])
        ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": source}})  # fmt: skip
        yield
        ray.shutdown()


def _trials(iterations: int) -> list:
    spec = SweepSpec.model_validate(
        {"presets": ["dcgan"], "seeds": 1, "set": {**TINY, "train.iterations": iterations}}
    )
    return plan_trials(spec)


def test_ray_executor_runs_gathers_resumes_and_skips(local_ray: None, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    executor = RayExecutor(None, TrialSettings(threads=1, eval_samples=40))
    lines: list[str] = []

    result = run_trials(_trials(2), out, executor, lines.append)
    assert result.complete, lines
    run = out / "dcgan-s0"
    for part in ("metrics.json", "checkpoints/last.pt", "samples/step_000002.png", "losses.csv",
                 "report.html"):  # fmt: skip
        assert (run / part).is_file(), part
    assert load_checkpoint(run / "checkpoints/last.pt")["step"] == 2
    assert not any(p.name.startswith(".lock") for p in run.iterdir())

    # Longer: the task is seeded with the gathered checkpoint and continues from step 2.
    result = run_trials(_trials(3), out, executor, lines.append)
    assert result.complete, lines
    record = json.loads((run / "trial.json").read_text())
    assert (record["status"], record["resumed_from"], record["iterations"]) == ("finished", 2, 3)
    assert load_checkpoint(run / "checkpoints/last.pt")["step"] == 3
    assert [row.split(",")[0] for row in (run / "losses.csv").read_text().split()[1:]] == [
        "1", "2", "3",
    ]  # fmt: skip

    result = run_trials(_trials(3), out, executor, lines.append)
    assert [o.status for o in result.outcomes.values()] == ["skipped"]
