"""Sweeps: presets x a grid of config overrides x seeds, one run directory per trial, run by a
local process pool or a Ray cluster, summarised over seeds."""
