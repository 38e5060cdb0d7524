"""The pieces of a streamed run: one range of draws, regenerated and tallied.

Everything here runs wherever the engine puts it (a thread, a Dask worker process), so it
is plain functions of picklable arguments: a `Job` (the model, the views, the seed, the
sampling plan and the per-block acceptance counts) and an item (a range of blocks or of
draws). Nothing is returned but small tallies.

Draw ``r`` of every view is candidate ``r`` (NaN in a view whose constraints reject it, see
`uncertainty.sampling.acceptance`). Block ``b`` of candidates is regenerated from the
streams (`uncertainty.sampling.streams.draw_blocks`) and transformed by the sampling kernel
(`uncertainty.sampling.make_candidates`), elementwise, so each draw is bit for bit the one
the in-memory run holds at that position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from uncertainty.model.core import Metric, Model
from uncertainty.model.views import View
from uncertainty.runtime.parallel import CHUNK_SIZE
from uncertainty.sampling import Accepted, Candidates, Plan, count_accepted, make_candidates
from uncertainty.sampling.streams import BLOCK_SIZE, draw_blocks
from uncertainty.streaming.cells import CellTally, Query, asked_draws, tally_cells

__all__ = ["ITEMS_PER_WORKER", "RANK_CHUNK", "Job", "PassSpec", "RowSpec", "Tally",
           "row_values", "spread", "tally_chunks"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Draws per chunk of a pass: four blocks. Any value gives the same numbers but the mean's
#: last bits.
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
    plan : Plan
        From `uncertainty.sampling.make_plan`.
    rows : tuple of RowSpec
        The distinct rows.
    chunk : int
        Draws per chunk.
    """

    model: Model
    views: tuple[View, ...]
    seed: int
    draws: int
    plan: Plan
    rows: tuple[RowSpec, ...]
    chunk: int = RANK_CHUNK

    @property
    def chunk_count(self) -> int:
        """Chunks covering every draw."""
        return -(-self.draws // self.chunk)

    def chunks(self, first: int = 0, end: int | None = None,
               stop: int | None = None) -> list[tuple[int, int]]:
        """Draw ranges of chunks ``[first, end)`` (default all), cut at rank `stop`."""
        last = self.draws if stop is None else stop
        end = -(-last // self.chunk) if end is None else end
        return [(c * self.chunk, min((c + 1) * self.chunk, last)) for c in range(first, end)]


def _blocks(job: Job, blocks: list[int]) -> Candidates:
    buffers = draw_blocks(job.seed, job.plan.requests, blocks)
    return make_candidates(job.model, job.plan, buffers, threads=1, chunk=CHUNK_SIZE,
                           report=False)


def row_values(job: Job, start: int, stop: int, wanted: Sequence[int] | None = None
               ) -> tuple[dict[int, FloatArray], Accepted | None, dict[str, BoolArray]]:
    """Draws ``[start, stop)`` of the distinct rows of `job` (`wanted`, default all).

    Keyed by row index; a view's rejected candidates are NaN, as in memory. With
    constraints, also the acceptance counts of these candidates and, per constraint key,
    which of them it accepts.
    """
    blocks = list(range(start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE + 1))
    drawn = _blocks(job, blocks)
    offset = start - blocks[0] * BLOCK_SIZE
    part = slice(offset, offset + stop - start)
    cache: dict[tuple[str, str], FloatArray] = {}

    def quantity(q: str, view: View) -> FloatArray:
        source = view.source_of(q)
        if (q, source) not in cache:
            cache[q, source] = drawn.arrays[q, source][part]
        return cache[q, source]

    out = {}
    for i in range(len(job.rows)) if wanted is None else wanted:
        row = job.rows[i]
        view = job.views[row.view]
        if row.metric is None:
            x = quantity(row.variable, view)
        else:
            env = {q: quantity(q, view) for q in row.metric.expression.names}
            x = np.asarray(row.metric.expression.evaluate(env), dtype=np.float64)
        if row.ckey:  # a new array: `x` may be a view of the candidates
            x = np.where(drawn.overall[row.ckey][part], x, np.nan)
        out[i] = x
    if not job.plan.tested:
        return out, None, {}
    return (out, count_accepted(drawn, part),
            {k: ok[part] for k, ok in drawn.overall.items()})


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

    ``sums`` holds one ``(rows, 5)`` array per chunk (``np.sum(x)`` and the sums of the
    first to fourth powers of ``x - shift`` of the valid draws), combined at the end with
    `math.fsum`; ``pairs`` is ``(pairs, 3)``: draws where A > B, where A == B,
    and where both are valid; ``accepted`` the acceptance counts (with constraints, in a
    pass with moments).
    """

    cells: list[CellTally]
    valid: IntArray
    invalid: IntArray
    sums: list[FloatArray]
    below: list[IntArray]
    equal: list[IntArray]
    pairs: IntArray
    accepted: Accepted | None = None

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
        if self.accepted is not None and other.accepted is not None:
            self.accepted = self.accepted.merge(other.accepted)


def _tally(job: Job, spec: PassSpec, start: int, stop: int) -> Tally:
    nrows = len(spec.queries)
    # A row with nothing asked of it (its statistics found) is not even evaluated.
    asked = [i for i, q in enumerate(spec.queries) if spec.moments or q.modes.any()]
    rows, accepted, _ = row_values(job, start, stop, asked)
    valid = np.zeros(nrows, dtype=np.int64)
    sums = np.zeros((nrows, 5))
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
        xs = x if fin.all() else x[fin]
        valid[i] = len(xs)
        # The moments need every draw sorted; a refining pass only those it asks about.
        s = np.sort(xs if spec.moments else asked_draws(xs, spec.queries[i]))
        cells.append(tally_cells(s, spec.queries[i]))
        if spec.moments:
            with np.errstate(over="ignore", invalid="ignore"):
                d = s - spec.shifts[i]
                d2 = d * d
                # np.sum, never np.dot: BLAS sums in an order that depends on its threads,
                # and a Dask worker's differ from this process's
                sums[i] = (np.sum(s), np.sum(d), np.sum(d2), np.sum(d2 * d), np.sum(d2 * d2))
            lo = np.searchsorted(s, spec.probes[i], side="left")
            below.append(lo.astype(np.int64))
            equal.append((np.searchsorted(s, spec.probes[i], side="right") - lo)
                         .astype(np.int64))
    invalid = np.zeros(nrows, dtype=np.int64)
    for i in asked:  # the candidates the row's view accepts, less the valid draws
        ckey = job.rows[i].ckey
        invalid[i] = (accepted.overall[ckey] if ckey and accepted else stop - start) - valid[i]
    return Tally(cells, valid, invalid, [sums] if spec.moments else [], below, equal, pairs,
                 accepted if spec.moments else None)


def tally_chunks(context: tuple[Job, PassSpec], item: tuple[int, int]) -> Tally:
    """The tally of chunks ``[first, end)`` of a pass (chunk indices of ``Job.chunks``)."""
    job, spec = context
    ranges = job.chunks(*item)
    total = _tally(job, spec, *ranges[0])
    for start, stop in ranges[1:]:
        total.merge(_tally(job, spec, start, stop))
    return total
