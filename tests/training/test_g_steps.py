"""DCGAN-tensorflow's iteration (PacGAN's Table 2): train.g_steps G updates after the D step,
train.g_noise=d-step feeding them the D step's noise, and model.z_dist's uniform noise in
training and in every sampling draw."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from support import PLAIN_LAYOUT

from gankit.cli import main
from gankit.config import ConfigError, load_config
from gankit.sampling import draw_noise, generate, latent
from gankit.training.build import build_gan, build_generator
from gankit.training.checkpoint import load_checkpoint

CPU = torch.device("cpu")
SMALL = ["perf.device=cpu", "perf.amp=none", "train.batch_size=8", "model.g_width=8",
         "model.d_width=8"]  # fmt: skip


def _adam_steps(optimizer: torch.optim.Optimizer) -> set[int]:
    return {int(state["step"]) for state in optimizer.state.values()}


def _noise_seen(overrides: list[str]) -> tuple[list[torch.Tensor], object]:
    """The noise of every generator pass of one iteration of stacked-dcgan."""
    gan = build_gan(load_config("stacked-dcgan", [*SMALL, *overrides]), CPU)
    seen: list[torch.Tensor] = []
    generate_fn = gan.steps.generate
    gan.steps.generate = lambda z, y=None: seen.append(z) or generate_fn(z, y)
    torch.manual_seed(0)
    gan.steps.iteration(lambda: torch.rand(8, 3, 28, 28) * 2 - 1)
    return seen, gan


def test_g_steps_takes_that_many_generator_updates_per_iteration() -> None:
    seen, gan = _noise_seen(["train.g_steps=2"])
    assert len(seen) == 3  # the D step's fakes, then one batch per G update
    assert _adam_steps(gan.steps.opt_g) == {2} and _adam_steps(gan.steps.opt_d) == {1}
    assert not torch.equal(seen[1], seen[2])  # fresh noise by default


def test_d_step_noise_feeds_every_generator_update() -> None:
    seen, gan = _noise_seen(["train.g_steps=2", "train.g_noise=d-step"])
    assert len(seen) == 3 and all(torch.equal(seen[0], z) for z in seen[1:])
    assert _adam_steps(gan.steps.opt_g) == {2}
    # one G step on the D step's noise is not the default either
    one, _ = _noise_seen(["train.g_noise=d-step"])
    default, _ = _noise_seen([])
    assert torch.equal(one[0], one[1]) and not torch.equal(default[0], default[1])


def test_the_default_iteration_is_unchanged() -> None:
    """One G update on fresh noise, drawn after the D step's, from the same stream as before."""
    seen, _ = _noise_seen([])
    torch.manual_seed(0)
    torch.rand(8, 3, 28, 28)  # the real batch above
    assert torch.equal(seen[0], torch.randn(8, 100)) and torch.equal(seen[1], torch.randn(8, 100))


def test_d_step_noise_needs_the_d_steps_batch() -> None:
    with pytest.raises(ConfigError, match="g_batch_size"):
        load_config("stacked-dcgan", ["train.g_noise=d-step", "train.g_batch_size=32"])


@pytest.mark.integration
def test_a_run_logs_one_row_per_iteration_and_steps_g_twice(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["train", "stacked-dcgan", "--out", str(out), "--iterations", "3", "--no-eval",
            "--quiet", "--set", "log.every=1", "--set", "train.g_steps=2",
            "--set", "train.g_noise=d-step", "--set", "train.batch_size=8"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with open(out / "losses.csv", newline="") as f:
        assert [int(row["step"]) for row in csv.DictReader(f)] == [1, 2, 3]
    state = load_checkpoint(out / "checkpoints" / "last.pt")
    assert {int(s["step"]) for s in state["opt_g"]["state"].values()} == {6}
    assert {int(s["step"]) for s in state["opt_d"]["state"].values()} == {3}


def test_uniform_noise_spans_minus_one_to_one() -> None:
    z = latent(20_000, 100, "uniform", rng=torch.Generator().manual_seed(0))
    assert -1 <= z.min() < -0.999 and 0.999 < z.max() < 1
    assert z.mean().item() == pytest.approx(0, abs=0.01)
    assert z.var().item() == pytest.approx(1 / 3, rel=0.01)  # U[-1, 1]
    # the default draw is the normal one gankit always drew
    g = torch.Generator().manual_seed(3)
    assert torch.equal(draw_noise(5, 4, 3), torch.randn(5, 4, generator=g))
    with pytest.raises(ValueError, match="normal, uniform"):
        latent(1, 1, "cauchy")


def test_uniform_noise_reaches_training_and_sampling() -> None:
    config = load_config("stacked-dcgan", [*SMALL, "model.z_dist=uniform"])
    generator = build_generator(config)
    assert generator.z_dist == "uniform"
    seen: list[torch.Tensor] = []
    generator.register_forward_pre_hook(lambda _m, args: seen.append(args[0]))
    generate(generator, 50, seed=0)
    assert torch.equal(seen[0], draw_noise(50, 100, 0, "uniform"))
    assert seen[0].abs().max() <= 1
    steps_noise, _ = _noise_seen(["model.z_dist=uniform", "train.g_steps=2"])
    assert all(z.abs().max() <= 1 and z.min() < 0 for z in steps_noise)


def test_the_bench_reference_loop_takes_the_same_steps() -> None:
    """`gankit bench`'s plain loop runs the same algorithm: after one iteration of two G
    updates on the D step's uniform noise, the same weights as gankit's steps."""
    from gankit.bench.reference import build_reference, reference_iteration

    plain = [*PLAIN_LAYOUT, "perf.optimizer=foreach"]
    config = load_config(
        "stacked-dcgan",
        [*SMALL, *plain, "train.g_steps=2", "train.g_noise=d-step", "model.z_dist=uniform"],
    )
    gan, reference = build_gan(config, CPU), build_reference(config, CPU)
    real = torch.rand(8, 3, 28, 28) * 2 - 1
    torch.manual_seed(1)
    gan.steps.iteration(lambda: real)
    torch.manual_seed(1)
    reference_iteration(reference, lambda: real, lambda k: latent(k, 100, "uniform"))
    for ours, theirs in ((gan.generator, reference.G), (gan.discriminator, reference.D)):
        for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values(),
                                strict=True):  # fmt: skip
            assert torch.allclose(a.float(), b.float(), atol=1e-5), name
    assert _adam_steps(reference.opt_g) == {2}
