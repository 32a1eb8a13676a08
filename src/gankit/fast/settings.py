"""Turn `perf: auto` settings into concrete ones for the machine a run is on, with the reason.

amp follows what the hardware computes natively; the memory layout, the GEMM convolutions and
the sub-pixel convolutions of each network follow a short measured probe (cached per machine).
An explicit setting always wins, and a resumed run keeps the choices its first start made, so
it computes exactly as an uninterrupted run would.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from gankit.config import AUTO_PERF_KEYS, PerfConfig
from gankit.fast.capability import native_bf16
from gankit.fast.path import AMP_DTYPES, FastPath, for_role
from gankit.fast.probe import Layout, probe_layout

ROLES = ("generator", "discriminator")
LAYOUT_KEYS = ("channels_last", "gemm_conv", "subpixel_conv")  # decided by the timed probe


KEPT = " (kept from the run's start)"


def _networks_setting(chosen: dict[str, bool]) -> str:
    """{"generator": True, "discriminator": False} -> "generator"."""
    picked = [role for role in ROLES if chosen[role]]
    return "both" if len(picked) == 2 else picked[0] if picked else "none"


def resolve_perf(
    perf: PerfConfig,
    device: torch.device,
    probe_inputs: Callable[[], dict[str, tuple[nn.Module, tuple[torch.Tensor, ...]]]],
    previous: PerfConfig | None = None,
    penalised_roles: tuple[str, ...] = (),
) -> PerfConfig:
    """`perf` with every `auto` replaced and `decisions` saying why. `probe_inputs` builds, on
    demand, each role's network and a batch of its training inputs; `penalised_roles` are the
    networks trained with a gradient penalty on their input (timed with it); `previous` is the
    resolved perf of the run being resumed, if any."""
    values = perf.model_dump()
    decisions = dict(perf.decisions)
    auto = [key for key in AUTO_PERF_KEYS if values[key] == "auto"]
    if previous is not None:
        for key in auto:
            values[key] = getattr(previous, key)
            reason = previous.decisions.get(key, "")
            while reason.endswith(KEPT):  # said once, not once per resume
                reason = reason.removesuffix(KEPT)
            decisions[key] = reason + KEPT
            if values[key] == "auto":  # a switch newer than the run: it ran without it
                values[key] = "none"
                decisions[key] = "none: not a setting yet when the run started"
        auto = []
    if "amp" in auto:
        native, why = native_bf16(device)
        values["amp"] = "bf16" if native else "none"
        decisions["amp"] = f"{values['amp']}: {why}"
    layout_keys = [key for key in LAYOUT_KEYS if key in auto]
    if layout_keys and device.type != "cpu":
        for key in layout_keys:
            values[key] = "none"
            decisions[key] = f"none: not probed on {device.type}"
    elif layout_keys:
        base = FastPath(device.type, AMP_DTYPES[values["amp"]], fast_dropout=perf.dropout == "fast")
        chosen: dict[str, dict[str, bool]] = {key: {} for key in layout_keys}
        notes = []
        for role, (net, inputs) in probe_inputs().items():
            # A setting given explicitly is not probed: only layouts that keep it are timed.
            fixed = {
                key: for_role(values[key], role) for key in LAYOUT_KEYS if key not in layout_keys
            }

            def allowed(layout: Layout, fixed: dict[str, bool] = fixed) -> bool:
                return all(getattr(layout, key) == value for key, value in fixed.items())

            result = probe_layout(net, role, inputs, base, allowed, role in penalised_roles)
            for key in layout_keys:
                chosen[key][role] = bool(result and getattr(result.best, key))
            notes.append(f"{role}: {result.describe() if result else 'nothing to choose'}")
        decisions["probe"] = "; ".join(notes)
        for key in layout_keys:
            values[key] = _networks_setting(chosen[key])
            decisions[key] = f"{values[key]}: fastest in a timed probe on this machine (see probe)"
    values["decisions"] = decisions
    return PerfConfig.model_validate(values)
