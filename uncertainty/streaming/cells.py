"""Cells of the real line, counted pass after pass: what is known of a row's sorted draws.

A *partition* (`Partition`) splits the real line into cells by sorted edges; for each cell
a pass over the draws gives how many fall in it, the least and the greatest, or all of
them. Ranks map to cells through the cumulative counts, so the draw at any rank lies in a
known cell: it is known exactly when its cell was *collected* (its draws kept, sorted) or
holds one value (least equals greatest). `next_query` chooses which cells the next pass
collects and which it *refines* into sub-cells; `tally_cells` is what a pass computes on
one chunk of sorted draws, wherever the engine runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from uncertainty.stats.ranks import unique_ints

__all__ = ["COLLECT", "COUNT", "SKIP", "CellTally", "Needs", "Partition", "Query",
           "Resolution", "asked_draws", "first_query", "next_query", "tally_cells"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: What a query asks of each cell: nothing, its count, minimum and maximum, or its draws.
SKIP, COUNT, COLLECT = 0, 1, 2
#: Most value ranges `asked_draws` tests each draw against.
ASKED_RANGES = 8


@dataclass(frozen=True)
class Resolution:
    """How finely the passes look at the draws. Any values give the same numbers.

    Parameters
    ----------
    edges : int
        Cells of the first histogram, at quantiles of the prefix.
    collect_cap : int
        Most draws one pass collects for one row; the cells of the largest groups of
        needed ranks beyond it are refined instead.
    subcells : int
        About how many new cells one refining pass adds to a row.
    max_passes : int
        Refining passes after which every needed cell is collected whatever its size
        (HDIs then settle for a stated resolution: `uncertainty.streaming.order`).
    """

    edges: int = 1 << 14
    collect_cap: int = 1 << 19
    subcells: int = 1 << 16
    max_passes: int = 8


@dataclass(frozen=True)
class Query:
    """One row's question to a pass: cells (edges ``bounds``) and what to do in each.

    Cell ``c`` holds the values in ``[bounds[c - 1], bounds[c])``, with ``-inf`` and
    ``+inf`` beyond the ends; ``modes[c]`` is `SKIP`, `COUNT` or `COLLECT`.
    """

    bounds: FloatArray
    modes: NDArray[np.int8]


@dataclass
class CellTally:
    """What a pass found for one row's `Query`, summed over chunks (see `merge`)."""

    count: IntArray
    vmin: FloatArray
    vmax: FloatArray
    collected: list[FloatArray] = field(default_factory=list)

    def merge(self, other: CellTally) -> None:
        """Add `other`'s draws to this tally (exact, in any order)."""
        self.count += other.count
        np.minimum(self.vmin, other.vmin, out=self.vmin)
        np.maximum(self.vmax, other.vmax, out=self.vmax)
        self.collected.extend(other.collected)


def asked_draws(x: FloatArray, query: Query) -> FloatArray:
    """The draws of `x` that `tally_cells` reads for `query`: those in cells not skipped.

    A refining pass asks about a few percent of the draws, in cells around the ranks still
    needed: sorting only those (and the few beside them in the same ranges) instead of the
    whole chunk gives `tally_cells` the same cells, in the same order. The asked cells are
    covered by at most `ASKED_RANGES` ranges of whole cells, merged across the smallest
    gaps, so each draw is compared with a few edges. Every draw when nothing is skipped.
    """
    asked = query.modes != SKIP
    if asked.all():
        return x
    # Runs of asked cells first..end-1; cell c spans [edge[c], edge[c + 1]).
    flips = np.flatnonzero(np.diff(np.concatenate(([0], asked.view(np.int8), [0]))))
    first, end = flips[::2], flips[1::2]
    if len(first) > ASKED_RANGES:
        cut = np.sort(np.argsort(first[1:] - end[:-1], kind="stable")[-(ASKED_RANGES - 1):])
        first, end = first[np.concatenate(([0], cut + 1))], end[np.append(cut, -1)]
    edge = np.concatenate(([-np.inf], query.bounds, [np.inf]))
    keep = np.zeros(len(x), dtype=np.bool_)
    for lo, hi in zip(edge[first], edge[end], strict=True):
        keep |= (x >= lo) & (x < hi)
    return x[keep]


