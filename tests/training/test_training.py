"""Training end to end on real MNIST: run directories, exact resume, refusals, divergence."""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from support import PLAIN_LAYOUT, set_args

from gankit.cli import main
from gankit.config import load_config, load_config_file, preset_names
from gankit.machine import cpu_model
from gankit.report.run_report import describe_timing, write_run_report
from gankit.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gankit.training.hooks import Callback
from gankit.training.process import prepare_process
from gankit.training.trainer import Trainer, TrainingDiverged

# The plain layouts unless a test pins others (PINNED_LAYOUT, given after FAST, wins).
FAST = ["--no-eval", "--quiet", "--set", "log.sample_every=1", "--set", "log.every=1",
        "--set", "log.eval_samples=100", *set_args(*PLAIN_LAYOUT)]  # fmt: skip


# Two runs started separately are bit-equal only under the same fast-path choices: `auto`
# layouts come from a timed probe, which on busy cores decides each run afresh. A resumed run
# keeps its own choices; comparing it with another run needs them pinned.
PINNED_LAYOUT = ["--set", "perf.channels_last=both", "--set", "perf.gemm_conv=discriminator",
                 "--set", "perf.subpixel_conv=generator"]  # fmt: skip


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def losses_rows(run: Path) -> list[dict[str, str]]:
    with open(run / "losses.csv", newline="") as f:
        return list(csv.DictReader(f))


def one_preset_per_wiring() -> list[str]:
    """The first preset of each distinct combination of what the command line wires together
    for a run: networks, loss, dataset, conditioning, packing and periodic evaluation. Every
    preset's own computation is checked through the trainer in
    tests/training/test_first_iterations.py; this test is about the command's path from a
    preset to a run folder."""
    chosen: dict[tuple[object, ...], str] = {}
    for name in preset_names():
        c = load_config(name)
        wiring = (c.model.generator, c.model.discriminator, c.model.conditional, c.train.loss,
                  c.data.dataset, c.train.packing > 1, c.log.eval_every > 0)  # fmt: skip
        chosen.setdefault(wiring, name)
    return sorted(chosen.values())


@pytest.mark.integration
@pytest.mark.parametrize("preset", one_preset_per_wiring())
def test_every_preset_wiring_trains_from_the_command_line(preset: str, tmp_path: Path) -> None:
    # The layouts given, not probed: each network still trains through the fast path's
    # layers, without the timed probe (tests/fast/test_fast_settings.py tests that) for each one.
    # Batches of 8 (packs of m: 8m images) exercise the same code as the preset's 32 to 256.
    out = tmp_path / preset
    # and 256 images (Stacked MNIST's 128,000 would take seconds to convert to floats)
    small = set_args(f"train.batch_size={8 * load_config(preset).train.packing}", "data.limit=256")
    args = ("train", preset, "--out", str(out), "--iterations", "2", *FAST, *PINNED_LAYOUT, *small)
    code, output = run_cli(*args)
    assert code == 0, output
    for part in ("config.yaml", "checkpoints/last.pt", "losses.csv", "plots/losses.png",
                 "samples/step_000000.png", "samples/step_000002.png"):  # fmt: skip
        assert (out / part).is_file(), part
    # Periodic IS/FID in every preset but the Stacked MNIST ones (scored by modes at the end).
    periodic = load_config(preset).log.eval_every > 0
    assert periodic != preset.startswith("stacked-")
    for part in ("metrics_history.csv", "plots/metrics.png"):
        assert (out / part).is_file() == periodic, part
    rows = losses_rows(out)
    assert [int(r["step"]) for r in rows] == [1, 2]
    assert all(
        math.isfinite(float(r["d_loss"])) and math.isfinite(float(r["g_loss"])) for r in rows
    )
    assert load_checkpoint(out / "checkpoints/last.pt")["step"] == 2
    assert "outputs:" in output


def _weights(run: Path) -> dict[str, torch.Tensor]:
    state = load_checkpoint(run / "checkpoints" / "last.pt")
    return {**state["generator"], **{f"D.{k}": v for k, v in state["discriminator"].items()}}


@pytest.mark.integration
@pytest.mark.parametrize("preset", ["liu2021-dcgan", "dcgan"])
def test_resumed_run_ends_with_the_same_weights(preset: str, tmp_path: Path) -> None:
    # liu2021-dcgan has dropout and 5 D steps on one batch; dcgan has an EMA generator.
    common = [*FAST, *PINNED_LAYOUT, "--set", "log.checkpoint_every=2",
              "--set", "train.batch_size=8", "--set", "data.limit=256",
              # weights are compared, not pictures: no grids, no plots
              "--set", "log.sample_every=1000", "--set", "log.plots=false"]  # fmt: skip
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert run_cli("train", preset, "--out", str(straight), "--iterations", "4", *common)[0] == 0
    assert run_cli("train", preset, "--out", str(resumed), "--iterations", "2", *common)[0] == 0
    # Simulate a kill after step 2: the log holds rows the checkpoint does not know about.
    with open(resumed / "losses.csv", "a") as f:
        f.write("3,9,9\n")
    code, output = run_cli("train", preset, "--out", str(resumed), "--iterations", "4", *common)
    assert code == 0 and "resuming" in output and "from step 2" in output
    a, b = _weights(straight), _weights(resumed)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert losses_rows(straight) == losses_rows(resumed)


