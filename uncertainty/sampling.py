"""Drawing: distributions and views in, an `xarray.Dataset` of draws out.

Steps, all vectorized over draws:

1. every (source, quantity) estimate gets a latent standard normal from its own named
   stream; correlated groups are mixed by the copula; each estimate maps its latent
   draws through its distribution;
2. each pooled quantity: a linear pool picks, draw by draw, one source's draw with
   probability proportional to the weights (its own named stream); a log pool draws its
   closed-form distribution from its own named stream;
3. with constraints, those are *candidate* draws: each view keeps the first N candidates
   that satisfy every constraint, and more candidates are drawn (streams are prefix-stable,
   so earlier candidates never change) until every view has N;
4. views select among these arrays; each metric is evaluated once per distinct selection.

Steps 1 to 3 run as independent pieces of work in threads (`uncertainty.parallel`): every
block of every random stream, then every chunk of draws through the copula, the
distributions, the pools and the constraint tests; step 4 fills the rows chunk by chunk.
All of that is elementwise along the draw axis, so the draws are the same for any thread
count and any chunk size.

The Dataset has dims ``(view, draw)``, one variable per quantity and per metric. Each
variable's ``view_sources`` attribute gives, per view, a key of where its draws came from;
rows with equal keys are identical, which the summary uses to skip repeats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty import progress
from uncertainty.copula import CopulaGroup, plan_copula
from uncertainty.distributions import Distribution
from uncertainty.errors import ConstraintConflict
from uncertainty.model import POOLED, Estimate, Model, Source
from uncertainty.parallel import CHUNK_SIZE, chunks, resolve_threads, thread_map
from uncertainty.pooling import log_pool
from uncertainty.resources import check_memory
from uncertainty.streams import Kind, draw_streams
from uncertainty.views import View

__all__ = ["MIN_ACCEPTANCE", "Drawn", "Hold", "ViewDraws", "draw_dataset", "draw_view",
           "pool_choice"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: A view whose draws meet the constraints less often than this stops the run.
MIN_ACCEPTANCE = 0.01


@dataclass(frozen=True)
class Drawn:
    """The draws, and how the constraints filtered them.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``.
    acceptance : xarray.Dataset or None
        With constraints: ``rate`` over ``(view, constraint)`` (share of candidate draws
        meeting each constraint), ``overall`` and ``candidates`` over ``view``.
    """

    draws: xr.Dataset
    acceptance: xr.Dataset | None = None


def pool_choice(weights: FloatArray, u: FloatArray) -> NDArray[np.intp]:
    """Index of the source each draw takes, given uniforms `u` and pool `weights`.

    Source ``k`` is chosen when ``u`` falls in its slice of [0, 1), whose length is its
    normalized weight.
    """
    edges = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(edges, u, side="right"), len(weights) - 1)


@dataclass(frozen=True)
class Hold:
    """One input held at a fixed latent value while every other input varies.

    Parameters
    ----------
    key : (source id, quantity)
        The estimate held; ``("pooled", quantity)`` holds a log pool's own draw.
    z : float
        Its latent standard-normal value: ``Phi^-1(p)`` holds it at its p-quantile.

    Inputs correlated with it through the copula take their distribution *given* it: each
    partner's latent normal ``z_j`` becomes ``z_j + r_jk (z - z_k)``, which for jointly
    normal latents with correlation ``r_jk`` is exactly a draw from the conditional law.
    """

    key: tuple[str, str]
    z: float


@dataclass(frozen=True)
class _Candidates:
    """Candidate draws and the constraint tests on them.

    ``arrays`` maps (quantity, source id or "pooled") to draws; ``passes`` maps each
    constraint key to one boolean array per constraint, and ``overall`` to their
    conjunction (both empty without constraints). ``choices`` maps each linearly pooled
    quantity to the index, per draw, of the source the pool took (sources sorted by id).
    """

    arrays: dict[tuple[str, str], FloatArray]
    passes: dict[str, list[BoolArray]]
    overall: dict[str, BoolArray]
    choices: dict[str, NDArray[np.int16]]


def _mix(factor: FloatArray, rows: list[FloatArray]) -> None:
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


@dataclass(frozen=True)
class _Plan:
    """What to draw for some views, and how to turn the random streams into candidates.

    ``estimates`` are the (source id, estimate) pairs some view uses; ``requests`` the
    streams to draw, estimates' latent normals first, then one per pooled quantity;
    ``groups`` the copula groups among them; ``pools`` each log pool's distribution;
    ``members`` each linear pool's sources (sorted by id); ``tested`` each constraint key
    and the first view having it. Built once, then reused for any range of draws: the
    streaming engine regenerates blocks from it pass after pass.
    """

    estimates: tuple[tuple[str, Estimate], ...]
    groups: tuple[CopulaGroup, ...]
    requests: tuple[tuple[Kind, tuple[str, ...]], ...]
    pooled: tuple[str, ...]
    log: bool
    pools: dict[str, Distribution]
    members: dict[str, list[Source]]
    tested: dict[str, View]


def _plan(model: Model, views: tuple[View, ...]) -> _Plan:
    """The `_Plan` of `views`.

    What can fail (a correlation matrix, a log pool without closed form) fails here,
    before anything is drawn.
    """
    pooled = [q for q in model.quantities if any(v.source_of(q) == POOLED for v in views)]
    log = model.run.pool == "log"
    groups = plan_copula(model.correlations, repair=model.repair_correlations).groups
    used = _used_estimates(model, views, groups, pooled if not log else [])
    estimates = [(s.id, e) for s in model.sources for e in s.estimates
                 if (s.id, e.quantity) in used]
    groups = tuple(g for g in groups if g.members[0] in used)
    requests: list[tuple[Kind, tuple[str, ...]]] = [
        ("normal", ("estimate", sid, e.quantity)) for sid, e in estimates]
    requests += [("normal", ("pool", "log", q)) if log else ("uniform", ("pool", q))
                 for q in pooled]
    pools = {q: log_pool(model, q) for q in pooled} if log else {}
    # Sorted by id so that the order of sources in the file cannot change a draw.
    members = {q: sorted(model.estimators(q), key=lambda s: s.id) for q in pooled}
    tested: dict[str, View] = {}  # each constraint key, and the first view having it
    for view in views if model.constraints else ():
        tested.setdefault(_constraint_key(model, view), view)
    return _Plan(tuple(estimates), groups, tuple(requests), tuple(pooled), log, pools,
                 members, tested)


def _candidates(model: Model, plan: _Plan, buffers: list[FloatArray], *, threads: int,
                chunk: int, hold: Hold | None = None, report: bool = True) -> _Candidates:
    """Turn drawn `buffers` (one per ``plan.requests``) into candidates, in place.

    Each chunk of draws, in parallel, goes through the copula, the distributions, the
    pools and the constraint tests. All of that is elementwise along the draw axis, and
    each array is transformed in place (latent normals become draws, a pool's uniforms
    become its draws), so any range of draws gives the same numbers at each position.
    """
    n = len(buffers[0]) if buffers else 0
    estimates, pooled, log = plan.estimates, plan.pooled, plan.log
    latents = {(sid, e.quantity): buf
               for (sid, e), buf in zip(estimates, buffers[:len(estimates)], strict=True)}
    arrays = {(e.quantity, sid): latents[sid, e.quantity] for sid, e in estimates}
    arrays |= {(q, POOLED): buf for q, buf in zip(pooled, buffers[len(estimates):], strict=True)}
    if log:
        latents |= {(POOLED, q): arrays[q, POOLED] for q in pooled}
    choices = {} if log else {q: np.empty(n, dtype=np.int16) for q in pooled}
    tested = plan.tested
    passes = {k: [np.empty(n, dtype=np.bool_) for _ in model.constraints] for k in tested}
    overall = {k: np.empty(n, dtype=np.bool_) for k in tested}

    def transform(part: slice) -> None:
        for group in plan.groups:
            _mix(group.factor, [latents[k][part] for k in group.members])
        if hold is not None:
            _hold(hold, plan.groups, latents, part)
        for sid, est in estimates:
            z = arrays[est.quantity, sid]
            z[part] = est.distribution.from_normal(z[part])
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
    return _Candidates(arrays, passes, overall, choices)


def _inputs(model: Model, views: tuple[View, ...], seed: int, n: int, *, threads: int,
            chunk: int, hold: Hold | None = None) -> _Candidates:
    """Draws of every (quantity, source id or "pooled") some view uses, and their tests.

    Every block of every stream is drawn in parallel; then `_candidates` transforms them.
    """
    plan = _plan(model, views)
    buffers = draw_streams(seed, plan.requests, n, threads=threads)
    return _candidates(model, plan, buffers, threads=threads, chunk=chunk, hold=hold)


def _used_estimates(model: Model, views: tuple[View, ...], groups: tuple[CopulaGroup, ...],
                    linear: list[str]) -> set[tuple[str, str]]:
    """The (source, quantity) estimates the views draw from.

    Those a view names, the members of a linear pool a view takes, and every estimate
    correlated with one of those. Streams are keyed by names, so leaving the others
    undrawn changes no draw.
    """
    used = {(v.source_of(q), q) for v in views for q in model.quantities
            if v.source_of(q) != POOLED}
    used |= {(s.id, q) for q in linear for s in model.estimators(q)}
    for group in groups:
        if used.intersection(group.members):
            used.update(group.members)
    return used


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


def _constraint_key(model: Model, view: View) -> str:
    """Views with equal keys see the same constrained quantities, so the same acceptance."""
    names = sorted({q for c in model.constraints for q in c.names})
    return ",".join(f"{q}={view.source_of(q)}" for q in names)


def _share(mask: BoolArray) -> float:
    """Share of True in `mask`: ``np.mean(mask)``, exactly (an integer count over n)."""
    return int(np.count_nonzero(mask)) / len(mask)


def _first_candidates(n: int) -> int:
    """Candidates drawn first for `n` valid draws.

    A few percent more than `n`, so that constraints that rarely bind need no second pass.
    """
    return math.ceil(n * 1.05) + 1_000


def _more_candidates(n: int, worst: float) -> int:
    """Candidates to draw next when the views' worst acceptance so far is `worst`."""
    return math.ceil(n / max(worst, MIN_ACCEPTANCE) * 1.05) + 1_000


