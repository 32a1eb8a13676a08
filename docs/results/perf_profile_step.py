"""Time and profile one preset's training iteration, gankit's against the reference loop's
(2 threads, 200 timed iterations after 50 of warm-up, then a torch.profiler table of 50).

    GANKIT_DATA=../shared/data .venv/bin/python docs/results/perf_profile_step.py liu2021-gan
"""

import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.profiler import profile

from gankit.bench.reference import build_reference, real_batches, reference_iteration
from gankit.config import load_config
from gankit.data import load_tensors
from gankit.machine import describe_machine
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

torch.set_num_threads(2)
print(describe_machine(), torch.backends.cpu.get_cpu_capability())
preset = sys.argv[1]
cfg = load_config(preset, ["perf.device=cpu"])
with tempfile.TemporaryDirectory() as d:
    t = Trainer(
        prepare_process(cfg, Path(d) / "run"), Path(d) / "run", progress=False, callbacks=[]
    )
    print(t.config.perf.model_dump(exclude={"decisions"}))
    for _ in range(50):
        t.advance()
    s = time.perf_counter()
    for _ in range(200):
        t.advance()
    print("gankit ms/it", (time.perf_counter() - s) / 200 * 1e3)
    with profile() as p:
        for _ in range(50):
            t.advance()
    print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
ref = build_reference(cfg, torch.device("cpu"))
images, _ = load_tensors("mnist", "train")
it = real_batches(images, cfg.train.batch_size, torch.device("cpu"), None)
z = cfg.model.z_dim


def step() -> None:
    reference_iteration(ref, lambda: next(it), lambda n: torch.randn(n, z))


for _ in range(50):
    step()
s = time.perf_counter()
for _ in range(200):
    step()
print("reference ms/it", (time.perf_counter() - s) / 200 * 1e3)
with profile() as p:
    for _ in range(50):
        step()
print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
