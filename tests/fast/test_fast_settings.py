"""perf: auto decides from the machine, never from where gankit was tuned; an explicit setting
wins; a resumed run keeps its first start's choices; private torch APIs are guarded."""

from __future__ import annotations

import os
import warnings

import pytest
import torch
from torch import nn

from gankit.config import PerfConfig, load_config
from gankit.fast import capability, probe, torch_private
from gankit.fast.path import FastPath
from gankit.fast.probe import Layout, candidates, probe_layout
from gankit.machine import available_cores
from gankit.training.build import resolve_fast_path
from gankit.training.optim import build_optimizer

CPU = torch.device("cpu")


def _fake_cpu(monkeypatch: pytest.MonkeyPatch, capability_name: str, flags: set[str]) -> None:
    """Pretend to be a CPU: torch's bf16 queries answer from `flags`, as its cpuinfo would."""
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability_name)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: "avx512_bf16" in flags)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: "amx_tile" in flags)
    monkeypatch.setattr(capability, "cpu_flags", lambda: frozenset(flags))


def _resolve(preset: str, *sets: str) -> PerfConfig:
    config = load_config(preset, ["perf.device=cpu", *sets])
    return resolve_fast_path(config, CPU).perf


def test_auto_amp_is_fp32_on_a_cpu_without_native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cpu(monkeypatch, "AVX2", {"avx2", "fma"})
    perf = _resolve("liu2021-gan")
    assert perf.amp == "none"
    assert "no AVX-512 BF16" in perf.decisions["amp"]


@pytest.mark.parametrize("flags", [{"avx512_bf16"}, {"amx_tile", "amx_bf16"}])
def test_auto_amp_is_bf16_where_the_cpu_has_it(
    monkeypatch: pytest.MonkeyPatch, flags: set[str]
) -> None:
    _fake_cpu(monkeypatch, "AVX512", flags)
    assert _resolve("liu2021-gan").amp == "bf16"


def test_cpu_flags_decide_when_torch_cannot_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_private, "available", lambda name: False)
    monkeypatch.setattr(capability, "available", lambda name: False)
    monkeypatch.setattr(capability, "cpu_flags", lambda: frozenset({"bf16", "asimd"}))  # Arm
    assert capability.cpu_native_bf16()[0]
    monkeypatch.setattr(capability, "cpu_flags", lambda: frozenset({"avx2"}))
    assert not capability.cpu_native_bf16()[0]


def test_an_explicit_setting_wins_over_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cpu(monkeypatch, "AVX2", set())
    perf = _resolve("liu2021-gan", "perf.amp=bf16", "perf.channels_last=both")
    assert (perf.amp, perf.channels_last) == ("bf16", "both")
    assert "amp" not in perf.decisions and "channels_last" not in perf.decisions


def test_a_resumed_run_keeps_the_choices_of_its_start(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cpu(monkeypatch, "AVX2", set())  # the machine now lacks what the run started with
    previous = PerfConfig(amp="bf16", channels_last="generator", gemm_conv="discriminator")
    config = load_config("liu2021-dcgan", ["perf.device=cpu"])
    perf = resolve_fast_path(config, CPU, previous).perf
    assert (perf.amp, perf.channels_last, perf.gemm_conv) == ("bf16", "generator", "discriminator")
    # resumed again and again, each reason says once that it was kept
    for _ in range(3):
        perf = resolve_fast_path(config, CPU, perf).perf
    assert perf.amp == "bf16"
    assert all(why.count("kept from the run's start") == 1 for why in perf.decisions.values())


def test_a_run_started_before_a_switch_existed_resumes_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_cpu(monkeypatch, "AVX2", set())
    # a config.yaml written before perf.subpixel_conv existed reads back as `auto`
    previous = PerfConfig(amp="none", channels_last="both", gemm_conv="discriminator")
    assert previous.subpixel_conv == "auto"
    perf = resolve_fast_path(load_config("liu2021-dcgan", ["perf.device=cpu"]), CPU, previous).perf
    assert perf.subpixel_conv == "none" and perf.resolved
    assert "not a setting yet" in perf.decisions["subpixel_conv"]


def test_upsample_convolution_pairs_add_the_sub_pixel_layouts() -> None:
    net = nn.Sequential(nn.Upsample(scale_factor=2), nn.ConvTranspose2d(2, 1, 5, padding=2))
    assert candidates(net) == [Layout(cl, False, s) for cl in (False, True) for s in (False, True)]
    assert Layout(True, False, True).name == "NHWC + sub-pixel"


def test_the_layout_probe_times_each_candidate_once_per_machine(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # an idle machine
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.Flatten(), nn.Linear(64, 1))
    assert candidates(net) == [Layout(a, b) for a in (False, True) for b in (False, True)]
    assert candidates(nn.Linear(3, 1)) == []  # nothing to lay out
    inputs = (torch.randn(8, 1, 8, 8),)
    before = [p.detach().clone() for p in net.parameters()]
    rng = torch.get_rng_state()
    first = probe_layout(net, "discriminator", inputs, FastPath())
    assert first is not None and not first.cached
    assert set(first.ms_per_pass) == {layout.name for layout in candidates(net)}
    assert first.ms_per_pass[first.best.name] == min(first.ms_per_pass.values())
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters(), strict=True))
    assert torch.equal(torch.get_rng_state(), rng)  # the run's random stream is untouched
    again = probe_layout(net, "discriminator", inputs, FastPath())
    assert again is not None and again.cached and again.best == first.best
    only_nchw = probe_layout(
        net, "discriminator", inputs, FastPath(), lambda lay: not lay.channels_last
    )
    assert only_nchw is not None and not only_nchw.best.channels_last


