"""The fast path computes what the plain reference loop computes: from the same weights, batches
and noise, one gankit iteration and one reference iteration agree (tightly in fp32, loosely under
bf16 autocast). Nothing here times anything."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from gankit.bench.reference import build_reference, reference_iteration
from gankit.config import OptimizerConfig, load_config
from gankit.data import load_tensors
from gankit.fast.adam import view_flat_where_aligned
from gankit.fast.capability import cpu_native_bf16
from gankit.training.optim import build_optimizer
from gankit.training.process import prepare_process
from gankit.training.resume import config_differences
from gankit.training.trainer import Trainer

CPU = torch.device("cpu")


def _state(g: nn.Module, d: nn.Module) -> dict[str, torch.Tensor]:
    return {
        **{f"G.{k}": v.detach().clone() for k, v in g.state_dict().items()},
        **{f"D.{k}": v.detach().clone() for k, v in d.state_dict().items()},
    }


def _one_iteration_each(preset: str, overrides: list[str], tmp_path: Path) -> dict:
    """Run one gankit iteration (Trainer.advance, what the loop runs) and one reference
    iteration from identical weights, batches and noise; dropout is switched off in both so
    that both see the same numbers (its masks depend on memory layout and dtype)."""
    config = load_config(preset, ["perf.device=cpu", "perf.threads=1", *overrides])
    trainer = Trainer(prepare_process(config, tmp_path / "run"), tmp_path / "run", progress=False)
    gan = trainer.gan
    ref = build_reference(config, CPU)
    ref.G.load_state_dict(gan.generator.state_dict())
    ref.D.load_state_dict(gan.discriminator.state_dict())
    if ref.ema is not None:
        ref.ema.load_state_dict(gan.ema.model.state_dict())
    for module in (*gan.discriminator.modules(), *ref.D.modules()):
        if isinstance(module, nn.Dropout):
            module.p = 0.0

    bs = config.train.batch_size
    images, labels = load_tensors("mnist", "train", limit=8 * bs)
    batches = list(images.split(bs))
    if config.model.conditional:  # labelled batches; fake labels come from the seeded RNG
        batches = list(zip(batches, labels.split(bs), strict=True))
    gen = torch.Generator().manual_seed(7)
    noises = [torch.randn(bs, config.model.z_dim, generator=gen) for _ in range(8)]
    before = _state(gan.generator, gan.discriminator)

    real, noise = iter(batches), iter(noises)
    trainer.sampler = lambda: next(real)
    gan.steps.noise = lambda n, device: next(noise)
    torch.manual_seed(11)
    stats = trainer.advance()
    fast_losses = [stats["d_loss"].item(), stats["g_loss"].item()]

    real, noise = iter(batches), iter(noises)
    torch.manual_seed(11)
    ref_losses = reference_iteration(ref, lambda: next(real), lambda n: next(noise))
    return {
        "config": config,
        "losses": (fast_losses, list(ref_losses)),
        "before": before,
        "fast": _state(gan.generator, gan.discriminator),
        "ref": _state(ref.G, ref.D),
        "g_grads": (
            torch.cat([p.grad.flatten() for p in gan.generator.parameters()]),
            torch.cat([p.grad.flatten() for p in ref.G.parameters()]),
        ),
        "ema": (gan.ema.model, ref.ema) if ref.ema is not None else None,
        "networks": (gan.generator, gan.discriminator),  # as the trainer holds and saves them
    }


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


def _update_error(run: dict) -> float:
    """|fast update - reference update| / |reference update| over every float weight and buffer.
    Per tensor the comparison would be meaningless: Adam's and RMSprop's first steps are nearly
    sign(grad) * lr, so a gradient that is zero in exact arithmetic (a bias just before a
    BatchNorm) turns rounding noise into full-size steps of either sign."""
    keys = [k for k, v in run["before"].items() if v.is_floating_point()]
    fast = torch.cat([(run["fast"][k] - run["before"][k]).flatten() for k in keys])
    ref = torch.cat([(run["ref"][k] - run["before"][k]).flatten() for k in keys])
    return _relative(fast, ref)


# The default fast path in fp32: channels_last weights, fused optimizers, in-memory batches,
# frozen D in the G step, sub-pixel convolutions where G upsamples. liu2021-dcgan has 5 D
# steps on one combined batch and RMSprop/decay; dcgan has an EMA generator; liu2021-gan is
# fully connected; xiao2023-adam steps D on the real half and then the generated half (two
# updates) and G on its own batch size.
# liu2021-dcgan-atienza trains D in the G step with G's optimizer.
PRESETS = ["liu2021-dcgan", "dcgan", "liu2021-gan", "xiao2023-adam", "liu2021-dcgan-atienza"]
NARROW = ["train.batch_size=4", "model.g_width=8", "model.d_width=8"]
SMALL = {
    "liu2021-dcgan": ["train.batch_size=4"],
    "dcgan": NARROW,
    "liu2021-gan": ["train.batch_size=8"],
    "xiao2023-adam": ["train.batch_size=8"],
    "liu2021-dcgan-atienza": ["train.batch_size=4"],
}
# In fp32 only (their bf16 path is the same as dcgan's): lsgan and wgan-gp (5 critic steps, a
# gradient penalty at random interpolates) have their own losses; packing 2 has D score pairs
# of images (PacGAN).
FP32_ONLY = {
    "lsgan": NARROW,
    "wgan-gp": NARROW,
    "dcgan-uncond": [*NARROW, "train.packing=2"],
}


@pytest.mark.integration
@pytest.mark.parametrize("preset", [*PRESETS, *FP32_ONLY])
def test_fast_fp32_iteration_matches_the_reference(preset: str, tmp_path: Path) -> None:
    both = ["perf.amp=none", "perf.channels_last=both", "perf.subpixel_conv=both"]
    run = _one_iteration_each(preset, [*both, *FP32_ONLY.get(preset, [])], tmp_path)
    assert run["config"].perf.channels_last == "both"
    fast, ref = run["losses"]
    # The G loss comes after the D updates, where Adam's sign-like first steps turn rounding
    # differences into small weight differences (see _update_error).
    assert fast == pytest.approx(ref, rel=5e-4, abs=1e-6)
    # through a D whose 5 updates differ by rounding (NCHW without GEMM convolutions, the
    # Liu presets agree to 1e-5; NHWC and GEMM sums round differently, up to 2.3% here)
    assert _relative(*run["g_grads"]) < 3e-2
    assert _update_error(run) < 1e-2
    for key, value in run["before"].items():
        if not value.is_floating_point():  # BatchNorm's batch counters
            assert torch.equal(run["fast"][key], run["ref"][key]), key
    if run["ema"] is not None:
        ema_fast, ema_ref = (torch.cat([p.flatten() for p in m.parameters()]) for m in run["ema"])
        assert torch.allclose(ema_fast, ema_ref, atol=1e-5)


# liu2021-dcgan's large bf16 convolutions take minutes where bf16 is emulated: their weight
# gradients alone cost seconds each at any batch size (AVX2). The GEMM layers they run through
# are checked in bf16 on every CPU in test_fast_layers.py.
EMULATED_BF16_TOO_SLOW = pytest.mark.skipif(
    not cpu_native_bf16()[0], reason="bf16 is emulated on this CPU (no AVX-512 BF16 or AMX)"
)


@pytest.mark.parametrize(
    "preset", [pytest.param(p, marks=EMULATED_BF16_TOO_SLOW) if p.startswith("liu2021-dcgan")
               else p
               for p in PRESETS],
)  # fmt: skip
@pytest.mark.integration
def test_bf16_iteration_matches_the_reference_loosely(preset: str, tmp_path: Path) -> None:
    # Small batches: on a CPU without native bf16 (AVX2) every bf16 operation is emulated.
    run = _one_iteration_each(preset, ["perf.amp=bf16", *SMALL[preset]], tmp_path)
    fast, ref = run["losses"]
    assert fast == pytest.approx(ref, rel=2e-2, abs=1e-3)
    # bf16 keeps 8 bits of mantissa; these bounds catch a wrong step, not rounding.
    assert _relative(*run["g_grads"]) < 0.25
    assert _update_error(run) < 0.1
    # Master weights stay fp32.
    assert all(v.dtype == torch.float32 for k, v in run["fast"].items() if "num_batches" not in k)


def test_loaded_optimizer_state_takes_the_parameter_layout() -> None:
    """A checkpoint from a run without channels_last resumes into one with it: fused Adam reads
    state as flat memory, so the loaded moments must be re-laid out like the parameter."""
    cfg = OptimizerConfig(name="adam", lr=0.1)
    torch.manual_seed(0)
    w, g = torch.randn(8, 4, 3, 3), torch.randn(8, 4, 3, 3)
    nhwc = torch.channels_last

    p = nn.Parameter(w.clone())
    opt = build_optimizer([p], cfg)
    p.grad = g.clone()
    opt.step()
    saved, after_one = opt.state_dict(), p.detach().clone()
    p.grad = g.clone()
    opt.step()
    expected = p.detach()

    resumed = nn.Parameter(after_one.contiguous(memory_format=nhwc))
    opt = build_optimizer([resumed], cfg)
    opt.load_state_dict(saved)
    resumed.grad = g.clone().contiguous(memory_format=nhwc)
    opt.step()
    assert torch.allclose(resumed.detach(), expected, atol=1e-6)


def test_adam_on_channels_last_weights_matches_the_textbook_adam() -> None:
    """The fused Adam of the fast path hands NHWC tensors to its kernel as flat memory: the
    update must stay the per-element update of torch's single-tensor Adam, and its state must
    stay torch's own (shapes, layouts, a state dict that loads into a plain Adam)."""
    cfg = OptimizerConfig(name="adam", lr=0.01)
    torch.manual_seed(0)
    shapes = [(16, 8, 5, 5), (16,), (4, 2048)]
    weights = [torch.randn(s) for s in shapes]
    grads = [[torch.randn(s) for s in shapes] for _ in range(3)]

    def nhwc(t: torch.Tensor) -> torch.Tensor:
        return t.contiguous(memory_format=torch.channels_last) if t.dim() == 4 else t.clone()

    fast = [nn.Parameter(nhwc(w)) for w in weights]
    plain = [nn.Parameter(w.clone()) for w in weights]
    opt_fast = build_optimizer(fast, cfg)
    opt_plain = torch.optim.Adam(plain, lr=0.01, betas=cfg.betas, eps=cfg.eps, foreach=False)
    for step_grads in grads:
        for p, q, g in zip(fast, plain, step_grads, strict=True):
            p.grad, q.grad = nhwc(g), g.clone()
        opt_fast.step()
        opt_plain.step()
    for p, q in zip(fast, plain, strict=True):
        assert torch.allclose(p.detach(), q.detach(), rtol=1e-5, atol=1e-7)
    state = opt_fast.state[fast[0]]
    assert state["exp_avg"].shape == shapes[0]
    assert state["exp_avg"].is_contiguous(memory_format=torch.channels_last)
    restored = torch.optim.Adam([nn.Parameter(w.clone()) for w in weights], lr=0.01)
    restored.load_state_dict(opt_fast.state_dict())
    assert torch.equal(restored.state_dict()["state"][0]["exp_avg"], state["exp_avg"])


