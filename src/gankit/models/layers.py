"""Small building blocks shared by the model families."""

from __future__ import annotations

from torch import nn


def keras_batchnorm1d(features: int, keras_momentum: float = 0.99) -> nn.BatchNorm1d:
    """BatchNorm with Keras semantics: Keras momentum m is PyTorch momentum 1 - m, eps 1e-3."""
    return nn.BatchNorm1d(features, momentum=1.0 - keras_momentum, eps=1e-3)


def keras_batchnorm2d(channels: int, keras_momentum: float = 0.99) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, momentum=1.0 - keras_momentum, eps=1e-3)


def init_dcgan_weights(module: nn.Module) -> None:
    """Radford et al. 2015: conv weights N(0, 0.02), BN scale N(1, 0.02), biases zero."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
