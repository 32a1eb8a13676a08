"""Figures written to files: loss and metric curves, sample grids. Below training and report,
which both draw them."""
