"""Shared pieces of the figures: the log-axis rule, tick labels, legends, text fitting.

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

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

__all__ = ["DENSITY_BINS", "LOG_SPREAD", "figure_bytes", "use_log_axis"]

_T = TypeVar("_T")

#: A positive axis is logarithmic when its largest value exceeds this many times its smallest.
LOG_SPREAD = 3.0

#: Bins of the histogram that `density_plot` smooths into a density.
DENSITY_BINS = 512

#: Quantiles `density_plot` takes of each row: grid ends, 95% interval ends, quartiles.
_QUANTILES = (0.001, 0.025, 0.25, 0.75, 0.975, 0.999)

#: Longest view label shown next to the view id in the forest plot's tick labels.
_SHORT_LABEL = 32

#: Figure width in inches.
_WIDTH = 8.0

#: Font size of legend labels, and the length of a legend handle in font sizes.
_LEGEND_SIZE = 9.0
_LEGEND_HANDLE = 2.6

_MEASURE = TextToPath()

#: Colours of the claim lines, kept apart from the blues of the intervals.
_CLAIM_COLOURS = ("tab:orange", "tab:red", "tab:green", "tab:purple", "tab:brown",
                  "tab:pink", "tab:olive", "tab:cyan", "tab:gray")

#: Colours and line styles of the density curves (cycled together).
_CURVE_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                  "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan")
_CURVE_STYLES = ("-", "--", ":", "-.")

_FORMATS: dict[str, dict[str, Any]] = {
    "png": {"dpi": 150, "metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None}},
}


def use_log_axis(values: Sequence[float] | np.ndarray) -> bool:
    """Whether values belong on a log axis: all positive, spread beyond `LOG_SPREAD`.

    Parameters
    ----------
    values : array_like of float
        The values the axis must show; non-finite values are ignored.

    Returns
    -------
    bool
        True when there is at least one finite value, every finite value is positive and
        the largest is more than ``LOG_SPREAD`` times the smallest.
    """
    arr = np.asarray(values, dtype=float).ravel()
    arr = arr[np.isfinite(arr)]
    if arr.size == 0 or arr.min() <= 0:
        return False
    return bool(arr.max() > LOG_SPREAD * arr.min())


def _plain_number(x: float, _pos: int | None = None, *, digits: int = 6) -> str:
    """`x` in plain digits to `digits` significant figures: ``5``, ``0.75``, ``240,000``.

    Beyond plain reach (below 1e-6 or from 1e15 on) it falls back to ``1e-296`` notation, so
    a tick label never grows to hundreds of digits.
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else ""
    if not 1e-6 <= abs(x) < 1e15:
        return f"{x:.{min(digits, 3)}g}".replace("-", "\N{MINUS SIGN}")
    text = np.format_float_positional(float(f"{x:.{digits}g}"), trim="-")
    if abs(x) >= 1_000 and "." not in text:
        text = f"{round(float(text)):,}"
    return text.replace("-", "\N{MINUS SIGN}")


def _style_value_axis(ax: Axes, log: bool, lo: float, hi: float) -> None:
    """Scale, limits and readable ticks of the x axis of `ax` spanning `lo` to `hi`."""
    if log:
        ax.set_xscale("log")
        # In log space: hi / lo itself can overflow for values hundreds of decades apart.
        decades = math.log10(hi) - math.log10(lo)
        subs: tuple[float, ...]
        if decades <= 0.7:
            subs = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
        elif decades <= 1.3:
            subs = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
        elif decades <= 3.0:
            subs = (1.0, 2.0, 5.0)
        else:
            subs = (1.0,)
        ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=subs, numticks=12))
        ax.xaxis.set_minor_locator(LogLocator(base=10.0, subs=tuple(np.arange(1.0, 10.0))))
        ax.xaxis.set_minor_formatter(NullFormatter())
        pad = 0.05 * decades
        ax.set_xlim(10 ** max(math.log10(lo) - pad, -300), 10 ** min(math.log10(hi) + pad, 300))
    else:
        span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
        ax.set_xlim(lo - 0.05 * span, hi + 0.05 * span)
    ax.xaxis.set_major_formatter(FuncFormatter(_plain_number))


