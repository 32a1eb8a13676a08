"""A Conv2d whose weight gradient is one matrix product, for bf16 training on the CPU.

oneDNN's bf16 weight-gradient kernel is slow on layers with a tiny output and many channels: on
Liu 2021's last discriminator layer (4x4 -> 2x2, 256 -> 512 channels) it took 9 to 12 ms where
the same sum written as patches-times-gradient, one bf16 GEMM, takes under 3 ms (2-core
AVX-512 CPU, docs/results/performance.md). The forward pass and the input gradient keep the
native kernels; the weight gradient is the same sum in another order.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit.training.swap import swap_layers


def patches(x: torch.Tensor, conv: nn.Conv2d, out_hw: tuple[int, int], nhwc: bool) -> torch.Tensor:
    """Every receptive field of `conv` over `x` as one row of an (N*Ho*Wo, K) matrix, its K
    entries ordered (kh, kw, C) when `nhwc`, else (C, kh, kw): the order of the weight's memory,
    so that the weight gradient comes out of the GEMM already in its parameter's layout."""
    (kh, kw), (sh, sw), (dh, dw) = conv.kernel_size, conv.stride, conv.dilation
    ph, pw = conv.padding  # type: ignore[misc]  # ints only: supports_gemm_grad checks
    padded = F.pad(x, (pw, pw, ph, ph))
    n, c = x.shape[0], x.shape[1]
    s_n, s_c, s_h, s_w = padded.stride()
    field = (
        ((kh, kw, c), (dh * s_h, dw * s_w, s_c))
        if nhwc
        else ((c, kh, kw), (s_c, dh * s_h, dw * s_w))
    )
    windows = padded.as_strided((n, *out_hw, *field[0]), (s_n, sh * s_h, sw * s_w, *field[1]))
    return windows.reshape(n * out_hw[0] * out_hw[1], kh * kw * c)


class _ConvGemmWeightGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, conv):  # type: ignore[override]
        ctx.save_for_backward(x, weight)
        ctx.conv, ctx.has_bias = conv, bias is not None
        return F.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        x, weight = ctx.saved_tensors
        conv: nn.Conv2d = ctx.conv
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.ops.aten.convolution_backward(
                grad, x, weight, None, conv.stride, conv.padding, conv.dilation,
                False, [0, 0], 1, [True, False, False],
            )[0]  # fmt: skip
        if ctx.needs_input_grad[1]:
            out_channels, (kh, kw) = weight.shape[0], conv.kernel_size
            nhwc = not weight.is_contiguous()  # channels_last weights (FastPath.prepare)
            rows = grad.permute(1, 0, 2, 3).reshape(out_channels, -1)  # (Cout, N*Ho*Wo)
            flat = rows @ patches(x, conv, (grad.shape[2], grad.shape[3]), nhwc)
            if nhwc:
                grad_w = flat.view(out_channels, kh, kw, -1).permute(0, 3, 1, 2)
            else:
                grad_w = flat.view(weight.shape)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad.sum(dim=(0, 2, 3))
        return grad_x, grad_w, grad_b, None


class GemmGradConv2d(nn.Conv2d):
    """A drop-in `nn.Conv2d` (same parameters and state dict) that takes the GEMM weight
    gradient while bf16 autocast is on; anything else runs the plain `nn.Conv2d`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (torch.is_autocast_enabled("cpu") and torch.is_grad_enabled()):
            return super().forward(x)
        dtype = torch.get_autocast_dtype("cpu")
        # The casts autocast would make; their backward returns fp32 gradients to the params.
        bias = None if self.bias is None else self.bias.to(dtype)
        return _ConvGemmWeightGrad.apply(x.to(dtype), self.weight.to(dtype), bias, self)


def supports_gemm_grad(conv: nn.Module) -> bool:
    return (
        type(conv) is nn.Conv2d
        and conv.groups == 1
        and conv.padding_mode == "zeros"
        and not isinstance(conv.padding, str)
    )


def use_gemm_weight_grad(module: nn.Module) -> nn.Module:
    """Make every plain `nn.Conv2d` inside `module` (in place) a `GemmGradConv2d`."""
    return swap_layers(module, supports_gemm_grad, GemmGradConv2d)
