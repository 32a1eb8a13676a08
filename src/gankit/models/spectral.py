"""Spectral normalisation (Miyato et al. 2018) of a discriminator's weights."""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

NORMALISED_LAYERS = (nn.Conv2d, nn.Linear, nn.Embedding)


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Divide every convolution, linear and embedding weight inside `module` by its largest
    singular value (of the weight as an out x rest matrix), estimated by one power iteration
    per training-mode forward pass, as torch's parametrization does. Returns `module`."""
    layers = [m for m in module.modules() if isinstance(m, NORMALISED_LAYERS)]
    if not layers:
        raise ValueError(f"{type(module).__name__} has no convolution or linear layer to normalise")
    for layer in layers:
        spectral_norm(layer)
    return module
