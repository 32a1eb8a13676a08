"""Every preset's first iterations compute what they computed when
tests/fixtures/first_iterations.json was recorded: the losses, gradient norms and weight sums
after each of two iterations, run through the Trainer and its steps in fp64 on tiny batches and
narrow networks. A few switch combinations that no preset has are recorded alongside
(VARIANTS).

fp64 makes the comparison tight and portable: another CPU sums in another order, which moves a
value by a few units of 1e-16, and the optimizers' epsilon keeps Adam from turning rounding
noise in a zero gradient into a full step (fp32 gradient noise is within reach of epsilon).
A change to the algorithm (another batch, noise drawn in another order, a missed or extra
update) moves these numbers by far more than TOLERANCE.

Regenerate the file only for a change meant to alter what presets compute:
    GANKIT_RECORD_FIRST_ITERATIONS=1 python -m pytest -n 0 tests/training/test_first_iterations.py
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from support import PLAIN_LAYOUT
from torch import nn

from gankit import choices
from gankit.config import Config, load_config, preset_names
from gankit.fileio import atomic_write_text
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer

pytestmark = pytest.mark.integration

DATA = Path(__file__).parents[1] / "fixtures" / "first_iterations.json"
RECORD = os.environ.get("GANKIT_RECORD_FIRST_ITERATIONS") == "1"
ITERATIONS = 2
# Relative: fp64 rounding, summed in another order on another CPU, stays near 1e-13 after two
# iterations; any change to the algorithm moves these numbers by 1e-4 or more.
TOLERANCE = 1e-9
DIGITS = 13

# The plain path, one thread: the same kernels and summation order wherever the test runs.
DETERMINISTIC = [
    "perf.device=cpu",
    "perf.threads=1",
    "perf.amp=none",
    *PLAIN_LAYOUT,
    "perf.optimizer=foreach",
    "perf.compile=false",
    "log.every=1",  # every iteration measures the gradient norms
    "log.tensorboard=false",
    "log.plots=false",
]
BATCH_PER_PACK = 4  # images per D batch: 4 packs of train.packing images
WIDTH = 8  # base width of the networks that have one


def overrides(preset: str) -> list[str]:
    """Tiny settings for `preset`: a small batch (G's own batch, where the preset sets one, in
    the same ratio to it), narrow networks where the model reads a width, and little data."""
    config = load_config(preset)
    t, m = config.train, config.model
    batch = BATCH_PER_PACK * t.packing
    sets = [*DETERMINISTIC, f"train.batch_size={batch}", f"data.limit={8 * batch}"]
    if t.g_batch_size is not None:
        sets.append(f"train.g_batch_size={t.g_batch_size * batch // t.batch_size}")
    if "g_width" in choices.GENERATORS[m.generator].reads:
        sets.append(f"model.g_width={WIDTH}")
    if "d_width" in choices.DISCRIMINATORS[m.discriminator].reads:
        sets.append(f"model.d_width={WIDTH}")
    return sets


@pytest.fixture
def fp64() -> Iterator[None]:
    """Networks and noise built in fp64 (the default dtype), threads restored afterwards."""
    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)


def weight_sums(module: nn.Module) -> list[float]:
    """Sum and sum of absolute values over every floating-point parameter and buffer."""
    values = [t for t in module.state_dict().values() if t.is_floating_point()]
    flat = torch.cat([t.detach().flatten().double() for t in values])
    return [flat.sum().item(), flat.abs().sum().item()]


def first_iterations(config: Config, out: Path) -> list[dict[str, float | list[float]]]:
    """The stats and weight sums after each of the first ITERATIONS iterations."""
    trainer = Trainer(prepare_process(config, out), out, progress=False)  # one thread
    networks = [trainer.gan.generator, trainer.gan.discriminator]
    assert all(p.dtype == torch.float64 for net in networks for p in net.parameters())
    trainer.sampler.data = trainer.sampler.data.double()  # loaded as fp32
    records: list[dict[str, float | list[float]]] = []
    for _ in range(ITERATIONS):
        stats = trainer.advance()
        record: dict[str, float | list[float]] = {k: v.item() for k, v in stats.items()}
        record["G"] = weight_sums(trainer.gan.generator)
        record["D"] = weight_sums(trainer.gan.discriminator)
        if trainer.gan.ema is not None:
            record["EMA"] = weight_sums(trainer.gan.ema.model)
        records.append(record)
    return records


def _rounded(value: float | list[float]) -> float | list[float]:
    if isinstance(value, list):
        return [float(f"{v:.{DIGITS}g}") for v in value]
    return float(f"{value:.{DIGITS}g}")


# name -> (preset, switches): the train.* switches no preset sets, or sets only apart.
VARIANTS = {
    # random draws inside the D loss (augmentations, R1 at the real images), in both steps
    "dcgan-uncond+r1+diffaugment": (
        "dcgan-uncond",
        ["train.r1_gamma=1.0", "train.diffaugment=[translation, cutout]"],
    ),
    # two D steps of two updates each, on one reused batch
    "xiao2023-adam+d_steps=2+same_batch": (
        "xiao2023-adam",
        ["train.d_steps=2", "train.d_same_batch=true"],
    ),
    # fresh batches for each D step, fresh noise for each G step, decaying rates
    "stacked-dcgan+d_steps=2+g_steps=2+decay": (
        "stacked-dcgan",
        ["train.d_steps=2", "train.g_steps=2", "optim.g.decay=0.01", "optim.d.decay=0.02"],
    ),
    # a conditional D over real and generated images in one pass; running BatchNorm in G's step
    "dcgan+combined+running_bn": (
        "dcgan",
        ["train.d_forward=combined", "train.g_step_d_bn=running"],
    ),
}
CASES = {**{name: (name, []) for name in preset_names()}, **VARIANTS}


@pytest.mark.parametrize("preset", CASES)
def test_first_iterations_compute_what_they_did(preset: str, tmp_path: Path, fp64: None) -> None:
    base, switches = CASES[preset]
    config = load_config(base, [*overrides(base), *switches])
    got = first_iterations(config, tmp_path / "run")
    recorded = json.loads(DATA.read_text()) if DATA.exists() else {}
    if RECORD:
        recorded[preset] = [{k: _rounded(v) for k, v in r.items()} for r in got]
        atomic_write_text(DATA, json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")
        pytest.skip("recorded")
    assert preset in recorded, f"{preset} has no record in {DATA}: record it (module docstring)"
    want = recorded[preset]
    assert [list(r) for r in got] == [list(r) for r in want]  # the same stats, in order
    for step, (g, w) in enumerate(zip(got, want, strict=True), start=1):
        for key, value in g.items():
            if isinstance(value, list):  # a sum is compared at the scale of its abs-sum
                total, scale = value
                assert abs(total - w[key][0]) <= TOLERANCE * scale, (step, key, "sum")
                assert scale == pytest.approx(w[key][1], rel=TOLERANCE), (step, key, "abs")
            else:  # a Wasserstein estimate near 0 keeps the rounding of its two means
                assert value == pytest.approx(w[key], rel=TOLERANCE, abs=1e-12), (step, key)
