"""The tornado plot: how far holding each input at a low or high percentile moves a metric."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from uncertainty.plots.layout import (
    _EDGE,
    _GAP,
    _LABEL_PAD,
    _LABEL_SIZE,
    _RASTER,
    _WIDTH,
    _Figure,
    _fit_x_tick_labels,
    _fixed_x_ticks,
    _legend_below,
    _legend_height,
    _plain_number,
    _plain_text,
    _set_margins,
    _style_value_axis,
    _tenths,
    _text_height,
    _text_width,
    _title,
    _wrapped,
    _x_ticks_height,
    use_log_axis,
)

__all__ = ["tornado_plot"]

_ENDS = ("low", "high")
#: Colours of the part of a bar where the input was held at its low / high end.
_COLOURS = ("tab:blue", "tab:orange")
_TICK_SIZE = 9.0
_NOTE_SIZE = 8.0
#: Inches above and below a view's title, within its band of the axes.
_TITLE_PAD = 0.06
#: Bar thickness in inches (0.6 of the thinnest row).
_BAR = 0.2
#: Inches right of the axes, for half the widest x tick label.
_RIGHT = 0.3
#: Widest y tick label (inches) before the input label wraps.
_MAX_TICK = 3.0
#: A held value that reads as a number ("8,400", "0.75", "1e-3", "62%"), not a source id.
_NUMBER = re.compile(r"[-+\N{MINUS SIGN}]?(\d[\d,]*)?\.?\d+([eE][-+\N{MINUS SIGN}]?\d+)?%?")


@dataclass
class _View:
    """One view's numbers for the metric, and what its panel shows."""

    view: str
    title: str
    base: float
    median: np.ndarray  # (input, end)
    held: np.ndarray  # (input, end), str
    share: np.ndarray  # (input,)
    same: list[str] = field(default_factory=list)  # later views with identical numbers
    rows: list[int] = field(default_factory=list)  # inputs shown, widest swing first
    hidden: int = 0  # inputs left out by `max_inputs`

    def entering(self) -> np.ndarray:
        """Indices of the inputs with a bar: a finite base and both ends finite."""
        ok = np.isfinite(self.median).all(axis=1) & math.isfinite(self.base)
        return np.flatnonzero(ok)

    def equals(self, other: _View) -> bool:
        return (np.array_equal(np.r_[self.base, self.median.ravel(), self.share],
                               np.r_[other.base, other.median.ravel(), other.share],
                               equal_nan=True)
                and bool(np.all(self.held == other.held)))

    def choose_rows(self, log: bool, max_inputs: int) -> None:
        """Inputs in order of swing on the drawn scale (stable), cut at `max_inputs`."""
        rows = self.entering()
        swing = np.abs(np.diff((np.log10 if log else np.asarray)(self.median[rows]), axis=1))
        ordered = [int(rows[k]) for k in np.argsort(-swing[:, 0], kind="stable")]
        self.rows, self.hidden = ordered[:max_inputs], max(len(ordered) - max_inputs, 0)


