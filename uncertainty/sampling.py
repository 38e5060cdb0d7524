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

The Dataset has dims ``(view, draw)``, one variable per quantity and per metric. Each
variable's ``view_sources`` attribute gives, per view, a key of where its draws came from;
rows with equal keys are identical, which the summary uses to skip repeats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.copula import apply_copula, plan_copula
from uncertainty.errors import ConstraintConflict
from uncertainty.model import POOLED, Model
from uncertainty.pooling import log_pool
from uncertainty.resources import check_memory
from uncertainty.streams import standard_normal, uniform
from uncertainty.views import View

__all__ = ["MIN_ACCEPTANCE", "Drawn", "draw_dataset", "pool_choice"]

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


def _inputs(model: Model, views: tuple[View, ...], seed: int, n: int) -> dict[
    tuple[str, str], FloatArray
]:
    """Draws of every (quantity, source id or "pooled") some view uses."""
    latents = {
        (s.id, e.quantity): standard_normal(seed, ("estimate", s.id, e.quantity), n)
        for s in model.sources for e in s.estimates
    }
    apply_copula(plan_copula(model.correlations, repair=model.repair_correlations), latents)
    arrays: dict[tuple[str, str], FloatArray] = {}
    for source in model.sources:
        for est in source.estimates:
            arrays[est.quantity, source.id] = est.distribution.from_normal(
                latents.pop((source.id, est.quantity))
            )
    for quantity in model.quantities:
        if any(v.source_of(quantity) == POOLED for v in views):
            arrays[quantity, POOLED] = _pooled(model, quantity, arrays, seed, n)
    return arrays


def _pooled(model: Model, quantity: str, arrays: Mapping[tuple[str, str], FloatArray],
            seed: int, n: int) -> FloatArray:
    if model.run.pool == "log":
        z = standard_normal(seed, ("pool", "log", quantity), n)
        return log_pool(model, quantity).from_normal(z)
    # Sorted by id so that the order of sources in the file cannot change a draw.
    members = sorted(model.estimators(quantity), key=lambda s: s.id)
    choice = pool_choice(np.array([s.weight for s in members]),
                         uniform(seed, ("pool", quantity), n))
    pooled = np.empty(n, dtype=np.float64)
    for k, member in enumerate(members):
        picked = choice == k
        pooled[picked] = arrays[quantity, member.id][picked]
    return pooled


def _constraint_key(model: Model, view: View) -> str:
    """Views with equal keys see the same constrained quantities, so the same acceptance."""
    names = sorted({q for c in model.constraints for q in c.names})
    return ",".join(f"{q}={view.source_of(q)}" for q in names)


def _accept(model: Model, views: tuple[View, ...],
            arrays: Mapping[tuple[str, str], FloatArray]) -> dict[str, list[BoolArray]]:
    """Per constraint key: for each constraint, whether each candidate draw meets it."""
    out: dict[str, list[BoolArray]] = {}
    for view in views:
        key = _constraint_key(model, view)
        if key not in out:
            out[key] = [
                c.holds({q: arrays[q, view.source_of(q)] for q in c.names})
                for c in model.constraints
            ]
    return out


def _constrained(model: Model, views: tuple[View, ...], seed: int, n: int) -> tuple[
    dict[tuple[str, str], FloatArray], dict[str, NDArray[np.intp]], xr.Dataset
]:
    """Candidate arrays, each constraint key's first `n` accepted indices, acceptance.

    The first pass draws a few percent more candidates than needed, so that constraints
    that rarely bind need no second pass; streams are prefix-stable, so how many
    candidates are drawn never changes which draws are kept.
    """
    m = math.ceil(n * 1.05) + 1_000
    first = True
    while True:
        arrays = _inputs(model, views, seed, m)
        passes = _accept(model, views, arrays)
        overall = {k: np.logical_and.reduce(p) for k, p in passes.items()}
        rates = {k: float(np.mean(ok)) for k, ok in overall.items()}
        if first:
            _check_conflicts(model, views, passes, rates)
            first = False
        counts = {k: int(np.count_nonzero(ok)) for k, ok in overall.items()}
        if min(counts.values()) >= n:
            break
        worst = min(rates.values())
        m = math.ceil(n / max(worst, MIN_ACCEPTANCE) * 1.05) + 1_000
        streams = sum(len(s.estimates) for s in model.sources) + len(model.quantities)
        check_memory(8 * m * 2 * streams,
                     f"{m:,} candidate draws (acceptance {worst:.1%}) for {n:,} valid ones")
    index = {k: np.flatnonzero(ok)[:n] for k, ok in overall.items()}
    keys = [_constraint_key(model, v) for v in views]
    acceptance = xr.Dataset(
        {
            "rate": (("view", "constraint"),
                     np.array([[float(np.mean(p)) for p in passes[k]] for k in keys])),
            "overall": ("view", np.array([rates[k] for k in keys])),
            "candidates": ("view", np.full(len(views), m)),
        },
        coords={"view": [v.id for v in views],
                "constraint": [c.text for c in model.constraints]},
    )
    return arrays, index, acceptance


