"""Overlaid densities of the draws, one curve per distinct view row."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.ndimage import gaussian_filter1d

from uncertainty.plots.layout import (
    _CURVE_COLOURS,
    _CURVE_STYLES,
    _EDGE,
    _GAP,
    _LABEL_PAD,
    _LABEL_SIZE,
    _LEGEND_SIZE,
    _QUANTILES,
    _WIDTH,
    DENSITY_BINS,
    _axis_label,
    _Figure,
    _fit_x_tick_labels,
    _fixed_x_ticks,
    _legend_below,
    _legend_fits,
    _legend_height,
    _legend_width,
    _set_margins,
    _split,
    _style_value_axis,
    _tenths,
    _text_height,
    _title,
    _wrapped,
    _x_ticks_height,
    use_log_axis,
)
from uncertainty.sampling.rows import row_groups
from uncertainty.stats.array import quantiles

__all__ = ["density_plot"]

#: The log-axis range a density may span: ``e**x`` stays a finite float inside it, so a
#: variable reaching the float limit gets an axis, not an infinite limit.
_LOG_RANGE = (float(np.log(np.finfo(np.float64).tiny)), float(np.log(np.finfo(np.float64).max)))


def _distinct_rows(da: xr.DataArray) -> list[list[int]]:
    """Groups of view indices with identical draws, in order of first appearance.

    Rows are identical exactly when their ``view_sources`` keys are equal; without that
    attribute, rows are compared value by value.
    """
    keys = da.attrs.get("view_sources")
    if keys is not None and len(keys) == da.sizes["view"]:
        return [[j, *same] for j, same in row_groups(keys)]
    values = da.transpose("view", ...).values
    out: list[list[int]] = []
    for j in range(da.sizes["view"]):
        for group in out:
            if np.array_equal(values[group[0]], values[j], equal_nan=True):
                group.append(j)
                break
        else:
            out.append([j])
    return out


def density_plot(draws: xr.Dataset, variable: str, *, log: bool | None = None,
                 title: str | None = None) -> Figure:
    """Overlaid densities of one variable, one curve per distinct set of draws.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``, as in `uncertainty.pipeline.Run.draws`.
    variable : str
        The variable (input quantity or metric) to plot.
    log : bool, optional
        Force a log (True) or linear (False) value axis; by default chosen by
        `use_log_axis` over the 2.5% and 97.5% quantiles of each view's finite draws
        (the ends of the 95% interval, so that `forest_plot` with the default levels
        makes the same choice).
    title : str, optional
        Figure title, wrapped to the figure width; none by default.

    Returns
    -------
    matplotlib.figure.Figure
        One line per distinct view row; views with identical draws share one line whose
        legend label joins their ids (``"article_totals = pooled"``). The legend sits below
        the axes. A view without finite draws gets an empty line, labelled so. The y axis
        is labelled "density" without numbers: a density's height depends on the units of
        x (about 1e-5 per Russian KIA), and only its shape is compared.

    Raises
    ------
    KeyError
        When `variable` is not in `draws`.
    ValueError
        When `log` is True and some finite draw is not positive.

    Notes
    -----
    The density is a binned Gaussian kernel estimate: the finite draws are counted in
    `DENSITY_BINS` equal bins on a common grid from the lowest 0.1% quantile to the highest
    99.9% quantile over the views (padded by 5%), and the histogram, normalized by the
    number of finite draws, is smoothed with a Gaussian of Silverman's bandwidth
    ``0.9 min(sd, IQR/1.34) n^(-1/5)`` (at least one bin). It costs a few passes over the
    draws, so 10^7 draws per view take well under a second a view, and it is
    deterministic. Draws outside the grid count in the normalization, so each curve is
    the density of the whole distribution, shown over its central range. On a log axis
    the curve is the density of ln x (per unit of ln x) plotted against x, so equal areas
    on the axis hold equal probability.
    """
    if variable not in draws.data_vars:
        raise KeyError(f"variable {variable!r} is not in the draws")
    da = draws[variable].transpose("view", ...)
    views = [str(v) for v in da["view"].values]
    groups = _distinct_rows(da)
    values = da.values

    # Whether each row is all finite, found once: such a row is used as it is (a view), and
    # only a row with non-finite draws is filtered, anew each time it is read.
    whole = [bool(np.isfinite(values[group[0]]).all()) for group in groups]

    def row(k: int) -> np.ndarray:
        raw = values[groups[k][0]]
        return np.asarray(raw, dtype=float) if whole[k] else _finite(raw)

    # One pass of quantiles per row on the raw draws (quantiles commute with ln x); the
    # rows are then transformed one at a time, so memory stays at one row's copy.
    sizes = [row(k).size for k in range(len(groups))]
    stats = [quantiles(row(k), _QUANTILES) if sizes[k] else None for k in range(len(groups))]
    found = [q for q in stats if q is not None]
    positive = all(row(k).min() > 0 for k, q in enumerate(stats) if q is not None)
    if log is None:
        log = positive and bool(found) and use_log_axis(
            np.concatenate([q[[1, 4]] for q in found]))
    elif log and not positive:
        raise ValueError(f"{variable}: a log axis needs positive draws")
    if log:
        found = [np.log(q) for q in found]
        stats = [None if q is None else np.log(q) for q in stats]

    if found:
        lo = float(min(q[0] for q in found))
        hi = float(max(q[5] for q in found))
    else:
        lo, hi = (0.0, 1.0)
    span = hi - lo if hi > lo else max(abs(hi), 1.0) * 0.1
    padded = (lo - 0.05 * span, hi + 0.05 * span)
    if log:  # the padding stops at the float range (subnormal draws keep their own end)
        padded = (max(padded[0], min(lo, _LOG_RANGE[0])), min(padded[1], max(hi, _LOG_RANGE[1])))
    lo, hi = padded
    width = (hi - lo) / DENSITY_BINS
    centres = lo + width * (np.arange(DENSITY_BINS) + 0.5)
    x = np.exp(centres) if log else centres

    label = str(da.attrs.get("label", variable))
    names = [" = ".join(views[j] for j in group) for group in groups]
    names = [f"{name} (no finite draws)" if size == 0 else name
             for name, size in zip(names, sizes, strict=True)]
    legend_cols = next((c for c in range(min(3, len(names)), 1, -1)
                        if _legend_fits(_split(names, c))), 1)
    names = [_wrapped(name, _legend_width(legend_cols), _LEGEND_SIZE) for name in names]
    title_text = _wrapped(title, _WIDTH - 2 * _EDGE, 12) if title else ""
    xlabel = _axis_label(variable, label, _WIDTH - 1.5)
    # A fixed layout from the measured text: the y label on the left; title above; x ticks,
    # x label and legend below.
    top = _EDGE + (_text_height(title_text, 12) + _GAP if title_text else 0.1)
    bottom = (_x_ticks_height() + _LABEL_PAD / 72 + _text_height(xlabel, _LABEL_SIZE)
              + _GAP + _legend_height(names, legend_cols) + _EDGE)
    left = _EDGE + _text_height(1, _LABEL_SIZE) + _LABEL_PAD / 72
    height = _tenths(top + 3.0 + bottom)
    axes_height = height - top - bottom
    fig = _Figure(figsize=(_WIDTH, height))
    ax = fig.add_axes((0, 0, 1, 1))
    _set_margins(fig, ax, left=max(left, 0.3), right=0.3, bottom=bottom, height=axes_height)
    ax.grid(axis="x", color="0.92", linewidth=0.8)
    ax.set_axisbelow(True)
    curves: list[Line2D] = []
    for k, (name, q) in enumerate(zip(names, stats, strict=True)):
        # Views can differ only slightly (e.g. by which draws a constraint kept); each curve
        # gets its own dash pattern and a thinner line than the one before, so curves lying
        # on top of each other stay visible instead of hiding the earlier ones.
        style: dict[str, Any] = {"color": _CURVE_COLOURS[k % len(_CURVE_COLOURS)],
                                 "linestyle": _CURVE_STYLES[k % len(_CURVE_STYLES)],
                                 "linewidth": max(3.0 - 0.5 * k, 1.2)}
        if q is None:
            curves += ax.plot([], [], label=name, gid=f"density-{k}", **style)
            continue
        t = np.log(row(k)) if log else row(k)
        density = _binned_density(t, lo, hi, iqr=float(q[3] - q[2]))
        curves += ax.plot(x, density, label=name, gid=f"density-{k}", **style)

    if log:
        _style_value_axis(ax, True, float(x[0]), float(x[-1]))
        ax.set_xlim(float(np.exp(lo)), float(np.exp(hi)))
    else:
        _style_value_axis(ax, False, lo, hi)
        ax.set_xlim(lo, hi)
    # The height of a density depends on the units of x (1e-5 per Russian KIA); only its
    # shape is read, so the y axis carries no numbers.
    ax.set_ylabel("density")
    ax.set_ylim(bottom=0)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.set_xlabel(xlabel)
    _fit_x_tick_labels(fig, [ax])
    _fixed_x_ticks(ax)
    if title_text:
        _title(fig, title_text)
    _legend_below(fig, curves, legend_cols)
    return fig


def _finite(row: np.ndarray) -> np.ndarray:
    """The finite values of `row` as float (the row itself when all are finite)."""
    row = np.asarray(row, dtype=float)
    mask = np.isfinite(row)
    return row if mask.all() else row[mask]


def _binned_density(t: np.ndarray, lo: float, hi: float, *, iqr: float) -> np.ndarray:
    """Gaussian-smoothed histogram density of `t` on `DENSITY_BINS` bins over [lo, hi].

    `iqr` is the interquartile range of `t`, for Silverman's bandwidth.
    """
    counts, _ = np.histogram(t, bins=DENSITY_BINS, range=(lo, hi))
    width = (hi - lo) / DENSITY_BINS
    density = counts / (t.size * width)
    sd = float(np.std(t))
    scale = min(sd, iqr / 1.34) if iqr > 0 else sd
    bandwidth = 0.9 * scale * t.size ** (-0.2)
    sigma = max(bandwidth / width, 1.0)
    return np.asarray(gaussian_filter1d(density, sigma, mode="constant", truncate=4.0))