def test_adam_lists_become_flat_views_only_when_layouts_agree() -> None:
    nhwc = torch.randn(8, 4, 3, 3).contiguous(memory_format=torch.channels_last)
    grad, moment, step = torch.randn_like(nhwc), torch.zeros_like(nhwc), torch.zeros(())
    lists = ([nhwc], [grad], [moment], [step])
    view_flat_where_aligned(lists)
    assert [t.shape for t in (lists[0][0], lists[1][0], lists[2][0])] == [(288,)] * 3
    assert lists[0][0].data_ptr() == nhwc.data_ptr() and lists[3][0] is step
    mixed = ([nhwc], [grad.contiguous()], [moment], [step])
    view_flat_where_aligned(mixed)
    assert mixed[0][0] is nhwc  # a gradient in another layout: left to torch as it is


def test_precision_is_part_of_the_resume_fingerprint_and_layout_is_not() -> None:
    base = load_config("liu2021-dcgan")
    speed_only = ["perf.channels_last=none", "perf.gemm_conv=both", "perf.subpixel_conv=both"]
    same = load_config("liu2021-dcgan", [*speed_only, "perf.compile=true", "perf.threads=1"])
    assert same.fingerprint() == base.fingerprint()
    other = "bf16" if base.perf.amp == "none" else "none"
    changed = load_config("liu2021-dcgan", [f"perf.amp={other}"])
    assert changed.fingerprint() != base.fingerprint()
    assert config_differences(base.to_dict(), changed) == [
        f"perf.amp: {base.perf.amp!r} -> {other!r}"
    ]


