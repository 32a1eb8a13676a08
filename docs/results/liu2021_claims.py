"""The numbers behind the claims rows of liu2021.md that compare runs over seeds, computed from
the committed run files alone (metrics.json, metrics_history.csv, losses.csv): no checkpoint,
no data set, no training.

    .venv/bin/python docs/results/liu2021_claims.py

Welch's t (scipy.stats.ttest_ind with equal_var=False) compares two groups of seeds without
assuming equal spread; with 3 seeds a side its p-value is rough, and the page says so.
"""

import csv
import json
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).parent
SEEDS = (0, 1, 2)
MLP, DCGAN = "liu2021/liu2021-gan", "liu2021/liu2021-dcgan-3groups"
MLP6, DCGAN6 = "liu2021/liu2021-gan-6", "liu2021/liu2021-dcgan-3groups-6"


def runs(prefix: str) -> list[Path]:
    return [HERE / f"{prefix}-s{seed}" for seed in SEEDS]


def final(prefix: str, key: str) -> np.ndarray:
    return np.array([json.loads((run / "metrics.json").read_text())[key] for run in runs(prefix)])


def history(run: Path) -> dict[int, dict[str, float]]:
    with open(run / "metrics_history.csv") as f:
        return {
            int(r["step"]): {"is": float(r["is_mean"]), "fid": float(r["fid"])}
            for r in csv.DictReader(f)
        }


def at_step(prefix: str, step: int, key: str) -> np.ndarray:
    return np.array([history(run)[step][key] for run in runs(prefix)])


def losses(run: Path) -> np.ndarray:
    with open(run / "losses.csv") as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(r["step"]), float(r["d_loss"]), float(r["g_loss"])] for r in rows])


def welch(name: str, a: np.ndarray, b: np.ndarray, labels: tuple[str, str]) -> None:
    t, p = stats.ttest_ind(a, b, equal_var=False)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    disjoint = a.min() > b.max() or b.min() > a.max()
    print(
        f"{name}: {labels[0]} {np.round(a, 3).tolist()} mean {a.mean():.3f} sd {a.std(ddof=1):.3f}"
        f" (n={len(a)}); {labels[1]} {np.round(b, 3).tolist()} mean {b.mean():.3f} sd "
        f"{b.std(ddof=1):.3f} (n={len(b)}); difference {a.mean() - b.mean():+.3f}; Welch t = "
        f"{t:.2f}, df = {df:.1f}, two-sided p = {p:.3f}; ranges disjoint: {disjoint}"
    )


def main() -> None:
    pair = ("MLP GAN", "DCGAN")
    print("# Equal iterations: step 10,000, 2,000 samples (metrics_history.csv), all digits")
    for key in ("is", "fid"):
        welch(key, at_step(MLP, 10_000, key), at_step(DCGAN, 10_000, key), pair)

    print("\n# Training length: the gap at each model's end against the gap at 10,000")
    for key in ("is", "fid"):
        mlp_end, mlp_10k = at_step(MLP, 100_000, key), at_step(MLP, 10_000, key)
        dcgan_end = at_step(DCGAN, 10_000, key)
        end_gap, equal_gap = mlp_end.mean() - dcgan_end.mean(), mlp_10k.mean() - dcgan_end.mean()
        print(
            f"{key}: MLP GAN at 100K {mlp_end.mean():.2f}, at 10K {mlp_10k.mean():.2f}; DCGAN at "
            f"10K {dcgan_end.mean():.2f}; gap at the ends {end_gap:+.2f}, at equal iterations "
            f"{equal_gap:+.2f}; share of the gap gone at equal iterations "
            f"{1 - equal_gap / end_gap:.0%}"
        )
        welch(f"{key}, MLP GAN 100K against 10K", mlp_end, mlp_10k, ("100K", "10K"))

    print("\n# Table 3's own indexes (10,000 samples, metrics.json)")
    welch(
        "ISc (eq. 18), all digits",
        final(DCGAN, "liu_isc_mean"),
        final(MLP, "liu_isc_mean"),
        ("DCGAN", "MLP GAN"),
    )
    welch(
        "ISs (eq. 12-13), the 6",
        final(DCGAN6, "is_mean"),
        final(MLP6, "is_mean"),
        ("DCGAN", "MLP GAN"),
    )
    welch("IS, all digits", final(DCGAN, "is_mean"), final(MLP, "is_mean"), ("DCGAN", "MLP GAN"))
    welch("FID, the 6", final(DCGAN6, "fid"), final(MLP6, "fid"), ("DCGAN", "MLP GAN"))

    print("\n# Fig. 4: D's loss over 1,000-iteration windows (losses.csv as committed)")
    for run in runs(DCGAN):
        rows = losses(run)
        means = [
            rows[(rows[:, 0] > lo) & (rows[:, 0] <= lo + 1000), 1].mean()
            for lo in range(0, 10_000, 1000)
        ]
        print(
            f"{run.name}: D loss per 1K window {np.round(means, 3).tolist()}; highest "
            f"{max(means):.3f}"
        )

    print("\n# Reaching a quality: the first periodic evaluation at or below an FID threshold")
    for prefix, threshold in (
        (MLP, 150.0),
        (DCGAN, 150.0),
        (MLP6, 10.0),
        (DCGAN6, 10.0),
        (MLP6, 20.0),
        (DCGAN6, 20.0),
    ):
        firsts = []
        for run in runs(prefix):
            hist = history(run)
            firsts.append(next((s for s in sorted(hist) if hist[s]["fid"] <= threshold), None))
        first_step = min(history(runs(prefix)[0]))
        print(
            f"{prefix} FID <= {threshold:g}: first at {firsts} (its first evaluation: {first_step})"
        )
    for prefix in (MLP6, DCGAN6):
        print(
            f"{prefix} FID at its first evaluation: "
            f"{np.round(at_step(prefix, min(history(runs(prefix)[0])), 'fid'), 1).tolist()}"
        )

    print("\n# The MLP GAN on the 6: FID at 100K over its lowest periodic FID")
    for run in runs(MLP6):
        hist = history(run)
        low = min(hist, key=lambda s: hist[s]["fid"])
        print(
            f"{run.name}: lowest {hist[low]['fid']:.2f} at {low}, at 100K "
            f"{hist[100_000]['fid']:.2f}, ratio {hist[100_000]['fid'] / hist[low]['fid']:.2f}"
        )

    print(
        "\n# Memorisation ratio (median distance to the nearest training image, samples over "
        "real test images)"
    )
    for prefix in (DCGAN6, MLP6):
        print(prefix, np.round(final(prefix, "memorisation_ratio"), 3).tolist())


if __name__ == "__main__":
    main()
