"""The fast path's layer swaps compute what the layers they replace compute: FastDropout draws
masks with nn.Dropout's law, GemmConv2d returns nn.Conv2d's outputs and gradients, the sub-pixel
convolution returns what an upsample followed by a convolution returns, and none changes a state
dict. Nothing here times anything."""

from __future__ import annotations

import math
import platform

import pytest
import torch
from torch import nn

from gankit.config import load_config
from gankit.fast.dropout import FastDropout, use_fast_dropout
from gankit.fast.gemm_conv import SMALL_MAP, GemmConv2d, patches, unpatch, use_gemm_conv
from gankit.fast.memory import keep_freed_memory
from gankit.fast.subpixel import (
    FoldedUpsample,
    UpsampledConv2d,
    UpsampledConvTranspose2d,
    foldable_pairs,
    use_subpixel_conv,
)
from gankit.training.build import build_generator

NHWC = torch.channels_last


def test_fast_dropout_keeps_each_unit_with_probability_one_minus_p() -> None:
    torch.manual_seed(0)
    drop = FastDropout(0.3)
    x = torch.full((1_000_000,), 2.0, requires_grad=True)
    y = drop(x)
    kept = y != 0
    n, keep = x.numel(), 0.7
    # Binomial(n, 0.7): 5 standard deviations is about 0.0023 of n.
    assert abs(kept.float().mean().item() - keep) < 5 * math.sqrt(keep * (1 - keep) / n)
    assert torch.allclose(y[kept], torch.tensor(2.0 / keep))  # inverted-dropout scaling
    y.sum().backward()
    assert torch.equal(x.grad, kept.float() / keep)  # the gradient reuses the same mask


def test_fast_dropout_masks_are_independent_across_units_and_calls() -> None:
    torch.manual_seed(1)
    drop = FastDropout(0.5)
    a = drop(torch.ones(200_000)) != 0
    b = drop(torch.ones(200_000)) != 0
    both = (a & b).float().mean().item()
    assert abs(both - 0.25) < 0.005  # P(kept twice) = 0.5 * 0.5 for independent draws
    neighbours = (a[:-1] & a[1:]).float().mean().item()
    assert abs(neighbours - 0.25) < 0.005


def test_fast_dropout_is_the_identity_in_eval_mode_and_at_p_zero() -> None:
    x = torch.randn(4, 8, 3, 3)
    assert torch.equal(FastDropout(0.3).eval()(x), x)
    assert torch.equal(FastDropout(0.0)(x), x)
    assert torch.equal(FastDropout(1.0)(x), torch.zeros_like(x))


def test_fast_dropout_keeps_dtype_and_memory_layout() -> None:
    x = torch.randn(4, 8, 5, 5).to(torch.bfloat16).contiguous(memory_format=NHWC)
    y = FastDropout(0.3)(x)
    assert y.dtype == torch.bfloat16
    assert y.is_contiguous(memory_format=NHWC)
    kept = y != 0
    assert torch.equal(y[kept], (x[kept].float() / 0.7).to(torch.bfloat16))


def test_use_fast_dropout_swaps_nested_plain_dropouts_only() -> None:
    class Custom(nn.Dropout):
        pass

    net = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.Dropout(0.25)), Custom(0.5))
    before = net.state_dict()
    use_fast_dropout(net)
    assert type(net[1][0]) is FastDropout and net[1][0].p == 0.25
    assert type(net[2]) is Custom  # a subclass may do something else: left alone
    assert net.state_dict().keys() == before.keys()


def _conv_grads(
    conv: nn.Module, x: torch.Tensor, grad: torch.Tensor, bf16: bool
) -> list[torch.Tensor]:
    conv.zero_grad(set_to_none=True)
    x = x.detach().requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = conv(x)
    out.float().backward(grad)
    return [out.float(), x.grad, conv.weight.grad, conv.bias.grad]


