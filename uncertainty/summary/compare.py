"""Comparing views of a run: the Dataset-level wrappers of `uncertainty.stats.pairwise`.

`compare_views` gives, for every pair of views, P(A > B) on the shared draws and the
overlap of the distributions and of their intervals; `thresholds_table` the chance of
exceeding thresholds; `claim_percentiles` where each source's own point claim falls.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.runtime.parallel import thread_map
from uncertainty.sampling.rows import row_groups
from uncertainty.stats.array import all_positive, quantile_statistics
from uncertainty.stats.pairwise import (
    DrawStat,
    PairRow,
    describe_percentile,
    exceedances,
    overlap_of_rows,
    pair_row,
    percentiles,
    prob_greater_rows,
    valid_draws,
)
from uncertainty.summary.eti_overlap import eti_overlap_errors, eti_overlaps

__all__ = ["claim_percentiles", "compare_views", "thresholds_table"]

FloatArray = NDArray[np.float64]
#: What `pair_table` computes for a pair of views, in order: P(A > B), its MCSE, the
#: overlap coefficient, its resolution and its MCSE (`prob_greater`, `overlap_with_mcse`).
PairStats = tuple[float, float, float, float, float]
#: Their names in the Dataset `compare_views` returns.
PAIR_NAMES = ("prob_greater", "prob_greater_mcse", "overlap", "ovl_resolution", "ovl_mcse")

def _keys(da: xr.DataArray | xr.Variable) -> list[object]:
    """One key per view, equal exactly when the rows are identical."""
    if "view_sources" in da.attrs:
        return list(da.attrs["view_sources"])
    rows = da.values
    return [next((j for j in range(i) if np.array_equal(rows[j], rows[i], equal_nan=True)), i)
            for i in range(len(rows))]


def _pairs(rows: FloatArray, keys: list[object], log: bool, threads: int) -> FloatArray:
    """P(A > B), its MCSE, OVL, its resolution and MCSE, shape ``(5, views, views)``.

    With `log`, a pair's overlap is binned on the log scale when both its rows are positive
    (`log` is decided by the views other than the consensus, which may reach 0 or below).
    """
    positive = [log and all_positive(row) for row in rows]
    # Each row is made ready once, on each scale a pair bins it on, and shared by its pairs
    # (`pair_row`: the same numbers as comparing the pair alone). Two threads asking for
    # one row at once may both make it: the same arrays either way.
    @functools.cache
    def row(i: int, on_log: bool) -> PairRow:
        return pair_row(rows[i], on_log)

    def stats(i: int, j: int) -> PairStats:
        on_log = positive[i] and positive[j]
        a, b = row(i, on_log), row(j, on_log)
        return (*prob_greater_rows(a, b), *overlap_of_rows(a, b))

    return pair_table(keys, stats, lambda i: bool(np.isfinite(rows[i]).any()),
                      threads=threads)


def pair_table(keys: Sequence[object],
               stats: Callable[[int, int], PairStats],
               has_valid: Callable[[int], bool], *, threads: int = 1) -> FloatArray:
    """`PairStats` for every pair of views, ``(5, nv, nv)``.

    ``stats(i, j)`` computes the five for views ``i < j`` of different keys; each pair of
    distinct keys is computed once, and each unordered pair once, the pairs spread over
    `threads` threads (each pair is a whole computation of its own, so the numbers are the
    same for any count). ``has_valid(i)`` says whether view ``i`` has a valid draw.
    """
    nv = len(keys)
    out = np.full((len(PAIR_NAMES), nv, nv), np.nan)
    done: dict[tuple[object, object], tuple[int, int]] = {}
    copies: list[tuple[int, int, tuple[int, int]]] = []
    for i in range(nv):
        for j in range(i, nv):
            known = done.get((keys[i], keys[j]))
            if known is None and (keys[j], keys[i]) in done:
                known = done[keys[j], keys[i]][::-1]
            if known is not None:
                copies.append((i, j, known))
            else:
                done[keys[i], keys[j]] = (i, j)

    def compute(pair: tuple[int, int]) -> tuple[float, ...] | None:
        i, j = pair
        if keys[i] != keys[j]:
            return stats(i, j)
        # Identical rows: known without the draws.
        return (0.5, 0.0, 1.0, 0.0, 0.0) if has_valid(i) else None

    for (i, j), found in zip(done.values(), thread_map(compute, list(done.values()), threads),
                             strict=True):
        if found is not None:
            out[:, i, j] = found
            # P(B > A) = 1 - P(A > B) exactly, ties counting half; the rest is symmetric.
            out[:, j, i] = (1 - found[0], *found[1:])
    for i, j, (a, b) in copies:
        out[:, i, j], out[:, j, i] = out[:, a, b], out[:, b, a]
    return out


def compare_views(draws: xr.Dataset, variables: Sequence[str], levels: Sequence[float], *,
                  log: Mapping[str, bool] | None = None, summary: xr.Dataset | None = None,
                  threads: int = 1) -> xr.Dataset:
    """Every ordered pair of views, compared for each variable.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``, as made by `uncertainty.sampling.draw_dataset`.
    variables : sequence of str
        Variables to compare.
    levels : sequence of float
        Credible levels of the equal-tailed intervals compared.
    log : mapping of str to bool, optional
        Variables whose overlap coefficient uses a log grid (see `overlap_coefficient`).
    summary : xarray.Dataset, optional
        The summary of `draws` at `levels` (`uncertainty.summary.summarize`): its ``eti``
        are the intervals compared, which spares sorting every row again. Without it they
        are computed here, with the same function.
    threads : int
        Threads over pairs of views and over rows; the numbers are the same for any count.

    Returns
    -------
    xarray.Dataset
        Dims ``variable``, ``view``, ``other`` (the same views) and ``level``:

        * ``prob_greater``, ``prob_greater_mcse`` ``(variable, view, other)``:
          P(view > other) on paired draws (`prob_greater`);
        * ``overlap``, ``ovl_resolution``, ``ovl_mcse`` ``(variable, view, other)``:
          `overlap_with_mcse`;
        * ``eti_overlap`` ``(variable, view, other, level)``: the `interval_overlap` share
          of the two views' equal-tailed intervals, the (1∓level)/2 quantiles of each
          view's valid draws (`uncertainty.stats.quantile_sorted`: type 8), and its MCSE
          ``eti_overlap_mcse`` (`eti_overlap_errors`).

        The ``log`` flag of each variable is a coordinate, and ``same_as`` over
        ``(variable, view)`` names the first view with identical draws (the view itself
        when none comes before it); ``view_label`` and the attributes of `draws` carry
        over. Rows with equal ``view_sources`` keys (without
        that attribute: equal rows) are identical and give 0.5, 0, 1, 0, 0 and 1 without
        computing. NaN where a view has no valid draw.
    """
    names = list(variables)
    views = draws["view"].values
    nv, nl = len(views), len(levels)
    flags = [bool((log or {}).get(n, False)) for n in names]
    pairs = np.full((len(names), len(PAIR_NAMES), nv, nv), np.nan)
    eti_share = np.full((2, len(names), nv, nv, nl), np.nan)
    given = _intervals(summary, names, levels) if summary is not None else None
    for v, (name, flag) in enumerate(zip(names, flags, strict=True)):
        rows = np.asarray(draws.variables[name].values, dtype=np.float64)
        keys = _keys(draws.variables[name])
        if given is not None:
            eti, eti_mcse = given[0][v], given[1][v]
        else:
            both = _per_row(keys, functools.partial(_eti_of, rows, levels), (2, nl, 2),
                            threads)
            eti, eti_mcse = both[:, 0], both[:, 1]
        eti_share[:, v] = eti_overlaps(eti), eti_overlap_errors(rows, eti, eti_mcse)
        pairs[v] = _pairs(rows, keys, flag, threads)
    return pairs_dataset(draws, names, levels, flags, pairs, eti_share)


def _intervals(summary: xr.Dataset, names: Sequence[str],
               levels: Sequence[float]) -> tuple[FloatArray, FloatArray]:
    """The ``eti`` and ``mcse_eti`` of `summary` at `names` and `levels`, as arrays.

    Each ``(variables, view, level, ci_bound)``: what selecting them variable by variable
    gives (a missing name or level is a KeyError), read from the arrays at once.
    """
    at = []
    for dim, labels in (("variable", names), ("level", levels)):
        found = summary.indexes[dim].get_indexer(list(labels))
        if (found < 0).any():
            raise KeyError(f"{list(labels)} not all in the summary's {dim}")
        at.append(found)
    order = ("variable", "view", "level", "ci_bound")
    eti, mcse = (summary.variables[k].transpose(*order).values[at[0]][:, :, at[1]]
                 for k in ("eti", "mcse_eti"))
    return eti, mcse


def _eti_of(rows: FloatArray, levels: Sequence[float], i: int) -> FloatArray:
    """The equal-tailed interval ends of row `i`'s valid draws and their MCSEs, stacked.

    NaN without any.
    """
    s = np.sort(valid_draws(rows[i]))
    if not len(s):
        return np.full((2, len(levels), 2), np.nan)
    found = quantile_statistics(s, levels)
    return np.stack([found["eti"], found["mcse_eti"]])


def _per_row(keys: Sequence[object], compute: Callable[[int], FloatArray],
             shape: tuple[int, ...], threads: int) -> FloatArray:
    """``compute(i)`` for the first view of each distinct row, copied to the others.

    The distinct rows are spread over `threads` threads, each a whole computation.
    """
    out = np.full((len(keys), *shape), np.nan)
    groups = row_groups(keys)
    found = thread_map(lambda group: compute(group[0]), groups, threads)
    for (first, same), value in zip(groups, found, strict=True):
        out[[first, *same]] = value
    return out


def pairs_dataset(draws: xr.Dataset, names: Sequence[str], levels: Sequence[float],
                  flags: Sequence[bool], pairs: FloatArray,
                  eti_share: FloatArray) -> xr.Dataset:
    """The Dataset `compare_views` returns, from its arrays.

    `draws` gives the views, their labels and the attributes (only its structure is
    read); `pairs` has shape ``(variables, 5, views, views)`` (`PAIR_NAMES`) and
    `eti_share` ``(2, variables, views, views, levels)``: the shares and their MCSEs.
    """
    views = draws["view"].values
    dims = ("variable", "view", "other")
    coords: dict[str, object] = {"variable": list(names), "view": views, "other": views,
                                 "level": list(levels), "log": ("variable", list(flags))}
    if "view_label" in draws.coords:
        coords["view_label"] = ("view", draws["view_label"].values)
    # Each view's first view with identical draws (itself when none before it).
    same_as = np.empty((len(names), len(views)), dtype=object)
    for v, name in enumerate(names):
        for j, same in row_groups(_keys(draws.variables[name])):
            same_as[v, [j, *same]] = str(views[j])
    coords["same_as"] = (("variable", "view"), same_as.astype(str))
    data = {k: (dims, pairs[:, m]) for m, k in enumerate(PAIR_NAMES)}
    return xr.Dataset(data | {"eti_overlap": ((*dims, "level"), eti_share[0]),
                              "eti_overlap_mcse": ((*dims, "level"), eti_share[1])},
                      coords=coords, attrs=dict(draws.attrs))


def _per_view(draws: xr.Dataset, variable: str, values: FloatArray,
              stat: DrawStat, threads: int = 1) -> tuple[FloatArray, FloatArray]:
    """``stat(valid draws, values)`` for each view, once per distinct row."""
    rows = np.asarray(draws.variables[variable].values, dtype=np.float64)

    def compute(i: int) -> FloatArray:
        return np.stack(stat(valid_draws(rows[i]), values))

    both = _per_row(_keys(draws.variables[variable]), compute, (2, len(values)), threads)
    return both[:, 0], both[:, 1]


def thresholds_table(draws: xr.Dataset, variable: str, thresholds: Sequence[float], *,
                     threads: int = 1) -> xr.Dataset:
    """P(X >= t) for each view and threshold.

    Returns
    -------
    xarray.Dataset
        Dims ``(view, threshold)``: ``prob`` (`exceedance`) and its binomial ``mcse``.
    """
    t = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    prob, se = _per_view(draws, variable, t, exceedances, threads)
    return thresholds_dataset(draws["view"].values, variable, t, prob, se)


def thresholds_dataset(views: Sequence[str] | NDArray[Any], variable: str, t: FloatArray,
                       prob: FloatArray, se: FloatArray) -> xr.Dataset:
    """The Dataset `thresholds_table` returns, from its ``(view, threshold)`` arrays."""
    dims = ("view", "threshold")
    return xr.Dataset({"prob": (dims, prob), "mcse": (dims, se)},
                      coords={"view": views, "threshold": t},
                      attrs={"variable": variable})


def claim_percentiles(draws: xr.Dataset, variable: str, claims: Mapping[str, float], *,
                      threads: int = 1) -> xr.Dataset:
    """Where each claimed figure falls in each view's distribution.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``.
    variable : str
        The variable the claims are about.
    claims : mapping of str to float
        Claim name to claimed value.

    Returns
    -------
    xarray.Dataset
        Dims ``(claim, view)``: ``percentile`` (`percentile_of`, a share in [0, 1]), its
        ``mcse``, and ``reading`` (`describe_percentile`); the claimed figures are the
        ``value`` coordinate along ``claim``.
    """
    values = np.asarray(list(claims.values()), dtype=np.float64).reshape(-1)
    q, se = _per_view(draws, variable, values, percentiles, threads)
    return claims_dataset(draws["view"].values, variable, list(claims), values, q, se)


def claims_dataset(views: Sequence[str] | NDArray[Any], variable: str, claims: Sequence[str],
                   values: FloatArray, q: FloatArray, se: FloatArray) -> xr.Dataset:
    """The Dataset `claim_percentiles` returns, from its ``(view, claim)`` arrays."""
    reading = np.array([describe_percentile(float(v)) for v in q.T.ravel()],
                       dtype=str).reshape(q.T.shape)
    dims = ("claim", "view")
    return xr.Dataset({"percentile": (dims, q.T), "mcse": (dims, se.T),
                       "reading": (dims, reading)},
                      coords={"claim": list(claims), "view": views,
                              "value": ("claim", values)},
                      attrs={"variable": variable})
