"""The one HDI search: the narrowest window of sorted draws, in memory or streamed.

The sample HDI of level ``p`` among ``n`` sorted draws is the window ``[s[i], s[i + k]]``,
``k = hdi_span(n, p)``, of least width, the leftmost among equally narrow ones (the
estimator ArviZ uses). `hdi_search` finds it from a description of the sorted row as
*cells*: consecutive runs of ranks with their least and greatest draw, some of them
*resolved* (every draw known). An in-memory row is one resolved cell (`SortedRow`); a
streamed row (`uncertainty.streaming.cells.Partition`) is many cells of which only a few
are resolved.

The search: the window starting at rank ``i`` ends at ``i + k``; over a run of ``i`` whose
two ends stay in the same two cells its width lies between the cells' least and greatest
differences. Runs whose least width exceeds the least greatest width cannot hold the
narrowest window and are dropped; the rest are read where their cells are resolved, and
returned as rank ranges to resolve otherwise. When every run that could hold the narrowest
window is read, the leftmost narrowest window is exactly the one the full sorted row gives:
the same numbers however much of the row is held. Widths are bounded with float
subtraction, which is monotone, so the bounds hold for the widths computed.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from uncertainty.stats.ranks import unique_ints

__all__ = ["RankCells", "SortedRow", "hdi_search", "hdi_span", "hdi_start_sorted",
           "narrowest_window"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class RankCells(Protocol):
    """A sorted row of `n` draws as cells of consecutive ranks.

    Attributes
    ----------
    n : int
        Draws in the row.
    starts : ndarray of int
        First rank of each cell, then `n`.
    vmin, vmax : ndarray
        Least and greatest draw of each cell (``inf``/``-inf`` when empty).
    resolved : ndarray of bool
        Cells whose draws can all be read by `draws`.
    """

    n: int
    starts: IntArray
    vmin: FloatArray
    vmax: FloatArray
    resolved: NDArray[np.bool_]

    def cell_of(self, ranks: NDArray[np.int64]) -> NDArray[np.intp]:
        """The cell holding each rank (0 <= rank < n)."""
        ...

    def draws(self, first: int, last: int) -> FloatArray:
        """The draws at ranks ``first`` to ``last`` (inclusive), all in resolved cells."""
        ...


class SortedRow:
    """A sorted row held whole: one resolved cell, read by slicing."""

    def __init__(self, s: FloatArray) -> None:
        self.s, self.n = s, len(s)
        self.starts = np.array([0, self.n], dtype=np.int64)
        self.vmin, self.vmax = s[:1], s[-1:]
        self.resolved = np.ones(1, dtype=np.bool_)

    def cell_of(self, ranks: NDArray[np.int64]) -> NDArray[np.intp]:
        """Cell 0 for every rank."""
        return np.zeros(len(ranks), dtype=np.intp)

    def draws(self, first: int, last: int) -> FloatArray:
        """The draws at ranks ``first`` to ``last`` (inclusive): a slice, not a copy."""
        return self.s[first:last + 1]


def hdi_span(n: int, prob: float) -> int:
    """Ranks between the ends of the HDI of `prob` among `n` sorted draws: ``floor(prob n)``.

    The interval ``[s[i], s[i + k]]`` holds ``k + 1`` draws; every path (in memory, streamed)
    takes the window from here.
    """
    return min(math.floor(prob * n), n - 1)


def narrowest_window(starts: NDArray[np.int64] | NDArray[np.intp], widths: FloatArray) -> int:
    """The start rank of the narrowest window, the leftmost among equally narrow ones.

    `starts` must be ascending and `widths` their windows' widths: the tie rule of
    `hdi_search`.
    """
    return int(starts[int(np.argmin(widths))])


def hdi_search(cells: RankCells, k: int, *, final: bool = False,
               margin: int = 0) -> tuple[int, float] | list[tuple[int, int]]:
    """The leftmost narrowest window of ``k + 1`` draws, or the rank ranges to resolve first.

    Parameters
    ----------
    cells : RankCells
        The sorted row (``cells.n > k``).
    k : int
        Ranks between the window's ends (`hdi_span`).
    final : bool
        When resolving every candidate would not pay (draws of a nearly uniform
        distribution, where most windows are about as narrow), take the narrowest window
        among those read and bound by how much the narrowest could be narrower.
    margin : int
        Ranks to add either side of each range returned (room for what the caller reads
        around the window's ends).

    Returns
    -------
    (int, float) or list of (int, int)
        The window's first rank and its resolution (0: exactly the window the full sorted
        row gives, always the case for a row with every cell resolved); or inclusive rank
        ranges of draws to resolve before asking again.
    """
    windows = cells.n - k
    if len(cells.starts) == 2 and cells.resolved[0]:  # one cell, read whole: one run
        with np.errstate(over="ignore", invalid="ignore"):
            whole = cells.draws(k, cells.n - 1) - cells.draws(0, windows - 1)
        return narrowest_window(np.arange(windows), whole), 0.0
    inner = cells.starts[1:-1]
    breaks = unique_ints(np.concatenate(([0], inner, inner - k)))
    lo = breaks[(breaks >= 0) & (breaks < windows)]
    hi = np.append(lo[1:], windows) - 1
    a, c = cells.cell_of(lo), cells.cell_of(lo + k)
    with np.errstate(over="ignore", invalid="ignore"):
        lower = cells.vmin[c] - cells.vmax[a]
        upper = cells.vmax[c] - cells.vmin[a]
    bound = float(np.min(upper))
    known = cells.resolved[a] & cells.resolved[c]
    # Both ends in cells of one value: every window of the run has the same width.
    constant = (cells.vmin[a] == cells.vmax[a]) & (cells.vmin[c] == cells.vmax[c])
    starts: list[NDArray[np.int64]] = []
    widths: list[FloatArray] = []
    for m in np.flatnonzero(known & (lower <= bound)):
        last = int(lo[m]) if constant[m] else int(hi[m])
        starts.append(np.arange(lo[m], last + 1, dtype=np.int64))
        with np.errstate(over="ignore", invalid="ignore"):
            widths.append(cells.draws(int(lo[m]) + k, last + k) - cells.draws(int(lo[m]), last))
    found = math.inf
    if widths:
        all_starts, all_widths = np.concatenate(starts), np.concatenate(widths)
        found = float(np.min(all_widths))
    open_ = np.flatnonzero(~known & (lower <= min(bound, found)))
    if len(open_) and final and widths:
        with np.errstate(over="ignore", invalid="ignore"):
            resolution = max(found - float(np.min(lower[open_])), 0.0)
        return narrowest_window(all_starts, all_widths), resolution
    if len(open_):
        if final:  # nothing read yet: resolve the window with the least upper bound
            open_ = open_[[int(np.argmin(upper[open_]))]]
        return [(int(lo[m]) - margin, int(hi[m]) + margin) for m in open_] + [
            (int(lo[m]) + k - margin, int(hi[m]) + k + margin) for m in open_]
    # Every window as narrow as the narrowest is among those read, in rank order.
    return narrowest_window(all_starts, all_widths), 0.0


def hdi_start_sorted(s: FloatArray, span: int) -> int:
    """First rank of the HDI of sorted draws `s` whose ends are `span` ranks apart."""
    found = hdi_search(SortedRow(s), span)
    assert isinstance(found, tuple)  # a row held whole has every cell resolved
    return found[0]
