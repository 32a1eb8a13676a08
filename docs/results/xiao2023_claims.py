"""Speed and stability of Xiao 2023's six variants against the SGD baseline, and the loss levels
of the baseline's readings, computed from the committed run files alone (metrics_history.csv,
losses.csv, metrics.json of each seed in docs/results/xiao2023/, of the readings in
xiao2023-readings/ and earlier-runs/, and of the Adam+SGD rate grid in xiao2023-adam-sgd-lr/):
no checkpoint, no data set, no training.

    .venv/bin/python docs/results/xiao2023_claims.py

The paper judges "speed" and "stability" by eye from its sample grids and loss curves. The
measures below were fixed before any of them was computed:

- speed: the first periodic evaluation (IS on 2,000 samples, every 1,000 steps) at which a run
  reaches the SGD baseline's final periodic IS, averaged over its seeds (a run that never does
  gets none);
- stability of quality: the spread of the periodic FID over the second half of training, steps
  5,000 to 8,000 (4 evaluations), as its coefficient of variation (sd / mean), and the largest
  fall of the periodic IS between two consecutive evaluations from step 2,000 on;
- stability of the losses: the sd of G's loss and of D's loss over the logged steps 4,001 to
  8,000 (the committed losses.csv keeps every 4th step).

A run whose final IS on 10,000 samples is below 1.5 has not learnt to draw digits; its numbers are
printed, but a steady collapse is not counted as stability. Two groups of seeds are compared
with Welch's t (scipy.stats.ttest_ind, equal_var=False).
"""

import csv
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).parent / "xiao2023"
GRID = Path(__file__).parent / "xiao2023-adam-sgd-lr"  # D's SGD rate, fixed in advance
GRID_RATES = ("0.01", "0.02", "0.03", "0.05", "0.1")
READINGS = {
    "first reading (no BN in G, joint D update), seed 0": "xiao2023-readings/"
    "xiao2023-sgd_generator=xiao2023-mlp-s0",
    "first reading, seed 1": "earlier-runs/xiao2023-first-reading/xiao2023-sgd-s1",
    "Keras-GAN reading, seed 0": "xiao2023-readings/xiao2023-sgd-kerasgan_generator=liu2021-mlp-s0",
    "Keras-GAN reading, seed 1": "xiao2023-readings/xiao2023-sgd-kerasgan_generator=liu2021-mlp-s1",
    "Keras-GAN stepping, no BN in G, seed 0": "xiao2023-readings/"
    "xiao2023-sgd-kerasgan_generator=xiao2023-mlp-s0",
    "Keras-GAN stepping, no BN in G, seed 1": "xiao2023-readings/"
    "xiao2023-sgd-kerasgan_generator=xiao2023-mlp-s1",
    "BN in G only, joint D update, seed 0": "xiao2023-readings/"
    "xiao2023-sgd_generator=liu2021-mlp-s0",
    "BN in G only, joint D update, seed 1": "xiao2023-readings/"
    "xiao2023-sgd_generator=liu2021-mlp-s1",
}
VARIANTS = ("sgd", "adam", "adam-sgd", "batchnorm", "dcgan", "rnn")
SEEDS = (0, 1, 2)
TRAINED_IS = 1.5


def run(variant: str, seed: int) -> Path:
    return HERE / f"xiao2023-{variant}-s{seed}"


def history(path: Path) -> dict[int, tuple[float, float]]:
    with open(path / "metrics_history.csv") as f:
        return {int(r["step"]): (float(r["is_mean"]), float(r["fid"])) for r in csv.DictReader(f)}


def loss_sd(path: Path, column: str) -> float:
    with open(path / "losses.csv") as f:
        values = [float(r[column]) for r in csv.DictReader(f) if 4_000 < int(r["step"]) <= 8_000]
    return float(np.std(values, ddof=1))


def window_means(path: Path, lo: int, hi: int) -> dict[str, float]:
    """Mean of each logged column over steps lo+1 to hi (losses.csv as committed)."""
    with open(path / "losses.csv") as f:
        rows = [r for r in csv.DictReader(f) if lo < int(r["step"]) <= hi]
    columns = ("d_loss", "g_loss", "d_real", "d_fake", "g_grad_norm")
    return {c: float(np.mean([float(r[c]) for r in rows if r[c]])) for c in columns}


def final(path: Path, key: str) -> float:
    return float(json.loads((path / "metrics.json").read_text())[key])


