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

Layout
------
The figures use no layout engine: each places its axes itself, in inches, from the text
it already measured to wrap and fit it (tick labels, titles, axis labels, legend rows).
Widths are measured with `matplotlib.textpath.TextToPath`, which is how the SVG draws text;
margins take `_RASTER` times that width, for the wider hinted text of a PNG. Heights are
whole tenths of an inch (whole pixels at 150 dpi). The layout is known when the figure is
built, so a render does no layout pass, and rendering a figure again gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar, cast

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
)

from uncertainty.numbers import PLAIN_BELOW

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

#: Inches kept free between any text and the edge of the figure.
_EDGE = 0.1

#: Inches between stacked pieces: a title and its axes, an axis label and the legend.
_GAP = 0.08

#: Points from an axis to its tick labels: matplotlib's tick length plus tick label pad.
_TICK = 3.5 + 3.5

#: Points between an axis' tick labels and its axis label (matplotlib's ``labelpad``).
_LABEL_PAD = 4.0

#: Font size of tick and axis labels (matplotlib's "medium").
_LABEL_SIZE = 10.0

#: A margin is this many times the width it must hold: the PNG renderer fits glyphs to
#: whole pixels, which widens a line by up to 3% at 150 dpi (the SVG draws the outlines
#: measured here).
_RASTER = 1.04

#: Colours of the claim lines, kept apart from the blues of the intervals.
_CLAIM_COLOURS = ("tab:orange", "tab:red", "tab:green", "tab:purple", "tab:brown",
                  "tab:pink", "tab:olive", "tab:cyan", "tab:gray")

#: Colours and line styles of the density curves (cycled together).
_CURVE_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                  "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan")
_CURVE_STYLES = ("-", "--", ":", "-.")

#: Held while a figure renders: `figure_bytes` sets global ``rcParams`` for the render.
_RENDERING = threading.Lock()

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
    if not 1e-6 <= abs(x) < PLAIN_BELOW:
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
        # float bounds: 10 ** 300 of the int 300 is an int of 301 digits, which matplotlib
        # cannot check for finiteness (a TypeError)
        ax.set_xlim(10 ** max(math.log10(lo) - pad, -300.0),
                    10 ** min(math.log10(hi) + pad, 300.0))
    else:
        span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
        ax.set_xlim(lo - 0.05 * span, hi + 0.05 * span)
    ax.xaxis.set_major_formatter(FuncFormatter(_plain_number))


def _text_width(text: str, size: float) -> float:
    """Width in inches of the widest line of `text` at font size `size` (default font)."""
    return max((_line_width(line, size) for line in text.split("\n")), default=0.0)


@functools.lru_cache(maxsize=4096)
def _line_width(line: str, size: float) -> float:
    """Width in inches of one line of text; cached, as a figure measures a label repeatedly."""
    return _text_metrics(line, FontProperties(size=size), False)[0] / 72


#: Width, height and descent in points of each text measured, by `_text_metrics`' key.
_METRICS: dict[tuple[Any, ...], tuple[float, float, float]] = {}

#: Most texts `_METRICS` holds; it starts again empty beyond (a run has a few hundred).
_METRICS_SIZE = 8192

#: Settings besides the font properties that decide which font draws a text, and how wide.
_FONT_SETTINGS = ("text.kerning_factor", "font.family", "font.sans-serif", "font.serif",
                  "font.monospace", "font.cursive", "font.fantasy")


def _text_metrics(s: str, prop: FontProperties,
                  ismath: bool | Literal["TeX"]) -> tuple[float, float, float]:
    """Width, height and descent in points of text `s`, as the SVG renderer measures it.

    The SVG renderer measures with `TextToPath`, whose numbers depend only on the text,
    the font properties and the font settings; matplotlib caches them per renderer, and so
    again for every figure rendered. Here each text is measured once per process, for the
    layout and every render alike (about a fifth of a figure's render time). Mathtext is
    measured anew each time (it follows more settings; the figures escape ``$``).
    """
    if ismath:
        w, h, d = _MEASURE.get_text_width_height_descent(s, prop, ismath)
        return float(w), float(h), float(d)
    settings = cast("Mapping[str, Any]", mpl.rcParams)
    key = (s, prop.copy(), *(str(settings[k]) for k in _FONT_SETTINGS))
    found = _METRICS.get(key)
    if found is None:
        if len(_METRICS) >= _METRICS_SIZE:
            _METRICS.clear()
        w, h, d = _MEASURE.get_text_width_height_descent(s, prop, ismath=False)
        found = _METRICS[key] = (float(w), float(h), float(d))
    return found


