"""Figures of a run: a forest plot of the summary and overlaid densities of the draws.

Every function here is pure: it builds a `matplotlib.figure.Figure` with the
object-oriented API (never `matplotlib.pyplot`), so no global figure state is kept, no GUI
backend is touched and nothing is written to disk. `figure_bytes` renders a figure to PNG
or SVG bytes for the results writer, which owns the files.

Axis scale
----------
A value axis is logarithmic when every value to be shown is positive and the largest is
more than `LOG_SPREAD` (3) times the smallest. For `forest_plot` the values are the
medians, every interval end and every claim; for `density_plot` they are the 2.5% and 97.5%
quantiles of the finite draws of each view (the ends of the default widest interval, so both
figures of a variable normally agree). Ratios such as "14 to 1" against "9 to 1"
spread over a factor of 5 or more and are read on a log axis, where a ratio and its inverse
look alike; fractions such as a survival share (0.6 to 0.9), and anything reaching zero or
below, stay linear. Log axes are labelled with plain numbers (5, 10, 20), never 10^1.
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
