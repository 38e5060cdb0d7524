"""The comparison of views as report blocks, and its part of ``summary.json``."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from uncertainty.analysis.comparison import Comparison
from uncertainty.numbers import json_number as _num
from uncertainty.numbers import level_key
from uncertainty.report.blocks import (
    Block,
    Content,
    Num,
    Paragraph,
    Row,
    Table,
    Text,
    cell,
    columns,
    prose,
)
from uncertainty.report.tables import percent_header

__all__ = ["comparison_blocks", "comparison_document", "thresholds_document"]


def _groups(pairs: xr.Dataset, variable: str) -> list[list[str]]:
    """Views grouped by identical draws (the ``same_as`` coordinate of the comparison)."""
    groups: dict[str, list[str]] = {}
    row = int(pairs.indexes["variable"].get_loc(variable))
    same_as = _axes(pairs.variables["same_as"], "variable", "view")[row]
    for view, first in zip(pairs["view"].values, same_as, strict=True):
        groups.setdefault(str(first), []).append(str(view))
    return list(groups.values())


def _pair_table(comparison: Comparison, variable: str, groups: list[list[str]]) -> Table:
    """One row per unordered pair of views with different draws; a view stands for its group."""
    pairs = comparison.pairs
    levels = [float(x) for x in pairs["level"].values]
    header: list[Content] = [(Text("A"),), (Text("B"),), (Text("P(A > B)"),),
                             (Text("overlap coefficient"),)]
    header += [percent_header(lv, "ETI overlap") for lv in levels]
    firsts = [g[0] for g in groups]
    index = {str(v): i for i, v in enumerate(pairs["view"].values)}
    row = [str(v) for v in pairs["variable"].values].index(variable)
    grid = {k: _axes(pairs[k].variable, "variable", "view", "other",
                     *(("level",) if k.startswith("eti") else ()))[row]
            for k in ("prob_greater", "prob_greater_mcse", "overlap", "ovl_mcse", "ovl_resolution",
                      "eti_overlap", "eti_overlap_mcse")}
    rows = []
    for a, b in ((a, b) for i, a in enumerate(firsts) for b in firsts[i + 1:]):
        i, j = index[a], index[b]
        rows.append((cell(a), cell(b),
                     cell(Num(float(grid["prob_greater"][i, j]), "mcse",
                              float(grid["prob_greater_mcse"][i, j]))),
                     # digits: the larger of its noise and the bound on its bias
                     cell(Num(float(grid["overlap"][i, j]), "mcse",
                              max(float(grid["ovl_mcse"][i, j]),
                                  float(grid["ovl_resolution"][i, j])))),
                     *(cell(_eti_overlap_num(float(grid["eti_overlap"][i, j, k]),
                                             float(grid["eti_overlap_mcse"][i, j, k])))
                       for k in range(len(levels)))))
    return _numeric(header, rows)


def _axes(var: xr.Variable, *dims: str) -> np.ndarray:
    """`var`'s values with its axes in the order of `dims` (all of them): a numpy view.

    What ``DataArray.transpose(*dims).values`` gives, without building DataArrays: the
    comparison's tables read a few arrays per metric, where xarray's per-call cost was
    most of the time.
    """
    return np.transpose(var.values, [var.dims.index(d) for d in dims])


def _eti_overlap_num(share: float, mcse: float) -> Num:
    """An interval overlap in whole percentages, or fewer digits where its MCSE says so.

    Whole percentages as before the overlap had an MCSE: a decimal would set "100.0%" (a
    share just under 1) beside "100%" (one interval inside the other, MCSE 0) for no
    reader's benefit. An MCSE of 5 points or more (few draws) rounds to tens.
    """
    return Num(share, "mcse", max(mcse, 0.005), spec="%") if mcse > 0 else Num(
        share, spec=".0%")


def _numeric(header: list[Content], rows: list[Row]) -> Table:
    return Table(tuple(header), tuple(rows), columns(len(header), numeric=True))


def _claim_table(claims: xr.Dataset) -> Table:
    views = [str(v) for v in claims["view"].values]
    header: list[Content] = [(Text("claim"),), *((Text(v),) for v in views)]
    reading = _axes(claims.variables["reading"], "claim", "view")
    rows = []
    for i, claim in enumerate(claims["claim"].values):
        rows.append((cell(f"{claim}: ", Num(float(claims["value"].values[i]), "plain")),
                     *(cell(str(reading[i, j]).replace("at the ", ""))
                       for j in range(len(views)))))
    return _numeric(header, rows)


def _threshold_table(table: xr.Dataset) -> Table:
    thresholds = [float(t) for t in table["threshold"].values]
    header: list[Content] = [(Text("view"),)]
    header += [(Text("P(≥ "), Num(t, "plain"), Text(")")) for t in thresholds]
    prob = _axes(table.variables["prob"], "view", "threshold")
    mcse = _axes(table.variables["mcse"], "view", "threshold")
    rows = [(cell(str(v)), *(cell(Num(float(prob[j, k]), "mcse", float(mcse[j, k])))
                             for k in range(len(thresholds))))
            for j, v in enumerate(table["view"].values)]
    return _numeric(header, rows)


def comparison_blocks(comparison: Comparison, variable: str) -> tuple[Block, ...]:
    """The comparison of one metric's views: claims, pairwise disagreement, thresholds."""
    out: list[Block] = []
    claims = comparison.claims.get(variable)
    if claims is not None:
        out += [Paragraph(prose("Where each source's own point figure falls in each view "
                                "(percentile of the view's draws):")), _claim_table(claims)]
    groups = _groups(comparison.pairs, variable)
    pairs = _pair_table(comparison, variable, groups)
    groups = [g for g in groups if len(g) > 1]
    if pairs.rows:
        out += [Paragraph(prose("How far the views disagree: P(A > B) on the shared draws; the "
                                "overlap coefficient of their distributions (1 = identical, 0 "
                                "= disjoint); the overlap of their intervals as a share of the "
                                "shorter one:")), pairs]
    if groups:
        same = "; ".join(" = ".join(g) for g in groups)
        out.append(Paragraph(prose(f"Identical draws, not compared: {same}.")))
    table_t = comparison.thresholds.get(variable)
    if table_t is not None:
        out += [Paragraph(prose("Chance of reaching each threshold:")),
                _threshold_table(table_t)]
    return tuple(out)


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """The ``comparisons`` section of ``summary.json``: unrounded pairs and claims."""
    pairs = comparison.pairs
    out: dict[str, Any] = {}
    dims = ("variable", "view", "other")
    grids = {k: _axes(pairs.variables[k], *dims)
             for k in ("prob_greater", "prob_greater_mcse", "overlap", "ovl_mcse",
                       "ovl_resolution")}
    eti, eti_mcse = (_axes(pairs.variables[k], *dims, "level")
                     for k in ("eti_overlap", "eti_overlap_mcse"))
    views, others = pairs["view"].values, pairs["other"].values
    levels = [float(x) for x in pairs["level"].values]
    for v, variable in enumerate(pairs["variable"].values):
        entry: dict[str, Any] = {
            "log_scale": bool(pairs["log"].values[v]) if "log" in pairs.coords else False,
            "pairs": [
                {
                    "view": str(a), "other": str(b),
                    "prob_greater": _num(grids["prob_greater"][v, i, j]),
                    "prob_greater_mcse": _num(grids["prob_greater_mcse"][v, i, j]),
                    "overlap": _num(grids["overlap"][v, i, j]),
                    "overlap_mcse": _num(grids["ovl_mcse"][v, i, j]),
                    "overlap_resolution": _num(grids["ovl_resolution"][v, i, j]),
                    "eti_overlap": {level_key(lv): _num(eti[v, i, j, k])
                                    for k, lv in enumerate(levels)},
                    "eti_overlap_mcse": {level_key(lv): _num(eti_mcse[v, i, j, k])
                                         for k, lv in enumerate(levels)},
                }
                for i, a in enumerate(views) for j, b in enumerate(others) if a != b
            ],
        }
        claims = comparison.claims.get(str(variable))
        if claims is not None:
            table = {k: _axes(claims.variables[k], "claim", "view")
                     for k in ("percentile", "mcse", "reading")}
            entry["claims"] = [
                {
                    "claimant": str(c), "value": _num(claims["value"].values[i]),
                    "percentiles": {
                        str(v): {
                            "percentile": _num(table["percentile"][i, j]),
                            "mcse": _num(table["mcse"][i, j]),
                            "reading": str(table["reading"][i, j]),
                        }
                        for j, v in enumerate(claims["view"].values)
                    },
                }
                for i, c in enumerate(claims["claim"].values)
            ]
        out[str(variable)] = entry
    return out


def thresholds_document(comparison: Comparison) -> dict[str, Any]:
    """The ``thresholds`` section of ``summary.json``: P(metric >= t) per view, with MCSE."""
    out = {}
    for name, table in comparison.thresholds.items():
        prob = _axes(table.variables["prob"], "view", "threshold")
        mcse = _axes(table.variables["mcse"], "view", "threshold")
        out[name] = [
            {"threshold": float(t), "view": str(v), "prob": _num(prob[j, k]),
             "mcse": _num(mcse[j, k])}
            for k, t in enumerate(table["threshold"].values)
            for j, v in enumerate(table["view"].values)
        ]
    return out
