"""Exact order statistics of draws never held at once: histograms, then only the draws needed.

`uncertainty.stats.summarize_draws` reads a handful of order statistics of a row's sorted
valid draws: the two around each quantile's rank (median, interval ends), the two either
side of each Monte Carlo error window, the ends of the narrowest window holding each
level's share of draws (HDI) and the few dozen ranks its error reads
(`uncertainty.stats.hdi_error`). This module finds exactly
those, from passes over the draws in chunks, holding per row only a *partition* of the real
line into cells with their counts, minima and maxima, and the draws of the few cells where
a needed rank falls (`uncertainty.streaming.cells`):

1. pass 1 counts the draws in cells whose edges are quantiles of a prefix (`first_query`);
2. `attempt` locates every rank needed in its cell and returns the ranks still unknown; a
   cell holding few draws is then *collected* (its draws kept, sorted), one holding many
   *refined* (split into sub-cells counted by the next pass) (`next_query`);
3. when every needed rank is in a collected cell, or in a cell whose minimum equals its
   maximum, `attempt` computes the statistics with the very functions `summarize_draws`
   uses, reading a `SparseSorted` that answers for the known ranks.

The HDI is found by the search the in-memory summary uses (`uncertainty.stats.hdi`), run on
the partition's cells: runs of windows that cannot be the narrowest are dropped, the rest
resolved to their draws, so the window is exactly the in-memory one (resolution 0).

Every number is the same as the in-memory summary's except the mean, the sd and their
MCSEs, which come from per-chunk sums combined with `math.fsum` (see `moments` and
`fourth_moment`) and may differ from ``np.mean`` in the last bits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from uncertainty.stats.array import quantile_statistics
from uncertainty.stats.hdi import hdi_search, hdi_span
from uncertainty.stats.hdi_error import hdi_mcse_sorted
from uncertainty.stats.ranks import unique_ints
from uncertainty.streaming.cells import Needs, Partition

__all__ = ["SparseSorted", "attempt", "fourth_moment", "moments"]

FloatArray = NDArray[np.float64]


class SparseSorted:
    """Sorted draws of which only some ranks are known, read like the sorted array.

    ``s[r]`` (an integer or an integer array) gives the draws at ranks ``r`` as numpy does,
    so `quantile_sorted` and `quantile_mcse_sorted` run on it unchanged and give exactly
    what they give on the full array. With ``record=True`` unknown ranks are listed in
    `missing` instead of raising, and read as a guess: the value at that rank if the draws
    of its cell were evenly spread between the cell's least and greatest. Code that picks
    the next ranks it reads from the values it read (the HDI ends' MCSE does) then asks
    for ranks near the ones it will need once every value is known, so one more pass
    usually resolves them all; the numbers themselves are only computed from known ranks.
    """

    def __init__(self, part: Partition, *, record: bool = False) -> None:
        self.part, self.record = part, record
        self.missing: list[NDArray[np.int64]] = []

    def __len__(self) -> int:
        return self.part.n

    def __getitem__(self, key: Any) -> Any:
        ranks = np.asarray(key, dtype=np.int64)
        values, known = self.part.lookup(ranks.ravel())
        if not known.all():
            if not self.record:
                raise LookupError(f"ranks not resolved: {ranks.ravel()[~known][:5]}")
            unknown = ranks.ravel()[~known]
            self.missing.append(unknown)
            values[~known] = self.part.guess(unknown)
        return values.reshape(ranks.shape)[()]


def attempt(part: Partition, levels: Sequence[float], *,
            final: bool = False) -> dict[str, Any] | Needs:
    """`summarize_draws`'s order statistics of the row, or the ranks still needed.

    Parameters
    ----------
    part : Partition
        What is known of the row (``part.n > 0``).
    levels : sequence of float
        Credible levels.
    final : bool
        Settle for an HDI within a stated resolution where resolving it exactly would not
        pay (see `uncertainty.stats.hdi.hdi_search`).

    Returns
    -------
    dict or Needs
        ``median``, ``mcse_median``, ``eti``, ``mcse_eti``, ``hdi``, ``mcse_hdi`` exactly as
        `summarize_draws` gives them on the full sorted row, and ``hdi_resolution`` per
        level (0: exact); or the rank ranges to resolve first.
    """
    n = part.n
    probe = SparseSorted(part, record=True)
    s = cast(FloatArray, probe)  # read like the sorted array (see SparseSorted)
    ranges: list[tuple[int, int]] = []
    ends: list[tuple[int, int, float]] = []
    with np.errstate(over="ignore", invalid="ignore"):
        quantile_statistics(s, levels)  # reading it records the ranks it needs
        for prob in levels:
            k = hdi_span(n, prob)
            # room around the ends for the error window `hdi_mcse_sorted` reads
            found = hdi_search(part, k, final=final, margin=math.ceil(math.sqrt(n) / 2) + 2)
            if isinstance(found, list):
                ranges.extend(found)
            else:
                ends.append((found[0], found[0] + k, found[1]))
        for i, j, _ in ends:
            # The MCSE reads ranks chosen from the values of the ranks it read before: a
            # rank still unknown reads as 0 and may ask for ranks it will not need; the
            # next attempt, with those resolved, asks only for the ones it does.
            hdi_mcse_sorted(s, i, j - i)
    ranges += [(int(r), int(r)) for miss in probe.missing for r in unique_ints(miss)]
    if ranges:
        return Needs([(max(a, 0), min(b, n - 1)) for a, b in ranges])
    s = cast(FloatArray, SparseSorted(part))
    with np.errstate(over="ignore", invalid="ignore"):
        return quantile_statistics(s, levels) | {
            "hdi": np.array([tuple(float(v) for v in part.lookup(np.array([i, j]))[0])
                             for i, j, _ in ends]),
            "mcse_hdi": np.array([hdi_mcse_sorted(s, i, j - i) for i, j, _ in ends]),
            "hdi_resolution": np.array([r for _, _, r in ends]),
        }


def moments(n: int, sums: Sequence[float], shifted: Sequence[float],
            squares: Sequence[float], shift: float) -> tuple[float, float]:
    """Mean and sd (``ddof=1``) from per-chunk sums, combined exactly with `math.fsum`.

    `sums` are the chunks' ``np.sum(x)``, `shifted` their ``np.sum(x - shift)`` and
    `squares` their ``np.sum((x - shift)**2)``; the shift (a central value of the prefix)
    keeps the variance free of cancellation. `math.fsum` rounds once, whatever the order of
    the chunks, so any engine gives the same numbers; they may differ from ``np.mean`` and
    ``np.std`` of the whole row in the last bits.
    """
    if n == 0:
        return math.nan, math.nan
    mean = _fsum(sums) / n
    if n < 2:
        return mean, math.nan
    d1, d2 = _fsum(shifted), _fsum(squares)
    with np.errstate(over="ignore", invalid="ignore"):
        var = (d2 - d1 * (d1 / n)) / (n - 1)
    return mean, math.sqrt(var) if var >= 0 else (0.0 if var > -math.inf else math.nan)


def fourth_moment(n: int, shifted: Sequence[float], squares: Sequence[float],
                  cubes: Sequence[float], fourths: Sequence[float]) -> float:
    """The fourth central moment ``mean((x - mean)**4)`` from per-chunk sums about a shift.

    The chunks' sums of the first to fourth powers of ``x - shift``, each combined with
    `math.fsum`; with ``a = mean - shift``, ``sum((d - a)**4) = S4 - 4 a S3 + 6 a^2 S2 -
    3 n a^4``. The shift (the prefix's median, within about an sd of the mean) keeps the
    terms of the size of the result, so it agrees with the in-memory moment to rounding.
    """
    if n == 0:
        return math.nan
    s1, s2, s3, s4 = (_fsum(p) for p in (shifted, squares, cubes, fourths))
    with np.errstate(over="ignore", invalid="ignore"):
        a = np.float64(s1) / n
        return float((s4 - 4 * a * s3 + 6 * a * a * s2 - 3 * n * a**4) / n)


def _fsum(parts: Sequence[float]) -> float:
    try:
        return math.fsum(parts)
    except OverflowError:  # finite draws whose sum overflows: infinite, as np.sum says
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.sum(np.asarray(parts, dtype=np.float64)))