def tally_cells(s: FloatArray, query: Query) -> CellTally:
    """`CellTally` of the sorted valid draws `s` of one chunk."""
    pos = np.searchsorted(s, query.bounds, side="left")
    starts = np.concatenate(([0], pos))
    ends = np.concatenate((pos, [len(s)]))
    counted = np.flatnonzero(query.modes == COUNT)
    lo, hi = starts[counted], ends[counted]
    count = (hi - lo).astype(np.int64)
    some = count > 0
    vmin = np.full(len(counted), np.inf)
    vmax = np.full(len(counted), -np.inf)
    vmin[some] = s[lo[some]]
    vmax[some] = s[hi[some] - 1]
    collected = [s[starts[c]:ends[c]] for c in np.flatnonzero(query.modes == COLLECT)
                 if ends[c] > starts[c]]
    return CellTally(count, vmin, vmax, [np.concatenate(collected)] if collected else [])


def first_query(prefix: FloatArray, resolution: Resolution) -> Query:
    """Pass 1: cells at evenly spaced order statistics of the sorted valid `prefix`.

    A value repeated in the prefix (an atom of the distribution) gets a cell of its own,
    ``[v, nextafter(v))``, whose minimum equals its maximum: its ranks need no draws.
    """
    if len(prefix) == 0:
        bounds = np.empty(0)
    else:
        take = unique_ints(np.linspace(0, len(prefix) - 1, min(resolution.edges, len(prefix)))
                           .astype(np.intp))
        values, counts = np.unique(prefix, return_counts=True)
        atoms = values[counts > 1]
        if len(atoms) > resolution.edges:
            atoms = values[np.argsort(-counts, kind="stable")[:resolution.edges]]
        bounds = np.unique(np.concatenate((prefix[take], atoms, np.nextafter(atoms, np.inf))))
        bounds = bounds[np.isfinite(bounds)]
    return Query(bounds, np.full(len(bounds) + 1, COUNT, dtype=np.int8))


@dataclass
class Partition:
    """What is known of one row's sorted valid draws: cells, and the draws of some.

    Parameters
    ----------
    n : int
        Valid draws.
    bounds : ndarray
        Cell edges, as in `Query`.
    count, vmin, vmax : ndarray
        Per cell: draws, least and greatest (``inf``/``-inf`` when empty).
    exact : ndarray of bool
        Cells whose draws are all in `values`.
    values : ndarray
        The draws of the exact cells, sorted.
    passes : int
        Passes that built it.
    """

    n: int
    bounds: FloatArray
    count: IntArray
    vmin: FloatArray
    vmax: FloatArray
    exact: NDArray[np.bool_]
    values: FloatArray
    passes: int = 1

    @classmethod
    def first(cls, query: Query, tally: CellTally) -> Partition:
        """The partition pass 1 found (every cell of `query` counted)."""
        n = int(tally.count.sum())
        return cls(n, query.bounds, tally.count.copy(), tally.vmin.copy(),
                   tally.vmax.copy(), np.zeros(len(tally.count), dtype=np.bool_), np.empty(0))

    def __post_init__(self) -> None:
        self.starts = np.concatenate(([0], np.cumsum(self.count))).astype(np.int64)
        self.lows = np.concatenate(([-np.inf], self.bounds))
        self.resolved = self.exact | (self.vmin == self.vmax) | (self.count == 0)
        self.offsets = np.searchsorted(self.values, self.lows, side="left")

    def cell_of(self, ranks: NDArray[Any]) -> NDArray[np.intp]:
        """The cell holding each rank (0 <= rank < n)."""
        return np.searchsorted(self.starts, ranks, side="right") - 1

    def lookup(self, ranks: NDArray[Any]) -> tuple[FloatArray, NDArray[np.bool_]]:
        """The draw at each rank where known, and which are known."""
        ranks = np.asarray(ranks, dtype=np.int64)
        cell = self.cell_of(ranks)
        known = self.resolved[cell]
        out = self.vmin[cell].copy()
        inside = known & self.exact[cell]
        where = self.offsets[cell[inside]] + ranks[inside] - self.starts[cell[inside]]
        out[inside] = self.values[where]
        return out, known

    def guess(self, ranks: NDArray[Any]) -> FloatArray:
        """The draw at each rank if its cell's draws were evenly spread over its range."""
        cell = self.cell_of(np.asarray(ranks, dtype=np.int64))
        share = (ranks - self.starts[cell] + 0.5) / np.maximum(self.count[cell], 1)
        with np.errstate(over="ignore", invalid="ignore"):
            guess = self.vmin[cell] + share * (self.vmax[cell] - self.vmin[cell])
        return np.where(np.isfinite(guess), guess, self.vmin[cell])  # a range that overflows

    def draws(self, first: int, last: int) -> FloatArray:
        """The draws at ranks ``first`` to ``last`` (inclusive), all in resolved cells."""
        return self.lookup(np.arange(first, last + 1, dtype=np.int64))[0]

    def update(self, query: Query, tally: CellTally) -> Partition:
        """The partition after a pass answered `query` (built by `next_query` from this one).

        Cells of `query` are either cells of this partition (skipped or collected) or
        sub-cells of a refined one (counted anew).
        """
        lows = np.concatenate(([-np.inf], query.bounds))
        old = np.searchsorted(self.bounds, lows, side="right")
        old[0] = 0
        count, vmin, vmax = self.count[old], self.vmin[old], self.vmax[old]
        exact = self.exact[old]
        counted = query.modes == COUNT
        count[counted], vmin[counted], vmax[counted] = tally.count, tally.vmin, tally.vmax
        exact[query.modes == COLLECT] = True
        exact[counted] = False
        values = np.sort(np.concatenate([self.values, *tally.collected]))
        return Partition(self.n, query.bounds, count, vmin, vmax, exact, values,
                         self.passes + 1)