def tornado_plot(inputs: xr.Dataset, metric: str, *, title: str = "",
                 views: Sequence[str] | None = None, max_inputs: int = 8) -> Figure:
    """A tornado chart of one metric: the swing of its median as each input is held.

    Parameters
    ----------
    inputs : xarray.Dataset
        The sensitivity analysis: ``base`` over ``(metric, view)``; ``median`` and ``held``
        over ``(metric, view, input, end)`` with ``end`` = ``["low", "high"]``; ``share``
        over ``(metric, view, input)``; attrs ``percentiles`` (default ``[0.05, 0.95]``).
        The coords ``view_label``, ``input_label`` and ``metric_label`` are used if present.
    metric : str
        The metric to plot.
    title : str, optional
        First line of the figure title; the metric and its label follow.
    views : sequence of str, optional
        The views to draw, one panel each, top to bottom; all views by default.
    max_inputs : int, default 8
        Most bars per panel; the rest are counted in a last row "+N smaller inputs".

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one value axis; in it a panel per distinct view, stacked, each under
        a line and its title (a text with gid ``title-<view>``). In a panel, one
        bar per input entering the metric, widest swing on top; each bar runs from the
        view's median with nothing held (a vertical line) to the median with the input held
        at its low end (blue) and at its high end (orange). Bar ends carry their medians, y
        tick labels the input label and its first-order variance share. The bar patches
        have gids ``low-<input>`` / ``high-<input>``; the end values are annotations with
        the same gids prefixed ``value-``.

    Raises
    ------
    ValueError
        For a metric or view not in `inputs`, an empty `views`, or `max_inputs` below 1.

    Notes
    -----
    ===============================  ===================================================
    Case                             Drawn as
    ===============================  ===================================================
    view identical to an earlier     no panel; the earlier panel's title adds "same as
    one (base, medians, shares)      <view>" (duplicated assignments)
    base or an end NaN               no bar for that input in that view
    held values are not numbers      ends read "14 (us_intel)": a choice, held at the
                                     option giving the lowest / highest median
    both ends on one side of base    the longer segment behind the shorter; the
                                     nearer end's value sits past the base line
    share NaN                        no share in the tick label
    no bar in a view                 a one-row panel saying so
    no bar in any drawn view         only the text "no inputs vary this metric"
    ===============================  ===================================================

    Swing is ``|high - low|`` on the axis drawn: on a log axis ``|log(high / low)|``, so
    that bar lengths decrease down the panel. The axis is logarithmic when `use_log_axis`
    holds for the bases and the bar ends of every entering input of the drawn views.
    """
    metrics = [str(m) for m in inputs["metric"].values]
    if metric not in metrics:
        raise ValueError(f"unknown metric {metric!r}; the sensitivity analysis has: "
                         f"{', '.join(metrics)}")
    all_views = [str(v) for v in inputs["view"].values]
    chosen = ([views] if isinstance(views, str)
              else list(dict.fromkeys(all_views if views is None else views)))
    if not chosen:
        raise ValueError("no views to plot: `views` is empty")
    for view in chosen:
        if view not in all_views:
            raise ValueError(f"unknown view {view!r}; the sensitivity analysis has: "
                             f"{', '.join(all_views)}")
    if max_inputs < 1:
        raise ValueError(f"max_inputs must be at least 1, got {max_inputs}")

    s = inputs.sel(metric=metric)
    arrays = _arrays(s)
    panels: list[_View] = []
    for view in chosen:
        data = _view_data(arrays, all_views.index(view))
        first = next((p for p in panels if p.equals(data)), None)
        if first is None:
            panels.append(data)
        else:
            first.same.append(view)
    label = str(s["metric_label"].values) if "metric_label" in s.coords else ""
    heading = "\n".join(_wrapped(t, _WIDTH - 2 * _EDGE, 12) for t in
                        (title, metric if label in ("", metric) else f"{metric}: {label}") if t)
    values = np.concatenate([[p.base for p in panels if p.entering().size]]
                            + [p.median[p.entering()].ravel() for p in panels])
    if values.size == 0:
        return _empty_figure(heading)
    log = use_log_axis(values)
    for p in panels:
        p.choose_rows(log, max_inputs)

    names = [str(x) for x in s["input"].values]
    labels = ([str(x) or n for x, n in zip(s["input_label"].values, names, strict=True)]
              if "input_label" in s.coords else names)
    ticks = {p.view: [_tick_label(labels[i], float(p.share[i])) for i in p.rows]
             + ([f"+{p.hidden} smaller input{'s' if p.hidden > 1 else ''}"] if p.hidden else [])
             for p in panels}
    tick_width = max((_text_width(t, _TICK_SIZE) for ts in ticks.values() for t in ts),
                     default=0.0)
    left = _RASTER * tick_width + 3.5 / 72 + _EDGE
    axes_width = max(_WIDTH - left - _RIGHT, 2.5)
    ends = [_end_text(float(p.median[i, k]), str(p.held[i, k])) for p in panels
            for i in p.rows for k in (0, 1)]
    room = min((max(_text_width(t, _NOTE_SIZE) for t in ends) + 0.1) / axes_width, 0.35)
    lo, hi = _limits(np.concatenate([[p.base for p in panels if p.rows]]
                                    + [p.median[p.rows].ravel() for p in panels]), log, room)
    choice = any(not _NUMBER.fullmatch(str(p.held[i, k])) and str(p.held[i, k])
                 for p in panels for i in p.rows for k in (0, 1))
    xlabel = _wrapped(f"median of {metric} with one input held at a percentile"
                      + ("; an input that is a choice is held at the option giving the "
                         "lowest or highest median" if choice else ""), axes_width, 10)

    titles = [_panel_title(p, axes_width - 0.2) for p in panels]
    rows = [[max(0.34, 0.12 + 0.16 * (t.count("\n") + 1)) for t in ticks[p.view]] or [0.5]
            for p in panels]
    bands = [_TITLE_PAD + _text_height(t, 10) + _TITLE_PAD for t in titles]
    percentiles = [float(x) for x in inputs.attrs.get("percentiles", (0.05, 0.95))]
    handles = [Patch(facecolor=c, label=f"held at {_ordinal(q)} percentile")
               for c, q in zip(_COLOURS, percentiles, strict=True)]
    # A fixed layout from the measured text, top down: the heading; one axes holding, per
    # view, a band with its title and then its rows; below it the x ticks, the x label and
    # the legend. The axes' y unit is the inch, from its top edge down.
    below = (_x_ticks_height() + _LABEL_PAD / 72 + _text_height(xlabel, _LABEL_SIZE) + _GAP
             + _legend_height([str(h.get_label()) for h in handles], 2) + _EDGE)
    top = _EDGE + _text_height(heading, 12) + _GAP
    inner = sum(bands) + sum(map(sum, rows))
    # A whole number of tenths of an inch (a whole number of pixels at 150 dpi); the
    # rounding goes to the space under the heading.
    total = max(_tenths(top + inner + below), 2.6)
    fig = _Figure(figsize=(_WIDTH, total))
    ax = fig.add_axes((0, 0, 1, 1))
    _set_margins(fig, ax, left=left, right=_RIGHT, bottom=below, height=inner)
    ax.set_ylim(inner, 0.0)
    _style_value_axis(ax, log, lo, hi)
    ax.set_xlabel(xlabel)
    _fit_x_tick_labels(fig, [ax])
    grid = _fixed_x_ticks(ax)
    y, centres, labels_y, spans = 0.0, [], [], []
    for p, text, band, heights in zip(panels, titles, bands, rows, strict=True):
        ax.text(0.5, y + _TITLE_PAD, text, transform=ax.get_yaxis_transform(), ha="center",
                va="top", fontsize=10, gid=f"title-{p.view}")
        if y > 0:
            spans.append(y)
        y += band
        mids = y + np.cumsum(heights) - np.asarray(heights) / 2
        spans_p = (y, y + sum(heights))
        _draw_panel(ax, p, mids, spans_p, names, log, grid)
        centres.append(mids[:len(ticks[p.view])])
        labels_y += ticks[p.view]
        y = spans_p[1]
    ax.set_yticks(np.concatenate(centres), labels_y, fontsize=_TICK_SIZE)
    ax.tick_params(axis="y", left=False)  # labels only: no zero-length marks to draw
    start = 0
    for p in panels:  # the "+N smaller inputs" rows
        start += len(ticks[p.view])
        if p.hidden:
            ax.get_yticklabels()[start - 1].set(color="0.4", style="italic")
    # Views apart: a line across the axes above each view's band but the first.
    ax.add_collection(LineCollection([[(0, s), (1, s)] for s in spans], colors="0.5",
                                     linewidths=0.8, transform=ax.get_yaxis_transform(),
                                     gid="separators"), autolim=False)
    _title(fig, heading)
    _legend_below(fig, handles, 2)
    return fig


