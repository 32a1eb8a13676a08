"""Figures and reports: sample grids, loss curves, markdown and HTML."""