def _constrained(model: Model, views: tuple[View, ...], seed: int, n: int, *, threads: int,
                 chunk: int, hold: Hold | None = None,
                 memory_budget: int | None = None) -> tuple[
    _Candidates, dict[str, NDArray[np.intp]], xr.Dataset
]:
    """Candidates, each constraint key's first `n` accepted indices, acceptance.

    The first pass draws `_first_candidates`; streams are prefix-stable, so how many
    candidates are drawn never changes which draws are kept.
    """
    m = _first_candidates(n)
    first = True
    while True:
        drawn = _inputs(model, views, seed, m, threads=threads, chunk=chunk, hold=hold)
        passes, overall = drawn.passes, drawn.overall
        rates = {k: _share(ok) for k, ok in overall.items()}
        if first:
            _check_conflicts(model, views, {k: [_share(p) for p in ps]
                                            for k, ps in passes.items()}, rates)
            first = False
        counts = {k: int(np.count_nonzero(ok)) for k, ok in overall.items()}
        if min(counts.values()) >= n:
            break
        worst = min(rates.values())
        m = _more_candidates(n, worst)
        streams = sum(len(s.estimates) for s in model.sources) + len(model.quantities)
        check_memory(8 * m * 2 * streams,
                     f"{m:,} candidate draws (acceptance {worst:.1%}) for {n:,} valid ones",
                     budget=memory_budget)
    keys = list(overall)
    found = thread_map(lambda k: np.flatnonzero(overall[k])[:n], keys, threads)
    index = dict(zip(keys, found, strict=True))
    acceptance = _acceptance(model, views, {k: [_share(p) for p in ps]
                                            for k, ps in passes.items()}, rates, m)
    return drawn, index, acceptance