CONV_CASES = [  # (conv kwargs, input size, layout, output positions)
    ({"kernel_size": 5, "stride": 2, "padding": 2}, 4, torch.contiguous_format, 4),
    ({"kernel_size": 5, "stride": 2, "padding": 2}, 4, NHWC, 4),
    ({"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}, 5, NHWC, 4),
    ({"kernel_size": 5, "stride": 2, "padding": 2}, 14, NHWC, 49),
    ({"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2}, 9, NHWC, 49),
    ({"kernel_size": (3, 5), "stride": (1, 2), "padding": (0, 1)}, 8, torch.contiguous_format, 18),
]


def test_conv_cases_cover_the_gemm_and_the_native_forward() -> None:
    assert {positions <= SMALL_MAP for *_, positions in CONV_CASES} == {True, False}


@pytest.mark.parametrize("bf16", [True, False], ids=["bf16", "fp32"])
@pytest.mark.parametrize(("kwargs", "size", "layout", "positions"), CONV_CASES)
def test_gemm_conv_matches_the_native_convolution(
    kwargs: dict, size: int, layout: torch.memory_format, positions: int, bf16: bool
) -> None:
    torch.manual_seed(2)
    native = nn.Conv2d(6, 10, **kwargs).to(memory_format=layout)
    gemm = nn.Conv2d(6, 10, **kwargs).to(memory_format=layout)
    gemm.load_state_dict(native.state_dict())
    use_gemm_conv(nn.Sequential(gemm))
    assert type(gemm) is GemmConv2d
    x = torch.randn(3, 6, size, size).contiguous(memory_format=layout)
    grad = torch.randn_like(native(x))
    assert grad[0, 0].numel() == positions
    got_all, want_all = _conv_grads(gemm, x, grad, bf16), _conv_grads(native, x, grad, bf16)
    for got, want in zip(got_all, want_all, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        # Only the order of the fp32 accumulation differs (after rounding to bf16, under bf16).
        assert (got - want).norm() <= (1e-2 if bf16 else 1e-5) * want.norm()
    assert gemm.weight.grad.stride() == gemm.weight.stride()  # the optimizer's layout


def test_unpatch_is_the_adjoint_of_patches() -> None:
    """<patches(x), c> = <x, unpatch(c)> for every x and c: col2im sends each entry back to
    the input position patches took it from, overlaps summed, padding dropped."""
    torch.manual_seed(4)
    conv = nn.Conv2d(3, 1, 3, stride=2, padding=1, dilation=2)
    x = torch.randn(2, 3, 7, 7, dtype=torch.float64)
    rows = patches(x, conv, (3, 3), nhwc=True)
    cols = torch.randn_like(rows)
    back = unpatch(cols, conv, x.shape, (3, 3))
    assert back.shape == x.shape
    assert torch.allclose((rows * cols).sum(), (x * back).sum())


def test_gemm_conv_is_the_plain_convolution_without_gradients() -> None:
    torch.manual_seed(3)
    conv = nn.Conv2d(2, 4, 3, stride=2, padding=1)  # 4x4 -> 2x2: a GEMM while training
    x = torch.randn(2, 2, 4, 4)
    expected = conv(x)
    use_gemm_conv(nn.Sequential(conv))
    with torch.no_grad():
        assert torch.equal(conv(x), expected)
    assert type(conv(x).grad_fn).__name__ == "_GemmConvBackward"  # training: the GEMM path


def test_patches_are_the_receptive_fields() -> None:
    conv = nn.Conv2d(3, 1, 3, stride=2, padding=1)
    x = torch.randn(2, 3, 5, 5)
    rows = patches(x, conv, (3, 3), nhwc=False)
    unfolded = nn.functional.unfold(x, 3, padding=1, stride=2)  # (N, C*k*k, L)
    assert torch.equal(rows, unfolded.transpose(1, 2).reshape(-1, 27))


def test_unsupported_convolutions_are_left_alone() -> None:
    net = nn.Sequential(nn.Conv2d(4, 4, 3, groups=2), nn.Conv2d(4, 4, 3, padding="same"))
    use_gemm_conv(net)
    assert all(type(m) is nn.Conv2d for m in net)


def test_keep_freed_memory_takes_effect_with_glibc() -> None:
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert keep_freed_memory() is True


SUBPIXEL_CASES = [  # (layer, kernel, padding): each keeps the map size
    (nn.Conv2d, 3, 1),
    (nn.Conv2d, 5, 2),
    (nn.Conv2d, 7, 3),
    (nn.ConvTranspose2d, 3, 1),
    (nn.ConvTranspose2d, 5, 2),
]


def _pair_grads(net: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> list[torch.Tensor]:
    x = x.detach().requires_grad_()
    out = net(x)
    out.backward(grad)
    conv = net[1]
    return [out, x.grad, conv.weight.grad, conv.bias.grad]


@pytest.mark.parametrize("layout", [torch.contiguous_format, NHWC], ids=["NCHW", "NHWC"])
@pytest.mark.parametrize(("layer", "kernel", "padding"), SUBPIXEL_CASES)
def test_subpixel_conv_matches_upsample_then_convolution(
    layer: type[nn.Module], kernel: int, padding: int, layout: torch.memory_format
) -> None:
    """In float64, so that the regrouped sums must agree to rounding, not to a tolerance that
    could hide a misplaced tap."""
    torch.manual_seed(5)
    plain = nn.Sequential(nn.Upsample(scale_factor=2), layer(4, 3, kernel, padding=padding))
    plain = plain.double().to(memory_format=layout)
    folded = nn.Sequential(nn.Upsample(scale_factor=2), layer(4, 3, kernel, padding=padding))
    folded = folded.double().to(memory_format=layout)
    folded.load_state_dict(plain.state_dict())
    use_subpixel_conv(folded)
    assert type(folded[0]) is FoldedUpsample
    assert type(folded[1]) in (UpsampledConv2d, UpsampledConvTranspose2d)
    assert folded.state_dict().keys() == plain.state_dict().keys()
    x = torch.randn(2, 4, 5, 6, dtype=torch.float64).contiguous(memory_format=layout)
    grad = torch.randn(2, 3, 10, 12, dtype=torch.float64)
    for got, want in zip(_pair_grads(folded, x, grad), _pair_grads(plain, x, grad), strict=True):
        assert got.shape == want.shape
        assert torch.allclose(got, want, rtol=1e-10, atol=1e-10)


def test_subpixel_conv_under_bf16_autocast_stays_close() -> None:
    torch.manual_seed(6)
    plain = nn.Sequential(nn.Upsample(scale_factor=2), nn.ConvTranspose2d(8, 4, 5, padding=2))
    folded = nn.Sequential(nn.Upsample(scale_factor=2), nn.ConvTranspose2d(8, 4, 5, padding=2))
    folded.load_state_dict(plain.state_dict())
    use_subpixel_conv(folded)
    x = torch.randn(2, 8, 7, 7)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got, want = folded(x), plain(x)
    assert got.dtype == want.dtype == torch.bfloat16
    # bf16 keeps 8 bits of mantissa: the two groupings round differently
    assert (got.float() - want.float()).norm() <= 2e-2 * want.float().norm()


def test_only_adjacent_nearest_x2_and_same_size_convolutions_fold() -> None:
    same = {"kernel_size": 5, "padding": 2}
    cases = {
        "bilinear": [nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(2, 2, **same)],
        "x3": [nn.Upsample(scale_factor=3), nn.Conv2d(2, 2, **same)],
        "to a size": [nn.Upsample(size=(8, 8)), nn.Conv2d(2, 2, **same)],
        "strided": [nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, 5, stride=2, padding=2)],
        "shrinking": [nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, 5, padding=1)],
        "grouped": [nn.Upsample(scale_factor=2), nn.Conv2d(2, 2, groups=2, **same)],
        "not adjacent": [nn.Upsample(scale_factor=2), nn.ReLU(), nn.Conv2d(2, 2, **same)],
        "output padding": [
            nn.Upsample(scale_factor=2),
            nn.ConvTranspose2d(2, 2, 5, stride=2, padding=2, output_padding=1),
        ],
    }
    for name, layers in cases.items():
        assert foldable_pairs(nn.Sequential(*layers)) == [], name
    nested = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Upsample(scale_factor=(2, 2)),
                                                          nn.Conv2d(2, 2, **same)))  # fmt: skip
    assert len(foldable_pairs(nested)) == 1


def test_a_folded_generator_generates_what_the_plain_one_does() -> None:
    torch.manual_seed(8)
    config = load_config("liu2021-dcgan-3groups", [])
    plain = build_generator(config).double().eval()
    folded = build_generator(config).double().eval()
    folded.load_state_dict(plain.state_dict())
    use_subpixel_conv(folded)
    assert sum(type(m) is FoldedUpsample for m in folded.modules()) == 2
    z = torch.randn(3, config.model.z_dim, dtype=torch.float64)
    assert torch.allclose(folded(z), plain(z), rtol=1e-10, atol=1e-10)
