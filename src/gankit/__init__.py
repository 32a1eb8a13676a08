"""gankit: train, evaluate and compare GANs on MNIST-scale image data."""

__version__ = "0.1.0"
