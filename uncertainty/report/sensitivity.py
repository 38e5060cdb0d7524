"""The sensitivity section as report blocks, and its part of ``summary.json``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from uncertainty.analysis.sensitivity import Sensitivity
from uncertainty.analysis.sensitivity.tornado import TORNADO_INPUTS
from uncertainty.numbers import json_number as _num
from uncertainty.report.blocks import (
    Block,
    BulletList,
    Cell,
    Content,
    Figure,
    Num,
    Paragraph,
    Row,
    Table,
    Text,
    cell,
    columns,
    prose,
)

__all__ = ["WEAK", "drivers", "sensitivity_blocks", "sensitivity_document"]

#: A rank correlation below this between dependent inputs is reported as weak.
WEAK = 0.05

_SHARES = (
    "Share of the variance of {what} that each input explains alone (first-order Sobol "
    "index, estimated from the run's own draws, ± its standard error). Tornado: the median "
    "with the input held at its {lo} and at its {hi} percentile (of the source's own "
    "distribution) while every other input varies (an input correlated with it follows "
    "it, as the correlation says); a pool's choice is held by making the pool take each "
    "source in turn. Only the {top} inputs of a view with the largest shares are held."
)


def _ordinal(p: float) -> str:
    n = round(100 * p)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _pct(share: float, se: float) -> Cell:
    if not math.isfinite(share):
        return cell("—")
    return cell(Num(100 * share, "mcse", 100 * se), "% ± ", Num(100 * se, "mcse", 100 * se / 4),
                "%")


def _number(x: float, mcse: float) -> Cell:
    return cell(Num(x, "mcse", mcse)) if math.isfinite(x) else cell("—")


def _what(inputs: xr.Dataset, metric: str) -> str:
    scale = str(inputs["scale"].sel(metric=metric).values)
    return f"log({metric})" if scale == "log" else metric


def _distinct_views(inputs: xr.Dataset, metric: str) -> list[tuple[str, list[str]]]:
    """Views with their own figures, each with the later views whose figures are equal."""
    out: list[tuple[str, list[str]]] = []
    sub = inputs.sel(metric=metric)
    for view in sub["view"].values:
        row = sub.sel(view=view)
        for first, same in out:
            other = sub.sel(view=first)
            if all(np.array_equal(row[v].values, other[v].values, equal_nan=True)
                   for v in ("share", "median", "base")):
                same.append(str(view))
                break
        else:
            out.append((str(view), []))
    return out


def drivers(sens: Sensitivity, top: int = 2) -> list[tuple[str, str, list[tuple[str, float,
                                                                              float]]]]:
    """For every metric and view, the `top` inputs with the largest shares.

    Each as ``(metric, view, [(input label, share, se), ...])``, largest first.
    """
    inputs = sens.inputs
    labels = inputs["input_label"].values
    found = []
    for metric in inputs["metric"].values:
        for view in inputs["view"].values:
            row = inputs.sel(metric=metric, view=view)
            shares, errors = row["share"].values, row["share_se"].values
            order = [k for k in np.argsort(-np.nan_to_num(shares, nan=-np.inf))
                     if math.isfinite(shares[k])][:top]
            if order:
                found.append((str(metric), str(view),
                              [(str(labels[k]), float(shares[k]), float(errors[k]))
                               for k in order]))
    return found


def _left(header: list[str], rows: list[Row]) -> Table:
    """A table of the sensitivity section: every column left-aligned, as it has always been."""
    return Table(tuple((Text(h),) for h in header), tuple(rows),
                 columns(len(header), numeric=False))


def _input_table(inputs: xr.Dataset, metric: str) -> Table:
    lo, hi = (_ordinal(p) for p in inputs.attrs["percentiles"])
    header = ["view", "input", "share of variance", f"median, input at {lo}",
              f"median, input at {hi}", "held at"]
    rows: list[Row] = []
    sub = inputs.sel(metric=metric)
    empty = cell("")
    for view, same in _distinct_views(inputs, metric):
        row = sub.sel(view=view)
        shares = row["share"].values
        order = [k for k in np.argsort(-np.nan_to_num(shares, nan=-np.inf)) if
                 math.isfinite(shares[k])]
        name = view + (f" (and {', '.join(same)})" if same else "")
        base = cell(Num(float(row["base"]), "mcse", float(row["base_mcse"])))
        rows.append((cell(name), cell("nothing held"), empty, base, base, empty))
        for k in order:
            med, err, held = (row[v].values[k] for v in ("median", "median_mcse", "held"))
            rows.append((empty, cell(str(inputs["input_label"].values[k])),
                         _pct(float(shares[k]), float(row["share_se"].values[k])),
                         _number(float(med[0]), float(err[0])),
                         _number(float(med[1]), float(err[1])),
                         cell(" → ".join(str(h) for h in held) if any(held) else "")))
        remainder = float(row["remainder"])
        if math.isfinite(remainder):
            what = ("interactions and overlap (1 − sum of shares)" if str(row["dependence"].values)
                    else "interactions (1 − sum of shares)")
            rows.append((empty, cell(what), _pct(remainder, float(row["remainder_se"])), empty,
                         empty, empty))
    return _left(header, rows)


def _dependence_items(inputs: xr.Dataset, metric: str) -> tuple[Content, ...]:
    groups: dict[str, list[str]] = {}
    sub = inputs.sel(metric=metric)
    # per group, the largest correlation over its views and the MCSE of the view giving it
    strongest: dict[str, tuple[float, float]] = {}
    for view, _ in _distinct_views(inputs, metric):
        text = str(sub["dependence"].sel(view=view).values)
        if text:
            groups.setdefault(text, []).append(view)
            r = float(sub["strongest_correlation"].sel(view=view))
            if math.isfinite(r) and r > strongest.get(text, (0.0, math.nan))[0]:
                strongest[text] = (r, float(sub["strongest_correlation_mcse"].sel(view=view)))
    items = []
    for text, views in groups.items():
        r, mcse = strongest.get(text, (0.0, math.nan))
        rho = _correlation(r, mcse)
        tail: tuple[str | Num, ...] = (
            (" Dependent inputs share variance, so each one's share also counts what it "
             "carries of the others (largest rank correlation between them in the draws: ",
             rho, ").") if r >= WEAK
            else (" The dependence is weak (largest rank correlation between them in the "
                  "draws: ", rho, "), so the shares still nearly add up."))
        items.append(cell(f"Shares need not add up in {', '.join(views)}: {text}.",
                          *tail).content)
    return tuple(items)


def _correlation(r: float, mcse: float) -> Num:
    """A rank correlation to the decimals its MCSE supports; two decimals without one.

    Decimals, not significant digits: a correlation near 0 shows as ``0.000``, not as the
    first digit of its noise.
    """
    if not (mcse > 0 and math.isfinite(mcse)):
        return Num(r, spec=".2f")
    return Num(r, spec=f".{max(0, -math.floor(math.log10(2 * mcse)))}f")


def _figure_cells(values: np.ndarray, errors: np.ndarray) -> tuple[Cell, Cell]:
    median = cell("—") if not math.isfinite(values[0]) else cell(
        Num(float(values[0]), "mcse", float(errors[0])))
    return median, _interval_cell(values, errors)


def _interval_cell(values: np.ndarray, errors: np.ndarray, *tail: Num | str) -> Cell:
    if not math.isfinite(values[1]):
        return cell("—")
    return cell("[", Num(float(values[1]), "mcse", float(errors[1])), ", ",
                Num(float(values[2]), "mcse", float(errors[2])), "]", *tail)


def _width_num(width: float, mcse: float) -> Num:
    """A width ratio to the digits its MCSE supports (an exact one, MCSE 0, plainly)."""
    return Num(width, "plain") if mcse == 0 else Num(width, "mcse", mcse)


def _width_cell(width: float, mcse: float) -> Cell:
    return cell(_width_num(width, mcse)) if math.isfinite(width) else cell("—")


def _leave_out_table(loo: xr.Dataset, metric: str, log: bool) -> Table:
    level = f"{loo.attrs['level']:.0%}"
    header = ["view", "without", "median", f"{level} ETI", "median moves", "width ×"]
    rows: list[Row] = []
    sub = loo.sel(metric=metric)
    empty = cell("")
    for view in sub["view"].values:
        base, base_err = sub["base"].sel(view=view).values, sub["base_mcse"].sel(
            view=view).values
        rows.append((cell(str(view)), cell("(all sources)"), *_figure_cells(base, base_err),
                     empty, empty))
        for source in sub["left_out"].values:
            reason = str(sub["reason"].sel(left_out=source).values)
            values = sub["value"].sel(view=view, left_out=source).values
            errors = sub["mcse"].sel(view=view, left_out=source).values
            if reason or not np.isfinite(values[1]):
                rows.append((empty, cell(str(source)), cell("—"), cell("—"),
                             cell(reason or "could not be computed"), empty))
                continue
            changes = sub[["move", "move_mcse", "width", "width_mcse"]].sel(
                view=view, left_out=source)
            shift, shift_mcse, width, width_mcse = (float(changes[k]) for k in changes)
            # an envelope has no single median: no move
            move = cell("—") if not math.isfinite(shift) else cell(
                Num(shift, "change", shift_mcse, spec="%" if log else ""))
            rows.append((empty, cell(str(source)), *_figure_cells(values, errors), move,
                         _width_cell(width, width_mcse)))
    return _left(header, rows)


def _sweep_table(sweep: xr.Dataset, metric: str, log: bool) -> Table:
    level = f"{sweep.attrs['level']:.0%}"
    scales = [float(s) for s in sweep["scale"].values]
    header = ["view"] + [f"×{s:g}: {level} ETI (width ×)" for s in scales]
    sub = sweep.sel(metric=metric)
    rows: list[Row] = []
    for view in sub["view"].values:
        cells = [cell(str(view))]
        for scale in scales:
            values = sub["value"].sel(view=view, scale=scale).values
            errors = sub["mcse"].sel(view=view, scale=scale).values
            width = float(sub["width"].sel(view=view, scale=scale))
            width_mcse = float(sub["width_mcse"].sel(view=view, scale=scale))
            tail: tuple[Num | str, ...] = (
                () if scale == 1.0 or not math.isfinite(width)
                else (" (", _width_num(width, width_mcse), ")"))
            cells.append(_interval_cell(values, errors, *tail))
        rows.append(tuple(cells))
    return _left(header, rows)


def sensitivity_blocks(sens: Sensitivity, metric: str,
                       figure: str | None = None) -> tuple[Block, ...]:
    """The sensitivity of one metric: inputs, leave-one-out and sweep tables.

    `figure` is the file name of the metric's tornado chart, shown in the full report.
    """
    inputs = sens.inputs
    lo, hi = (_ordinal(p) for p in inputs.attrs["percentiles"])
    log = str(inputs["scale"].sel(metric=metric).values) == "log"
    out: list[Block] = [Paragraph(prose(_SHARES.format(what=_what(inputs, metric), lo=lo, hi=hi,
                                                       top=TORNADO_INPUTS)))]
    if figure is not None:
        out.append(Figure(figure, f"tornado chart of {metric}", scope="full"))
    out += [_input_table(inputs, metric), BulletList(_dependence_items(inputs, metric))]
    if sens.leave_out is not None and metric in sens.leave_out["metric"].values:
        out += [Paragraph(prose(
            "Leave one source out: the pool, the consensus and each scenario recomputed without "
            "each source "
            "in turn (same seed and draws). Width × is the interval's width relative to the "
            "run's" + (" on a log scale." if log else "."))),
            _leave_out_table(sens.leave_out, metric, log)]
    if sens.sweep is not None:
        out += [Paragraph(prose(
            "Our own assumption: every default spread (from the grade table, a source's or "
            "the run's ci90_factor) with its log-spread scaled; spreads the sources stated "
            "are kept. In brackets, the width relative to ×1.")),
            _sweep_table(sens.sweep, metric, log)]
    return tuple(out)


def _plain(x: Any) -> Any:
    """Array values as JSON: nested lists, NaN as null, strings kept."""
    if isinstance(x, np.ndarray):
        return [_plain(v) for v in x] if x.ndim else _plain(x[()])
    if isinstance(x, str | np.str_):
        return str(x)
    return _num(x)


def _records(ds: xr.Dataset, dims: tuple[str, ...]) -> Any:
    """Nested dicts over `dims`, then each variable's values (as nested lists)."""
    if not dims:
        return {name: _plain(v.values) for name, v in ds.data_vars.items()}
    return {str(k): _records(ds.sel({dims[0]: k}), dims[1:]) for k in ds[dims[0]].values}


