"""A run in bounded memory: passes over regenerated blocks, reduced exactly.

The passes, each a map over ranges of draws (run by an `uncertainty.engines.Engine`) and
an exact reduction in order:

1. *the prefix*: the first `PREFIX_DRAWS` draws of every row, held in memory: the
   ``(view, draw)`` Dataset `Run.draws` holds, and the cells of the first histogram;
2. *moments*: per distinct row, valid and invalid counts, sums, the histogram; per metric,
   P(A > B) counted on paired draws, and the draws below each point claim and threshold;
   with constraints, the candidates each view accepts (the same counts, rates and
   `ConstraintConflict` as in memory, `uncertainty.sampling.acceptance`);
3. *order statistics*: cells refined or collected until every order statistic the summary
   reads is known (`uncertainty.streaming.order`), usually one or two more passes.

Peak memory: the prefix, a few chunks of candidates per worker, and per row its cells and
the few draws collected; never the draws.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.analysis.comparison import Comparison, widen_comparison
from uncertainty.analysis.consensus_view import error_factors, widen
from uncertainty.engines import Engine
from uncertainty.model.core import Model
from uncertainty.model.views import View
from uncertainty.runtime import progress
from uncertainty.sampling import (
    acceptance_dataset,
    accepted_mask,
    check_conflicts,
    draws_dataset,
    make_plan,
    row_groups,
    view_keys,
)
from uncertainty.sampling.streams import BLOCK_SIZE
from uncertainty.stats.array import empty_statistics, sd_mcse
from uncertainty.streaming.cells import (
    SKIP,
    Partition,
    Query,
    Resolution,
    first_query,
    next_query,
)
from uncertainty.streaming.chunks import (
    RANK_CHUNK,
    Job,
    PassSpec,
    RowSpec,
    Tally,
    row_values,
    spread,
    tally_chunks,
)
from uncertainty.streaming.compare import compare_views, paired_rows, probes
from uncertainty.streaming.order import attempt, fourth_moment, moments
from uncertainty.summary.dataset import summary_dataset

__all__ = ["PREFIX_DRAWS", "Streamed", "memory_bound", "stream"]

FloatArray = NDArray[np.float64]

#: Draws of every row held in memory: `Run.draws` of a streamed run, the overlap
#: coefficients, and the first histogram's cells.
PREFIX_DRAWS = 1 << 18
#: The query of a row with nothing left to find.
_NOTHING = Query(np.empty(0), np.full(1, SKIP, dtype=np.int8))


@dataclass(frozen=True)
class Streamed:
    """What a streamed run found.

    Parameters
    ----------
    draws : xarray.Dataset
        The first ``min(draws, prefix)`` draws of every view: exactly the draws an
        in-memory run of that many draws holds.
    summary : xarray.Dataset
        As `uncertainty.stats.summarize` gives for all the draws (see the package doc).
    acceptance : xarray.Dataset or None
        As `uncertainty.sampling.Drawn`.
    comparison : Comparison or None
        As `uncertainty.analysis.comparison.compare_run`, overlap coefficients from the prefix.
    info : dict
        Passes made, prefix size, HDI resolution: JSON-ready, for the provenance.
    """

    draws: xr.Dataset
    summary: xr.Dataset
    acceptance: xr.Dataset | None
    comparison: Comparison | None
    info: dict[str, Any]


def memory_bound(model: Model, views: tuple[View, ...], workers: int, draws: int, *,
                 prefix: int = PREFIX_DRAWS, resolution: Resolution | None = None,
                 chunk: int = RANK_CHUNK) -> int:
    """Bytes a streamed run of `draws` draws per view needs at its peak, roughly.

    The prefix (every row, plus the distinct rows and their sorted copies), each worker's
    chunk in flight (its candidate blocks, its rows and their sorted copies), the tallies
    held (per distinct row, its cells, for each worker and the running total), the draws
    collected (``resolution.collect_cap`` per distinct row, twice while merging), and the
    parts that grow with the draws, slowly: each chunk's sums (under 1 byte per 100 draws).
    """
    resolution = resolution or Resolution()
    _, keys = view_keys(model, views)
    distinct = sum(len(set(k)) for k in keys.values())
    rows = len(views) * len(keys)
    streams = sum(len(s.estimates) for s in model.sources) + len(model.quantities)
    blocks = chunk // BLOCK_SIZE + 2
    held = (rows + 3 * distinct) * prefix * 8
    flight = workers * (3 * streams * blocks * BLOCK_SIZE * 8 + 3 * distinct * chunk * 8)
    cells = max(resolution.edges, resolution.subcells) + 1
    tallies = (workers + 1) * distinct * cells * 24
    collected = 2 * distinct * resolution.collect_cap * 8
    # Each chunk's sums are kept for an exact `math.fsum` at the end.
    sums = (draws // chunk + 1) * (distinct * 5 * 8 + 128)
    return held + flight + tallies + collected + sums


def _prefix_rows(job: Job, item: tuple[int, int]
                 ) -> tuple[list[FloatArray], dict[str, NDArray[np.bool_]]]:
    found, _, masks = row_values(job, *item)
    return [found[i] for i in range(len(job.rows))], masks


def _distinct(model: Model, views: tuple[View, ...], ckeys: list[str],
              keys: dict[str, list[str]]) -> tuple[list[RowSpec], dict[tuple[int, int], int]]:
    """The distinct rows, and the row of each (variable index, view index).

    Grouped by `uncertainty.sampling.row_groups`, as in memory.
    """
    metrics = {m.name: m for m in model.metrics}
    rows: list[RowSpec] = []
    row_of: dict[tuple[int, int], int] = {}
    for v, name in enumerate(keys):
        for j, same in row_groups(keys[name]):
            for d in (j, *same):
                row_of[v, d] = len(rows)
            rows.append(RowSpec(name, j, ckeys[j], metrics.get(name)))
    return rows, row_of


def _give_back() -> None:
    """Hand memory freed by a pass back to the system (glibc's ``malloc_trim``; else nothing).

    A pass's short-lived arrays (candidate blocks, rows, sorted copies: hundreds of MiB per
    worker thread) interleave with the long-lived tallies in the allocator's arenas; the
    holes they leave stay resident unless trimmed, and the peak RSS would grow pass by
    pass by as much again as the live data.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def _run_pass(job: Job, spec: PassSpec, engine: Engine, name: str) -> Tally:
    """One pass over every draw: the tallies of `spec`, reduced in item order."""
    items = spread(job.chunk_count, engine.workers)
    progress.stage(name, job.draws, "draws")
    total: Tally | None = None
    for (a, b), found in zip(items, engine.map(tally_chunks, (job, spec), items),
                             strict=True):
        progress.advance(min(b * job.chunk, job.draws) - a * job.chunk)
        if total is None:
            total = found
        else:
            total.merge(found)
        del found
        _give_back()
    if total is None:  # pragma: no cover - a run has at least one draw, so one item
        raise ValueError("a pass over no draws")
    return total