def test_channels_last_true_and_false_mean_both_and_none() -> None:
    assert load_config("dcgan", ["perf.channels_last=true"]).perf.channels_last == "both"
    assert load_config("dcgan", ["perf.channels_last=false"]).perf.channels_last == "none"


@pytest.mark.integration
def test_compiled_iteration_matches_and_checkpoints_stay_plain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """perf.compile's path: the steps run the networks through torch.compile (TorchDynamo's
    graphs and AOT autograd), match the reference, and checkpoints keep plain names. The
    graphs run on the aot_eager backend rather than inductor, whose C++ code generation takes
    half a minute on a machine that has not cached it and is torch's to test, not gankit's."""
    compile_graphs, compiled = torch.compile, []

    def aot_eager(module: nn.Module, mode: str | None = None, **options: object) -> object:
        assert mode is None  # what gankit asks for on a CPU
        compiled.append(type(module).__name__)
        return compile_graphs(module, backend="aot_eager", **options)

    monkeypatch.setattr(torch, "compile", aot_eager)
    run = _one_iteration_each("liu2021-gan", ["perf.compile=true"], tmp_path)
    assert len(compiled) >= 2, compiled  # G and D, each through TorchDynamo
    fast, ref = run["losses"]
    assert fast == pytest.approx(ref, rel=1e-4, abs=1e-6)
    assert _update_error(run) < 1e-2
    # the compiled networks' weights go into checkpoints (Trainer.state_dict) by plain names
    keys = [key for network in run["networks"] for key in network.state_dict()]
    assert keys and not any("_orig_mod" in k for k in keys)
