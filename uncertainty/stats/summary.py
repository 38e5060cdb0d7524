"""The summary stage: a Dataset of draws in, a Dataset of statistics out."""

from __future__ import annotations

import numpy as np
import xarray as xr

from uncertainty.stats.array import summarize_draws

__all__ = ["summarize"]

_SCALARS = ("median", "mean", "sd", "valid", "invalid", "mcse_median", "mcse_mean")
_INTERVALS = ("eti", "hdi", "mcse_eti")


def summarize(draws: xr.Dataset, levels: tuple[float, ...]) -> xr.Dataset:
    """Summary statistics of every variable in every view.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``, as made by `uncertainty.sampling.draw_dataset`.
    levels : tuple of float
        Credible levels.

    Returns
    -------
    xarray.Dataset
        Dims ``variable``, ``view``, ``level``, ``ci_bound`` (``lower``, ``upper``).
        Variables ``median``, ``mean``, ``sd``, ``valid``, ``invalid``, ``mcse_median``,
        ``mcse_mean`` over ``(variable, view)``; ``eti``, ``hdi``, ``mcse_eti`` over
        ``(variable, view, level, ci_bound)``. Numbers are unrounded. Attributes of
        `draws` are carried over; each variable's ``kind`` and ``label`` become
        coordinates.

    Notes
    -----
    Rows whose ``view_sources`` attribute is equal hold identical draws and are summarized
    once.
    """
    names = list(draws.data_vars)
    views = draws.sizes["view"]
    m = len(levels)
    scalars = {k: np.full((len(names), views), np.nan) for k in _SCALARS}
    intervals = {k: np.full((len(names), views, m, 2), np.nan) for k in _INTERVALS}
    tables: list[dict[str, np.ndarray]] = [scalars, intervals]
    for i, name in enumerate(names):
        da = draws[name]
        keys = da.attrs.get("view_sources") or list(range(views))
        done: dict[object, int] = {}
        for j, key in enumerate(keys):
            if key in done:
                for table in tables:
                    for stat in table.values():
                        stat[i, j] = stat[i, done[key]]
                continue
            stats = summarize_draws(da.values[j], levels)
            for table in tables:
                for k, stat in table.items():
                    stat[i, j] = stats[k]
            done[key] = j
    coords = {
        "variable": names,
        "view": draws["view"].values,
        "level": list(levels),
        "ci_bound": ["lower", "upper"],
        "kind": ("variable", [draws[n].attrs.get("kind", "") for n in names]),
        "label": ("variable", [draws[n].attrs.get("label", n) for n in names]),
    }
    if "view_label" in draws.coords:
        coords["view_label"] = ("view", draws["view_label"].values)
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("variable", "view"), v) for k, v in scalars.items()
    }
    data_vars |= {k: (("variable", "view", "level", "ci_bound"), v)
                  for k, v in intervals.items()}
    return xr.Dataset(data_vars, coords=coords, attrs=dict(draws.attrs))
