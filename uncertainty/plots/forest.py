"""The forest plot: one row per view, the median and nested equal-tailed intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from uncertainty.model.core import CONSENSUS
from uncertainty.plots.layout import (
    _CLAIM_COLOURS,
    _EDGE,
    _GAP,
    _LABEL_PAD,
    _LABEL_SIZE,
    _RASTER,
    _SHORT_LABEL,
    _WIDTH,
    _axis_label,
    _Figure,
    _fit_x_tick_labels,
    _fixed_x_ticks,
    _legend_below,
    _legend_fits,
    _legend_height,
    _plain_number,
    _plain_text,
    _rows_first,
    _set_margins,
    _split,
    _style_value_axis,
    _tenths,
    _text_height,
    _text_width,
    _title,
    _wrapped,
    _x_ticks_height,
    use_log_axis,
)

__all__ = ["forest_plot"]


def _claim_text(value: float) -> str:
    """A claim as the legend shows it; one that is not finite says it is not drawn."""
    if math.isfinite(value):
        return _plain_number(value, digits=4)
    what = "not a number" if math.isnan(value) else ("+∞" if value > 0 else "\N{MINUS SIGN}∞")
    return f"{what} (not drawn)"


def forest_plot(summary: xr.Dataset, variable: str, *,
                claims: Mapping[str, float] | None = None, title: str | None = None,
                log: bool | None = None) -> Figure:
    """A forest plot of one variable: median and nested credible intervals per view.

    Parameters
    ----------
    summary : xarray.Dataset
        From `uncertainty.stats.summarize`: ``median`` over ``(variable, view)`` and ``eti``
        over ``(variable, view, level, ci_bound)``; ``view_label`` and ``envelope_of`` are
        used when present.
    variable : str
        The variable (input quantity or metric) to plot.
    claims : mapping of str to float, optional
        Each source's own point claim for this variable (``{"us_intel": 14.06}``), drawn as
        a dashed vertical line in its own colour.
    title : str, optional
        Figure title, wrapped to the figure width; none by default.
    log : bool, optional
        Force a log (True) or linear (False) value axis; by default chosen by
        `use_log_axis` over the medians, interval ends and claims.

    Returns
    -------
    matplotlib.figure.Figure
        One row per view, top to bottom in the order of ``summary["view"]``: the median as
        a dot and one horizontal segment per level (equal-tailed interval, thicker and
        darker for narrower levels). Rows of the member views of an envelope are set on a
        shaded band labelled with the envelope on the right. The figure height grows with
        the number of rows; legends sit below the axes, never over the data.

    Raises
    ------
    KeyError
        When `variable` is not in `summary`.
    ValueError
        When `log` is True and some value is not positive.

    Notes
    -----
    Y tick labels are the view ids, with the view's label on a second line when it has at
    most 32 characters (longer labels are in the reports). The interval segments are
    ``LineCollection`` objects with gid ``interval-<level>``, one segment per view with a
    finite interval; the medians are one ``Line2D`` with gid ``median``, but the consensus
    view's, a filled diamond with gid ``median-consensus``; claim lines are
    ``Line2D`` objects with gid ``claim-<name>``, drawn behind the intervals; envelope bands
    are patches with gid ``envelope-<parent>``. A claim that is not a finite number (a
    source's own figures giving ``log(0)``) has no line; its legend entry says what it is.
    """
    if variable not in summary["variable"].values:
        raise KeyError(f"variable {variable!r} is not in the summary")
    s = summary.sel(variable=variable)
    views = [str(v) for v in summary["view"].values]
    n = len(views)
    median = np.asarray(s["median"].values, dtype=float)
    eti = np.asarray(s["eti"].transpose("view", "level", "ci_bound").values, dtype=float)
    levels = [float(x) for x in summary["level"].values]
    claims = dict(claims or {})

    values = np.concatenate([median, eti.ravel(), np.array(list(claims.values()), float)])
    finite = values[np.isfinite(values)]
    if log is None:
        log = use_log_axis(finite)
    elif log and finite.size and finite.min() <= 0:
        raise ValueError(f"{variable}: a log axis needs positive values")
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo, hi = (1.0, 10.0) if log else (0.0, 1.0)
    if log and not hi > lo:
        lo, hi = lo / 1.1, hi * 1.1

    labels = _view_tick_labels(summary, views, median)
    two_line = any("\n" in t for t in labels)
    row_height = 0.5 if two_line else 0.34
    claim_labels = [_plain_text(f"{name} claim: {_claim_text(value)}")
                    for name, value in claims.items()]
    level_labels = [f"{level:.0%} interval (ETI)" for level in levels]
    agreed = np.array([v == CONSENSUS for v in views])
    medians = ["median", *(["consensus median"] if agreed.any() else [])]
    legend_cols = next(
        (c for c in range(min(1 + len(levels), 4), 1, -1)
         if _legend_fits(_split(_rows_first([[*medians, *level_labels], claim_labels], c,
                                            str), c))), 1)
    legend_labels = [str(t) for t in _rows_first([[*medians, *level_labels], claim_labels],
                                                  legend_cols, str)]
    title_text = _wrapped(title, _WIDTH - 2 * _EDGE, 12) if title else ""

    # A fixed layout from the measured text: tick labels on the left, envelope names on the
    # right; title above; x ticks, x label and legend below.
    envelope = "envelope_of" in summary.coords and any(
        str(p) for p in summary["envelope_of"].values)
    left = _RASTER * max(_text_width(t, _LABEL_SIZE) for t in labels) + 3.5 / 72 + _EDGE
    right = (0.01 * _WIDTH + _RASTER * _text_width("(envelope)\n" + "\n".join(
        str(p) for p in summary["envelope_of"].values), 8) + _EDGE) if envelope else 0.3
    # The x label is centred under the axes, which the y tick labels (and envelope names)
    # push to the right: wrap it to the width the axes get.
    xlabel = _axis_label(variable, str(s["label"].values) if "label" in s.coords else "",
                         max(_WIDTH - left - right, 2.5))
    top = _EDGE + (_text_height(title_text, 12) + _GAP if title_text else 0.1)
    legend = _legend_height(legend_labels, legend_cols)
    bottom = (_x_ticks_height() + _LABEL_PAD / 72 + _text_height(xlabel, _LABEL_SIZE)
              + _GAP + legend + _EDGE)
    height = _tenths(max(top + n * row_height + 0.3 + bottom, 2.6))
    axes_height = height - top - bottom
    fig = _Figure(figsize=(_WIDTH, height))
    ax = fig.add_axes((0, 0, 1, 1))
    _set_margins(fig, ax, left=left, right=right, bottom=bottom, height=axes_height)

    y = np.arange(n, dtype=float)
    ax.set_ylim(n - 0.5, -0.5)  # first view on top
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0, left=False)  # labels only: no zero-length marks
    ax.grid(axis="x", color="0.9", linewidth=0.8, zorder=0)
    ax.set_axisbelow(True)
    _envelope_bands(ax, summary, views)

    order = sorted(range(len(levels)), key=lambda k: -levels[k])  # widest first
    cmap = mpl.colormaps["Blues"]
    shades = np.linspace(0.45, 0.92, len(levels)) if len(levels) > 1 else np.array([0.8])
    widths = np.linspace(1.4, 5.0, len(levels)) if len(levels) > 1 else np.array([3.0])
    key: list[Artist] = [Line2D([], [], linestyle="none", marker="o", markersize=6,
                                 markerfacecolor="white", markeredgecolor="0.1",
                                 markeredgewidth=1.5, label="median")]
    if agreed.any():
        key += [Line2D([], [], linestyle="none", **_CONSENSUS_MARK, label="consensus median")]
    for rank, k in enumerate(order):
        lower, upper = eti[:, k, 0], eti[:, k, 1]
        ok = np.isfinite(lower) & np.isfinite(upper)
        colour = cmap(float(shades[rank]))
        segments = ax.hlines(y[ok], lower[ok], upper[ok], colors=[colour],
                             linewidths=float(widths[rank]), capstyle="butt",
                             zorder=2 + rank)
        segments.set_gid(f"interval-{levels[k]:g}")
        key.append(Line2D([], [], color=colour, linewidth=float(widths[rank]),
                              solid_capstyle="butt", label=level_labels[k]))
    ok = np.isfinite(median) & ~agreed
    ax.plot(median[ok], y[ok], linestyle="none", marker="o", markersize=6,
            markerfacecolor="white", markeredgecolor="0.1", markeredgewidth=1.5,
            zorder=3 + len(levels), gid="median")
    mark = np.isfinite(median) & agreed
    if mark.any():  # the consensus: what the sources jointly imply, not one of them
        ax.plot(median[mark], y[mark], linestyle="none", **_CONSENSUS_MARK,
                zorder=3 + len(levels), gid="median-consensus")

    marks: list[Artist] = []
    for i, (name, value) in enumerate(claims.items()):
        if not math.isfinite(value):  # named in the legend, with no line to draw
            marks.append(Line2D([], [], linestyle="none", label=claim_labels[i]))
            continue
        claim_colour = _CLAIM_COLOURS[i % len(_CLAIM_COLOURS)]
        style = (0, (5, 3)) if i < len(_CLAIM_COLOURS) else (0, (2, 2))
        # Behind the intervals, so that the interval colours stay readable.
        ax.axvline(value, color=claim_colour, linestyle=style, linewidth=1.6, zorder=1.5,
                   gid=f"claim-{name}")
        marks.append(Line2D([], [], color=claim_colour, linestyle=style, linewidth=1.6,
                            label=claim_labels[i]))

    _style_value_axis(ax, log, lo, hi)
    ax.set_xlabel(xlabel)
    _fit_x_tick_labels(fig, [ax])
    _fixed_x_ticks(ax)
    if title_text:
        _title(fig, title_text)
    handles = _rows_first([key, marks], legend_cols,
                          lambda: Line2D([], [], linestyle="none", label=""))
    _legend_below(fig, handles, legend_cols)
    return fig


#: The consensus view's median: a filled diamond, apart from the sources' white dots.
_CONSENSUS_MARK: dict[str, Any] = {"marker": "D", "markersize": 6.5, "markerfacecolor": "0.1",
                                   "markeredgecolor": "0.1", "markeredgewidth": 1.0}


def _view_tick_labels(summary: xr.Dataset, views: list[str], median: np.ndarray) -> list[str]:
    """Tick labels: the view id, its label beneath when short, a note when all invalid."""
    labels = ([str(x) for x in summary["view_label"].values] if "view_label" in summary.coords
              else [""] * len(views))
    out = []
    for view, label, med in zip(views, labels, median, strict=True):
        text = view
        if label and label != view and len(label) <= _SHORT_LABEL:
            text += f"\n{_plain_text(label)}"
        if not math.isfinite(med):
            text += "\n(no valid draws)"
        out.append(text)
    return out


def _envelope_bands(ax: Axes, summary: xr.Dataset, views: list[str]) -> None:
    """Shade the rows of each envelope's members and name the envelope on the right."""
    if "envelope_of" not in summary.coords:
        return
    parents = [str(p) for p in summary["envelope_of"].values]
    for parent in dict.fromkeys(p for p in parents if p):
        rows = [i for i, p in enumerate(parents) if p == parent]
        first, last = min(rows), max(rows)
        ax.axhspan(first - 0.45, last + 0.45, color="0.92", zorder=0, linewidth=0,
                   gid=f"envelope-{parent}")
        ax.text(1.01, (first + last) / 2, f"{parent}\n(envelope)",
                transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=8, color="0.35", clip_on=False)


