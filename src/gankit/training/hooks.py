"""The callback interface of the training loop: the hooks it calls and when.

The loop calls, in list order: `on_start` once when the run opens (fresh or resumed), `on_loop`
when a `train()` call begins, `on_step` after every iteration, `flush` before a checkpoint and
at the end, `on_end` when the loop finished or was interrupted (not after an error), and
`close` always. Callbacks also publish to each other through the trainer: `on_log` (rows of
per-step scalars, after they reach the host), `on_samples` (a fixed-noise grid) and `on_eval`
(periodic metric scores), so a new sink (TensorBoard) needs no change to the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from gankit.training.trainer import Trainer

# A logged step: its number and the scalars the iteration produced (names as in losses.csv).
LogRow = tuple[int, dict[str, float]]


class Callback:
    """Every hook is optional; the trainer is passed to each so callbacks hold no loop state
    of their own beyond what they write."""

    def on_start(self, trainer: Trainer, resumed_from: int | None) -> None: ...
    def on_loop(self, trainer: Trainer) -> None: ...
    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None: ...
    def on_log(self, trainer: Trainer, rows: list[LogRow]) -> None: ...
    def on_samples(self, trainer: Trainer, images: torch.Tensor) -> None: ...
    def on_eval(self, trainer: Trainer, scores: dict[str, float]) -> None: ...
    def flush(self, trainer: Trainer) -> None: ...
    def on_end(self, trainer: Trainer) -> None: ...
    def close(self, trainer: Trainer) -> None: ...


def due(trainer: Trainer, every: int) -> bool:
    """Every `every` iterations and at the loop's last one."""
    return trainer.step % every == 0 or trainer.step == trainer.until
