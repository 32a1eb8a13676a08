"""Adam's fused kernel fed channels-last tensors as flat memory."""

from __future__ import annotations

from typing import Any

import torch


class FlatViewAdam(torch.optim.Adam):
    """torch's Adam, with each channels-last tensor handed to the fused kernel as its flat memory.

    The fused CPU kernel copies a tensor that is not contiguous to a contiguous one and back, on
    every step, for each NHWC weight of the fast path (docs/results/performance.md measures what
    that costs). Adam is elementwise: viewing a parameter, its
    gradient and its moments alike as one flat run of memory updates the same elements with the
    same arithmetic. State, state dicts and hyper-parameters stay torch's own.
    """

    def _init_group(self, group: dict[str, Any], *tensor_lists: list[torch.Tensor]) -> Any:
        result = super()._init_group(group, *tensor_lists)
        if group["fused"]:
            view_flat_where_aligned(tensor_lists)
        return result


def view_flat_where_aligned(tensor_lists: tuple[list[torch.Tensor], ...]) -> None:
    """In Adam's parallel lists (parameters, gradients, moments, steps), replace each
    non-contiguous parameter and the tensors of its shape by their flat memory, when all share
    one dense layout; a mismatch (never made by autograd) is left as it is."""
    for i, param in enumerate(tensor_lists[0]):
        if param.is_contiguous():
            continue
        alike = [lst for lst in tensor_lists if len(lst) > i and lst[i].shape == param.shape]
        if any(lst[i].stride() != param.stride() for lst in alike):
            continue
        order = sorted(range(param.dim()), key=lambda d: -param.stride(d))
        if not param.permute(order).is_contiguous():
            continue  # overlapping or gapped memory has no flat view
        for lst in alike:
            lst[i] = lst[i].permute(order).view(-1)
