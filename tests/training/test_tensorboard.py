"""The live training view: per-step scalars in losses.csv and the same values in TensorBoard
event files, read back here with a TFRecord reader of our own (independent CRC-32C) and the
event protobuf; D(x), D(G(z)) and gradient norms checked against direct computations."""

from __future__ import annotations

import csv
import io
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from tensorboardX.proto import event_pb2
from torch import nn

from gankit.cli import main
from gankit.config import load_config
from gankit.losses import LOSSES
from gankit.training.callbacks import default_callbacks
from gankit.training.phases import grad_norm, run_phase
from gankit.training.steps import DBatch, GANSteps
from gankit.training.tensorboard import TensorBoardLog


def _crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), bit by bit: slow, short and independent of any library."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(run: Path) -> tuple[dict[str, dict[int, float]], dict[int, np.ndarray]]:
    """Scalars {tag: {step: value}} and sample images {step: array} of a run's event files."""
    scalars: dict[str, dict[int, float]] = {}
    images: dict[int, np.ndarray] = {}
    files = sorted(run.glob("events.out.tfevents.*"))
    assert files, f"no event file in {run}"
    for path in files:
        data, pos = path.read_bytes(), 0
        while pos < len(data):
            header = data[pos : pos + 8]
            (length,) = struct.unpack("<Q", header)
            assert struct.unpack("<I", data[pos + 8 : pos + 12])[0] == _masked_crc(header)
            payload = data[pos + 12 : pos + 12 + length]
            (crc,) = struct.unpack("<I", data[pos + 12 + length : pos + 16 + length])
            assert crc == _masked_crc(payload), f"corrupt record in {path.name}"
            pos += 16 + length
            event = event_pb2.Event.FromString(payload)
            for value in event.summary.value:
                if value.HasField("image"):
                    png = value.image.encoded_image_string
                    images[event.step] = np.asarray(Image.open(io.BytesIO(png)))
                else:
                    scalars.setdefault(value.tag, {})[event.step] = value.simple_value
    return scalars, images


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_crc32c_reference_value() -> None:
    assert _crc32c(b"123456789") == 0xE3069283  # the check value of the CRC-32C standard


@pytest.mark.integration
def test_event_files_hold_the_csv_values_and_the_sample_grids(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["train", "wgan-gp", "--out", str(out), "--iterations", "4", "--no-eval", "--quiet",
            "--set", "log.every=2", "--set", "log.sample_every=4", "--set", "log.eval_every=4",
            "--set", "log.eval_samples=100", "--set", "train.d_steps=2",
            "--set", "train.batch_size=16", "--set", "model.g_width=8",
            "--set", "model.d_width=8", "--set", "data.limit=256"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    scalars, images = read_events(out)

    rows = _csv(out / "losses.csv")
    columns = ["d_loss", "g_loss", "d_real", "d_fake", "gp", "wasserstein"]
    assert list(rows[0]) == ["step", *columns, "d_grad_norm", "g_grad_norm"]
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    for row in rows:
        step = int(row["step"])
        measured = step % 2 == 0  # gradient norms only on the steps log.every picks
        for name in columns + ["d_grad_norm", "g_grad_norm"] * measured:
            assert float(row[name]) == pytest.approx(scalars[f"losses/{name}"][step], rel=1e-5)
        for name in ("d_grad_norm", "g_grad_norm"):
            assert (row[name] != "") == measured
            assert (step in scalars[f"losses/{name}"]) == measured
        # the critic's Wasserstein estimate is its mean score on real minus on fake
        wasserstein = float(row["d_real"]) - float(row["d_fake"])
        assert float(row["wasserstein"]) == pytest.approx(wasserstein, rel=1e-4, abs=1e-5)
        # and its loss is the negated estimate plus the weighted penalty (gp_weight 10)
        d_loss = -wasserstein + 10 * float(row["gp"])
        assert float(row["d_loss"]) == pytest.approx(d_loss, rel=1e-4, abs=1e-4)
    for name in columns:
        assert sorted(scalars[f"losses/{name}"]) == [1, 2, 3, 4]

    (evaluated,) = _csv(out / "metrics_history.csv")
    for name in ("is_mean", "fid"):
        assert float(evaluated[name]) == pytest.approx(
            scalars[f"metrics_history/{name}"][4], rel=1e-5
        )

    assert sorted(images) == [0, 4]
    for step, image in images.items():  # the PNG grid is the same grid shown at twice the size
        assert (image == image[..., :1]).all()  # grey, stored as RGB
        png = np.asarray(Image.open(out / "samples" / f"step_{step:06d}.png"))
        assert np.array_equal(png[::2, ::2], image[..., 0])


def test_tensorboard_is_on_by_default_and_can_be_turned_off() -> None:
    def attached(overrides: list[str]) -> bool:
        callbacks = default_callbacks(load_config("dcgan", overrides), progress=False)
        return any(isinstance(c, TensorBoardLog) for c in callbacks)

    assert attached([]) and not attached(["log.tensorboard=false"])


class _LinearD(nn.Module):
    num_classes = 0

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(784, 1)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.lin(x.flatten(1)).squeeze(1)


@pytest.mark.parametrize("loss", ["bce", "hinge"])
def test_d_real_and_d_fake_are_the_mean_outputs_of_the_d_step(loss: str) -> None:
    """bce: D(x) is the probability sigmoid(logit); hinge: the raw score."""
    torch.manual_seed(0)
    d, g = _LinearD(), nn.Linear(1, 1)
    config = load_config("dcgan", [f"train.loss={loss}"])
    steps = GANSteps(g, d, torch.optim.SGD(g.parameters(), lr=0.1),
                     torch.optim.SGD(d.parameters(), lr=0.1), LOSSES[loss],
                     config.train)  # fmt: skip
    real, fake = torch.randn(8, 1, 28, 28), torch.randn(8, 1, 28, 28)
    with torch.no_grad():
        real_out, fake_out = d(real), d(fake)
    if loss == "bce":
        real_out, fake_out = real_out.sigmoid(), fake_out.sigmoid()
    stats: dict[str, torch.Tensor] = {}
    d_phase = next(phase for phase in steps.phases if phase.name == "d")
    run_phase(d_phase, DBatch(real, None, fake, None, None), stats, True)  # with the grad norm
    assert stats["d_real"].item() == pytest.approx(real_out.mean().item(), rel=1e-6)
    assert stats["d_fake"].item() == pytest.approx(fake_out.mean().item(), rel=1e-6)
    assert "wasserstein" not in stats and "gp" not in stats
    assert stats["d_grad_norm"].item() > 0


def test_grad_norm_is_the_norm_of_all_gradients_together() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1))
    net(torch.randn(3, 5)).sum().backward()
    everything = torch.cat([p.grad.flatten() for p in net.parameters()])
    assert grad_norm(net).item() == pytest.approx(everything.norm().item(), rel=1e-6)
    # torch's own clipping utility measures the same total norm
    total = nn.utils.clip_grad_norm_(net.parameters(), max_norm=float("inf"))
    assert grad_norm(net).item() == pytest.approx(total.item(), rel=1e-6)
