"""The overlap share of two views' equal-tailed intervals, and its Monte Carlo error.

`eti_overlaps` gives the `uncertainty.stats.pairwise.interval_overlap` share of every pair
of intervals; `eti_overlap_errors` its MCSE by the delta method
(`uncertainty.stats.paired.error_of` applied to `share`). The comparison of a run computes
it for every pair of views at every level, so the central differences of every pair are
taken at once, as arrays: the same operations on the same numbers as `error_of` makes one
pair at a time, so the same results bit for bit, where every number met is finite (else
that pair is computed by `error_of` itself).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from uncertainty.stats.paired import error_of, indicator_correlation, spread_of
from uncertainty.stats.pairwise import overlap_arrays

__all__ = ["eti_overlap_errors", "eti_overlaps", "share"]

FloatArray = NDArray[np.float64]


def eti_overlaps(eti: FloatArray) -> FloatArray:
    """The `interval_overlap` share of every pair of intervals ``eti[view, level]``.

    `eti` has shape ``(views, levels, 2)``; the result ``(views, views, levels)``.
    """
    return overlap_arrays(eti[:, None, :, 0], eti[:, None, :, 1],
                           eti[None, :, :, 0], eti[None, :, :, 1])[1]


def eti_overlap_errors(rows: FloatArray, eti: FloatArray, mcse: FloatArray) -> FloatArray:
    """The MCSE of every `eti_overlaps` share.

    `rows` holds each view's draws, paired by position (``(views, draws)``); `eti` and
    `mcse` the intervals' ends and their MCSEs, ``(views, levels, 2)``. The errors of the
    four ends of two intervals are correlated (the two ends of one interval, and the ends
    of two views that share inputs): their covariance is counted over the paired draws
    (`uncertainty.stats.paired.indicator_correlation`), and the share's MCSE follows by the
    delta method (``error_of(share, ...)``). It is 0 where the share is flat: one interval
    well inside the other (share 1), or the two well apart (0). Result
    ``(views, views, levels)``, 0 on the diagonal, NaN where a view has no interval.
    """
    nv, nl = eti.shape[:2]
    first, second = np.triu_indices(nv, 1)
    # The four ends of each pair (lower and upper of view i, then of view j), as positions
    # among the views' ends laid out (view, bound).
    at = np.concatenate([2 * first[:, None] + [0, 1], 2 * second[:, None] + [0, 1]], axis=1)
    stacked = [rows[v] for v in range(nv) for _ in range(2)]
    out = np.zeros((nv, nv, nl))
    for k in range(nl if len(at) else 0):  # only ends at one level are compared
        ends, err = eti[:, k].reshape(-1), mcse[:, k].reshape(-1)
        corr = indicator_correlation(stacked, ends)
        out[first, second, k] = out[second, first, k] = _pair_errors(ends, err, corr, at)
    return np.where(np.isnan(eti_overlaps(eti)), np.nan, out)


def share(ends: FloatArray) -> float:
    """The overlap share of ``[a_lo, a_hi]`` and ``[b_lo, b_hi]``, as `overlap_arrays`."""
    gap = min(ends[1], ends[3]) - max(ends[0], ends[2])
    shorter = min(ends[1] - ends[0], ends[3] - ends[2])
    return float(max(gap, 0.0) / shorter) if shorter > 0 else float(gap >= 0)


def _shares(ends: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
    """`share` over the last axis of `ends` (length 4), and where all it met was finite.

    Where every end, the gap and the shorter width are finite, these are `share`'s
    operations on the same numbers (``min``, ``max`` and their numpy forms can differ only
    in the sign of a zero, which no result here shows), so the same results.
    """
    a_lo, a_hi, b_lo, b_hi = np.moveaxis(ends, -1, 0)
    gap = np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo)
    shorter = np.minimum(a_hi - a_lo, b_hi - b_lo)
    found = np.where(shorter > 0, np.maximum(gap, 0.0) / shorter, (gap >= 0).astype(float))
    finite = np.isfinite(ends).all(axis=-1) & np.isfinite(gap) & np.isfinite(shorter)
    return found, finite & np.isfinite(found)


def _pair_errors(ends: FloatArray, err: FloatArray, corr: FloatArray,
                 at: NDArray[np.intp]) -> FloatArray:
    """``error_of(share, ends[p], err[p], corr[p, p])`` for each row ``p`` of `at`.

    The moves of the share per MCSE of each end (`error_of`'s central differences of a
    tenth of an MCSE) are taken for every pair at once; each pair's quadratic form is then
    made as `error_of` makes it, one pair at a time, so its sums are added in the same
    order. A pair meeting a number that is not finite is left to `error_of`.
    """
    x, size = ends[at], err[at]
    step = np.where(size > 0, size / 10, 0.0)  # an end with no error (0 or NaN) stays put
    moved = np.eye(4, dtype=bool)[None] & (size > 0)[:, :, None]
    shift = np.where(moved, step[:, :, None], 0.0)  # (pair, end stepped, end)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ok = _shares(x)[1]  # a share that is not finite: error_of says NaN
        up, ok_up = _shares(x[:, None, :] + shift)
        down, ok_down = _shares(x[:, None, :] - shift)
        moves = np.where(size > 0, 5 * (up - down), 0.0)  # per MCSE: / (2 step) * size
    # no infinite MCSE (a NaN one is no error, as in `error_of`), nothing else not finite
    ok &= ~np.isinf(size).any(axis=1) & ok_up.all(axis=1) & ok_down.all(axis=1)
    # Every pair's 4 x 4 block of correlations, taken at once: the same numbers as
    # ``corr[np.ix_(at[p], at[p])]``, which cost more than the rest of a pair.
    blocks = corr[at[:, :, None], at[:, None, :]]
    out = np.empty(len(at))
    for p in range(len(at)):
        if not ok[p]:
            out[p] = error_of(share, x[p], size[p], blocks[p])
            continue
        out[p] = spread_of(moves[p], blocks[p])
    return out
