"""The views compared in a streamed run: counted over every draw, as in memory.

A streamed run cannot compare rows draw by draw after the fact, so its summing pass counts
what `uncertainty.analysis.comparison.compare_run` needs (`uncertainty.streaming.chunks.Tally`):
per pair of distinct rows of a metric the draws where A > B and A == B, per row the draws
below and equal to each point claim and threshold, and those <= 0 (whether a metric is
positive). From those counts the same functions give the same numbers; only the overlap
coefficients, which need the draws' histograms, come from the prefix.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.analysis.comparison import Comparison, point_claims
from uncertainty.model.core import CONSENSUS, Model
from uncertainty.model.views import View
from uncertainty.stats.pairwise import overlap_with_mcse, share_and_mcse
from uncertainty.streaming.chunks import RowSpec, Tally
from uncertainty.summary.compare import (
    PAIR_NAMES,
    PairStats,
    claims_dataset,
    pair_table,
    pairs_dataset,
    thresholds_dataset,
)
from uncertainty.summary.eti_overlap import eti_overlap_errors, eti_overlaps

__all__ = ["compare_views", "paired_rows", "probes"]

FloatArray = NDArray[np.float64]


def probes(model: Model, views: tuple[View, ...], rows: list[RowSpec],
            compare: bool) -> tuple[list[FloatArray], dict[str, dict[str, float]]]:
    """Per row the values to count draws below: claims, thresholds, then 0 (the sign)."""
    claims = {m.name: point_claims(model, views, m) for m in model.metrics} if compare else {}
    out = []
    for row in rows:
        values: list[float] = []
        if row.metric is not None and compare:
            values = [*claims[row.variable].values(), *row.metric.thresholds]
        out.append(np.array([*values, 0.0], dtype=np.float64))
    return out, claims


def paired_rows(rows: list[RowSpec], compare: bool) -> list[tuple[int, int]]:
    """Every pair of distinct rows of one metric (lower index first)."""
    if not compare:
        return []
    by_metric: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.metric is not None:
            by_metric.setdefault(row.variable, []).append(i)
    return [(a, b) for members in by_metric.values()
            for x, a in enumerate(members) for b in members[x + 1:]]


def compare_views(model: Model, views: tuple[View, ...], head: xr.Dataset,
                  summary: xr.Dataset,
                  row_of: dict[tuple[int, int], int], total: Tally,
                claims: dict[str, dict[str, float]], pairs: list[tuple[int, int]],
                pre: list[FloatArray]) -> Comparison:
    """The views compared, as `uncertainty.analysis.comparison.compare_run` from all the draws.

    P(A > B), claim percentiles, thresholds and ETI overlaps are exact (counted over every
    draw); overlap coefficients come from the prefix (`Streamed.draws`), with the bias bound
    and MCSE of that many draws.
    """
    names = [m.name for m in model.metrics]
    nv, levels = len(views), model.run.levels
    index = {pair: p for p, pair in enumerate(pairs)}
    var = {name: v for v, name in enumerate(head.data_vars)}

    def sign(r: int) -> tuple[int, int]:  # valid draws, and those <= 0
        return int(total.valid[r]), int(total.below[r][-1] + total.equal[r][-1])

    def positive(rows: set[int]) -> bool:
        counted = [sign(r) for r in rows]
        return sum(c[0] for c in counted) > 0 and all(c[1] == 0 for c in counted)

    # The scale is the views' but the consensus's, as in `compare_run` (`others`); a pair
    # with a row reaching 0 or below is binned linearly.
    scaled = [j for j, v in enumerate(views) if v.id != CONSENSUS] or list(range(nv))
    flags = [positive({row_of[var[name], j] for j in scaled}) for name in names]
    table = np.full((len(names), len(PAIR_NAMES), nv, nv), np.nan)
    eti_share = np.full((2, len(names), nv, nv, len(levels)), np.nan)
    for v, (name, flag) in enumerate(zip(names, flags, strict=True)):
        of = [row_of[var[name], j] for j in range(nv)]

        def stats(i: int, j: int, of: list[int] = of,
                  flag: bool = flag) -> PairStats:
            a, b = of[i], of[j]
            greater, ties, n = (int(c) for c in total.pairs[index[min(a, b), max(a, b)]])
            if a > b:
                greater = n - greater - ties
            p, se = share_and_mcse(n, np.array(greater, dtype=np.float64),
                                    np.array(ties, dtype=np.float64))
            log = flag and positive({a}) and positive({b})
            return (float(p), float(se), *overlap_with_mcse(pre[a], pre[b], log=log))

        def has_valid(i: int, of: list[int] = of) -> bool:
            return bool(total.valid[of[i]] > 0)

        table[v] = pair_table(of, stats, has_valid)
        eti = summary["eti"].sel(variable=name).values
        # the same draws as an in-memory run's first ones: the same MCSE
        # (`indicator_correlation` counts only the first `LIMIT` <= `PREFIX_DRAWS`)
        eti_share[:, v] = eti_overlaps(eti), eti_overlap_errors(
            np.stack([pre[r] for r in of]), eti, summary["mcse_eti"].sel(variable=name).values)
    structure = head[list(names)]  # its rows' view_sources keys group identical views
    structure.attrs = dict(summary.attrs)  # the attributes an in-memory run's draws carry
    pairs_ds = pairs_dataset(structure, names, levels, flags, table, eti_share)
    claimed, thresholds = {}, {}
    for metric in model.metrics:
        made = claims[metric.name]
        of = [row_of[var[metric.name], j] for j in range(nv)]
        n = np.array([int(total.valid[r]) for r in of])
        if made:
            values = np.asarray(list(made.values()), dtype=np.float64).reshape(-1)
            q = np.full((nv, len(values)), np.nan)
            se = np.full_like(q, np.nan)
            for j, r in enumerate(of):
                k = len(values)
                est, err = share_and_mcse(int(n[j]), total.below[r][:k].astype(np.float64),
                                           total.equal[r][:k].astype(np.float64))
                q[j] = np.where(np.isnan(values), np.nan, est)
                se[j] = np.where(np.isnan(values), np.nan, err)
            claimed[metric.name] = claims_dataset(head["view"].values, metric.name,
                                                  list(made), values, q, se)
        if metric.thresholds:
            t = np.asarray(metric.thresholds, dtype=np.float64).reshape(-1)
            k0 = len(made)
            prob = np.full((nv, len(t)), np.nan)
            err = np.full_like(prob, np.nan)
            for j, r in enumerate(of):
                below = total.below[r][k0:k0 + len(t)].astype(np.float64)
                p, s = share_and_mcse(int(n[j]), int(n[j]) - below, np.zeros_like(below))
                prob[j] = np.where(np.isnan(t), np.nan, p)
                err[j] = np.where(np.isnan(t), np.nan, s)
            thresholds[metric.name] = thresholds_dataset(head["view"].values, metric.name,
                                                         t, prob, err)
    return Comparison(pairs_ds, claimed, thresholds)
