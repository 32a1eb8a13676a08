"""The fast path: how the networks run (precision, memory layout, kernels), never what training
computes. Every optimisation is one `perf` switch; `auto` settings are decided for the machine a
run is on (see `settings.resolve_perf`) and recorded in the run's config with the reason."""

from gankit.fast.path import FastPath
from gankit.fast.settings import resolve_perf

__all__ = ["FastPath", "resolve_perf"]