def _arrays(s: xr.Dataset) -> dict[str, np.ndarray]:
    """The numbers of one metric as arrays over ``view`` (then ``input``, ``end``).

    Read once: selecting each view from the Dataset costs more than the rest of the numbers.
    """
    ends = {"end": list(_ENDS)}
    views = s["view"].values
    return {"view": views.astype(str),
            "label": (s["view_label"].values.astype(str) if "view_label" in s.coords
                      else np.full(views.shape, "")),
            "base": np.asarray(s["base"].transpose("view").values, dtype=float),
            "median": np.asarray(s["median"].sel(ends).transpose("view", "input", "end")
                                 .values, dtype=float),
            "held": np.asarray(s["held"].sel(ends).transpose("view", "input", "end").values,
                               dtype=str),
            "share": np.asarray(s["share"].transpose("view", "input").values, dtype=float)}


def _view_data(arrays: dict[str, np.ndarray], k: int) -> _View:
    """The numbers of view number `k` of one metric, from `_arrays`."""
    view, label = str(arrays["view"][k]), str(arrays["label"][k])
    return _View(view, view if label in ("", view) else f"{view}: {label}",
                 float(arrays["base"][k]), arrays["median"][k], arrays["held"][k],
                 arrays["share"][k])


def _tick_label(label: str, share: float) -> str:
    """The input label wrapped, then ``(share 62%)`` on its last line when it fits."""
    text = _wrapped(label, _MAX_TICK, _TICK_SIZE)
    if not math.isfinite(share):
        return text
    note = f"(share {'<1%' if share < 0.005 else f'{share:.0%}'})"
    last = text.rsplit("\n", 1)[-1]
    sep = " " if _text_width(f"{last} {note}", _TICK_SIZE) <= _MAX_TICK else "\n"
    return f"{text}{sep}{note}"