def _view_inputs(inputs: xr.Dataset, metric: str, view: str) -> dict[str, Any]:
    row = inputs.sel(metric=metric, view=view)
    found = {}
    for k, input_id in enumerate(inputs["input"].values):
        share = float(row["share"].values[k])
        if not math.isfinite(share):
            continue
        found[str(input_id)] = {
            "label": str(inputs["input_label"].values[k]),
            "kind": str(inputs["input_kind"].values[k]),
            "share": share,
            "share_se": _num(row["share_se"].values[k]),
            "tornado": {str(end): {"median": _num(row["median"].values[k, e]),
                                   "mcse": _num(row["median_mcse"].values[k, e]),
                                   "held_at": str(row["held"].values[k, e])}
                        for e, end in enumerate(inputs["end"].values)},
        }
    return {"median": _num(row["base"]), "mcse": _num(row["base_mcse"]),
            "remainder": _num(row["remainder"]), "remainder_se": _num(row["remainder_se"]),
            "dependence": str(row["dependence"].values),
            "strongest_correlation": _num(row["strongest_correlation"]),
            "strongest_correlation_mcse": _num(row["strongest_correlation_mcse"]),
            "inputs": found}


def sensitivity_document(sens: Sensitivity) -> dict[str, Any]:
    """The ``sensitivity`` part of ``summary.json``: every number unrounded."""
    inputs = sens.inputs
    doc: dict[str, Any] = {
        "tornado_percentiles": list(inputs.attrs["percentiles"]),
        "inputs": {
            str(m): {
                "scale": str(inputs["scale"].sel(metric=m).values),
                "views": {str(v): _view_inputs(inputs, str(m), str(v))
                          for v in inputs["view"].values},
            }
            for m in inputs["metric"].values
        },
        "notes": list(sens.notes),
    }
    if sens.leave_out is not None:
        doc["leave_out"] = {"level": sens.leave_out.attrs["level"],
                            "figures": [str(f) for f in sens.leave_out["figure"].values],
                            "metrics": _records(sens.leave_out,
                                                ("metric", "view", "left_out"))}
    if sens.sweep is not None:
        doc["spread_sweep"] = {"level": sens.sweep.attrs["level"],
                               "scales": [float(s) for s in sens.sweep["scale"].values],
                               "figures": [str(f) for f in sens.sweep["figure"].values],
                               "metrics": _records(sens.sweep, ("metric", "view"))}
    return doc
