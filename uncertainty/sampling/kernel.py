"""The sampling kernel: drawn streams in, candidate draws and their constraint tests out.

Every run, in memory or streamed, on threads or on Dask workers, turns random streams into
draws here and nowhere else. All of it is elementwise along the draw axis, so any range of
draws, cut into any chunks, gives the same number at each position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from uncertainty.model.copula import CopulaGroup
from uncertainty.model.core import CONSENSUS, POOLED, Model, Source
from uncertainty.runtime import progress
from uncertainty.runtime.parallel import chunks, thread_map
from uncertainty.sampling.plan import Plan

__all__ = ["Candidates", "Hold", "make_candidates", "mix", "pool_choice"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Hold:
    """One input held at a fixed latent value while every other input varies.

    Parameters
    ----------
    key : (source id, quantity)
        The estimate held; ``("pooled", quantity)`` holds a log pool's own draw,
        ``("consensus", quantity)`` the consensus's.
    z : float
        Its latent standard-normal value: ``Phi^-1(p)`` holds it at its p-quantile.

    Inputs correlated with it through the copula take their distribution *given* it: each
    partner's latent normal ``z_j`` becomes ``z_j + r_jk (z - z_k)``, which for jointly
    normal latents with correlation ``r_jk`` is exactly a draw from the conditional law.
    """

    key: tuple[str, str]
    z: float


@dataclass(frozen=True)
class Candidates:
    """Candidate draws and the constraint tests on them.

    Parameters
    ----------
    arrays : dict
        (quantity, source id or "pooled") to draws.
    passes : dict
        Each constraint key to one boolean array per constraint (empty without
        constraints).
    overall : dict
        Each constraint key to the conjunction of its tests: the candidates that views with
        that key accept.
    choices : dict
        Each linearly pooled quantity to the index, per draw, of the source the pool took
        (sources sorted by id).
    """

    arrays: dict[tuple[str, str], FloatArray]
    passes: dict[str, list[BoolArray]]
    overall: dict[str, BoolArray]
    choices: dict[str, NDArray[np.int16]]


def pool_choice(weights: FloatArray, u: FloatArray) -> NDArray[np.intp]:
    """Index of the source each draw takes, given uniforms `u` and pool `weights`.

    Source ``k`` is chosen when ``u`` falls in its slice of [0, 1), whose length is its
    normalized weight.
    """
    edges = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(edges, u, side="right"), len(weights) - 1)


def mix(factor: FloatArray, rows: list[FloatArray]) -> None:
    """``rows = factor @ rows`` in place, for a lower-triangular `factor`.

    Written out row by row (``row_i = sum_j factor[i, j] * row_j``, j ascending) instead of
    a matrix product: elementwise, so any chunking gives the same numbers, and no BLAS
    threads. Rows are replaced from the last: row ``i`` reads rows ``0..i``, none of them
    replaced yet.
    """
    for i in reversed(range(len(rows))):
        acc = factor[i, 0] * rows[0]
        for j in range(1, i + 1):
            acc += factor[i, j] * rows[j]
        rows[i][...] = acc


def _hold(hold: Hold, groups: tuple[CopulaGroup, ...],
          latents: Mapping[tuple[str, str], FloatArray], part: slice) -> None:
    """Set the held latent to its value, and its copula partners to their conditional law."""
    z = latents[hold.key][part]
    for group in groups:
        if hold.key in group.members:
            k = group.members.index(hold.key)
            corr = group.factor @ group.factor.T
            shift = hold.z - z
            for j, other in enumerate(group.members):
                if j != k:
                    latents[other][part] += corr[j, k] * shift
    z[...] = hold.z


def make_candidates(model: Model, plan: Plan, buffers: list[FloatArray], *, threads: int,
                    chunk: int, hold: Hold | None = None, report: bool = True,
                    given: Mapping[tuple[str, str], FloatArray] | None = None,
                    n: int | None = None) -> Candidates:
    """Turn drawn `buffers` (one per ``plan.requests``) into candidates, in place.

    Each chunk of draws, in parallel, goes through the copula, the distributions, the
    pools and the constraint tests. Each array is transformed in place (latent normals
    become draws, a pool's uniforms become its draws), so any range of draws gives the
    same numbers at each position.

    `given` holds draws already made, (quantity, source id or "pooled") to array, that
    the pools and the constraint tests read where `plan` draws no such array: a plan of
    only the estimates and pools a change touches then gives, for those and for every
    test, exactly the numbers a plan of all of them gives (`uncertainty.sampling.derive`).
    Given arrays are only read. `n` is the draw count when `buffers` is empty.
    """
    if n is None:
        n = len(buffers[0]) if buffers else 0
    estimates, pooled, log = plan.estimates, plan.pooled, plan.log
    latents = {(sid, e.quantity): buf
               for (sid, e), buf in zip(estimates, buffers[:len(estimates)], strict=True)}
    arrays = dict(given or {})
    arrays |= {(e.quantity, sid): latents[sid, e.quantity] for sid, e in estimates}
    after = len(estimates) + len(pooled)
    arrays |= {(q, POOLED): buf for q, buf in zip(pooled, buffers[len(estimates):after],
                                                  strict=True)}
    arrays |= {(q, CONSENSUS): buf for q, buf in zip(plan.agreed, buffers[after:], strict=True)}
    if log:
        latents |= {(POOLED, q): arrays[q, POOLED] for q in pooled}
    latents |= {(CONSENSUS, q): arrays[q, CONSENSUS] for q in plan.agreed}
    choices = {} if log else {q: np.empty(n, dtype=np.int16) for q in pooled}
    tested = plan.tested
    passes = {k: [np.empty(n, dtype=np.bool_) for _ in model.constraints] for k in tested}
    overall = {k: np.empty(n, dtype=np.bool_) for k in tested}

    def transform(part: slice) -> None:
        for group in plan.groups:
            mix(group.factor, [latents[k][part] for k in group.members])
        if hold is not None:
            _hold(hold, plan.groups, latents, part)
        # A draw beyond the float range becomes inf (a huge stated number times a wide
        # factor): counted and reported as an invalid draw, not a warning.
        with np.errstate(over="ignore"):
            for sid, est in estimates:
                z = arrays[est.quantity, sid]
                z[part] = est.distribution.from_normal(z[part])
        for q, law in plan.agreed.items():
            z = arrays[q, CONSENSUS]
            z[part] = law.from_normal(z[part])
        for q in pooled:
            drawn = arrays[q, POOLED]
            if log:
                drawn[part] = plan.pools[q].from_normal(drawn[part])
            else:
                drawn[part] = _linear_pool(q, plan.members[q], arrays, drawn[part], part,
                                           choices[q][part])
        for key, view in tested.items():
            ok = overall[key][part]
            for i, (c, test) in enumerate(zip(model.constraints, passes[key], strict=True)):
                test[part] = c.holds({q: arrays[q, view.source_of(q)][part] for q in c.names})
                if i == 0:
                    ok[...] = test[part]
                else:
                    np.logical_and(ok, test[part], out=ok)

    def counted(part: slice) -> None:
        transform(part)
        progress.advance(part.stop - part.start)

    if report:
        progress.stage("drawing", n, "draws")
    thread_map(counted if report else transform, chunks(n, chunk), threads)
    return Candidates(arrays, passes, overall, choices)


def _linear_pool(quantity: str, members: list[Source],
                 arrays: Mapping[tuple[str, str], FloatArray], u: FloatArray,
                 part: slice, chosen: NDArray[np.int16]) -> FloatArray:
    """The linear pool's draws in `part`, given its uniforms `u` there.

    Writes the index of the member each draw takes into `chosen`.
    """
    choice = pool_choice(np.array([s.weight for s in members]), u)
    chosen[...] = choice
    pooled = np.empty(len(u), dtype=np.float64)
    for k, member in enumerate(members):
        picked = choice == k
        pooled[picked] = arrays[quantity, member.id][part][picked]
    return pooled
