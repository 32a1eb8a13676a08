"""Why do the two clocks of default-recipe.md differ? `gankit bench --pace` times 3-second
bursts of the training loop after a warm-up; the time-to-quality run times chunks of iterations
between 10,000-sample evaluations. This times both in one process on the same Trainer (the
StepLog callback only, as both of them use): the pace, then 700-iteration chunks, some straight
after an evaluation as the time-to-quality run's are. Run it on an idle machine:

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/pace_gap.py [PRESET]
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from gankit.bench.quality import sample_images
from gankit.bench.throughput import measure_pace
from gankit.config import load_config
from gankit.evaluation.evaluate import quick_metrics
from gankit.machine import describe_machine
from gankit.training.callbacks import StepLog
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

CHUNK = 700
ORDER = ("plain", "plain", "after an evaluation", "after an evaluation", "plain")


def main(preset: str) -> None:
    config = load_config(preset)
    record = {"preset": preset, "machine": describe_machine(), "threads": torch.get_num_threads()}
    record["load_average_start"] = os.getloadavg()
    record["pace_s_per_it"] = measure_pace(config)["s_per_it"]
    chunks = []
    with tempfile.TemporaryDirectory(prefix="gankit-pace-gap-") as tmp:
        trainer = Trainer(prepare_process(config, Path(tmp)), Path(tmp), callbacks=[StepLog()])
        trainer.start()
        trainer.train(until=20)  # warm-up, as the pace's
        for kind in ORDER:
            if kind != "plain":
                images = sample_images(trainer.gan.sampling_generator, 10_000)
                quick_metrics(images, config.data.dataset)
            start = time.perf_counter()
            trainer.train(until=trainer.step + CHUNK)
            chunks.append({"chunk": kind, "s_per_it": (time.perf_counter() - start) / CHUNK})
    record["chunks"] = chunks
    record["load_average_end"] = os.getloadavg()
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dcgan-projection")