class _Figure(Figure):
    """A `Figure` whose SVG renders measure each text once per process (`_text_metrics`).

    Only a renderer measuring as matplotlib's `RendererSVG` does (with `TextToPath`) is
    given the shared measure; any other renderer (PNG) measures as it always does.
    """

    def draw(self, renderer: RendererBase) -> None:
        measure = renderer.get_text_width_height_descent
        owner = getattr(measure, "__self__", None)
        if (isinstance(owner, RendererSVG) and type(owner).get_text_width_height_descent
                is RendererSVG.get_text_width_height_descent):
            # An attribute of this renderer only: it is made anew for every render.
            renderer.get_text_width_height_descent = _text_metrics  # type: ignore[method-assign]
        super().draw(renderer)


def _text_height(text: str | int, size: float) -> float:
    """Height in inches of `text` (or of that many lines) at font size `size`.

    Matplotlib sets lines 1.2 font sizes apart; a single line is about one font size high.
    The 1.22 leaves a little over either, so that text measured here never outgrows it.
    """
    lines = text if isinstance(text, int) else text.count("\n") + 1
    return 1.22 * lines * size / 72 if lines else 0.0


def _legend_height(labels: Sequence[str], cols: int, size: float = _LEGEND_SIZE) -> float:
    """Inches of a frameless legend of `labels` in `cols` columns, filled column by column.

    Each row is as high as its highest label (or a handle, 0.7 font sizes); rows are 0.5
    font sizes apart, and the border pad of 0.4 font sizes is kept above and below.
    """
    columns = _split(labels, cols)
    rows = max((len(c) for c in columns), default=0)
    heights = [max([0.7 * size / 72] + [_text_height(c[r], size) for c in columns
                                        if r < len(c)]) for r in range(rows)]
    return sum(heights) + (0.5 * max(rows - 1, 0) + 0.8) * size / 72


def _x_ticks_height(size: float = _LABEL_SIZE) -> float:
    """Inches below an axes taken by its x ticks and their one-line labels."""
    return _TICK / 72 + _text_height(1, size)


def _tenths(height: float) -> float:
    """`height` rounded up to whole tenths of an inch: whole pixels at 150 dpi."""
    return math.ceil(10 * height - 1e-9) / 10


def _set_margins(fig: Figure, ax: Axes, *, left: float, right: float, bottom: float,
                 height: float) -> None:
    """Place `ax` with these margins in inches: `bottom` of its lower edge, `height` high."""
    width, total = fig.get_size_inches()
    ax.set_position((left / width, bottom / total, (width - left - right) / width,
                     height / total))


def _legend_below(fig: Figure, handles: Sequence[Artist], cols: int) -> None:
    """A frameless legend of `handles` centred at the bottom of `fig`, `_EDGE` above its edge."""
    fig.legend(handles=list(handles), labels=[str(h.get_label()) for h in handles],
               loc="lower center", bbox_to_anchor=(0.5, _EDGE / fig.get_size_inches()[1]),
               bbox_transform=fig.transFigure, borderaxespad=0.0, ncols=cols,
               frameon=False, fontsize=_LEGEND_SIZE, handlelength=_LEGEND_HANDLE)


def _title(fig: Figure, text: str) -> None:
    """`text` as the figure's title, its top `_EDGE` below the figure's top."""
    fig.suptitle(text, fontsize=12, y=1 - _EDGE / fig.get_size_inches()[1], va="top")