def _timing(run: Path) -> dict:
    return json.loads((run / "timing.json").read_text())


@pytest.mark.integration
def test_a_run_records_how_long_it_trained_and_where_across_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    common = [*FAST, "--set", "log.checkpoint_every=2", "--set", "train.batch_size=8"]
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "2", *common)[0] == 0
    first = _timing(out)
    assert first["total"]["steps"] == 2 and first["total"]["segments"] == 1
    assert first["total"]["machines"][0]["cpu"] == cpu_model()
    assert first["total"]["machines"][0]["capability"] == torch.backends.cpu.get_cpu_capability()
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "4", *common)[0] == 0
    record = _timing(out)
    (a, b) = record["segments"]
    assert (a["from_step"], a["to_step"], b["from_step"], b["to_step"]) == (0, 2, 2, 4)
    assert a == first["segments"][0]  # the first process's segment, carried by the checkpoint
    assert b["seconds"] > 0 and b["started"] >= a["started"]
    assert record["total"]["seconds"] == pytest.approx(a["seconds"] + b["seconds"], abs=1e-3)
    assert load_checkpoint(out / "checkpoints/last.pt")["timing"] == record["segments"]
    assert describe_timing(out / "timing.json").startswith("Trained 4 iterations in ")
    assert "resumed 1 time," in describe_timing(out / "timing.json")
    md, _ = write_run_report(out)
    assert describe_timing(out / "timing.json") in md.read_text()


@pytest.mark.integration
def test_a_run_resumed_from_an_untimed_checkpoint_says_its_time_is_unknown(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    common = [*FAST, "--set", "train.batch_size=8"]
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "1", *common)[0] == 0
    last = out / "checkpoints" / "last.pt"
    state = load_checkpoint(last)
    del state["timing"]  # as a checkpoint written before runs were timed
    save_checkpoint(last, state)
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "2", *common)[0] == 0
    record = _timing(out)
    assert record["segments"][0] == {
        "machine": None,
        "from_step": 0,
        "to_step": 1,
        "seconds": None,
        "started": "",
    }
    assert record["total"]["seconds"] is None
    assert describe_timing(out / "timing.json") is None


@pytest.mark.integration
def test_resume_with_a_different_config_is_refused(tmp_path: Path) -> None:
    out = str(tmp_path / "run")
    assert run_cli("train", "dcgan", "--out", out, "--iterations", "1", *FAST)[0] == 0
    code, output = run_cli(
        "train", "dcgan", "--out", out, "--iterations", "2", *FAST, "--set", "optim.d.lr=0.1"
    )
    assert code == 2
    assert "refusing to resume" in output and "optim.d.lr: 0.0005 -> 0.1" in output


@pytest.mark.integration
def test_a_garbled_config_beside_a_checkpoint_does_not_stop_the_resume(tmp_path: Path) -> None:
    """The checkpoint holds the config the run trained with; config.yaml beside it only
    records it, so a broken copy is written again rather than ending the run."""
    out = tmp_path / "run"
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "1", *FAST)[0] == 0
    (out / "config.yaml").write_text("train: [unclosed\n")
    code, output = run_cli("train", "dcgan", "--out", str(out), "--iterations", "2", *FAST)
    assert code == 0, output
    assert load_config_file(out / "config.yaml").train.iterations == 2


@pytest.mark.integration
def test_a_finished_run_trained_on_keeps_its_final_evaluation_as_that_steps(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    scored = [arg for arg in FAST if arg != "--no-eval"] + ["--eval-samples", "200"]
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "1", *scored)[0] == 0
    first = json.loads((out / "metrics.json").read_text())
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "2", *scored)[0] == 0
    assert json.loads((out / "metrics_step_000001.json").read_text()) == first
    assert json.loads((out / "metrics.json").read_text())["step"] == 2