def _end_text(value: float, held: str) -> str:
    """A bar end's median, with what was held when that is a source rather than a number."""
    number = _plain_number(value, digits=3)
    return number if not held or _NUMBER.fullmatch(held) else f"{number} ({_plain_text(held)})"


def _ordinal(p: float) -> str:
    """``0.05`` -> ``"5th"``, ``0.01`` -> ``"1st"``, ``0.025`` -> ``"2.5th"``."""
    pct = round(100 * p, 6)
    if pct != int(pct) or 10 <= int(pct) % 100 <= 20:
        return f"{pct:g}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(int(pct) % 10, "th")
    return f"{int(pct)}{suffix}"


def _panel_title(p: _View, width: float) -> str:
    notes = ([f"median {_plain_number(p.base, digits=3)}"] if math.isfinite(p.base) else [])
    notes += [f"same as {', '.join(p.same)}"] if p.same else []
    return _wrapped(f"{p.title} ({'; '.join(notes)})" if notes else p.title, width, 10)


def _limits(values: np.ndarray, log: bool, room: float) -> tuple[float, float]:
    """Axis range over `values` widened so that a fraction `room` is left on each side."""
    t = np.log10(values) if log else values
    lo, hi = float(t.min()), float(t.max())
    if not hi > lo:
        half = 0.05 if log else 0.05 * max(abs(hi), 1.0)
        lo, hi = lo - half, hi + half
    extra = room * (hi - lo) / (1 - 2 * room)
    lo, hi = lo - extra, hi + extra
    if log:  # kept within positive normal floats, whatever the values' range
        return 10 ** max(lo, -307.0), 10 ** min(hi, 307.0)
    big = float(np.finfo(np.float64).max) / 4
    return max(lo, -big), min(hi, big)


def _draw_panel(ax: Axes, p: _View, mids: np.ndarray, span: tuple[float, float],
                names: list[str], log: bool, grid: np.ndarray) -> None:
    """Grid, bars, end values and base line of one view, in its rows `span` of `ax`."""
    ax.add_collection(LineCollection([[(x, span[0]), (x, span[1])] for x in grid],
                                     colors="0.9", linewidths=0.8, zorder=0.5), autolim=False)
    if math.isfinite(p.base):
        ax.plot([p.base, p.base], span, color="0.15", linewidth=1.0, zorder=4, gid="base")
    if not p.rows:
        ax.text(0.5, float(mids[0]), "no inputs vary this metric in this view",
                transform=ax.get_yaxis_transform(), ha="center", va="center",
                fontsize=_NOTE_SIZE, color="0.4", gid="empty",
                bbox={"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": "none"})
    scale = math.log10 if log else float
    for y, i in zip(mids.tolist(), p.rows, strict=False):
        ends = p.median[i]
        # The longer segment first, so that the shorter one stays visible on top of it.
        for z, k in enumerate(sorted((0, 1), key=lambda k: -abs(scale(ends[k])
                                                                 - scale(p.base)))):
            # add_artist, not add_patch: the limits are set, so no data limits to update.
            ax.add_artist(Rectangle((p.base, y - _BAR / 2), ends[k] - p.base, _BAR,
                                    facecolor=_COLOURS[k], edgecolor="none", zorder=2 + z,
                                    gid=f"{_ENDS[k]}-{names[i]}"))
        # Each value sits just outside the drawn bar, which also covers the base.
        left = 0 if ends[0] <= ends[1] else 1
        for k in (0, 1):
            side = -1 if k == left else 1
            x = min(ends[k], p.base) if side < 0 else max(ends[k], p.base)
            ax.annotate(_end_text(float(ends[k]), str(p.held[i, k])), (float(x), y),
                        xytext=(3 * side, 0), textcoords="offset points", va="center",
                        ha="right" if side < 0 else "left", fontsize=_NOTE_SIZE, zorder=5,
                        gid=f"value-{_ENDS[k]}-{names[i]}")


def _empty_figure(heading: str) -> Figure:
    """A figure saying that no input moves the metric in any drawn view."""
    fig = _Figure(figsize=(_WIDTH, max(2.6, _tenths(1.6 + _text_height(heading, 12)))))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "no inputs vary this metric", transform=ax.transAxes, ha="center",
            va="center", fontsize=11, color="0.3", gid="empty")
    _title(fig, heading)
    return fig