def _acceptance(model: Model, views: tuple[View, ...], shares: Mapping[str, list[float]],
                rates: Mapping[str, float], m: int) -> xr.Dataset:
    """The acceptance Dataset of `Drawn`, from each constraint key's shares over `m`."""
    keys = [_constraint_key(model, v) for v in views]
    return xr.Dataset(
        {
            "rate": (("view", "constraint"), np.array([shares[k] for k in keys])),
            "overall": ("view", np.array([rates[k] for k in keys])),
            "candidates": ("view", np.full(len(views), m)),
        },
        coords={"view": [v.id for v in views],
                "constraint": [c.text for c in model.constraints]},
    )


def _check_conflicts(model: Model, views: tuple[View, ...],
                     shares: Mapping[str, list[float]], rates: Mapping[str, float]) -> None:
    """Raise `ConstraintConflict` for the first view accepting under `MIN_ACCEPTANCE`.

    `shares` gives, per constraint key, the share of candidates meeting each constraint.
    """
    for view in views:
        key = _constraint_key(model, view)
        if rates[key] >= MIN_ACCEPTANCE:
            continue
        i = int(np.argmin(shares[key]))
        constraint = model.constraints[i]
        raise ConstraintConflict(
            f"constraints[{i}]", constraint.text, view.id, rates[key],
            tuple((q, view.source_of(q)) for q in constraint.names),
        )


