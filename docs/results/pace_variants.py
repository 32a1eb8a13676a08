"""What a change to a recipe costs per iteration: the pace (`gankit bench --pace`'s timing of the
training loop alone) of a preset as it is and with each set of overrides, timed in one process
in alternating rounds, so that a drift of the machine's speed falls on every variant alike. Run
it on an idle machine:

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/pace_variants.py dcgan-projection \
        "train.r1_gamma=1.0" "model.d_spectral_norm=true model.d_norm=none train.r1_gamma=1.0"

Each variant is one argument of space-separated KEY=VALUE overrides; the preset alone is always
timed first. Precision is pinned to fp32 (perf.amp=none) unless a variant sets it.
"""

import json
import os
import statistics
import sys

import torch

from gankit.bench.throughput import measure_pace
from gankit.config import load_config
from gankit.machine import machine_facts

ROUNDS = 3


def main(preset: str, variants: list[str]) -> None:
    sets = [["perf.amp=none"]] + [["perf.amp=none", *v.split()] for v in variants]
    configs = [load_config(preset, overrides) for overrides in sets]
    record = {
        "preset": preset,
        "machine": machine_facts("cpu"),
        "threads": torch.get_num_threads(),
        "load_average_start": os.getloadavg(),
    }
    paces: list[list[float]] = [[] for _ in configs]
    for _ in range(ROUNDS):
        for pace, config in zip(paces, configs, strict=True):
            pace.append(measure_pace(config, repeats=3)["s_per_it"])
    base = statistics.median(paces[0])
    record["variants"] = [
        {
            "overrides": overrides,
            "s_per_it": statistics.median(pace),
            "s_per_it_rounds": pace,
            "cost_vs_preset": statistics.median(pace) / base,
        }
        for overrides, pace in zip(sets, paces, strict=True)
    ]
    record["load_average_end"] = os.getloadavg()
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
