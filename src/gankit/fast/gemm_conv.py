"""A Conv2d computed as matrix products where oneDNN's CPU kernels are slow.

The weight gradient is always one GEMM, patches times output gradient. On output maps of at
most `SMALL_MAP` positions the forward pass and the input gradient are GEMMs too (im2col and
col2im). oneDNN is slowest exactly there: on Liu 2021's last discriminator layer (4x4 -> 2x2,
256 -> 512 channels) in bf16 and in fp32 alike (docs/results/performance.md). Every path is the
same sum in another order; larger maps keep the native forward and input gradient. Whether a
network uses it is decided per machine (gankit.fast.settings).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit.fast.swap import swap_layers

# Output maps up to 2x2 train as GEMMs: the sizes where they beat oneDNN's kernels
# (docs/results/performance.md, per layer).
SMALL_MAP = 4


def patches(x: torch.Tensor, conv: nn.Conv2d, out_hw: tuple[int, int], nhwc: bool) -> torch.Tensor:
    """Every receptive field of `conv` over `x` as one row of an (N*Ho*Wo, K) matrix, its K
    entries ordered (kh, kw, C) when `nhwc`, else (C, kh, kw): the order of the weight's memory,
    so that the weight gradient comes out of the GEMM already in its parameter's layout."""
    (kh, kw), (sh, sw), (dh, dw) = conv.kernel_size, conv.stride, conv.dilation
    ph, pw = conv.padding  # type: ignore[misc]  # ints only: supports_gemm_conv checks
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


def unpatch(
    cols: torch.Tensor, conv: nn.Conv2d, in_shape: torch.Size, out_hw: tuple[int, int]
) -> torch.Tensor:
    """col2im, the adjoint of `patches` in (kh, kw, C) order: adds every row of the
    (N*Ho*Wo, kh*kw*C) matrix back onto the input positions it came from. Sums in fp32 (as a
    native bf16 kernel accumulates); returns an NHWC tensor of `cols`' dtype."""
    (kh, kw), (sh, sw), (dh, dw) = conv.kernel_size, conv.stride, conv.dilation
    ph, pw = conv.padding  # type: ignore[misc]
    (n, c, h, w), (ho, wo) = in_shape, out_hw
    fields = cols.view(n, ho, wo, kh, kw, c)
    acc = torch.zeros(n, h + 2 * ph, w + 2 * pw, c, dtype=torch.float32, device=cols.device)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            columns = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            acc[:, rows, columns, :] += fields[:, :, :, i, j, :]
    return acc[:, ph : ph + h, pw : pw + w, :].permute(0, 3, 1, 2).to(cols.dtype)


def _output_hw(conv: nn.Conv2d, h: int, w: int) -> tuple[int, int]:
    """The output map of `conv` on an h x w input (nn.Conv2d's formula)."""
    geometry = zip((h, w), conv.padding, conv.kernel_size, conv.stride, conv.dilation, strict=True)
    ho, wo = ((size + 2 * p - d * (k - 1) - 1) // s + 1 for size, p, k, s, d in geometry)
    return ho, wo


def _weight_matrix(weight: torch.Tensor) -> torch.Tensor:
    """The weight as (Cout, kh*kw*Cin): a view of NHWC weights, a copy of NCHW ones."""
    return weight.permute(0, 2, 3, 1).reshape(weight.shape[0], -1)


class _GemmConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, conv):  # type: ignore[override]
        n, _, h, w = x.shape
        ho, wo = _output_hw(conv, h, w)
        ctx.conv, ctx.has_bias, ctx.in_shape = conv, bias is not None, x.shape
        ctx.small = ho * wo <= conv.small_map
        if not ctx.small:
            ctx.save_for_backward(x, weight)
            return F.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation)
        # The im2col rows serve the weight gradient too: saved instead of x.
        rows = patches(x, conv, (ho, wo), nhwc=True)
        ctx.save_for_backward(rows, weight)
        wmat = _weight_matrix(weight).t()
        out = rows @ wmat if bias is None else torch.addmm(bias, rows, wmat)
        return out.view(n, ho, wo, -1).permute(0, 3, 1, 2)  # NHWC memory

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        saved, weight = ctx.saved_tensors
        conv: nn.Conv2d = ctx.conv
        out_channels, (kh, kw) = weight.shape[0], conv.kernel_size
        # (N*Ho*Wo, Cout): a view when grad is NHWC, as the small-map forward makes it. The
        # native input gradient alone (D in the G step) does without it.
        needs_rows = ctx.small or ctx.needs_input_grad[1] or ctx.needs_input_grad[2]
        grad_rows = grad.permute(0, 2, 3, 1).reshape(-1, out_channels) if needs_rows else None
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            if ctx.small:
                cols = grad_rows @ _weight_matrix(weight)
                grad_x = unpatch(cols, conv, ctx.in_shape, (grad.shape[2], grad.shape[3]))
            else:
                grad_x = torch.ops.aten.convolution_backward(
                    grad, saved, weight, None, conv.stride, conv.padding, conv.dilation,
                    False, [0, 0], 1, [True, False, False],
                )[0]  # fmt: skip
        if ctx.needs_input_grad[1]:
            nhwc = not weight.is_contiguous()  # channels_last weights (FastPath.prepare)
            out_hw = (grad.shape[2], grad.shape[3])
            rows = saved if ctx.small else patches(saved, conv, out_hw, nhwc)
            flat = grad_rows.t() @ rows  # (Cout, K), K ordered as the rows are
            if ctx.small or nhwc:  # (kh, kw, C) order
                grad_w = flat.view(out_channels, kh, kw, -1).permute(0, 3, 1, 2)
                if not nhwc:
                    grad_w = grad_w.contiguous()  # the NCHW parameter's layout
            else:
                grad_w = flat.view(weight.shape)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad_rows.sum(dim=0)
        return grad_x, grad_w, grad_b, None


class GemmConv2d(nn.Conv2d):
    """A drop-in `nn.Conv2d` (same parameters and state dict) that runs as GEMMs while gradients
    are recorded (in fp32, or in the dtype of CPU autocast when it is on); without gradients it
    runs the plain `nn.Conv2d`."""

    small_map: int = SMALL_MAP  # output positions up to which forward and input grad are GEMMs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.is_grad_enabled() or x.device.type != "cpu":
            return super().forward(x)
        if not torch.is_autocast_enabled("cpu"):
            return _GemmConv.apply(x, self.weight, self.bias, self)
        dtype = torch.get_autocast_dtype("cpu")
        # The casts autocast would make; their backward returns fp32 gradients to the params.
        bias = None if self.bias is None else self.bias.to(dtype)
        return _GemmConv.apply(x.to(dtype), self.weight.to(dtype), bias, self)


def supports_gemm_conv(conv: nn.Module) -> bool:
    return (
        type(conv) is nn.Conv2d
        and conv.groups == 1
        and conv.padding_mode == "zeros"
        and not isinstance(conv.padding, str)
    )


def use_gemm_conv(module: nn.Module) -> nn.Module:
    """Make every plain `nn.Conv2d` inside `module` (in place) a `GemmConv2d`."""
    return swap_layers(module, supports_gemm_conv, GemmConv2d)
