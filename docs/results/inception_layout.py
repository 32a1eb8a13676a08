"""The FID Inception network's CPU time per batch in each memory layout on this machine, and how
far the layouts' features differ (docs/results/metrics.md, section 5): what
`gankit.evaluation.inception.fastest_layout` decides between.

    python docs/results/inception_layout.py [--threads 1] [--repeats 3]

CPU time of the process (not wall time), so that other jobs on the cores skew it less; the best
of --repeats passes of one batch of 25 images after a warm-up pass.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from gankit.evaluation import inception as I
from gankit.machine import cpu_id, cpu_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    net = I.load_network()
    images = torch.rand(I.BATCH, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    features, cpu_seconds = {}, {}
    for name in I.LAYOUTS:
        I.inception_features(images, net, layout=name)  # warm-up: TorchScript optimises
        times = []
        for _ in range(args.repeats):
            start = time.process_time()
            features[name] = I.inception_features(images, net, layout=name)
            times.append(time.process_time() - start)
        cpu_seconds[name] = round(min(times), 3)
    print(json.dumps({
        "machine": {"cpu": cpu_model(), "cpu_id": cpu_id(), "threads": args.threads,
                    "capability": torch.backends.cpu.get_cpu_capability(),
                    "torch": torch.__version__, "load_average": os.getloadavg()},
        "images": I.BATCH,
        "cpu_seconds": cpu_seconds,
        "max_feature_difference": float((features["NHWC"] - features["NCHW"]).abs().max()),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
