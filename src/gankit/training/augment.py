"""DiffAugment (Zhao et al. 2020): differentiable augmentations of every image D sees.

Real and generated images are augmented alike, in the D step and in the G step, and the
augmentations are differentiable so that G's gradient flows back through them. The ratios and
the offset draws follow the authors' reference code (DiffAugment_pytorch.py): translation by up
to 1/8 of the side, cutout of a square half the side, both filling with 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

TRANSLATION_RATIO = 1 / 8
CUTOUT_RATIO = 1 / 2


def translate(x: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Move image b's content by shifts[b] = (dy, dx) pixels (down, right when positive):
    out[b, :, i, j] = x[b, :, i - dy, j - dx], and 0 where that falls outside the image."""
    n, _, h, w = x.shape
    # A one-pixel zero border, and every source index outside the image clamped onto it (as the
    # reference code does): no host sync to size the padding.
    padded = F.pad(x, [1, 1, 1, 1])
    rows = (torch.arange(h, device=x.device) + 1 - shifts[:, :1]).clamp(0, h + 1)  # (B, H)
    cols = (torch.arange(w, device=x.device) + 1 - shifts[:, 1:]).clamp(0, w + 1)  # (B, W)
    batch = torch.arange(n, device=x.device)[:, None, None]
    # Advanced indices around a slice put their dimensions first: (B, H, W, C).
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, corners: torch.Tensor, size: int) -> torch.Tensor:
    """Zero a size x size square whose top-left corner in image b is corners[b] = (top, left);
    the part of the square outside the image is simply lost, as in the reference code."""
    _, _, h, w = x.shape
    rows = torch.arange(h, device=x.device) - corners[:, :1]  # (B, H): offset into the square
    cols = torch.arange(w, device=x.device) - corners[:, 1:]
    inside = ((rows >= 0) & (rows < size))[:, :, None] & ((cols >= 0) & (cols < size))[:, None, :]
    return x * (~inside).to(x.dtype)[:, None]


def _draw(n: int, low: int, high: int, device: torch.device) -> torch.Tensor:
    """n integers uniform in [low, high), as a column."""
    return torch.randint(low, high, (n, 1), device=device)


def random_translation(x: torch.Tensor) -> torch.Tensor:
    n, _, h, w = x.shape
    reach_h, reach_w = int(h * TRANSLATION_RATIO + 0.5), int(w * TRANSLATION_RATIO + 0.5)
    shifts = torch.cat(
        [_draw(n, -reach_h, reach_h + 1, x.device), _draw(n, -reach_w, reach_w + 1, x.device)], 1
    )
    return translate(x, shifts)


def cutout_size(side: int) -> int:
    return int(side * CUTOUT_RATIO + 0.5)


def random_cutout(x: torch.Tensor) -> torch.Tensor:
    n, _, h, w = x.shape
    size = cutout_size(min(h, w))
    # The reference draws the square's centre in [0, side + (1 - size % 2)).
    centres = torch.cat(
        [_draw(n, 0, h + 1 - size % 2, x.device), _draw(n, 0, w + 1 - size % 2, x.device)], 1
    )
    return cutout(x, centres - size // 2, size)


AUGMENTATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "translation": random_translation,
    "cutout": random_cutout,
}


def diff_augment(x: torch.Tensor, policy: Sequence[str]) -> torch.Tensor:
    """`x` through each named augmentation in order, with a fresh random draw per image."""
    for name in policy:
        x = AUGMENTATIONS[name](x)
    return x
