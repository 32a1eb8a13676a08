"""gankit from Python: train a small GAN, draw digits from it, score it, score images of one's
own, and use gankit's MNIST classifier as a feature extractor.

    python examples/quickstart.py                                   # a short first run
    python examples/quickstart.py --iterations 2 --eval-samples 50  # a smoke test

Running it again with the same --out resumes the run (or, when it is finished, just opens it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gankit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/quickstart"), help="run folder")
    parser.add_argument("--iterations", type=int, default=300, help="generator updates")
    parser.add_argument("--eval-samples", type=int, default=1000, help="samples scored")
    args = parser.parse_args(argv)

    # 1. Train the default preset (a class-conditional DCGAN) with an override, evaluate it at
    #    the end; the run folder is the one `gankit train` writes.
    run = gankit.train(
        "dcgan",
        out=args.out,
        iterations=args.iterations,
        overrides={"log.sample_every": 100},
        eval_samples=args.eval_samples,
    )
    print(run)
    print(f"metrics.json: FID {run.metrics['fid']:.1f}, IS {run.metrics['is_mean']:.2f}")

    # 2. Draw images: ten sevens (a conditional model takes labels), the same for the same seed.
    sevens = run.sample(10, labels=7, seed=1)
    print(f"samples: {tuple(sevens.shape)} in [{sevens.min():.2f}, {sevens.max():.2f}]")

    # 3. Score any images with the same suite: here the run's own samples stand in for the
    #    output of another generator. uint8 0..255 and floats in [-1, 1] are both accepted.
    images = run.sample(args.eval_samples, seed=2)
    scores = gankit.metrics.score(images, dataset="mnist")
    print(f"own images: FID {scores['fid']:.1f}, real-data floor {scores['reference']['fid']:.1f}")

    # 4. The classifier behind those numbers, as a torch module: 128-d features per image,
    #    and class logits (what does the model draw when asked for a seven?).
    classifier = gankit.classifier("mnist")
    features = classifier(images[:16])
    drawn = classifier.logits(sevens).argmax(1).tolist()
    print(f"features: {tuple(features.shape)}; the sevens are classified as {drawn}")


if __name__ == "__main__":
    main()
