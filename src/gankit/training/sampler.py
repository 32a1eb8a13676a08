"""Batches drawn from an in-memory dataset tensor, an epoch permutation at a time."""

from __future__ import annotations

from typing import Any

import torch

from gankit.config import ConfigError


class BatchSampler:
    """Shuffles with its own seeded generator so its state can be saved and restored exactly;
    the data stay one tensor on the training device (no DataLoader, no copies per step)."""

    def __init__(
        self,
        data: torch.Tensor,
        batch_size: int,
        seed: int,
        labels: torch.Tensor | None = None,
    ) -> None:
        if len(data) < batch_size:
            raise ConfigError(
                f"the dataset has {len(data)} images, fewer than one batch of {batch_size}; "
                "lower train.batch_size or widen data.labels / data.limit"
            )
        self.data = data
        self.labels = labels  # given for a conditional model: batches are then (images, labels)
        self.batch_size = batch_size
        self.rng = torch.Generator().manual_seed(seed)
        self.order = torch.randperm(len(data), generator=self.rng)
        self.position = 0

    def __call__(self) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        # The tail shorter than a batch is dropped, as DataLoader(drop_last=True) does.
        if self.position + self.batch_size > len(self.order):
            self.order = torch.randperm(len(self.data), generator=self.rng)
            self.position = 0
        idx = self.order[self.position : self.position + self.batch_size].to(self.data.device)
        self.position += self.batch_size
        if self.labels is None:
            return self.data[idx]
        return self.data[idx], self.labels[idx]

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.get_state(), "order": self.order, "position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.set_state(state["rng"])
        self.order = state["order"]
        self.position = int(state["position"])
