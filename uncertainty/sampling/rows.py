"""Which views hold identical rows, and the ``(view, draw)`` Dataset that holds them.

Two views hold identical draws of a variable exactly when they take each quantity it reads
from the same source and accept the same candidates (the same constraint key). That key,
per view and variable, is the variable's ``view_sources`` attribute; `distinct_rows` is the
one grouping every stage uses to draw, summarize, compare and plot each distinct row once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.model.core import Model
from uncertainty.model.views import View
from uncertainty.sampling.plan import constraint_key

__all__ = ["Groups", "distinct_rows", "draws_dataset", "row_groups", "view_keys"]

FloatArray = NDArray[np.float64]

#: Per distinct row: the first view having its key, and the other views with that key.
Groups = list[tuple[int, list[int]]]


def view_keys(model: Model, views: tuple[View, ...]) -> tuple[list[str], dict[str, list[str]]]:
    """Each view's constraint key, and each variable's ``view_sources`` keys.

    Views with equal ``view_sources`` keys of a variable hold identical rows of it.
    """
    ckeys = [constraint_key(model, v) for v in views]
    keys = {q: [f"{v.source_of(q)}|{ck}" for v, ck in zip(views, ckeys, strict=True)]
            for q in model.quantities}
    keys |= {m.name: [",".join(f"{q}={v.source_of(q)}" for q in m.expression.names)
                      + f"|{ck}" for v, ck in zip(views, ckeys, strict=True)]
             for m in model.metrics}
    return ckeys, keys


def row_groups(keys: Sequence[object]) -> Groups:
    """The groups of equal `keys`: each first index, and the later indices equal to it."""
    first: dict[object, tuple[int, list[int]]] = {}
    for j, key in enumerate(keys):
        if key in first:
            first[key][1].append(j)
        else:
            first[key] = (j, [])
    return list(first.values())


def distinct_rows(draws: xr.Dataset) -> tuple[list[tuple[int, int]],
                                               list[tuple[int, int, int]]]:
    """The rows of `draws` to compute, and the rows that repeat one of them.

    Returns
    -------
    distinct : list of (int, int)
        (variable index, view index) of the first view having each distinct
        ``view_sources`` key of each variable (every view without that attribute).
    repeats : list of (int, int, int)
        (variable index, view index, view index of the distinct row it repeats).
    """
    views = draws.sizes["view"]
    distinct: list[tuple[int, int]] = []
    repeats: list[tuple[int, int, int]] = []
    for i, name in enumerate(draws.data_vars):
        keys = draws.variables[name].attrs.get("view_sources") or list(range(views))
        for j, same in row_groups(keys):
            distinct.append((i, j))
            repeats += [(i, d, j) for d in same]
    return distinct, repeats


def draws_dataset(model: Model, views: tuple[View, ...], data: Mapping[str, FloatArray],
                  keys: Mapping[str, list[str]],
                  accepted: NDArray[np.bool_] | None = None) -> xr.Dataset:
    """The ``(view, draw)`` Dataset of a run from each variable's 2-D array.

    With constraints, `accepted` (``(view, draw)``) becomes the ``accepted`` coordinate:
    the candidates each view keeps. Its rejected candidates are NaN in every variable.
    """
    dims = ("view", "draw")
    # Variables, not a DataArray each (which the Dataset would align: half its cost), the
    # view index first, so that the Dataset lists its variables as it did when made of
    # DataArrays (the index, the data, the other coordinates), as draws.nc shows them.
    variables = {"view": xr.Variable("view", [v.id for v in views])}
    variables |= {
        q: xr.Variable(dims, data[q],
                       attrs={"kind": "input", "label": q, "view_sources": keys[q]})
        for q in model.quantities
    }
    for metric in model.metrics:
        variables[metric.name] = xr.Variable(
            dims, data[metric.name],
            attrs={"kind": "metric", "label": metric.label, "expr": metric.expression.text,
                   "view_sources": keys[metric.name]},
        )
    coords: dict[str, object] = {
        "view_label": ("view", [v.label for v in views]),
        "envelope_of": ("view", [v.envelope_of for v in views]),
    }
    if accepted is not None:
        coords["accepted"] = (dims, accepted)
    return xr.Dataset(variables, coords=coords)
