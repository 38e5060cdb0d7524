"""Pass 0 of a streamed run: how many candidates meet the constraints, block by block.

An in-memory run draws a few percent more candidates than it needs, then more if the
constraints rejected too many (`uncertainty.sampling._constrained`), and keeps each
constraint key's first accepted candidates. This pass follows the same rule with counts
only: per block of candidates and constraint key, how many meet all constraints and each
one. From them come the acceptance rates (counted to the candidate, as in memory), the same
`ConstraintConflict`, and for each key the accepted candidates before every block, which
locate draw ``r`` of any view in its block without holding a single candidate.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty import progress
from uncertainty.engines import Engine
from uncertainty.model import Model
from uncertainty.resources import check_memory
from uncertainty.sampling import (
    _acceptance,
    _check_conflicts,
    _constraint_key,
    _first_candidates,
    _more_candidates,
)
from uncertainty.streaming.chunks import BlockCounts, Job, count_blocks, spread
from uncertainty.streams import BLOCK_SIZE
from uncertainty.views import View

__all__ = ["accept", "block_bytes"]


def accept(job: Job, engine: Engine,
           budget: int | None) -> tuple[dict[str, NDArray[np.int64]], xr.Dataset, int]:
    """Pass 0: each key's accepted candidates before each block, acceptance, passes made.

    Follows `uncertainty.sampling._constrained` exactly: the same candidate counts, the
    same rates over them (counted to the candidate, not the block), the same conflicts.
    """
    model, views, n = job.model, job.views, job.draws
    keys = list(job.plan.tested)
    accepted = np.zeros((0, len(keys)), dtype=np.int64)
    passing = np.zeros((0, len(keys), len(model.constraints)), dtype=np.int64)
    passes = 0

    def counts(items: list[tuple[int, int, int]]) -> BlockCounts:
        found = list(engine.map(count_blocks, job, items))
        progress.advance(sum(b - a for a, b, _ in items))
        return BlockCounts(np.concatenate([f.accepted for f in found]),
                           np.concatenate([f.passing for f in found]))

    m = _first_candidates(n)
    first = True
    while True:
        full, cut = divmod(m, BLOCK_SIZE)
        blocks = full + (cut > 0)
        if blocks > (have := len(accepted)):
            progress.stage("counting accepted candidates", blocks - have, "blocks")
            more = counts([(have + a, have + b, BLOCK_SIZE)
                           for a, b in spread(blocks - have, engine.workers)])
            accepted = np.concatenate([accepted, more.accepted])
            passing = np.concatenate([passing, more.passing])
            passes += 1
        total = accepted[:full].sum(axis=0)
        share = passing[:full].sum(axis=0)
        if cut:  # the candidates of the last block up to m, as an in-memory run draws them
            part = counts([(full, full + 1, cut)])
            total, share = total + part.accepted[0], share + part.passing[0]
        rates = {k: int(total[i]) / m for i, k in enumerate(keys)}
        shares = {k: [int(c) / m for c in share[i]] for i, k in enumerate(keys)}
        if first:
            _check_conflicts(model, views, shares, rates)
            first = False
        if min(int(t) for t in total) >= n:
            break
        m = _more_candidates(n, min(rates.values()))
        check_memory(block_bytes(model, views, m),
                     f"the acceptance counts of {m:,} candidate draws (acceptance "
                     f"{min(rates.values()):.1%}) for {n:,} valid ones", budget=budget)
    cum = {k: np.concatenate(([0], np.cumsum(accepted[:, i]))) for i, k in enumerate(keys)}
    return cum, _acceptance(model, views, shares, rates, m), passes


def block_bytes(model: Model, views: tuple[View, ...], candidates: int) -> int:
    """Bytes of the per-block acceptance counts of `candidates` candidates (pass 0)."""
    if not model.constraints:
        return 0
    keys = len({_constraint_key(model, v) for v in views})
    return 3 * 8 * keys * (len(model.constraints) + 2) * (candidates // BLOCK_SIZE + 1)
