"""A nearest x2 upsampling followed by a stride-1 'same' convolution, run as one convolution
at the low resolution and a pixel shuffle.

Nearest upsampling repeats every input pixel in a 2x2 block, so each of the four output phases
(even/odd row, even/odd column) of a k x k convolution over the upsampled map sees only
ceil(k/2)*2+1 distinct input rows and columns: its kernel is the k x k kernel with the taps that
land on the same input pixel summed. The four phase kernels stacked as 4x the output channels,
applied at the input resolution and pixel-shuffled, give the same sums regrouped: for Liu 2021's
5x5 generator layers 36 multiply-adds per 2x2 block instead of 100. Whether a network uses it
is decided per machine (gankit.fast.settings).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn


def _same_padding(conv: nn.Module) -> int | None:
    """The padding q of the stride-1 convolution `conv` computes when it keeps the map size
    (2q = k - 1, square kernel); None when it is not such a layer."""
    if not isinstance(conv, (nn.Conv2d, nn.ConvTranspose2d)):
        return None
    k, stride, dilation = conv.kernel_size, conv.stride, conv.dilation
    if k[0] != k[1] or stride != (1, 1) or dilation != (1, 1) or conv.groups != 1:
        return None
    if isinstance(conv.padding, str) or conv.padding[0] != conv.padding[1]:
        return None
    if conv.padding_mode != "zeros":
        return None
    if isinstance(conv, nn.ConvTranspose2d):
        if conv.output_padding != (0, 0):
            return None
        q = k[0] - 1 - conv.padding[0]  # a stride-1 ConvT is a conv padded by k - 1 - p
    else:
        q = conv.padding[0]
    return q if 2 * q == k[0] - 1 else None


def _nearest_x2(layer: nn.Module) -> bool:
    if type(layer) is not nn.Upsample or layer.size is not None or layer.mode != "nearest":
        return False
    scale = layer.scale_factor
    return all(float(s) == 2.0 for s in (scale if isinstance(scale, tuple) else (scale,)))


@functools.cache  # built once per kernel geometry, not on every forward pass
def phase_taps(k: int, q: int) -> torch.Tensor:
    """T[a, t, d] = 1 where tap d of the k-tap kernel (padding q), at output phase a, reads the
    input pixel at offset t - r (r = ceil(q/2), the low-resolution padding)."""
    r = (q + 1) // 2
    taps = torch.zeros(2, 2 * r + 1, k)
    for a in range(2):
        for d in range(k):
            taps[a, (a + d - q) // 2 + r, d] = 1.0
    return taps


def phase_kernels(weight: torch.Tensor, q: int) -> torch.Tensor:
    """(Cout, Cin, k, k) convolution weights -> (4 Cout, Cin, s, s) phase kernels, ordered as
    `F.pixel_shuffle(., 2)` reads its channels (output channel, row phase, column phase)."""
    out_channels, in_channels, k, _ = weight.shape
    taps = phase_taps(k, q).to(device=weight.device, dtype=weight.dtype)
    stacked = torch.einsum("atd,oide,bse->oabits", taps, weight, taps)
    return stacked.reshape(4 * out_channels, in_channels, taps.shape[1], taps.shape[1])


class FoldedUpsample(nn.Upsample):
    """A nearest x2 `nn.Upsample` whose work the following `UpsampledConv` does: it passes its
    input through unchanged and only ever sits right before one (use_subpixel_conv)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class _UpsampledConv:
    """Mixin for the convolution after a FoldedUpsample: upsamples and convolves in one step."""

    weight: torch.Tensor
    bias: torch.Tensor | None

    def conv_weight(self) -> torch.Tensor:
        return self.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = _same_padding(self)  # type: ignore[arg-type]
        assert q is not None  # use_subpixel_conv only folds such layers
        # The kernels are built in the weights' precision; autocast casts them for the conv.
        with torch.autocast(x.device.type, enabled=False):
            kernels = phase_kernels(self.conv_weight(), q)
        if x.is_contiguous(memory_format=torch.channels_last):
            kernels = kernels.contiguous(memory_format=torch.channels_last)
        bias = None if self.bias is None else self.bias.repeat_interleave(4)
        return F.pixel_shuffle(F.conv2d(x, kernels, bias, padding=(q + 1) // 2), 2)


class UpsampledConv2d(_UpsampledConv, nn.Conv2d):
    """A drop-in `nn.Conv2d` (same parameters) that takes the map before a nearest x2 upsample."""


class UpsampledConvTranspose2d(_UpsampledConv, nn.ConvTranspose2d):
    """A drop-in `nn.ConvTranspose2d` (same parameters) that takes the map before a nearest x2
    upsample."""

    def conv_weight(self) -> torch.Tensor:
        # A stride-1 transposed convolution is the convolution with the kernel flipped and the
        # channel axes swapped.
        return self.weight.flip(-1, -2).transpose(0, 1)


def foldable_pairs(module: nn.Module) -> list[tuple[nn.Upsample, nn.Module]]:
    """Every (nearest x2 upsample, stride-1 'same' convolution) pair that follows each other
    directly inside an `nn.Sequential` of `module`."""
    pairs = []
    for seq in module.modules():
        if isinstance(seq, nn.Sequential):
            layers = list(seq)
            for first, second in zip(layers, layers[1:], strict=False):
                plain = type(second) in (nn.Conv2d, nn.ConvTranspose2d)
                if _nearest_x2(first) and plain and _same_padding(second) is not None:
                    pairs.append((first, second))
    return pairs


def use_subpixel_conv(module: nn.Module) -> nn.Module:
    """Fold every upsample + convolution pair inside `module` (in place): the upsample passes
    through, the convolution becomes its sub-pixel twin. Parameters and state dict are kept."""
    for upsample, conv in foldable_pairs(module):
        upsample.__class__ = FoldedUpsample
        conv.__class__ = (
            UpsampledConvTranspose2d if isinstance(conv, nn.ConvTranspose2d) else UpsampledConv2d
        )
    return module