def test_a_critic_with_a_gradient_penalty_is_probed_with_it(tmp_path, monkeypatch) -> None:
    """WGAN-GP's critic trains through a second-order pass, whose cost per layout differs from
    a plain pass: it is timed with it, and cached apart from a plain probe of the same network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    net = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.Flatten(), nn.Linear(64, 1))
    inputs = (torch.randn(8, 1, 8, 8),)
    calls = []
    real_grad = torch.autograd.grad
    monkeypatch.setattr(
        torch.autograd, "grad", lambda *a, **k: calls.append(k) or real_grad(*a, **k)
    )
    plain = probe_layout(net, "discriminator", inputs, FastPath())
    assert plain is not None and not calls and "penalty" not in plain.describe()
    penalised = probe_layout(net, "discriminator", inputs, FastPath(), input_penalty=True)
    assert penalised is not None and not penalised.cached  # not the plain probe's entry
    assert calls and all(k.get("create_graph") for k in calls)
    assert "with its input-gradient penalty" in penalised.describe()
    again = probe_layout(net, "discriminator", inputs, FastPath(), input_penalty=True)
    assert again is not None and again.cached and "penalty" in again.describe()


def test_only_a_penalised_loss_probes_the_critic_with_its_penalty(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    small = ("model.g_width=8", "model.d_width=8", "train.batch_size=4")
    wgan = _resolve("wgan-gp", *small).decisions["probe"]
    assert "discriminator: " in wgan and wgan.count("input-gradient penalty") == 1
    assert "input-gradient penalty" not in _resolve("dcgan-uncond", *small).decisions["probe"]


def test_a_probe_timed_on_busy_cores_decides_its_run_but_is_not_cached(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cores = len(available_cores())
    monkeypatch.setattr(os, "getloadavg", lambda: (cores + 1.0, 0.0, 0.0))
    net = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.Flatten(), nn.Linear(64, 1))
    inputs = (torch.randn(8, 1, 8, 8),)
    busy = probe_layout(net, "discriminator", inputs, FastPath())
    assert busy is not None and not busy.cached
    assert f"not cached: load average {cores + 1.0:.1f} on {cores} cores" in busy.describe()
    assert not list(tmp_path.rglob("probe-*.json"))
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    idle = probe_layout(net, "discriminator", inputs, FastPath())
    assert idle is not None and not idle.cached and not idle.busy_note  # timed afresh
    assert probe_layout(net, "discriminator", inputs, FastPath()).cached


def test_a_missing_private_api_falls_back_with_one_warning(monkeypatch) -> None:
    monkeypatch.setitem(
        torch_private.PRIVATE_APIS, "torch.optim.Adam._init_group", (lambda: False, "flat Adam")
    )
    torch_private.available.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            params = [nn.Parameter(torch.zeros(2))]
            cfg = load_config("dcgan").optim.g
            first = build_optimizer(params, cfg, "fused-flat")
            second = build_optimizer(params, cfg, "fused-flat")
        assert type(first) is type(second) is torch.optim.Adam
        assert len([w for w in caught if "falls back" in str(w.message)]) == 1
    finally:
        torch_private.available.cache_clear()


def test_fast_path_refuses_unresolved_settings() -> None:
    with pytest.raises(ValueError, match="resolved"):
        FastPath.from_config(PerfConfig(), CPU)


def test_resolved_decisions_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_cpu(monkeypatch, "AVX2", set())
    perf = _resolve("dcgan", "model.g_width=4", "model.d_width=4", "train.batch_size=4")
    assert perf.channels_last in ("both", "generator", "discriminator", "none")
    assert "probe" in perf.decisions["channels_last"] and "NCHW" in perf.decisions["probe"]


def test_a_probe_is_not_reused_on_another_cpu_generation_of_the_same_name(
    tmp_path, monkeypatch
) -> None:
    """VMs report e.g. Zen 3 and Zen 4 alike as 'AMD EPYC' with different instruction sets
    behind the same capability string; the cache tells them apart by family and model."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    net = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.Flatten(), nn.Linear(64, 1))
    inputs = (torch.randn(8, 1, 8, 8),)
    monkeypatch.setattr(probe, "cpu_id", lambda: "AuthenticAMD family 25 model 1 stepping 1")
    assert not probe_layout(net, "discriminator", inputs, FastPath()).cached
    assert probe_layout(net, "discriminator", inputs, FastPath()).cached
    monkeypatch.setattr(probe, "cpu_id", lambda: "AuthenticAMD family 25 model 17 stepping 1")
    assert not probe_layout(net, "discriminator", inputs, FastPath()).cached
