"""What Xiao's RNN discriminator still sees, checkpoint by checkpoint: how well its scores tell
1,000 real test digits from 1,000 samples (AUC), and which image rows its score depends on
(the mean |dD/dx| over 200 real digits, per row: the RNN reads the rows top to bottom and
scores its last hidden state), and the state of the recurrence itself: the spectral radius of
its hidden-to-hidden weights (below 1 an input's trace decays row by row, above 1 it can grow
until tanh saturates), the share of saturated units (|h| > 0.99) in the last hidden state,
and how much that state still differs between real digits (its sd over images, averaged over
units).

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/xiao2023_rnn_sight.py \
        ~/gankit-runs/xiao2023-v2/xiao2023-rnn-s0
"""

import sys
from pathlib import Path

import torch
from checkpoint_networks import milestone_networks

from gankit.data import load_tensors
from gankit.machine import describe_machine
from gankit.sampling import generate

SAMPLES = 1000
GRADIENT_IMAGES = 200


def auc(real: torch.Tensor, fake: torch.Tensor) -> float:
    """P(score of a real image > score of a sample): 0.5 is chance."""
    return (real[:, None] > fake[None, :]).float().mean().item()


def row_sensitivity(discriminator: torch.nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The mean |dD(x)/dx| of each image row."""
    x = images.clone().requires_grad_(True)
    discriminator(x).sum().backward()
    return x.grad.abs().mean(dim=(0, 1, 3))


def recurrence_state(discriminator: torch.nn.Module, images: torch.Tensor) -> tuple[float, ...]:
    """(spectral radius of W_hh, share of saturated last-state units, mean sd of the last state
    over `images`)."""
    rnn = discriminator.rnn
    radius = torch.linalg.eigvals(rnn.weight_hh_l0.detach()).abs().max().item()
    with torch.no_grad():
        last = rnn(images.permute(0, 2, 1, 3).flatten(2))[0][:, -1]
    return radius, (last.abs() > 0.99).float().mean().item(), last.std(dim=0).mean().item()


def first_row_of(mass: float, per_row: torch.Tensor) -> int:
    """The first row r such that rows r to the last hold `mass` of the total."""
    from_bottom = per_row.flip(0).cumsum(0) / per_row.sum()
    return len(per_row) - 1 - int((from_bottom < mass).sum())


def main(run_dir: Path) -> None:
    print(describe_machine(), torch.backends.cpu.get_cpu_capability(), run_dir)
    real, _ = load_tensors("mnist", "test", None, None, None)
    real = real[:SAMPLES]
    print(
        "\n| step | D logit, real | D logit, samples | AUC | share of |dD/dx| in rows 0-13 "
        "| rows holding 99% of it | W_hh spectral radius | saturated units | sd of the last state "
        "|\n|---|---|---|---|---|---|---|---|---|"
    )
    for step, _, generator, discriminator in milestone_networks(run_dir, last=True):
        fake = generate(generator, SAMPLES, seed=0)
        with torch.no_grad():
            score_real, score_fake = discriminator(real).flatten(), discriminator(fake).flatten()
        per_row = row_sensitivity(discriminator, real[:GRADIENT_IMAGES])
        top = per_row[:14].sum() / per_row.sum()
        radius, saturated, spread = recurrence_state(discriminator, real[:GRADIENT_IMAGES])
        print(
            f"| {step} | {score_real.mean():.3f} ± {score_real.std():.3f} "
            f"| {score_fake.mean():.3f} ± {score_fake.std():.3f} "
            f"| {auc(score_real, score_fake):.2f} | {top:.4f} "
            f"| {first_row_of(0.99, per_row)}-{len(per_row) - 1} "
            f"| {radius:.2f} | {saturated:.3f} | {spread:.4f} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]).expanduser())
