"""The one HDI search: on any partial view of a sorted row it finds the whole row's window.

`uncertainty.stats.hdi.hdi_search` serves the in-memory summary (the row held whole) and
the streamed one (a partition of the row into cells, only some resolved). Here the row is
cut into random cells with random ones resolved; the search is asked, the ranges it asks
for are resolved, and so on until it answers: the answer must be the rank the brute-force
search over every window gives, the leftmost narrowest.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from uncertainty.stats.hdi import SortedRow, hdi_search, hdi_span, hdi_start_sorted

# A few distinct values make ties in width, which the leftmost rule must break alike.
values = st.one_of(st.integers(0, 6).map(float),
                   st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False))


class Cells:
    """A sorted row seen through cells of consecutive ranks, some resolved (test double)."""

    def __init__(self, s: np.ndarray, cuts: list[int], resolved: list[bool]) -> None:
        self.s, self.n = s, len(s)
        self.starts = np.array([0, *cuts, len(s)], dtype=np.int64)
        self.vmin = np.array([s[a] for a in self.starts[:-1]])
        self.vmax = np.array([s[b - 1] for b in self.starts[1:]])
        self.resolved = np.array(resolved, dtype=np.bool_) | (self.vmin == self.vmax)
        self.read = 0

    def cell_of(self, ranks: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts, ranks, side="right") - 1

    def draws(self, first: int, last: int) -> np.ndarray:
        ranks = np.arange(first, last + 1)
        assert self.resolved[self.cell_of(ranks)].all(), "read a draw not resolved"
        self.read += len(ranks)
        return self.s[ranks]

    def resolve(self, first: int, last: int) -> None:
        first, last = max(first, 0), min(last, self.n - 1)
        self.resolved[self.cell_of(np.arange(first, last + 1))] = True


@st.composite
def partial_rows(draw: st.DrawFn) -> tuple[Cells, int]:
    s = np.sort(draw(arrays(np.float64, st.integers(2, 120), elements=values)))
    n = len(s)
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=min(n - 1, 12))))
    resolved = draw(st.lists(st.booleans(), min_size=len(cuts) + 1, max_size=len(cuts) + 1))
    k = hdi_span(n, draw(st.floats(0.05, 0.99)))
    return Cells(s, cuts, resolved), k


def brute_force(s: np.ndarray, k: int) -> int:
    widths = [s[i + k] - s[i] for i in range(len(s) - k)]
    return int(np.flatnonzero(np.array(widths) == min(widths))[0])


@given(partial_rows())
def test_the_search_on_cells_finds_the_whole_rows_window(case: tuple[Cells, int]) -> None:
    cells, k = case
    for _ in range(len(cells.starts)):  # each round resolves at least one cell
        found = hdi_search(cells, k)
        if isinstance(found, tuple):
            break
        before = cells.resolved.sum()
        for first, last in found:
            cells.resolve(first, last)
        assert cells.resolved.sum() > before, "asked for cells already resolved"
    assert isinstance(found, tuple)
    assert found == (brute_force(cells.s, k), 0.0)


@given(arrays(np.float64, st.integers(1, 200), elements=values), st.floats(0.01, 1.0))
def test_the_row_held_whole_is_one_resolved_cell(x: np.ndarray, prob: float) -> None:
    s = np.sort(x)
    k = hdi_span(len(s), prob)
    assert hdi_search(SortedRow(s), k) == (hdi_start_sorted(s, k), 0.0)
    assert hdi_start_sorted(s, k) == brute_force(s, k)


def test_the_search_reads_only_runs_that_can_hold_the_narrowest() -> None:
    # A peak in the middle of a wide spread: windows in the flat tails cannot be narrowest,
    # so their cells are never read, though every cell is resolved.
    rng = np.random.default_rng(1)
    s = np.sort(np.concatenate([rng.uniform(-100, 100, 200), rng.normal(0, 0.1, 800)]))
    cuts = list(range(50, 1000, 50))
    cells = Cells(s, cuts, [True] * (len(cuts) + 1))
    k = hdi_span(len(s), 0.5)
    assert hdi_search(cells, k) == (brute_force(s, k), 0.0)
    assert cells.read < 2 * (len(s) - k)  # the whole row would read 2 (n - k) draws