@dataclass(frozen=True)
class _Rows:
    """One variable's ``(view, draw)`` array and how to fill it.

    ``first`` lists, for each distinct ``view_sources`` key, the first view having it, the
    constraint key selecting its draws, and the other views with the same key (which get
    a copy of its row).
    """

    data: FloatArray
    keys: list[str]
    first: list[tuple[int, str, list[int]]]


def _view_keys(model: Model, views: tuple[View, ...],
               constrained: bool) -> tuple[list[str], dict[str, list[str]]]:
    """Each view's constraint key, and each variable's ``view_sources`` keys.

    The constraint key is "" without constraints; views with equal ``view_sources`` keys
    hold identical rows.
    """
    ckeys = [_constraint_key(model, v) if constrained else "" for v in views]
    keys = {q: [f"{v.source_of(q)}|{ck}" for v, ck in zip(views, ckeys, strict=True)]
            for q in model.quantities}
    keys |= {m.name: [",".join(f"{q}={v.source_of(q)}" for q in m.expression.names)
                      + f"|{ck}" for v, ck in zip(views, ckeys, strict=True)]
             for m in model.metrics}
    return ckeys, keys


def _draws_dataset(model: Model, views: tuple[View, ...], data: Mapping[str, FloatArray],
                   keys: Mapping[str, list[str]]) -> xr.Dataset:
    """The ``(view, draw)`` Dataset of `draw_dataset` from each variable's 2-D array."""
    dims = ("view", "draw")
    data_vars: dict[str, xr.DataArray] = {
        q: xr.DataArray(data[q], dims=dims,
                        attrs={"kind": "input", "label": q, "view_sources": keys[q]})
        for q in model.quantities
    }
    for metric in model.metrics:
        data_vars[metric.name] = xr.DataArray(
            data[metric.name], dims=dims,
            attrs={"kind": "metric", "label": metric.label, "expr": metric.expression.text,
                   "view_sources": keys[metric.name]},
        )
    coords = {
        "view": [v.id for v in views],
        "view_label": ("view", [v.label for v in views]),
        "envelope_of": ("view", [v.envelope_of for v in views]),
    }
    return xr.Dataset(data_vars, coords=coords)


def _rows(keys: list[str], ckeys: list[str], n: int) -> _Rows:
    first: dict[str, tuple[int, str, list[int]]] = {}
    for j, (key, ck) in enumerate(zip(keys, ckeys, strict=True)):
        if key in first:
            first[key][2].append(j)
        else:
            first[key] = (j, ck, [])
    return _Rows(np.empty((len(keys), n), dtype=np.float64), keys, list(first.values()))


