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
from gankit.data import dataset_info
from gankit.evaluation.evaluate import DEFAULT_N, evaluate_images
from gankit.machine import describe_machine
from gankit.sampling import EVAL_SEED, generate
from gankit.training.build import build_generator
from gankit.training.checkpoint import load_checkpoint

COLUMNS = ("fid", "intra_fid", "is_mean", "precision", "recall", "density", "coverage")
COLUMNS += ("label_accuracy",)


def score(config: Config, weights: dict, classes: int) -> dict:
    generator = build_generator(config)
    generator.load_state_dict(weights)
    labels = torch.arange(DEFAULT_N) % classes
    images = generate(generator.eval(), DEFAULT_N, seed=EVAL_SEED, labels=labels)
    return evaluate_images(
        images,
        config.data.dataset,
        target_labels=config.data.labels,
        requested_labels=labels,
        device="cpu",
        per_class=True,
    )


def main(run_dirs: list[Path]) -> None:
    print(describe_machine(), torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())
    print("| run | step | generator | " + " | ".join(COLUMNS) + " |")
    print("|---|---|---|" + "---|" * len(COLUMNS))
    for run_dir in run_dirs:
        state = load_checkpoint(run_dir / "checkpoints" / "last.pt")
        config = Config.model_validate(state["config"])
        assert config.model.conditional and "ema" in state, "a class-conditional run with an EMA"
        classes = len(dataset_info(config.data.dataset).classes)
        recorded = json.loads((run_dir / "metrics.json").read_text())
        for name in ("ema", "generator"):
            result = score(config, state[name], classes)
            if name == "ema":  # the same sampling and scoring as the run's own evaluation
                for key in COLUMNS:
                    assert abs(result[key] - recorded[key]) < 1e-6, (key, result, recorded)
            cells = " | ".join(f"{result[key]:.4g}" for key in COLUMNS)
            print(f"| {run_dir.name} | {state['step']} | {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main([Path(arg).expanduser() for arg in sys.argv[1:]])
