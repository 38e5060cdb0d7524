"""Rendering the comparison of views: pairwise table, point claims and thresholds."""

from __future__ import annotations

from typing import Any

import xarray as xr

from uncertainty.comparison import Comparison
from uncertainty.numbers import json_number as _num
from uncertainty.numbers import level_key, plain, rounded
from uncertainty.report.tables import format_rows, markdown_table

__all__ = ["comparison_document", "comparison_lines", "thresholds_document"]


def _groups(pairs: xr.Dataset, variable: str) -> list[list[str]]:
    """Views grouped by identical draws (the ``same_as`` coordinate of the comparison)."""
    groups: dict[str, list[str]] = {}
    for view, first in zip(pairs["view"].values, pairs["same_as"].sel(variable=variable).values,
                           strict=True):
        groups.setdefault(str(first), []).append(str(view))
    return list(groups.values())


def _pair_rows(comparison: Comparison, variable: str,
               groups: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """One row per unordered pair of views with different draws; a view stands for its group."""
    p = comparison.pairs.sel(variable=variable)
    levels = [float(x) for x in p["level"].values]
    header = ["A", "B", "P(A > B)", "overlap coefficient"] + [
        f"{lv:.0%} ETI overlap" for lv in levels]
    firsts = [g[0] for g in groups]
    rows = []
    for a, b in ((a, b) for i, a in enumerate(firsts) for b in firsts[i + 1:]):
        r = p.sel(view=a, other=b)
        rows.append([a, b, rounded(float(r["prob_greater"]), float(r["prob_greater_mcse"])),
                     f"{float(r['overlap']):.2f}"]
                    + [f"{float(r['eti_overlap'].sel(level=lv)):.0%}" for lv in levels])
    return header, rows


def _claim_rows(claims: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    views = [str(v) for v in claims["view"].values]
    header = ["claim", *views]
    rows = []
    for claim in claims["claim"].values:
        c = claims.sel(claim=claim)
        rows.append([f"{claim}: {plain(float(c['value']))}"]
                    + [str(c["reading"].sel(view=v).values).replace("at the ", "")
                       for v in views])
    return header, rows


def _threshold_rows(table: xr.Dataset) -> tuple[list[str], list[list[str]]]:
    thresholds = [float(t) for t in table["threshold"].values]
    header = ["view"] + [f"P(≥ {plain(t)})" for t in thresholds]
    rows = [[str(v)] + [rounded(float(table["prob"].sel(view=v, threshold=t)),
                                float(table["mcse"].sel(view=v, threshold=t)))
                        for t in thresholds]
            for v in table["view"].values]
    return header, rows


def comparison_lines(comparison: Comparison, variable: str, *, markdown: bool) -> list[str]:
    """The comparison of one metric's views, as Markdown or plain-text lines."""
    def table(header: list[str], rows: list[list[str]]) -> str:
        return markdown_table(header, rows) if markdown else format_rows(header, rows)

    out: list[str] = []
    claims = comparison.claims.get(variable)
    if claims is not None:
        out += ["", "Where each source's own point figure falls in each view (percentile of "
                    "the view's draws):", "", table(*_claim_rows(claims))]
    groups = _groups(comparison.pairs, variable)
    header, rows = _pair_rows(comparison, variable, groups)
    groups = [g for g in groups if len(g) > 1]
    if rows:
        out += ["", "How far the views disagree: P(A > B) on the shared draws; the overlap "
                    "coefficient of their distributions (1 = identical, 0 = disjoint); the "
                    "overlap of their intervals as a share of the shorter one:", "",
                table(header, rows)]
    if groups:
        same = "; ".join(" = ".join(g) for g in groups)
        out += ["", f"Identical draws, not compared: {same}."]
    table_t = comparison.thresholds.get(variable)
    if table_t is not None:
        out += ["", "Chance of reaching each threshold:", "", table(*_threshold_rows(table_t))]
    return out


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """The ``comparisons`` section of ``summary.json``: unrounded pairs and claims."""
    pairs = comparison.pairs
    out: dict[str, Any] = {}
    for variable in pairs["variable"].values:
        p = pairs.sel(variable=variable)
        levels = [float(x) for x in p["level"].values]
        entry: dict[str, Any] = {
            "log_scale": bool(p["log"]) if "log" in p.coords else False,
            "pairs": [
                {
                    "view": str(a), "other": str(b),
                    "prob_greater": _num(p["prob_greater"].sel(view=a, other=b)),
                    "prob_greater_mcse": _num(p["prob_greater_mcse"].sel(view=a, other=b)),
                    "overlap": _num(p["overlap"].sel(view=a, other=b)),
                    "overlap_resolution": _num(p["ovl_resolution"].sel(view=a, other=b)),
                    "eti_overlap": {level_key(lv): _num(p["eti_overlap"].sel(
                        view=a, other=b, level=lv)) for lv in levels},
                }
                for a in p["view"].values for b in p["other"].values if a != b
            ],
        }
        claims = comparison.claims.get(str(variable))
        if claims is not None:
            entry["claims"] = [
                {
                    "claimant": str(c), "value": _num(claims["value"].sel(claim=c)),
                    "percentiles": {
                        str(v): {
                            "percentile": _num(claims["percentile"].sel(claim=c, view=v)),
                            "mcse": _num(claims["mcse"].sel(claim=c, view=v)),
                            "reading": str(claims["reading"].sel(claim=c, view=v).values),
                        }
                        for v in claims["view"].values
                    },
                }
                for c in claims["claim"].values
            ]
        out[str(variable)] = entry
    return out


def thresholds_document(comparison: Comparison) -> dict[str, Any]:
    """The ``thresholds`` section of ``summary.json``: P(metric >= t) per view, with MCSE."""
    return {
        name: [
            {"threshold": float(t), "view": str(v),
             "prob": _num(table["prob"].sel(view=v, threshold=t)),
             "mcse": _num(table["mcse"].sel(view=v, threshold=t))}
            for t in table["threshold"].values for v in table["view"].values
        ]
        for name, table in comparison.thresholds.items()
    }