def measures(path: Path, target_is: float) -> dict[str, float]:
    hist = history(path)
    steps = sorted(hist)
    late_fid = np.array([hist[s][1] for s in steps if s >= 5_000])
    falls = [hist[a][0] - hist[b][0] for a, b in pairwise(steps) if a >= 2_000]
    reached = next((s for s in steps if hist[s][0] >= target_is), float("nan"))
    return {
        "final IS": final(path, "is_mean"),
        "final FID": final(path, "fid"),
        "recall": final(path, "recall"),
        "reaches baseline IS at": reached,
        "FID cv 5-8K": float(late_fid.std(ddof=1) / late_fid.mean()),
        "largest IS fall": max(falls),
        "sd G loss 4-8K": loss_sd(path, "g_loss"),
        "sd D loss 4-8K": loss_sd(path, "d_loss"),
    }


def main() -> None:
    target = float(np.mean([history(run("sgd", s))[8_000][0] for s in SEEDS]))
    print(f"SGD baseline's final periodic IS, mean of {len(SEEDS)} seeds: {target:.2f}\n")
    table = {v: [measures(run(v, s), target) for s in SEEDS] for v in VARIANTS}
    for variant, rows in table.items():
        print(f"## {variant}")
        for key in rows[0]:
            values = [r[key] for r in rows]
            print(f"  {key}: " + ", ".join(f"{x:.3g}" for x in values))
        trained = [r["final IS"] >= TRAINED_IS for r in rows]
        print(f"  trained (final IS >= {TRAINED_IS}): {trained}")
    print("\n## Welch's t, each variant against the SGD baseline (n = 3 and 3)")
    for variant in VARIANTS[1:]:
        for key in (
            "final IS",
            "final FID",
            "recall",
            "FID cv 5-8K",
            "sd G loss 4-8K",
            "sd D loss 4-8K",
            "largest IS fall",
        ):
            a = np.array([r[key] for r in table[variant]])
            b = np.array([r[key] for r in table["sgd"]])
            t, p = stats.ttest_ind(a, b, equal_var=False)
            print(
                f"{variant} against sgd, {key}: {a.mean():.3g} against {b.mean():.3g}, "
                f"t = {t:.2f}, p = {p:.3f}"
            )

    print("\n## The RNN discriminator's width: 512 (2 seeds) against the preset's 128 (3 seeds)")
    wide = [HERE.parent / f"xiao2023-readings/xiao2023-rnn_d_width=512-s{s}" for s in (0, 1)]
    for key in ("is_mean", "fid"):
        a = np.array([final(run("rnn", s), key) for s in SEEDS])
        b = np.array([final(path, key) for path in wide])
        t, p = stats.ttest_ind(a, b, equal_var=False)
        print(
            f"{key}: 128 {np.round(a, 2).tolist()} against 512 {np.round(b, 2).tolist()}, "
            f"t = {t:.2f}, p = {p:.3f}"
        )

    print("\n## Adam+SGD over D's SGD learning rate (a grid fixed before its runs, 3 seeds each)")
    adam = table["adam"]
    for lr in GRID_RATES:
        paths = [GRID / f"xiao2023-adam-sgd_lr={lr}-s{s}" for s in SEEDS]
        paths = [path for path in paths if (path / "metrics.json").is_file()]
        if not paths:
            print(f"lr {lr}: no finished run")
            continue
        rows = [measures(path, target) for path in paths]
        print(f"lr {lr} ({len(rows)} seeds):")
        for key in rows[0]:
            print(f"  {key}: " + ", ".join(f"{r[key]:.3g}" for r in rows))
        if len(rows) < 2:
            continue
        for key in ("final IS", "final FID", "recall", "sd G loss 4-8K", "sd D loss 4-8K"):
            a = np.array([r[key] for r in rows])
            b = np.array([r[key] for r in adam])
            t, p = stats.ttest_ind(a, b, equal_var=False)
            print(
                f"  against Adam, {key}: {a.mean():.3g} against {b.mean():.3g}, "
                f"t = {t:.2f}, p = {p:.3f}"
            )

    print("\n## The readings of the SGD baseline: means over steps 7,001 to 8,000")
    for name, folder in READINGS.items():
        means = window_means(HERE.parent / folder, 7_000, 8_000)
        print(f"{name}: " + ", ".join(f"{k} {v:.3g}" for k, v in means.items()))


if __name__ == "__main__":
    main()
