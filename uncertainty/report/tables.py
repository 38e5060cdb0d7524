"""The table of a variable by view: medians and intervals, each with its Monte Carlo error.

Every number keeps its value and its standard error, so renderers round it to the digits
that error supports (`uncertainty.numbers.rounded`), HDI endpoints with theirs, which
counts the noise in which window is narrowest (`uncertainty.stats.hdi_error`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import xarray as xr
from numpy.typing import NDArray

from uncertainty.report.blocks import Cell, Content, Num, Row, Scope, Table, Text, cell, columns

__all__ = ["envelope_arrays", "percent_header", "statistic_arrays", "variable_table"]


def percent_header(level: float, what: str) -> Content:
    """``90% ETI``: a level as a whole percentage, then `what`."""
    return (Num(level, spec=".0%"), Text(f" {what}"))


def _mcse(x: float, err: float) -> Num:
    return Num(float(x), "mcse", float(err))


#: The text around an interval's ends (what ``cell("[", lo, ", ", hi, "]")`` makes).
_OPEN, _COMMA, _CLOSE = Text("["), Text(", "), Text("]")


def _interval(values: Sequence[float], errors: Sequence[float]) -> Cell:
    lo, hi = values
    if math.isnan(lo) and math.isnan(hi):  # no valid draws: one dash, not "[—, —]"
        return cell(Num(math.nan))
    # the cell made directly: a report has thousands of them
    return Cell((_OPEN, _mcse(lo, errors[0]), _COMMA, _mcse(hi, errors[1]), _CLOSE))


def _envelope_row(env: xr.Dataset, parent: str, variable: str, n_levels: int, hdi: bool,
                  width: int) -> Row:
    e = {k: v[int(env.indexes["variable"].get_loc(variable))]
         for k, v in envelope_arrays(env, parent).items()}
    m_err = float(e["mcse_median"])
    lo, hi = (float(v) for v in e["median"])
    row = [cell(f"{parent} (envelope)"), cell(_mcse(lo, m_err), " to ", _mcse(hi, m_err))]
    errors = e["mcse_eti"]
    row += [_interval(e["eti"][i], errors[i]) for i in range(n_levels)]
    if hdi:
        hdi_errors = e["mcse_hdi"]
        row += [_interval(e["hdi"][i], hdi_errors[i]) for i in range(n_levels)]
    return tuple(row + [cell("")] * (width - len(row)))


def envelope_arrays(env: xr.Dataset, parent: str) -> dict[str, NDArray[Any]]:
    """The statistics of envelope `parent` (`uncertainty.summary.envelopes`) as arrays.

    Indexed ``[variable, bound]`` (``median``), ``[variable]`` (``mcse_median``) or
    ``[variable, level, ci_bound]``: what ``env.sel(envelope=parent)`` holds, read from the
    Dataset's variables without a selection per number.
    """
    i = int(env.indexes["envelope"].get_loc(parent))
    out = {}
    for name in ("median", "eti", "hdi", "mcse_median", "mcse_eti", "mcse_hdi"):
        var = env.variables[name]
        order = [d for d in ("envelope", "variable", "bound", "level", "ci_bound")
                 if d in var.dims]
        out[name] = var.transpose(*order).values[i]
    return out


def statistic_arrays(summary: xr.Dataset, variable: str,
                     names: Sequence[str]) -> dict[str, NDArray[Any]]:
    """The statistics `names` of one variable as numpy arrays indexed ``[view, level, bound]``.

    Read from the Dataset's variables directly: a report reads every number of a summary,
    and an xarray selection per number costs more than the numbers.
    """
    i = int(summary.indexes["variable"].get_loc(variable))
    out = {}
    for name in names:
        var = summary.variables[name]
        order = [d for d in ("variable", "view", "level", "ci_bound") if d in var.dims]
        values = var.transpose(*order).values
        out[name] = values[i] if "variable" in var.dims else values
    return out


def variable_table(summary: xr.Dataset, variable: str, *, hdi: bool = False,
                   env: xr.Dataset | None = None, metric: str | None = None,
                   scope: Scope = "all", tight: bool = False) -> Table:
    """The table of `variable`, one row per view; columns after the first right-aligned.

    Columns: view, median, the equal-tailed interval at every level, with ``hdi`` the
    highest-density interval at every level too, and the invalid-draw count when any view
    has invalid draws. With envelopes `env`, each envelope's row (median range, lowest
    lower end to highest upper end) comes before its member views, which are indented.
    `metric`, `scope` and `tight` are passed to the `Table`.
    """
    a = statistic_arrays(summary, variable, ("median", "mcse_median", "eti", "mcse_eti", "hdi",
                                             "mcse_hdi", "invalid", "valid"))
    levels = [float(p) for p in summary.variables["level"].values]
    header = [(Text("view"),), (Text("median"),)] + [percent_header(p, "ETI") for p in levels]
    if hdi:
        header += [percent_header(p, "HDI") for p in levels]
    show_invalid = bool((a["invalid"] > 0).any())
    if show_invalid:
        header.append((Text("invalid draws"),))
    rows: list[Row] = []
    views = summary.variables["view"].values
    parents = (summary.variables["envelope_of"].values if "envelope_of" in summary.coords
               else [""] * len(views))
    shown: set[str] = set()
    for j, (view, parent) in enumerate(zip(views, parents, strict=True)):
        if parent and env is not None and parent not in shown:
            shown.add(parent)
            rows.append(_envelope_row(env, str(parent), variable, len(levels), hdi,
                                      len(header)))
        row = [cell(str(view), indent=bool(parent)),
               cell(_mcse(float(a["median"][j]), float(a["mcse_median"][j])))]
        row += [_interval(a["eti"][j, i], a["mcse_eti"][j, i]) for i in range(len(levels))]
        if hdi:
            row += [_interval(a["hdi"][j, i], a["mcse_hdi"][j, i]) for i in range(len(levels))]
        if show_invalid:
            invalid = int(a["invalid"][j])
            row.append(cell(Num(invalid, spec=","), " of ",
                            Num(invalid + int(a["valid"][j]), spec=",")))
        rows.append(tuple(row))
    return Table(tuple(header), tuple(rows), columns(len(header), numeric=True),
                 metric=metric, scope=scope, tight=tight)