def stream(model: Model, views: tuple[View, ...], *, seed: int, draws: int,
           engine: Engine, compare: bool = True, attrs: dict[str, Any] | None = None,
           prefix: int = PREFIX_DRAWS,
           resolution: Resolution | None = None, chunk: int = RANK_CHUNK) -> Streamed:
    """Draw, evaluate and summarize `model` under every view without holding the draws.

    Parameters
    ----------
    model : Model
    views : tuple of View
    seed : int
        Run seed.
    draws : int
        Draws per view.
    engine : Engine
        Where the passes run (`uncertainty.engines.open_engine`).
    compare : bool
        Also compare the views.
    attrs : dict, optional
        Attributes of the summary (the provenance an in-memory run's draws carry).
    prefix : int
        Draws of every row held in memory (`PREFIX_DRAWS`).
    resolution : Resolution, optional
        How finely the order-statistic passes look (any gives the same numbers).
    chunk : int
        Draws per chunk of work (`RANK_CHUNK`).

    Returns
    -------
    Streamed

    Raises
    ------
    ConstraintConflict
        As an in-memory run (found in the summing pass).
    """
    resolution = resolution or Resolution()
    plan = make_plan(model, views)
    ckeys, keys = view_keys(model, views)
    rows, row_of = _distinct(model, views, ckeys, keys)
    job = Job(model, views, seed, draws, plan, tuple(rows), chunk)

    size = min(draws, prefix)
    head, pre = _prefix(job, engine, keys, row_of, size)
    head.attrs.update(attrs or {}, draws=size, prefix_of=draws)
    queries: list[Query] = []
    shifts: list[float] = []
    for x in pre:
        s = np.sort(x[np.isfinite(x)])
        queries.append(first_query(s, resolution))
        shifts.append(float(np.median(s)) if len(s) else 0.0)
    probed, claims = probes(model, views, rows, compare)
    pairs = paired_rows(rows, compare)
    spec = PassSpec(tuple(queries), moments=True, shifts=np.array(shifts),
                    probes=tuple(probed), pairs=tuple(pairs))
    total = _run_pass(job, spec, engine, "summing")
    acceptance = None
    if total.accepted is not None:
        check_conflicts(model, views, total.accepted)
        acceptance = acceptance_dataset(model, views, total.accepted)
    found, more = _order_statistics(job, engine, spec, total, resolution)
    stats = _row_stats(model, rows, spec, total, found)
    # The consensus view's MCSEs count its law's error, as in memory (`consensus_view`).
    factors = error_factors(model, draws)
    summary = widen(summary_dataset(head, model.run.levels,
                                    {ij: stats[r] for ij, r in row_of.items()
                                     if ij[1] == rows[r].view},
                                    attrs=dict(attrs or {}, draws=draws)), factors)
    comparison = (widen_comparison(compare_views(model, views, head, summary, row_of, total,
                                                 claims, pairs, pre), factors,
                                   error_factors(model, size))  # overlaps: from the prefix
                  if compare else None)
    inexact = [(rows[i].variable, views[rows[i].view].id, float(level), float(r))
               for i, res in sorted(found.items())
               for level, r in zip(model.run.levels, res["hdi_resolution"], strict=True) if r]
    info: dict[str, Any] = {
        "passes": 1 + more, "prefix_draws": size, "chunk_draws": chunk,
        "hdi_resolution": max((r for *_, r in inexact), default=0.0),
        "hdi_inexact": [dict(zip(("variable", "view", "level", "resolution"), x, strict=True))
                        for x in inexact]}
    return Streamed(head, summary, acceptance, comparison, info)


