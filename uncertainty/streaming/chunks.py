"""The pieces of a streamed run: one range of draws, regenerated and tallied.

Everything here runs wherever the engine puts it (a thread, a Dask worker process), so it
is plain functions of picklable arguments: a `Job` (the model, the views, the seed, the
sampling plan and the per-block acceptance counts) and an item (a range of blocks or of
draws). Nothing is returned but small tallies.

Draws are addressed by *rank*: draw ``r`` of a view is the ``r``-th candidate that meets
the view's constraints (every candidate without constraints). Block ``b`` of candidates
is regenerated from the streams (`uncertainty.streams.draw_blocks`) and transformed by
the same code as an in-memory run (`uncertainty.sampling`), elementwise, so each draw is
bit for bit the one the in-memory run holds at that rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from uncertainty.model import Metric, Model
from uncertainty.parallel import CHUNK_SIZE
from uncertainty.sampling import _Candidates, _candidates, _Plan
from uncertainty.streaming.cells import CellTally, Query, tally_cells
from uncertainty.streams import BLOCK_SIZE, draw_blocks
from uncertainty.views import View

__all__ = ["ITEMS_PER_WORKER", "RANK_CHUNK", "BlockCounts", "Job", "PassSpec", "RowSpec",
           "Tally", "count_blocks", "row_values", "spread", "tally_chunks"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Draws (ranks) per chunk of a pass: four blocks, so that a chunk's candidates span few
#: blocks beyond its own. Any value gives the same numbers but the mean's last bits.
RANK_CHUNK = 4 * BLOCK_SIZE
#: Items of work per engine worker in each pass: a few, to balance the load.
ITEMS_PER_WORKER = 8


def spread(count: int, workers: int) -> list[tuple[int, int]]:
    """``[0, count)`` cut into about `ITEMS_PER_WORKER` ranges per worker."""
    per = max(1, -(-count // (ITEMS_PER_WORKER * workers)))
    return [(a, min(a + per, count)) for a in range(0, count, per)]


@dataclass(frozen=True)
class RowSpec:
    """One distinct row: a variable under the first view having its ``view_sources`` key.

    ``ckey`` is the view's constraint key ("" without constraints); ``metric`` the metric,
    None for an input quantity.
    """

    variable: str
    view: int
    ckey: str
    metric: Metric | None


@dataclass(frozen=True)
class Job:
    """What every piece of a streamed run needs.

    Parameters
    ----------
    model : Model
    views : tuple of View
    seed : int
    draws : int
        Draws per view.
    plan : sampling plan
        From `uncertainty.sampling._plan`.
    rows : tuple of RowSpec
        The distinct rows.
    cum : mapping of str to ndarray
        Per constraint key, the accepted candidates before each block (``cum[key][b]``),
        up to the block holding the last draw needed; empty without constraints.
    chunk : int
        Ranks per chunk.
    """

    model: Model
    views: tuple[View, ...]
    seed: int
    draws: int
    plan: _Plan
    rows: tuple[RowSpec, ...]
    cum: Mapping[str, IntArray] = field(default_factory=dict)
    chunk: int = RANK_CHUNK

    @property
    def chunk_count(self) -> int:
        """Chunks covering every draw."""
        return -(-self.draws // self.chunk)

    def chunks(self, first: int = 0, end: int | None = None,
               stop: int | None = None) -> list[tuple[int, int]]:
        """Rank ranges of chunks ``[first, end)`` (default all), cut at rank `stop`."""
        last = self.draws if stop is None else stop
        end = -(-last // self.chunk) if end is None else end
        return [(c * self.chunk, min((c + 1) * self.chunk, last)) for c in range(first, end)]


def _blocks(job: Job, blocks: list[int]) -> _Candidates:
    buffers = draw_blocks(job.seed, job.plan.requests, blocks)
    return _candidates(job.model, job.plan, buffers, threads=1, chunk=CHUNK_SIZE,
                       report=False)


@dataclass
class BlockCounts:
    """Per block, candidates meeting all constraints and each constraint, per key.

    ``accepted`` has shape ``(blocks, keys)``, ``passing`` ``(blocks, keys, constraints)``,
    keys in the order of ``plan.tested``.
    """

    accepted: IntArray
    passing: IntArray


def count_blocks(job: Job, item: tuple[int, int, int]) -> BlockCounts:
    """Constraint counts of blocks ``[first, end)``, each over its first `cut` candidates."""
    first, end, cut = item
    keys = list(job.plan.tested)
    nc = len(job.model.constraints)
    accepted = np.zeros((end - first, len(keys)), dtype=np.int64)
    passing = np.zeros((end - first, len(keys), nc), dtype=np.int64)
    for j, b in enumerate(range(first, end)):
        drawn = _blocks(job, [b])
        for k, key in enumerate(keys):
            accepted[j, k] = np.count_nonzero(drawn.overall[key][:cut])
            passing[j, k] = [np.count_nonzero(p[:cut]) for p in drawn.passes[key]]
    return BlockCounts(accepted, passing)


def row_values(job: Job, start: int, stop: int,
               wanted: Sequence[int] | None = None) -> dict[int, FloatArray]:
    """Draws ``[start, stop)`` (ranks) of the distinct rows of `job` (`wanted`, default all).

    Keyed by row index.
    """
    if not job.cum:
        blocks = list(range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1))
        drawn = _blocks(job, blocks)
        offset = start - blocks[0] * BLOCK_SIZE
        index: dict[str, NDArray[np.intp] | slice] = {
            "": slice(offset, offset + stop - start)}
    else:
        spans = {}
        for key, cum in job.cum.items():
            # The block holding rank r is the last one with fewer than r + 1 accepted before.
            spans[key] = (int(np.searchsorted(cum, start, side="right")) - 1,
                          int(np.searchsorted(cum, stop - 1, side="right")) - 1)
        blocks = sorted({b for lo, hi in spans.values() for b in range(lo, hi + 1)})
        drawn = _blocks(job, blocks)
        at = {b: j * BLOCK_SIZE for j, b in enumerate(blocks)}
        index = {}
        for key, (lo, hi) in spans.items():
            accepted = np.flatnonzero(drawn.overall[key][at[lo]:at[hi] + BLOCK_SIZE]) + at[lo]
            before = int(job.cum[key][lo])
            index[key] = accepted[start - before:stop - before]
    cache: dict[tuple[str, str, str], FloatArray] = {}

    def quantity(q: str, view: View, key: str) -> FloatArray:
        source = view.source_of(q)
        if (q, source, key) not in cache:
            cache[q, source, key] = drawn.arrays[q, source][index[key]]
        return cache[q, source, key]

    out = {}
    for i in range(len(job.rows)) if wanted is None else wanted:
        row = job.rows[i]
        view = job.views[row.view]
        if row.metric is None:
            out[i] = quantity(row.variable, view, row.ckey)
        else:
            env = {q: quantity(q, view, row.ckey) for q in row.metric.expression.names}
            out[i] = row.metric.expression.evaluate(env)
    return out


@dataclass(frozen=True)
class PassSpec:
    """What one pass over the rows asks of each chunk.

    Parameters
    ----------
    queries : tuple of Query
        Per row, the cells to count or collect (`uncertainty.streaming.order`).
    moments : bool
        Also count valid and invalid draws, sum them, compare views and probe values.
    shifts : ndarray
        Per row, the centre the squares are taken about.
    probes : tuple of ndarray
        Per row, values to count the valid draws below and equal to (claims, thresholds,
        and 0 for the sign).
    pairs : tuple of (int, int)
        Rows compared draw by draw: P(A > B).
    """

    queries: tuple[Query, ...]
    moments: bool = False
    shifts: FloatArray = field(default_factory=lambda: np.empty(0))
    probes: tuple[FloatArray, ...] = ()
    pairs: tuple[tuple[int, int], ...] = ()


@dataclass
class Tally:
    """What a pass found in some chunks, per row; `merge` adds another (exactly).

    ``sums`` holds one ``(rows, 3)`` array per chunk (``np.sum(x)``,
    ``np.sum(x - shift)``, ``np.sum((x - shift)**2)`` of the valid draws), combined at the
    end with `math.fsum`; ``pairs`` is ``(pairs, 3)``: draws where A > B, where A == B,
    and where both are valid.
    """

    cells: list[CellTally]
    valid: IntArray
    invalid: IntArray
    sums: list[FloatArray]
    below: list[IntArray]
    equal: list[IntArray]
    pairs: IntArray

    def merge(self, other: Tally) -> None:
        """Add `other`'s chunks."""
        for mine, theirs in zip(self.cells, other.cells, strict=True):
            mine.merge(theirs)
        self.valid += other.valid
        self.invalid += other.invalid
        self.sums.extend(other.sums)
        for a, b in zip(self.below, other.below, strict=True):
            a += b
        for a, b in zip(self.equal, other.equal, strict=True):
            a += b
        self.pairs += other.pairs


