"""A shared check for the figures: the PNG decodes to the figure's size and is not blank."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
from matplotlib.figure import Figure

from uncertainty.plots import figure_bytes


def assert_png_not_blank(fig: Figure) -> None:
    """The PNG of `fig` is a real image of its size, with ink but not solid.

    The thresholds are heuristics, not Monte Carlo tolerances: a blank or solid image
    fails them by far (grey level sd 0, ink 0% or 100%).
    """
    data = figure_bytes(fig, "png")
    assert data.startswith(b"\x89PNG")
    image = mpimg.imread(io.BytesIO(data), format="png")
    width, height = fig.get_size_inches() * 150
    assert image.shape[:2] == (round(height), round(width))
    rgb = image[..., :3]
    assert float(rgb.std()) > 0.05
    non_white = float((rgb.min(axis=-1) < 0.95).mean())
    assert 0.02 < non_white < 0.6
