"""Does the averaged generator cost recall? Each run's last checkpoint holds both generators,
the one trained (`generator`) and its exponential moving average (`ema`), which gankit samples
and scores. This scores both the way `gankit eval` scores a run (10,000 samples drawn with the
evaluation seed, every class equally often, the dataset classifier's features against the
training images), and checks that the averaged one reproduces the run's own metrics.json.

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/ema_or_raw.py \
        ~/gankit-runs/benchmark/dcgan-projection-s0 [more runs]
"""

import json
import sys
from pathlib import Path

import torch

from gankit.config import Config
from gankit.machine import describe_machine
from gankit.runs import TrainedRun, score_run
from gankit.training.build import build_generator
from gankit.training.checkpoint import load_checkpoint

COLUMNS = ("fid", "intra_fid", "is_mean", "precision", "recall", "density", "coverage")
COLUMNS += ("label_accuracy",)


def main(run_dirs: list[Path]) -> None:
    print(describe_machine(), torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())
    print("| run | step | generator | " + " | ".join(COLUMNS) + " |")
    print("|---|---|---|" + "---|" * len(COLUMNS))
    for run_dir in run_dirs:
        state = load_checkpoint(run_dir / "checkpoints" / "last.pt")
        config = Config.model_validate(state["config"])
        assert config.model.conditional and "ema" in state, "a class-conditional run with an EMA"
        recorded = json.loads((run_dir / "metrics.json").read_text())
        for name in ("ema", "generator"):
            generator = build_generator(config)
            generator.load_state_dict(state[name])
            run = TrainedRun(run_dir, config, state["step"], generator.eval(), torch.device("cpu"))
            result = score_run(run)  # what `gankit eval` scores, without writing metrics.json
            if name == "ema":  # the generator the run's own evaluation scored
                for key in COLUMNS:
                    assert abs(result[key] - recorded[key]) < 1e-6, (key, result, recorded)
            cells = " | ".join(f"{result[key]:.4g}" for key in COLUMNS)
            print(f"| {run_dir.name} | {state['step']} | {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main([Path(arg).expanduser() for arg in sys.argv[1:]])
