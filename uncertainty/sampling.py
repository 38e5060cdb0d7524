"""Drawing: distributions and views in, an `xarray.Dataset` of draws out.

Each (source, quantity) estimate is drawn once, from its own named stream; each pooled
quantity picks, draw by draw, one source's draw with probability proportional to the source
weights (a linear pool), from its own named stream. Views then only *select* among these
arrays, and every metric is evaluated once per distinct selection of its inputs: views that
agree on a metric's inputs hold identical draws of it.

The Dataset has dims ``(view, draw)``; one variable per quantity and per metric. Each
variable's ``view_sources`` attribute gives, per view, the sources its draws came from;
rows with equal ``view_sources`` are identical, which the summary uses to skip repeats.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.model import POOLED, Model
from uncertainty.streams import standard_normal, uniform
from uncertainty.views import View

__all__ = ["draw_dataset", "pool_choice"]

FloatArray = NDArray[np.float64]


def pool_choice(weights: NDArray[np.float64], u: FloatArray) -> NDArray[np.intp]:
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
    arrays: dict[tuple[str, str], FloatArray] = {}
    for source in model.sources:
        for est in source.estimates:
            z = standard_normal(seed, ("estimate", source.id, est.quantity), n)
            arrays[est.quantity, source.id] = est.distribution.from_normal(z)
    for quantity in model.quantities:
        if not any(v.source_of(quantity) == POOLED for v in views):
            continue
        # Sorted by id so that the order of sources in the file cannot change a draw.
        members = sorted(model.estimators(quantity), key=lambda s: s.id)
        choice = pool_choice(
            np.array([s.weight for s in members]), uniform(seed, ("pool", quantity), n)
        )
        pooled = np.empty(n, dtype=np.float64)
        for k, member in enumerate(members):
            picked = choice == k
            pooled[picked] = arrays[quantity, member.id][picked]
        arrays[quantity, POOLED] = pooled
    return arrays


def _stack(rows: Mapping[str, FloatArray], keys: list[str], n: int) -> FloatArray:
    out = np.empty((len(keys), n), dtype=np.float64)
    for i, key in enumerate(keys):
        out[i] = rows[key]
    return out


def draw_dataset(model: Model, views: tuple[View, ...], *, seed: int, draws: int) -> xr.Dataset:
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
        Number of draws per view.

    Returns
    -------
    xarray.Dataset
        Dims ``(view, draw)``; coordinates ``view`` and ``view_label``.
    """
    arrays = _inputs(model, views, seed, draws)
    data_vars: dict[str, xr.DataArray] = {}
    dims = ("view", "draw")
    for quantity in model.quantities:
        keys = [v.source_of(quantity) for v in views]
        rows = {key: arrays[quantity, key] for key in set(keys)}
        data_vars[quantity] = xr.DataArray(
            _stack(rows, keys, draws), dims=dims,
            attrs={"kind": "input", "label": quantity, "view_sources": keys},
        )
    for metric in model.metrics:
        names = metric.expression.names
        keys = [",".join(f"{q}={v.source_of(q)}" for q in names) for v in views]
        rows = {}
        for view, key in zip(views, keys, strict=True):
            if key not in rows:
                env = {q: arrays[q, view.source_of(q)] for q in names}
                rows[key] = metric.expression.evaluate(env)
        data_vars[metric.name] = xr.DataArray(
            _stack(rows, keys, draws), dims=dims,
            attrs={"kind": "metric", "label": metric.label, "expr": metric.expression.text,
                   "view_sources": keys},
        )
    coords = {
        "view": [v.id for v in views],
        "view_label": ("view", [v.label for v in views]),
    }
    return xr.Dataset(data_vars, coords=coords)