def _check_conflicts(model: Model, views: tuple[View, ...],
                     passes: Mapping[str, list[BoolArray]], rates: Mapping[str, float]) -> None:
    for view in views:
        key = _constraint_key(model, view)
        if rates[key] >= MIN_ACCEPTANCE:
            continue
        shares = [float(np.mean(p)) for p in passes[key]]
        i = int(np.argmin(shares))
        constraint = model.constraints[i]
        raise ConstraintConflict(
            f"constraints[{i}]", constraint.text, view.id, rates[key],
            tuple((q, view.source_of(q)) for q in constraint.names),
        )


def _stack(rows: Mapping[str, FloatArray], keys: list[str], n: int) -> FloatArray:
    out = np.empty((len(keys), n), dtype=np.float64)
    for i, key in enumerate(keys):
        out[i] = rows[key]
    return out


def draw_dataset(model: Model, views: tuple[View, ...], *, seed: int, draws: int) -> Drawn:
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

    Returns
    -------
    Drawn
        The ``(view, draw)`` Dataset (coordinates ``view``, ``view_label`` and
        ``envelope_of``) and, with constraints, the acceptance rates.

    Raises
    ------
    ConstraintConflict
        When some view's draws meet the constraints less than `MIN_ACCEPTANCE` of the time.
    """
    acceptance = None
    if model.constraints:
        arrays, index, acceptance = _constrained(model, views, seed, draws)
    else:
        arrays, index = _inputs(model, views, seed, draws), {}

    def column(quantity: str, view: View) -> FloatArray:
        full = arrays[quantity, view.source_of(quantity)]
        return full[index[_constraint_key(model, view)]] if index else full

    ckeys = [_constraint_key(model, v) if index else "" for v in views]
    data_vars: dict[str, xr.DataArray] = {}
    dims = ("view", "draw")
    for quantity in model.quantities:
        keys = [f"{v.source_of(quantity)}|{ck}" for v, ck in zip(views, ckeys, strict=True)]
        rows: dict[str, FloatArray] = {}
        for view, key in zip(views, keys, strict=True):
            if key not in rows:
                rows[key] = column(quantity, view)
        data_vars[quantity] = xr.DataArray(
            _stack(rows, keys, draws), dims=dims,
            attrs={"kind": "input", "label": quantity, "view_sources": keys},
        )
    for metric in model.metrics:
        names = metric.expression.names
        keys = [",".join(f"{q}={v.source_of(q)}" for q in names) + f"|{ck}"
                for v, ck in zip(views, ckeys, strict=True)]
        rows = {}
        for view, key in zip(views, keys, strict=True):
            if key not in rows:
                rows[key] = metric.expression.evaluate({q: column(q, view) for q in names})
        data_vars[metric.name] = xr.DataArray(
            _stack(rows, keys, draws), dims=dims,
            attrs={"kind": "metric", "label": metric.label, "expr": metric.expression.text,
                   "view_sources": keys},
        )
    coords = {
        "view": [v.id for v in views],
        "view_label": ("view", [v.label for v in views]),
        "envelope_of": ("view", [v.envelope_of for v in views]),
    }
    return Drawn(xr.Dataset(data_vars, coords=coords), acceptance)
