"""gankit.runs: a run directory's generator sampled and scored into its metrics.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from support import PLAIN_LAYOUT

import gankit.runs
from gankit.data import load_tensors
from gankit.runs import evaluate_run


@dataclass
class FakeRun:
    run_dir: Path
    dataset: str = "mnist"
    target_labels: list[int] | None = None
    conditional: bool = False
    num_classes: int = 10
    step: int = 7

    def generate(
        self, n: int, labels: torch.Tensor | None = None, seed: int = 0, batch_size: int = 500
    ) -> torch.Tensor:
        """Real test digits stand in for a perfect generator (of the asked-for labels)."""
        images, targets = load_tensors(self.dataset, "test")
        if labels is None:
            return images[:n]
        picks = [torch.nonzero(targets == c).squeeze(1) for c in range(self.num_classes)]
        return torch.stack([images[picks[c][i // self.num_classes]] for i, c in enumerate(labels)])


def test_evaluate_run_writes_metrics_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = FakeRun(tmp_path, conditional=True)
    monkeypatch.setattr(gankit.runs, "load_run", lambda run_dir, device="cpu", checkpoint="": run)
    result = evaluate_run(tmp_path, n_samples=500, report=False)  # a stand-in, not a run folder
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == json.loads(json.dumps(result))
    assert {"is_mean", "fid", "kid", "precision", "reference"} <= set(written)
    assert written["label_accuracy"] > 0.97  # labels = arange(n) % 10 were requested
    assert written["modes_covered"] == 10
    assert written["step"] == 7 and written["checkpoint"] == "last"  # the checkpoint scored
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


@pytest.mark.integration
def test_evaluate_run_on_a_real_run_directory(tmp_path: Path) -> None:
    """An untrained generator saved by the real trainer: load_run, generate, evaluate."""
    from gankit.config import load_config
    from gankit.training.checkpoint import save_checkpoint
    from gankit.training.process import prepare_process
    from gankit.training.trainer import Trainer

    trainer = Trainer(
        prepare_process(load_config("liu2021-dcgan-6", PLAIN_LAYOUT), tmp_path),
        tmp_path,
        progress=False,
    )
    trainer.start()
    save_checkpoint(trainer.run.last_checkpoint, trainer.state_dict())
    result = evaluate_run(tmp_path, n_samples=200)
    assert result["target_labels"] == [6] and "target_share" in result
    assert result["fid"] > 10 * result["reference"]["fid"]  # noise is far from real sixes
    assert json.loads((tmp_path / "metrics.json").read_text())["n_samples"] == 200