@pytest.mark.integration
def test_corrupt_and_foreign_checkpoints_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "1", *FAST)[0] == 0
    last = out / "checkpoints" / "last.pt"
    good = last.read_bytes()

    last.write_bytes(good[: len(good) // 2])
    code, output = run_cli("train", "dcgan", "--out", str(out), "--iterations", "2", *FAST)
    assert code == 2 and str(last) in output and "corrupt" in output

    torch.save({"weights": torch.zeros(3)}, last)
    code, output = run_cli("train", "dcgan", "--out", str(out), "--iterations", "2", *FAST)
    assert code == 2 and "not a gankit checkpoint" in output

    class Payload:  # a pickle that would run code if it were unpickled freely
        def __reduce__(self):  # noqa: ANN204
            return (os.system, ("echo pwned",))

    torch.save({"format": "gankit-checkpoint", "x": Payload()}, last)
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(last)


@pytest.mark.integration
def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path: Path) -> None:
    config = load_config("dcgan", ["train.iterations=8", "log.checkpoint_every=2", "log.every=1"])
    config = prepare_process(config, tmp_path / "run")
    gan = Trainer(config, tmp_path / "run", progress=False).gan  # built as training builds it

    class NaNAtTheFifth(type(gan.steps)):  # the 5th iteration's D loss is NaN
        calls = 0

        def iteration(self, next_real, **kwargs):  # noqa: ANN001, ANN003, ANN202
            losses = super().iteration(next_real, **kwargs)
            self.calls += 1
            if self.calls == 5:
                losses["d_loss"] = torch.tensor(float("nan"))
            return losses

    gan.steps.__class__ = NaNAtTheFifth
    trainer = Trainer(config, tmp_path / "run", progress=False, gan=gan)
    trainer.start()
    with pytest.raises(TrainingDiverged, match="non-finite at step 5.*last good state"):
        trainer.train()
    state = load_checkpoint(tmp_path / "run" / "checkpoints" / "last.pt")
    assert state["step"] == 4
    assert all(
        torch.isfinite(v).all() for v in state["generator"].values() if v.is_floating_point()
    )


def test_building_a_trainer_leaves_the_process_settings_to_prepare_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """The threads, glibc's malloc, the speed probe and the perf log are prepare_process's:
    a Trainer refuses a config still `auto` (it would have to probe), and building one from a
    resolved config leaves the threads and the allocator as they were and says nothing."""
    from gankit.fast.memory import keep_freed_memory

    with pytest.raises(ValueError, match="prepare_process"):
        Trainer(load_config("dcgan", ["perf.device=cpu"]), tmp_path / "auto", progress=False)
    threads = torch.get_num_threads()
    config = load_config("dcgan", ["perf.device=cpu", f"perf.threads={threads + 1}",
                                   *PLAIN_LAYOUT])  # fmt: skip
    caplog.set_level("INFO", logger="gankit")
    try:
        resolved = prepare_process(config, tmp_path / "run")
        assert torch.get_num_threads() == threads + 1
        assert resolved.perf.resolved and "perf.amp: " in caplog.text
        torch.set_num_threads(threads)
        keep_freed_memory.cache_clear()  # its cache says whether it ran in this process
        caplog.clear()
        capsys.readouterr()
        trainer = Trainer(resolved, tmp_path / "run", progress=False)
        assert torch.get_num_threads() == threads
        assert keep_freed_memory.cache_info().currsize == 0
        assert caplog.records == [] and capsys.readouterr() == ("", "")
        assert trainer.config is resolved
    finally:
        torch.set_num_threads(threads)


@pytest.mark.integration
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_signal_saves_a_checkpoint_that_resumes(
    stop: signal.Signals, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    # small and with the layouts given: what is tested is the signal's path, not the networks
    small = set_args("train.batch_size=8", "model.g_width=8", "model.d_width=8",
                     "data.limit=256", *PLAIN_LAYOUT)  # fmt: skip
    cmd = [sys.executable, "-m", "gankit", "train", "dcgan", "--out", str(out),
           "--iterations", "100000", "--no-eval", "--quiet", *small,
           "--set", "log.every=1", "--set", "log.checkpoint_every=100000"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (
        (out / "losses.csv").exists() and len(losses_rows(out)) >= 3
    ):
        time.sleep(0.2)
    proc.send_signal(stop)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "checkpoint saved" in output
    step = load_checkpoint(out / "checkpoints" / "last.pt")["step"]
    assert 3 <= step < 100000
    code, output = run_cli(
        "train", "dcgan", "--out", str(out), "--iterations", str(step + 2), *FAST, *small
    )
    assert code == 0 and f"from step {step}" in output


@pytest.mark.integration
@pytest.mark.parametrize("minutes", [0, 1e-9])
def test_last_checkpoint_is_also_saved_after_a_wall_time(minutes: float, tmp_path: Path) -> None:
    """With checkpoint_every far away, only the wall-time rule can save before the end: at
    every step when its time is (nearly) zero, never when it is off."""
    config = load_config(
        "dcgan",
        ["train.iterations=3", "log.checkpoint_every=1000", f"log.checkpoint_minutes={minutes}",
         "log.sample_every=1000", "log.tensorboard=false", "log.plots=false", *PLAIN_LAYOUT],
    )  # fmt: skip
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    saved: list[int | None] = []

    class Spy(Callback):
        def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
            saved.append(load_checkpoint(last)["step"] if last.exists() else None)

    trainer = Trainer(prepare_process(config, tmp_path / "run"), tmp_path / "run", progress=False)
    trainer.callbacks.append(Spy())  # after Checkpoints: sees what this step saved
    trainer.start()
    trainer.train(until=2)
    assert saved == ([1, 2] if minutes else [None, 2])  # step 2 is this call's last
    assert not list((tmp_path / "run").glob("plots/*.png"))  # log.plots=false draws none


@pytest.mark.integration
def test_sample_command_writes_a_grid(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli("train", "dcgan", "--out", str(out), "--iterations", "1", *FAST)[0] == 0
    png = tmp_path / "grid.png"
    code, output = run_cli("sample", str(out), "--n", "16", "--out", str(png))
    assert code == 0, output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, output = run_cli("sample", str(tmp_path), "--n", "4", "--out", str(png))
    assert code == 2 and "no checkpoints/last.pt" in output


@pytest.mark.parametrize("mode", ["batch", "running"])
def test_g_step_d_batchnorm_mode(mode: str) -> None:
    """Keras semantics (running): the frozen D normalises the G step's fakes with its running
    averages and leaves them as they are; PyTorch's train mode (batch) updates them."""
    from torch.nn.modules.batchnorm import _BatchNorm

    from gankit.training.build import build_gan

    plain = [f"perf.{key}=none" for key in ("channels_last", "gemm_conv", "subpixel_conv")]
    config = load_config("liu2021-dcgan", ["perf.device=cpu", f"train.g_step_d_bn={mode}", *plain])
    gan = build_gan(config, torch.device("cpu"))
    norms = [m for m in gan.discriminator.modules() if isinstance(m, _BatchNorm)]
    for m in norms:  # running averages unlike this batch's statistics
        m.running_mean.fill_(0.5)
        m.running_var.fill_(4.0)
    before = [(m.running_mean.clone(), m.num_batches_tracked.clone()) for m in norms]
    seen: list[torch.Tensor] = []
    gan.steps.discriminate = lambda x, y=None: seen.append(gan.discriminator(x, y)) or seen[-1]
    gan.steps.g_update(8, torch.device("cpu"))
    after = list(zip(norms, before, strict=True))
    changed = [not torch.equal(m.running_mean, mean) for m, (mean, _) in after]
    assert all(m.training for m in gan.discriminator.modules())  # restored after the step
    assert all(p.requires_grad for p in gan.discriminator.parameters())
    if mode == "running":
        assert not any(changed)
        assert all(torch.equal(m.num_batches_tracked, count) for m, (_, count) in after)
    else:
        assert all(changed)


def test_a_d_trained_in_the_g_step_takes_the_generator_optimizers_step() -> None:
    """train.g_step_d=trained (a Keras combined model without trainable=False on D): the G step
    moves G and D alike by G's optimizer along the generator loss, checked by hand with SGD."""
    from gankit.training.build import build_gan

    lr, cpu = 0.05, torch.device("cpu")
    sets = ["perf.device=cpu", "perf.amp=none", f"optim.g.lr={lr}"]  # fp32, like the hand step
    config = load_config("xiao2023-sgd-nobn", [*sets, "train.g_step_d=trained"])
    gan = build_gan(config, cpu)
    z = torch.randn(8, 100, generator=torch.Generator().manual_seed(3))
    gan.steps.noise = lambda n, device: z
    G, D = copy.deepcopy(gan.generator), copy.deepcopy(gan.discriminator)
    loss = torch.nn.functional.softplus(-D(G(z))).mean()  # fakes labelled real
    loss.backward()
    expected = [p - lr * p.grad for p in (*G.parameters(), *D.parameters())]
    got_loss = gan.steps.g_update(8, cpu)
    assert got_loss.item() == pytest.approx(loss.item(), rel=1e-6)
    got = [*gan.generator.parameters(), *gan.discriminator.parameters()]
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(got, expected, strict=True))
    frozen = build_gan(load_config("xiao2023-sgd-nobn", sets), cpu)  # the default: D frozen
    frozen.steps.noise = lambda n, device: z
    d_before = [p.detach().clone() for p in frozen.discriminator.parameters()]
    frozen.steps.g_update(8, cpu)
    after = frozen.discriminator.parameters()
    assert all(torch.equal(a, b) for a, b in zip(after, d_before, strict=True))
