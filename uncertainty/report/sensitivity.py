"""The sensitivity section: tables in text or Markdown, and its part of ``summary.json``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from uncertainty.numbers import json_number as _num
from uncertainty.numbers import rounded
from uncertainty.report.tables import format_rows, markdown_table
from uncertainty.sensitivity import Sensitivity
from uncertainty.sensitivity.inputs import TORNADO_INPUTS

__all__ = ["WEAK", "drivers", "sensitivity_document", "sensitivity_lines"]

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


def _pct(share: float, se: float) -> str:
    if not math.isfinite(share):
        return "—"
    return f"{rounded(100 * share, 100 * se)}% ± {rounded(100 * se, 100 * se / 4)}%"


def _number(x: float, mcse: float) -> str:
    return rounded(x, mcse) if math.isfinite(x) else "—"


def _what(inputs: xr.Dataset, metric: str) -> str:
    scale = str(inputs["scale"].sel(metric=metric).values)
    return f"log({metric})" if scale == "log" else metric


def _distinct_views(inputs: xr.Dataset, metric: str) -> list[tuple[str, list[str]]]:
    """Views with their own figures, each with the later views whose draws are identical."""
    out: dict[str, list[str]] = {}
    sub = inputs.sel(metric=metric)
    for view, first in zip(sub["view"].values, sub["same_as"].values, strict=True):
        if str(first) in out:
            out[str(first)].append(str(view))
        else:
            out[str(view)] = []
    return list(out.items())


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


def _input_rows(inputs: xr.Dataset, metric: str) -> tuple[list[str], list[list[str]]]:
    lo, hi = (_ordinal(p) for p in inputs.attrs["percentiles"])
    header = ["view", "input", "share of variance", f"median, input at {lo}",
              f"median, input at {hi}", "held at"]
    rows = []
    sub = inputs.sel(metric=metric)
    for view, same in _distinct_views(inputs, metric):
        row = sub.sel(view=view)
        shares = row["share"].values
        order = [k for k in np.argsort(-np.nan_to_num(shares, nan=-np.inf)) if
                 math.isfinite(shares[k])]
        name = view + (f" (and {', '.join(same)})" if same else "")
        base = rounded(float(row["base"]), float(row["base_mcse"]))
        rows.append([name, "nothing held", "", base, base, ""])
        for k in order:
            med, err, held = (row[v].values[k] for v in ("median", "median_mcse", "held"))
            rows.append(["", str(inputs["input_label"].values[k]),
                         _pct(float(shares[k]), float(row["share_se"].values[k])),
                         _number(float(med[0]), float(err[0])),
                         _number(float(med[1]), float(err[1])),
                         " → ".join(str(h) for h in held) if any(held) else ""])
        remainder = float(row["remainder"])
        if math.isfinite(remainder):
            what = ("interactions and overlap (1 − sum of shares)" if str(row["dependence"].values)
                    else "interactions (1 − sum of shares)")
            rows.append(["", what, f"{remainder:.1%}", "", "", ""])
    return header, rows


def _dependence_lines(inputs: xr.Dataset, metric: str) -> list[str]:
    groups: dict[str, list[str]] = {}
    sub = inputs.sel(metric=metric)
    strongest: dict[str, float] = {}
    for view, _ in _distinct_views(inputs, metric):
        text = str(sub["dependence"].sel(view=view).values)
        if text:
            groups.setdefault(text, []).append(view)
            r = float(sub["strongest_correlation"].sel(view=view))
            strongest[text] = max(strongest.get(text, 0.0), r if math.isfinite(r) else 0.0)
    return [f"- Shares need not add up in {', '.join(views)}: {text}. "
            + (f"Dependent inputs share variance, so each one's share also counts what it "
               f"carries of the others (largest rank correlation between them in the draws: "
               f"{strongest[text]:.2f})." if strongest[text] >= WEAK
               else f"The dependence is weak (largest rank correlation between them in the "
                    f"draws: {strongest[text]:.2f}), so the shares still nearly add up.")
            for text, views in groups.items()]


def _figure_cells(values: np.ndarray, errors: np.ndarray) -> tuple[str, str]:
    median = "—" if not math.isfinite(values[0]) else rounded(values[0], errors[0])
    if not math.isfinite(values[1]):
        return median, "—"
    return median, f"[{rounded(values[1], errors[1])}, {rounded(values[2], errors[2])}]"


def _decimals(mcse: float) -> int:
    """Decimals `rounded` would show for a number with this MCSE."""
    text = rounded(1.0, mcse)
    return len(text.split(".")[1]) if "." in text else 0


def _width(values: np.ndarray, base: np.ndarray, log: bool) -> float:
    if log and values[1] > 0 and base[1] > 0:
        return float(np.log(values[2] / values[1]) / np.log(base[2] / base[1]))
    return float((values[2] - values[1]) / (base[2] - base[1]))


def _leave_out_rows(loo: xr.Dataset, metric: str, log: bool) -> tuple[list[str],
                                                                      list[list[str]]]:
    level = f"{loo.attrs['level']:.0%}"
    header = ["view", "without", "median", f"{level} ETI", "median moves", "width ×"]
    rows = []
    sub = loo.sel(metric=metric)
    for view in sub["view"].values:
        base, base_err = sub["base"].sel(view=view).values, sub["base_mcse"].sel(
            view=view).values
        rows.append([str(view), "(all sources)", *_figure_cells(base, base_err), "", ""])
        for source in sub["left_out"].values:
            reason = str(sub["reason"].sel(left_out=source).values)
            values = sub["value"].sel(view=view, left_out=source).values
            errors = sub["mcse"].sel(view=view, left_out=source).values
            if reason or not np.isfinite(values[1]):
                rows.append(["", str(source), "—", "—", reason or "could not be computed", ""])
                continue
            if not (math.isfinite(values[0]) and math.isfinite(base[0])):
                move = "—"  # an envelope has no single median
            elif log:
                move = f"{values[0] / base[0] - 1:+.1%}"
            else:
                move = f"{values[0] - base[0]:+.{max(_decimals(errors[0]), 0)}f}"
            rows.append(["", str(source), *_figure_cells(values, errors), move,
                         f"{_width(values, base, log):.2f}"])
    return header, rows


def _sweep_rows(sweep: xr.Dataset, metric: str, log: bool) -> tuple[list[str],
                                                                   list[list[str]]]:
    level = f"{sweep.attrs['level']:.0%}"
    scales = [float(s) for s in sweep["scale"].values]
    header = ["view"] + [f"×{s:g}: {level} ETI (width ×)" for s in scales]
    sub = sweep.sel(metric=metric)
    rows = []
    for view in sub["view"].values:
        base = sub["value"].sel(view=view, scale=1.0).values
        cells = [str(view)]
        for scale in scales:
            values = sub["value"].sel(view=view, scale=scale).values
            errors = sub["mcse"].sel(view=view, scale=scale).values
            interval = _figure_cells(values, errors)[1]
            cells.append(interval if scale == 1.0 or interval == "—"
                         else f"{interval} ({_width(values, base, log):.2f})")
        rows.append(cells)
    return header, rows


def sensitivity_lines(sens: Sensitivity, metric: str, *, markdown: bool,
                      figure: str | None = None) -> list[str]:
    """The sensitivity of one metric: inputs, leave-one-out and sweep tables.

    `figure` is the file name of the metric's tornado chart, embedded in Markdown.
    """
    inputs = sens.inputs
    lo, hi = (_ordinal(p) for p in inputs.attrs["percentiles"])
    log = str(inputs["scale"].sel(metric=metric).values) == "log"

    def table(header: list[str], rows: list[list[str]]) -> str:
        return markdown_table(header, rows, numeric=False) if markdown else format_rows(
            header, rows)

    out = ["", _SHARES.format(what=_what(inputs, metric), lo=lo, hi=hi, top=TORNADO_INPUTS),
           ""]
    if figure is not None and markdown:
        out += [f"![tornado chart of {metric}]({figure})", ""]
    out.append(table(*_input_rows(inputs, metric)))
    out += ["", *_dependence_lines(inputs, metric)]
    if sens.leave_out is not None and metric in sens.leave_out["metric"].values:
        out += ["", "Leave one source out: the pool and each scenario recomputed without each "
                "source in turn (same seed and draws). Width × is the interval's width "
                "relative to the run's" + (" on a log scale." if log else "."), ""]
        out.append(table(*_leave_out_rows(sens.leave_out, metric, log)))
    if sens.sweep is not None:
        out += ["", "Our own assumption: every default spread (from the grade table, a source's "
                "or the run's ci90_factor) with its log-spread scaled; spreads the sources "
                "stated are kept. In brackets, the width relative to ×1.", ""]
        out.append(table(*_sweep_rows(sens.sweep, metric, log)))
    return out


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
            "remainder": _num(row["remainder"]), "dependence": str(row["dependence"].values),
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
