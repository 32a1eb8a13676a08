"""The standard FID Inception network on this machine (docs/results/metrics.md, section 5):
the time of its features for N images, and the real train-vs-test floor that
`gankit eval --features inception` reports beside 10,000 samples.

    python docs/results/inception_floor.py time --n 1000
    python docs/results/inception_floor.py floor mnist fashion-mnist [--n 10000]

`floor` computes and caches each split's real-side features (the seeded 10,000 images of
gankit.evaluation.inception_fid, a saved piece of 1,000 at a time, so a stopped run resumes)
and prints the reference row as metrics.json holds it; with a smaller --n, the floor of the
first n images of each split's seeded order.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from gankit.data import load_tensors
from gankit.evaluation import inception as I
from gankit.evaluation import inception_fid as F
from gankit.evaluation import metrics as M


def machine() -> dict[str, object]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((li.split(":", 1)[1].strip() for li in lines if "model name" in li), "unknown")
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "load_average": os.getloadavg(),
    }


def time_features(n: int) -> dict[str, object]:
    images, _ = load_tensors("mnist", "test", limit=n)
    net = I.load_network()
    I.inception_features(images[: I.BATCH], net)  # TorchScript's first calls optimise the graph
    start, cpu = time.perf_counter(), time.process_time()
    I.inception_features(images, net)
    wall = time.perf_counter() - start
    return {
        "images": n,
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu,
        "ms_per_image": 1000 * wall / n,
    }


def floor(dataset: str, n: int) -> dict[str, object]:
    """Test images against training images, n of each. n = REAL_PER_SPLIT: the reference row
    of `gankit eval --features inception` for 10,000 samples; fewer: the first n of each
    split's seeded order against each other."""
    start = time.perf_counter()
    # a piece of each split in turn, so that a stopped run leaves as many of one as the other
    for done in range(F.PIECE, n + F.PIECE, F.PIECE):
        for split in ("test", "train"):
            F.seeded_real(dataset, split, min(done, n))
    if n >= F.REAL_PER_SPLIT:
        scores = F.reference_scores(dataset, F.REAL_PER_SPLIT)
    else:
        test, _ = F.seeded_real(dataset, "test", n)
        train, _ = F.seeded_real(dataset, "train", n)
        scores = F.score_features(test, train, M.gaussian_stats(train))
    return {"dataset": dataset, "n_each": n, **scores, "wall_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("time").add_argument("--n", type=int, default=1000)
    floor_args = sub.add_parser("floor")
    floor_args.add_argument("datasets", nargs="+")
    floor_args.add_argument("--n", type=int, default=F.REAL_PER_SPLIT)
    args = parser.parse_args()
    print(json.dumps({"machine": machine()}), flush=True)
    if args.what == "time":
        print(json.dumps(time_features(args.n)), flush=True)
    else:
        for dataset in args.datasets:
            print(json.dumps(floor(dataset, args.n)), flush=True)
    print(json.dumps({"machine_after": machine()}), flush=True)


if __name__ == "__main__":
    main()
