"""TensorBoard event files in the run directory (`tensorboard --logdir RUN`), written by
tensorboardX (numpy and protobuf only, no TensorFlow or tensorboard needed to write them).

Scalars carry the names of the CSV columns they copy, under the file's name: `losses/d_loss`,
`losses/d_real`, `losses/d_grad_norm`, ... from losses.csv and `metrics_history/is_mean`,
`metrics_history/fid` (Stacked MNIST: `metrics_history/modes_covered`,
`metrics_history/kl_to_uniform`), the registry's periodic metrics, from the periodic
evaluation; the fixed-noise grid is the image `samples`. The CSV files stay the record:
nothing needs TensorBoard to be read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from gankit.evaluation.registry import periodic_keys
from gankit.training.hooks import Callback, LogRow

if TYPE_CHECKING:
    from gankit.training.trainer import Trainer


class TensorBoardLog(Callback):
    def __init__(self) -> None:
        self.writer: Any = None
        self.purge_step: int | None = None

    def on_start(self, trainer: Trainer, resumed_from: int | None) -> None:
        # A resumed run recomputes the steps after its checkpoint: purge_step tells
        # TensorBoard to drop what an earlier, killed process logged from there on.
        self.purge_step = None if resumed_from is None else resumed_from + 1

    def _writer(self, trainer: Trainer) -> Any:
        if self.writer is None:
            from tensorboardX import SummaryWriter

            root, purge = str(trainer.run.tensorboard), self.purge_step
            self.writer = SummaryWriter(root, purge_step=purge, flush_secs=30)
            self.purge_step = None  # once: a later writer of this process purges nothing
        return self.writer

    def on_log(self, trainer: Trainer, rows: list[LogRow]) -> None:
        writer = self._writer(trainer)
        for step, row in rows:
            for name, value in row.items():
                writer.add_scalar(f"losses/{name}", value, step)

    def on_eval(self, trainer: Trainer, scores: dict[str, float]) -> None:
        writer = self._writer(trainer)
        for name in periodic_keys():
            if name in scores:
                writer.add_scalar(f"metrics_history/{name}", scores[name], trainer.step)

    def on_samples(self, trainer: Trainer, images: torch.Tensor) -> None:
        from gankit.figures.grid import make_grid

        grid = make_grid(images, nrow=trainer.classes or None)
        form = "HW" if grid.ndim == 2 else "HWC"
        self._writer(trainer).add_image("samples", grid, trainer.step, dataformats=form)

    def flush(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.writer.flush()

    def close(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
