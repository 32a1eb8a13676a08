"""gankit: train, evaluate and compare GANs on MNIST-scale image data."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:  # PEP 562: torch loads only when asked for
    if name == "load_generator":
        from gankit.export import load_generator

        return load_generator
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")
