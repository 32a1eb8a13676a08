"""Whether a run's discriminator has memorised its training images: at each saved checkpoint,
D's mean probability of "real" on the training images, on the unseen test images of the same
classes, and on 2,000 samples. A D that generalises scores both real sets alike; one that
memorised its training set scores the test set near its samples.

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/liu2021_d_memory.py \
        ~/gankit-runs/liu2021/liu2021-gan-6-s0
"""

import sys
from pathlib import Path

import torch
from checkpoint_networks import milestone_networks

from gankit.config import Config
from gankit.data import load_tensors
from gankit.machine import describe_machine
from gankit.sampling import generate
from gankit.training.checkpoint import load_checkpoint

SAMPLES = 2000


@torch.no_grad()
def d_prob(discriminator: torch.nn.Module, images: torch.Tensor) -> float:
    return torch.cat([torch.sigmoid(discriminator(b)).flatten() for b in images.split(1000)]).mean()


def main(run_dir: Path) -> None:
    print(describe_machine(), torch.backends.cpu.get_cpu_capability(), run_dir)
    data = Config.model_validate(
        load_checkpoint(run_dir / "checkpoints" / "last.pt")["config"]
    ).data
    train = load_tensors(data.dataset, "train", None, data.labels, data.limit)[0]
    test = load_tensors(data.dataset, "test", None, data.labels, None)[0]
    print(
        f"\n{len(train)} training and {len(test)} test images\n\n"
        "| step | D, training images | D, test images | D, samples |\n|---|---|---|---|"
    )
    for step, _, generator, discriminator in milestone_networks(run_dir):
        fake = generate(generator, SAMPLES, seed=0)
        print(
            f"| {step} | {d_prob(discriminator, train):.3f} "
            f"| {d_prob(discriminator, test):.3f} | {d_prob(discriminator, fake):.3f} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]).expanduser())