def _prefix(job: Job, engine: Engine, keys: dict[str, list[str]],
            row_of: dict[tuple[int, int], int],
            size: int) -> tuple[xr.Dataset, list[FloatArray]]:
    """The first `size` draws: as the ``(view, draw)`` Dataset, and per distinct row."""
    views = job.views
    progress.stage("drawing the prefix", size, "draws")
    pieces = list(engine.map(_prefix_rows, job, job.chunks(stop=size)))
    progress.advance(size)
    data = {name: np.empty((len(views), size)) for name in keys}
    for v, name in enumerate(keys):
        for j in range(len(views)):
            np.concatenate([p[row_of[v, j]] for p, _ in pieces], out=data[name][j])
    mask = None
    if job.plan.tested:
        overall = {k: np.concatenate([m[k] for _, m in pieces]) for k in job.plan.tested}
        mask = accepted_mask(views, job.model, overall)
    del pieces
    head = draws_dataset(job.model, views, data, keys, mask)
    return head, [data[row.variable][row.view] for row in job.rows]


def _order_statistics(job: Job, engine: Engine, spec: PassSpec, total: Tally,
                      resolution: Resolution) -> tuple[dict[int, dict[str, Any]], int]:
    """Every distinct row's order statistics (`attempt`), and the passes they took."""
    # The partitions of the rows still pending, each dropped once its statistics are found.
    parts = {}
    for i, (query, cells) in enumerate(zip(spec.queries, total.cells, strict=True)):
        if (part := Partition.first(query, cells)).n:
            parts[i] = part
    total.cells.clear()
    _give_back()
    found: dict[int, dict[str, Any]] = {}
    passes = 0
    while parts:
        needs = {}
        for i, part in parts.items():
            result = attempt(part, job.model.run.levels,
                             final=part.passes > resolution.max_passes)
            if isinstance(result, dict):
                found[i] = result
            else:
                needs[i] = next_query(part, result, resolution)
        parts = {i: parts[i] for i in needs}
        if not parts:
            break
        asked = tuple(needs.get(i, _NOTHING) for i in range(len(job.rows)))
        more = _run_pass(job, PassSpec(asked), engine, "finding order statistics")
        passes += 1
        for i in needs:
            parts[i] = parts[i].update(needs[i], more.cells[i])
        del more
        _give_back()
    return found, passes


def _row_stats(model: Model, rows: list[RowSpec], spec: PassSpec, total: Tally,
               found: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """`summarize_draws`'s dict for every distinct row."""
    m = len(model.run.levels)
    sums = np.stack(total.sums) if total.sums else np.zeros((0, len(rows), 5))
    out = []
    for i in range(len(rows)):
        n = int(total.valid[i])
        stats: dict[str, Any] = empty_statistics(m, valid=n, invalid=int(total.invalid[i]))
        if n == 0:
            out.append(stats)
            continue
        plain, d1, d2, d3, d4 = (sums[:, i, k].tolist() for k in range(5))
        mean, sd = moments(n, plain, d1, d2, float(spec.shifts[i]))
        m4 = fourth_moment(n, d1, d2, d3, d4)
        order = {k: v for k, v in found[i].items() if k != "hdi_resolution"}
        stats |= order | {"mean": np.array(mean), "sd": np.array(sd),
                          "mcse_mean": np.array(sd / math.sqrt(n)),
                          "mcse_sd": np.array(sd_mcse(sd, m4, n))}
        out.append(stats)
    return out
