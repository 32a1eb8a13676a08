"""Where a DCGAN run's samples drift, checkpoint by checkpoint: the classes of 2,000 samples
(bundled MNIST classifier) and what the saved discriminator (inference mode, as the G step
sees it) says of real test digits and of the samples, per class.

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/liu2021_drift.py \
        ~/gankit-runs/liu2021/liu2021-dcgan-s0
"""

import sys
from pathlib import Path

import torch
from checkpoint_networks import milestone_networks

from gankit.data import load_tensors
from gankit.evaluation.classifier import classify, load_classifier
from gankit.machine import describe_machine
from gankit.sampling import generate

SAMPLES = 2000


@torch.no_grad()
def d_prob(discriminator: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.sigmoid(discriminator(b)).flatten() for b in images.split(500)])


def per_class_mean(values: torch.Tensor, classes: torch.Tensor) -> list[str]:
    return [
        f"{values[classes == c].mean():.2f}" if (classes == c).any() else "-" for c in range(10)
    ]


def main(run_dir: Path) -> None:
    print(describe_machine(), torch.backends.cpu.get_cpu_capability(), run_dir)
    real, real_labels = load_tensors("mnist", "test", None, None, None)
    classifier = load_classifier("mnist")
    header = "| step | " + " | ".join(str(c) for c in range(10)) + " |"
    rows = {"shares": [], "d_real": [], "d_fake": []}
    for step, _, generator, discriminator in milestone_networks(run_dir):
        fake = generate(generator, SAMPLES, seed=0)
        fake_classes = classify(classifier, fake)[1].argmax(1)
        shares = torch.bincount(fake_classes, minlength=10).float() / SAMPLES
        rows["shares"].append(f"| {step} | " + " | ".join(f"{s:.2f}" for s in shares) + " |")
        d_real = per_class_mean(d_prob(discriminator, real), real_labels)
        d_fake = per_class_mean(d_prob(discriminator, fake), fake_classes)
        rows["d_real"].append(f"| {step} | " + " | ".join(d_real) + " |")
        rows["d_fake"].append(f"| {step} | " + " | ".join(d_fake) + " |")
    titles = {
        "shares": "share of the samples the classifier puts in each class",
        "d_real": "D(x), mean over the real test images of each class",
        "d_fake": "D(G(z)), mean over the samples the classifier puts in each class",
    }
    for key, title in titles.items():
        print(f"\n{title}\n\n{header}\n|" + "---|" * 11)
        print("\n".join(rows[key]))


if __name__ == "__main__":
    main(Path(sys.argv[1]).expanduser())