def draw_dataset(model: Model, views: tuple[View, ...], *, seed: int, draws: int,
                 threads: int | None = None, chunk: int = CHUNK_SIZE,
                 memory_budget: int | None = None) -> Drawn:
    """Draw every input and metric under every view.

    Parameters
    ----------
    model : Model
        The validated model.
    views : tuple of View
        From `uncertainty.views.build_views`.
    seed : int
        Run seed (non-negative).
    draws : int
        Number of (valid) draws per view.
    threads : int or None
        Threads to use (see `uncertainty.parallel`); None: every core.
    chunk : int
        Draws per chunk of elementwise work (at least 1).
    memory_budget : int or None
        Bytes the candidates may take when constraints reject many of them (see
        `uncertainty.resources.check_memory`); None: the default budget.

    Returns
    -------
    Drawn
        The ``(view, draw)`` Dataset (coordinates ``view``, ``view_label`` and
        ``envelope_of``) and, with constraints, the acceptance rates. The same for any
        `threads` and `chunk`.

    Raises
    ------
    ConstraintConflict
        When some view's draws meet the constraints less than `MIN_ACCEPTANCE` of the time.
    ResourceError
        When the candidates the constraints need would exceed `memory_budget`.
    """
    threads = resolve_threads(threads)
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    acceptance = None
    if model.constraints:
        drawn, index, acceptance = _constrained(model, views, seed, draws, threads=threads,
                                                chunk=chunk, memory_budget=memory_budget)
        arrays = drawn.arrays
    else:
        drawn = _inputs(model, views, seed, draws, threads=threads, chunk=chunk)
        arrays, index = drawn.arrays, {}

    ckeys, keys = _view_keys(model, views, bool(index))
    inputs = {q: _rows(keys[q], ckeys, draws) for q in model.quantities}
    metrics = {m.name: _rows(keys[m.name], ckeys, draws) for m in model.metrics}

    def fill(part: slice) -> None:
        # Each distinct row is gathered (or evaluated) once, then copied to the views that
        # share it; a metric reads its view's rows of the quantities, filled just before.
        for q, rows in inputs.items():
            for j, ck, same in rows.first:
                full = arrays[q, views[j].source_of(q)]
                if index:
                    np.take(full, index[ck][part], out=rows.data[j, part], mode="clip")
                else:
                    rows.data[j, part] = full[part]
                for d in same:
                    rows.data[d, part] = rows.data[j, part]
        for metric in model.metrics:
            rows = metrics[metric.name]
            for j, _, same in rows.first:
                env = {q: inputs[q].data[j, part] for q in metric.expression.names}
                rows.data[j, part] = metric.expression.evaluate(env)
                for d in same:
                    rows.data[d, part] = rows.data[j, part]

    def counted(part: slice) -> None:
        fill(part)
        progress.advance(part.stop - part.start)

    progress.stage("evaluating metrics", draws, "draws")
    thread_map(counted, chunks(draws, chunk), threads)
    data = {name: rows.data for name, rows in (inputs | metrics).items()}
    return Drawn(_draws_dataset(model, views, data, keys), acceptance)


@dataclass(frozen=True)
class ViewDraws:
    """One view's draws with the inputs behind them, for sensitivity analysis.

    Parameters
    ----------
    quantities : dict of str to ndarray
        The view's draws of every quantity (the rows `draw_dataset` gives the view).
    estimates : dict of (source id, quantity) to ndarray
        The draws of every estimate the view uses (directly, through a linear pool or a
        correlation), aligned with `quantities` (the same accepted draws).
    choices : dict of str to (tuple of str, ndarray)
        For each quantity the view takes from a linear pool: the pool's sources (sorted
        by id) and, per draw, the index of the one taken.
    acceptance : float
        Share of candidate draws meeting the constraints (1 without constraints).
    """

    quantities: dict[str, FloatArray]
    estimates: dict[tuple[str, str], FloatArray]
    choices: dict[str, tuple[tuple[str, ...], NDArray[np.int16]]]
    acceptance: float


def draw_view(model: Model, view: View, *, seed: int, draws: int, hold: Hold | None = None,
              threads: int | None = None, chunk: int = CHUNK_SIZE) -> ViewDraws:
    """Draw one view and keep the inputs behind it.

    Without `hold`, ``quantities`` equal the view's rows of
    ``draw_dataset(model, views, seed=seed, draws=draws)`` exactly, whatever the other
    views: streams are keyed by names and constraints keep the first accepted candidates.

    Raises
    ------
    ConstraintConflict
        When the view's draws (with `hold`) meet the constraints less than
        `MIN_ACCEPTANCE` of the time.
    """
    threads = resolve_threads(threads)
    if model.constraints:
        drawn, index, acceptance = _constrained(model, (view,), seed, draws, threads=threads,
                                                chunk=chunk, hold=hold)
        keep = index[_constraint_key(model, view)]
        rate = float(acceptance["overall"].values[0])

        def pick(a: NDArray[Any]) -> NDArray[Any]:
            return a[keep]
    else:
        drawn = _inputs(model, (view,), seed, draws, threads=threads, chunk=chunk, hold=hold)
        rate = 1.0

        def pick(a: NDArray[Any]) -> NDArray[Any]:
            return a
    estimates = {(s.id, e.quantity): pick(drawn.arrays[e.quantity, s.id])
                 for s in model.sources for e in s.estimates
                 if (e.quantity, s.id) in drawn.arrays}
    quantities = {q: estimates[view.source_of(q), q] if view.source_of(q) != POOLED
                  else pick(drawn.arrays[q, POOLED]) for q in model.quantities}
    choices = {q: (tuple(sorted(s.id for s in model.estimators(q))), pick(chosen))
               for q, chosen in drawn.choices.items()}
    return ViewDraws(quantities, estimates, choices, rate)