def _tally(job: Job, spec: PassSpec, start: int, stop: int) -> Tally:
    nrows = len(spec.queries)
    # A row with nothing asked of it (its statistics found) is not even evaluated.
    asked = [i for i, q in enumerate(spec.queries) if spec.moments or q.modes.any()]
    rows = row_values(job, start, stop, asked)
    valid = np.zeros(nrows, dtype=np.int64)
    sums = np.zeros((nrows, 3))
    below: list[IntArray] = []
    equal: list[IntArray] = []
    cells = []
    finite = {i: np.isfinite(x) for i, x in rows.items()} if spec.moments else {}
    pairs = np.zeros((len(spec.pairs), 3), dtype=np.int64)
    for p, (a, b) in enumerate(spec.pairs):
        ok = finite[a] & finite[b]
        pairs[p] = (np.count_nonzero((rows[a] > rows[b]) & ok),
                    np.count_nonzero((rows[a] == rows[b]) & ok), np.count_nonzero(ok))
    for i in range(nrows):
        if i not in rows:
            cells.append(tally_cells(np.empty(0), spec.queries[i]))
            continue
        x = rows[i]
        fin = finite[i] if spec.moments else np.isfinite(x)
        s = np.sort(x if fin.all() else x[fin])
        valid[i] = len(s)
        cells.append(tally_cells(s, spec.queries[i]))
        if spec.moments:
            with np.errstate(over="ignore", invalid="ignore"):
                d = s - spec.shifts[i]
                sums[i] = (np.sum(s), np.sum(d), np.sum(d * d))
            lo = np.searchsorted(s, spec.probes[i], side="left")
            below.append(lo.astype(np.int64))
            equal.append((np.searchsorted(s, spec.probes[i], side="right") - lo)
                         .astype(np.int64))
    invalid = np.zeros(nrows, dtype=np.int64)
    invalid[asked] = (stop - start) - valid[asked]
    return Tally(cells, valid, invalid, [sums] if spec.moments else [], below, equal, pairs)


def tally_chunks(context: tuple[Job, PassSpec], item: tuple[int, int]) -> Tally:
    """The tally of chunks ``[first, end)`` of a pass (chunk indices of ``Job.chunks``)."""
    job, spec = context
    ranges = job.chunks(*item)
    total = _tally(job, spec, *ranges[0])
    for start, stop in ranges[1:]:
        total.merge(_tally(job, spec, start, stop))
    return total