@dataclass(frozen=True)
class Needs:
    """Ranks a row still needs resolved: inclusive ranges ``(first, last)``."""

    ranges: list[tuple[int, int]]


def _split(lo: float, hi: float, parts: int) -> FloatArray:
    """Edges splitting a cell whose draws lie in ``[lo, hi]`` into about `parts` cells.

    The draws equal to `lo` and those equal to `hi` get cells of their own; between them
    the edges are evenly spaced, geometrically when the cell spans orders of magnitude on
    one side of zero.
    """
    t = np.linspace(0.0, 1.0, parts + 1)[1:-1]
    if lo > 0 and hi / lo > 1e3:
        inner = lo * (hi / lo) ** t
    elif hi < 0 and lo / hi > 1e3:
        inner = -((-hi) * (lo / hi) ** (1 - t))
    else:
        inner = lo * (1 - t) + hi * t  # no overflow near the float limits
    edges = np.concatenate(([np.nextafter(lo, np.inf)], inner, [hi]))
    return edges[(edges > lo) & (edges <= hi)]


def next_query(part: Partition, needs: Needs, resolution: Resolution) -> Query:
    """The next pass's question: collect the cells of small groups, refine the rest.

    Overlapping ranges of `needs` form groups of unresolved cells. They are all collected
    when they hold at most ``resolution.collect_cap`` draws in all; otherwise the largest
    groups are refined (split into about ``resolution.subcells`` new cells in all) until
    the rest fit. After ``resolution.max_passes`` passes everything needed is collected.
    """
    groups = []
    for first, last in _merged(needs.ranges):
        cells = np.arange(part.cell_of(np.array([first]))[0],
                          part.cell_of(np.array([last]))[0] + 1)
        cells = cells[~part.resolved[cells]]
        groups.append((int(part.count[cells].sum()), cells))
    groups.sort(key=lambda g: -g[0])
    left = sum(size for size, _ in groups)
    refine: set[int] = set()
    for size, cells in groups:
        if left <= resolution.collect_cap or part.passes > resolution.max_passes:
            break
        refine.update(int(c) for c in cells)
        left -= size
    collect = {int(c) for _, cells in groups for c in cells} - refine
    new = [part.bounds]
    if refine:
        each = max(4, min(4096, resolution.subcells // len(refine)))
        new += [_split(float(part.vmin[c]), float(part.vmax[c]), each) for c in sorted(refine)]
    bounds = np.unique(np.concatenate(new))
    lows = np.concatenate(([-np.inf], bounds))
    old = np.searchsorted(part.bounds, lows, side="right")
    old[0] = 0
    modes = np.full(len(lows), SKIP, dtype=np.int8)
    modes[np.isin(old, sorted(refine))] = COUNT
    modes[np.isin(old, sorted(collect))] = COLLECT
    return Query(bounds, modes)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching inclusive ranges joined."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
