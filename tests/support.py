"""What several test modules share (tests/ is on the test path: pyproject's `pythonpath`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

# The fast path's layouts given, not probed. The probe times each network in every layout
# (seconds), and on cores kept busy by the other test worker its verdict is never cached, so an
# unpinned run probes afresh each time; the probe is tests/fast/test_fast_settings.py's question.
PLAIN_LAYOUT = ("perf.channels_last=none", "perf.gemm_conv=none", "perf.subpixel_conv=none")


def set_args(*overrides: str) -> list[str]:
    """Command-line --set options for `overrides`."""
    return [arg for override in overrides for arg in ("--set", override)]


class InProcess:
    """Trials one after another in this process (the executors have their own tests)."""

    def describe(self) -> str:
        return "in-process"

    def run(self, trials: list, out: Path, on_outcome: Callable) -> None:
        from gankit.sweep.trial import execute_trial

        for trial in trials:
            on_outcome(execute_trial(trial, out / trial.name, eval_samples=40))


# The stand-in's feature width: the network's 2048 would make every Frechet distance two
# 2048 x 2048 eigendecompositions (seconds each) in tests that are not about their values.
STAND_IN_FEATURES = 64


def stand_in_for_inception(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces the Inception network, for tests of what surrounds it (an evaluation's keys,
    tables and caches), by a fixed random projection of the pixels to STAND_IN_FEATURES
    features: the same images give the same features, in milliseconds instead of a second an
    image. The network itself is tested in tests/evaluation/test_inception.py."""
    from gankit.evaluation import inception_fid

    generator = torch.Generator().manual_seed(0)
    projection = torch.randn(28 * 28, STAND_IN_FEATURES, generator=generator) / 28

    def features(images: torch.Tensor, device: str, what: str) -> torch.Tensor:
        return images.flatten(1).float() @ projection

    monkeypatch.setattr(inception_fid, "_features", features)