def _fit_x_tick_labels(fig: Figure, axes: Sequence[Axes]) -> None:
    """Narrow `axes` (together) until every x tick label is `_EDGE` inside the figure.

    A tick label is centred on its tick, so a tick near an end of the axis can reach past
    the margin set for it; the labels are formatted and measured here, without drawing.
    A linear axis may place its ticks anew when narrowed, hence a second look.
    """
    width = fig.get_size_inches()[0]
    for _ in range(3):
        reach_left = reach_right = 0.0
        for ax in axes:
            box = ax.get_position()
            lo, hi = sorted(ax.get_xlim())
            formatter = ax.xaxis.get_major_formatter()
            locs = [x for x in ax.xaxis.get_majorticklocs() if lo <= x <= hi]
            for loc, text in zip(locs, formatter.format_ticks(locs), strict=True):
                frac = ax.transLimits.transform(ax.transScale.transform((loc, 1.0)))[0]
                centre = (box.x0 + frac * box.width) * width
                half = _RASTER * _text_width(text, _LABEL_SIZE) / 2
                reach_left = max(reach_left, _EDGE - (centre - half))
                reach_right = max(reach_right, centre + half - (width - _EDGE))
        if reach_left <= 0 and reach_right <= 0:
            return
        for ax in axes:
            box = ax.get_position()
            x0 = box.x0 + max(reach_left, 0.0) / width
            x1 = box.x1 - max(reach_right, 0.0) / width
            ax.set_position((x0, box.y0, x1 - x0, box.height))


def _fixed_x_ticks(ax: Axes) -> np.ndarray:
    """Fix the x ticks of `ax` where its locators put them now; the major ones in view.

    Call once the axes has its final size: a render then asks no locator again, and makes
    no tick for a location outside the limits (a log locator gives a decade or so beyond
    each end, and every tick costs a render about a millisecond even when it is not drawn).
    Ticks within matplotlib's tolerance of the limits (1e-10 of the span, on the axis'
    scale) are kept for it to decide, as it would unfixed. The returned major locations,
    strictly within the limits, can place grid lines drawn by the figure itself.
    """
    lo, hi = sorted(ax.get_xlim())
    scale = ax.xaxis.get_transform()
    ends = np.sort(scale.transform(np.array([lo, hi], dtype=float)))
    slack = 1e-9 * (ends[1] - ends[0])

    def near(locs: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.asarray(scale.transform(locs), dtype=float) if locs.size else locs
        return np.asarray(locs[(t >= ends[0] - slack) & (t <= ends[1] + slack)])

    major = near(np.asarray(ax.xaxis.get_majorticklocs(), dtype=float))
    minor = near(np.asarray(ax.xaxis.get_minorticklocs(), dtype=float))
    minor = minor[(minor >= lo) & (minor <= hi)]
    ax.xaxis.set_major_locator(FixedLocator(major.tolist()))
    ax.xaxis.set_minor_locator(NullLocator())
    if minor.size:
        _minor_marks(ax, minor)
    return major[(major >= lo) & (major <= hi)]


def _minor_marks(ax: Axes, locs: np.ndarray) -> None:
    """Minor tick marks of the x axis of `ax` at `locs`, drawn as one line of markers.

    They look as the axis draws them (a minor tick's mark, its style copied), at the axis'
    place in the drawing order; a minor tick has no label, and one line of `len(locs)`
    markers renders several times faster than as many ticks.
    """
    (tick,) = ax.xaxis.get_minor_ticks(1)
    marks = Line2D(locs, np.zeros(locs.size), gid="minor-ticks")
    marks.update_from(tick.tick1line)
    marks.set(transform=ax.get_xaxis_transform(which="tick1"), clip_on=False,
              zorder=ax.xaxis.get_zorder(), visible=tick.tick1line.get_visible())
    ax.add_line(marks)


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
        version (PNG) are left out and SVG ids come from a fixed hash salt. SVG text is
        written as text (``svg.fonttype = "none"``), not as glyph outlines: it can be
        searched, selected and read aloud in the HTML report, the file is smaller, and
        rendering costs a quarter less. A viewer without DejaVu Sans (the font the layout
        was measured with) falls back through Verdana, Arial and Helvetica to its own
        sans-serif; these are about as wide as DejaVu Sans or narrower, so text keeps
        its place.

    Raises
    ------
    ValueError
        For any other format.

    Notes
    -----
    The SVG hash salt is set with `matplotlib.rc_context`, which changes the global
    ``rcParams`` while the figure is saved: figures are rendered one at a time (a lock),
    whichever thread asks.
    """
    key = fmt.lower()
    if key not in _FORMATS:
        raise ValueError(f"unsupported figure format {fmt!r}; use one of {sorted(_FORMATS)}")
    buffer = io.BytesIO()
    with _RENDERING, mpl.rc_context({"svg.hashsalt": "uncertainty", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=key, **_FORMATS[key])
    return buffer.getvalue()