def _text_width(text: str, size: float) -> float:
    """Width in inches of the widest line of `text` at font size `size` (default font)."""
    font = FontProperties(size=size)
    widths = [_MEASURE.get_text_width_height_descent(line, font, ismath=False)[0]
              for line in text.split("\n")]
    return max(widths, default=0.0) / 72


def _legend_fits(columns: Sequence[Sequence[str]], size: float = _LEGEND_SIZE) -> bool:
    """Whether legend columns holding these labels fit across the figure.

    Each column is as wide as its widest label plus the handle and the padding; columns
    are separated by matplotlib's default column spacing.
    """
    em = size / 72
    total = sum(max((_text_width(t, size) for t in column), default=0.0)
                + (_LEGEND_HANDLE + 0.8) * em for column in columns)
    return total + 2.0 * em * (len(columns) - 1) <= _WIDTH - 0.3


def _legend_width(cols: int, size: float = _LEGEND_SIZE) -> float:
    """Inches of label text each of `cols` equal legend columns can hold."""
    em = size / 72
    return (_WIDTH - 0.3 - 2.0 * em * (cols - 1)) / cols - (_LEGEND_HANDLE + 0.8) * em


def _split(items: Sequence[str], cols: int) -> list[list[str]]:
    """Items per legend column, as matplotlib fills them (`numpy.array_split`)."""
    return [list(c) for c in np.array_split(np.array(items, dtype=object), cols)]


def _plain_text(text: str) -> str:
    """`text` with ``$`` escaped, so that matplotlib never reads it as mathtext."""
    return text.replace("$", r"\$")


def _axis_label(variable: str, label: str, width_in: float) -> str:
    """``variable: label``, or the variable alone when the label adds nothing; wrapped."""
    text = variable if not label or label == variable else f"{variable}: {label}"
    return _wrapped(text, width_in, 10)


def _wrapped(text: str, width_in: float, size: float) -> str:
    """`text` broken at spaces into lines no wider than `width_in` inches at `size` points.

    A single word wider than the limit keeps a line of its own. ``$`` is escaped.
    """
    lines: list[str] = []
    for word in _plain_text(text).split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width_in:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)




def _rows_first(blocks: Sequence[Sequence[_T]], cols: int,
                blank: Callable[[], _T]) -> list[_T]:
    """Legend entries ordered so that each block fills whole rows of a `cols`-column legend.

    Matplotlib fills a legend column by column; each block is cut into rows of `cols`,
    padded with `blank()` entries, and the grid is read out column by column.
    """
    rows: list[list[_T]] = []
    for block in blocks:
        for start in range(0, len(block), cols):
            row = list(block[start:start + cols])
            rows.append(row + [blank() for _ in range(cols - len(row))])
    return [row[c] for c in range(cols) for row in rows]



def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure rendered as PNG (150 dpi) or SVG, reproducibly.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    fmt : {"png", "svg"}
        Output format.

    Returns
    -------
    bytes
        The file contents. The pixel size of a PNG is ``fig.get_size_inches() * 150``.
        Identical figures give identical bytes: the creation date (SVG) and software
        version (PNG) are left out and SVG ids come from a fixed hash salt.

    Raises
    ------
    ValueError
        For any other format.

    Notes
    -----
    The SVG hash salt is set with `matplotlib.rc_context`, which changes the global
    ``rcParams`` while the figure is saved; render from one thread at a time.
    """
    key = fmt.lower()
    if key not in _FORMATS:
        raise ValueError(f"unsupported figure format {fmt!r}; use one of {sorted(_FORMATS)}")
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "uncertainty", "svg.fonttype": "path"}):
        fig.savefig(buffer, format=key, **_FORMATS[key])
    return buffer.getvalue()
