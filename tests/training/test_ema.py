"""The averaged generator: a copy of G until train.ema_start, then an exponential average with
the decay of train.ema, as BigGAN's ema_start and the reference loop compute it."""

from __future__ import annotations

import torch
from torch import nn

from gankit.config import load_config
from gankit.training.build import build_gan
from gankit.training.ema import EMA


def _weights(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_the_average_copies_until_its_start_then_decays() -> None:
    torch.manual_seed(0)
    live = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    ema = EMA(live, decay=0.9, start=3)
    expected = _weights(live)
    for step in range(1, 6):
        with torch.no_grad():
            for p in live.parameters():
                p.add_(torch.randn_like(p))
        live(torch.randn(8, 4))  # moves the BatchNorm running statistics
        ema.update(live, step)
        now = _weights(live)
        expected = now if step < 3 else 0.9 * expected + 0.1 * now
        assert torch.allclose(_weights(ema.model), expected, atol=1e-6), step
        if step < 3:
            assert torch.equal(_weights(ema.model), now)  # an exact copy, not an average
        else:
            assert not torch.allclose(_weights(ema.model), now)
        assert torch.equal(ema.model[1].running_mean, live[1].running_mean)


def test_ema_start_reaches_the_built_gan_and_defaults_to_averaging_from_the_first_step() -> None:
    default = load_config("dcgan", ["model.g_width=8", "model.d_width=8"])
    assert default.train.ema_start == 0
    late = load_config("dcgan", ["model.g_width=8", "model.d_width=8", "train.ema_start=500"])
    assert late.fingerprint() != default.fingerprint()  # a run never resumes across it
    gan = build_gan(late, torch.device("cpu"))
    assert gan.ema is not None and gan.ema.start == 500 and gan.ema.decay == late.train.ema
