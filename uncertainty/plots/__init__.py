"""Figures of a run: forest plots, overlaid densities, and sensitivity tornado charts.

Every function here is pure: it builds a `matplotlib.figure.Figure` with the
object-oriented API (never `matplotlib.pyplot`), so no global figure state is kept, no GUI
backend is touched and nothing is written to disk. `figure_bytes` renders a figure to PNG
or SVG bytes for the results writer, which owns the files. When a value axis is
logarithmic is decided once, for every figure, in `uncertainty.plots.layout`.
"""

from uncertainty.plots.density import density_plot
from uncertainty.plots.forest import forest_plot
from uncertainty.plots.layout import DENSITY_BINS, LOG_SPREAD, figure_bytes, use_log_axis
from uncertainty.plots.tornado import tornado_plot

__all__ = [
    "DENSITY_BINS",
    "LOG_SPREAD",
    "density_plot",
    "figure_bytes",
    "forest_plot",
    "tornado_plot",
    "use_log_axis",
]
