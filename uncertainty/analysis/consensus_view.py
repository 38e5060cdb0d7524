"""The consensus view's Monte Carlo errors: its draws' own, and its law's.

The consensus view draws each consensus quantity from a law known by importance draws
(`uncertainty.distributions.weighted.WeightedLog`). Its figures therefore err twice: by
the view's own ``N`` draws, which every MCSE of the summary and the comparison counts, and
by the law's, about ``N / ess`` times as much in variance by Kish's approximation. Every
MCSE of the consensus view (and of a comparison with it) of a variable that reads a
consensus quantity is multiplied by ``sqrt(1 + N / ess)``, the largest over the consensus
quantities it reads. A figure mixing a consensus with other inputs errs less than that: the
factor is conservative there.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import xarray as xr

from uncertainty.model.core import CONSENSUS, Model
from uncertainty.stats.array import all_positive_rows

__all__ = ["error_factors", "others_positive", "widen", "widen_each"]


def error_factors(model: Model, draws: int) -> dict[str, float]:
    """Per quantity and metric read in the consensus view from a consensus: its factor."""
    by_quantity = {law.quantity: (1.0 + draws / law.ess) ** 0.5
                   for law in model.consensus_laws or () if law.law is not None}
    factors = dict(by_quantity)
    for metric in model.metrics:
        found = [by_quantity[q] for q in metric.expression.names if q in by_quantity]
        if found:
            factors[metric.name] = max(found)
    return factors


def others_positive(da: xr.DataArray) -> bool:
    """`all_positive` of `da`'s draws (a ``view`` dim) but the consensus view's row.

    What decides a variable's scale (log when positive) for the comparison and the
    sensitivity: the consensus view, which may reach 0 or below where the sources do not,
    does not change the scale of every other view's figures. The rows are read in place,
    not copied.
    """
    views = [str(v) for v in da["view"].values]
    values = da.transpose("view", ...).values
    rows = [values[j] for j, v in enumerate(views) if v != CONSENSUS or len(views) == 1]
    return all_positive_rows(rows)


def _scaled(ds: xr.Dataset, dim: str, factor: np.ndarray, skip: tuple[str, ...] = (),
            ) -> xr.Dataset:
    """`ds` with its ``*mcse*`` variables (but `skip`) times `factor` at the consensus.

    Where `dim` is the consensus view; `factor` per ``variable`` (1-D) or one number (0-D).
    Each such variable must have the dims of the scale (`dim`, and ``variable`` for a 1-D
    `factor`). The products are those of the arrays, made in place of a copy of `ds`
    (`xarray.Dataset.copy` with new data: no alignment or merge per variable).
    """
    at = np.array([str(v) == CONSENSUS for v in ds[dim].values])
    scale_dims: tuple[str, ...] = ("variable", dim) if factor.ndim else (dim,)
    scale = np.where(at[None, :], factor[:, None], 1.0) if factor.ndim else np.where(
        at, factor, 1.0)
    data = {}
    for k in ds.data_vars:
        variable = ds.variables[k]
        data[k] = variable.data
        if "mcse" in str(k) and k not in skip:
            # an MCSE near the float limit widens to inf, reported as such (as an MCSE
            # that overflows where it is computed), not a warning
            with np.errstate(over="ignore"):
                data[k] = variable.values * _along(scale, scale_dims, variable.dims)
    return ds.copy(data=data)


def _along(scale: np.ndarray, scale_dims: tuple[str, ...],
           dims: tuple[Hashable, ...]) -> np.ndarray:
    """`scale` (over `scale_dims`) shaped to broadcast against an array over `dims`."""
    missing = [d for d in scale_dims if d not in dims]
    if missing:
        raise ValueError(f"an MCSE variable over {dims} lacks the dims {missing}")
    order = [d for d in dims if d in scale_dims]
    shaped = scale.transpose([scale_dims.index(d) for d in order])
    return shaped.reshape([scale.shape[scale_dims.index(d)] if d in scale_dims else 1
                           for d in dims])


def widen(ds: xr.Dataset, factors: Mapping[str, float], *,
          skip: tuple[str, ...] = ()) -> xr.Dataset:
    """`ds` (dims ``variable``, ``view`` and maybe ``other``) with the consensus's MCSEs widened.

    Every ``*mcse*`` variable but those in `skip` (made from MCSEs already widened), where
    ``view`` (or ``other``) is the consensus and the variable has a factor. Unchanged
    without a consensus view.
    """
    views = [str(v) for v in ds["view"].values] if "view" in ds.dims else []
    if CONSENSUS not in views or not factors:
        return ds
    factor = np.array([factors.get(str(n), 1.0) for n in ds["variable"].values])
    for dim in ("view", "other"):
        if dim in ds.dims:
            ds = _scaled(ds, dim, factor, skip)
    return ds


def widen_each(tables: Mapping[str, xr.Dataset],
               factors: Mapping[str, float]) -> dict[str, xr.Dataset]:
    """Per-metric tables (dim ``view``) with the consensus view's MCSEs widened."""
    out = {}
    for metric, ds in tables.items():
        views = [str(v) for v in ds["view"].values]
        if CONSENSUS not in views or metric not in factors:
            out[metric] = ds
            continue
        out[metric] = _scaled(ds, "view", np.array(factors[metric]))
    return out
