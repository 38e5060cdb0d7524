"""The summary stage: a Dataset of draws in, a Dataset of statistics out."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Mapping

import numpy as np
import xarray as xr

from uncertainty.runtime import progress
from uncertainty.runtime.parallel import thread_map, threads_for
from uncertainty.sampling.rows import distinct_rows
from uncertainty.stats.array import INTERVAL_STATISTICS, SCALAR_STATISTICS, summarize_draws

__all__ = ["envelopes", "summarize", "summary_dataset"]



def summarize(draws: xr.Dataset, levels: tuple[float, ...], *,
              threads: int | None = None) -> xr.Dataset:
    """Summary statistics of every variable in every view.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``, as made by `uncertainty.sampling.draw_dataset`.
    levels : tuple of float
        Credible levels.
    threads : int or None
        Threads to use; None: every core. Each distinct row is summarized whole, in one
        thread, so the numbers are the same for any count.

    Returns
    -------
    xarray.Dataset
        Dims ``variable``, ``view``, ``level``, ``ci_bound`` (``lower``, ``upper``).
        Variables ``median``, ``mean``, ``sd``, ``valid``, ``invalid``, ``mcse_median``,
        ``mcse_mean``, ``mcse_sd`` over ``(variable, view)``; ``eti``, ``hdi``,
        ``mcse_eti``, ``mcse_hdi`` over ``(variable, view, level, ci_bound)``. Numbers are
        unrounded. Attributes of `draws` are carried over; each variable's ``kind`` and
        ``label`` become coordinates.

    Notes
    -----
    Rows whose ``view_sources`` attribute is equal hold identical draws and are summarized
    once. With an ``accepted`` coordinate (constraints), a view's statistics are those of
    the candidates it accepts; ``valid`` and ``invalid`` count only those.
    """
    distinct, _ = distinct_rows(draws)
    values = [draws.variables[name].values for name in draws.data_vars]
    # Candidates a view rejects (NaN in its rows) are not draws of it, so not invalid ones.
    rejected = (draws.sizes["draw"] - draws["accepted"].values.sum(axis=1)
                if "accepted" in draws.coords else np.zeros(draws.sizes["view"], dtype=int))
    local = threading.local()  # one sorting buffer per thread, reused row after row

    def one(ij: tuple[int, int]) -> dict[str, np.ndarray]:
        row = values[ij[0]][ij[1]]
        if len(getattr(local, "scratch", ())) < len(row):
            local.scratch = np.empty(len(row), dtype=np.float64)
        found = summarize_draws(row, levels, scratch=local.scratch)
        found["invalid"] = found["invalid"] - rejected[ij[1]]
        progress.advance()
        return found

    progress.stage("summarizing", len(distinct), "rows")
    found = thread_map(one, distinct, threads_for(draws.sizes["draw"], threads))
    return summary_dataset(draws, levels, dict(zip(distinct, found, strict=True)))


def summary_dataset(draws: xr.Dataset, levels: tuple[float, ...],
                    found: Mapping[tuple[int, int], Mapping[str, np.ndarray]], *,
                    attrs: Mapping[str, object] | None = None) -> xr.Dataset:
    """The Dataset `summarize` returns, from the statistics of each distinct row.

    Parameters
    ----------
    draws : xarray.Dataset
        Gives the variables, views, their attributes and coordinates; only its structure
        is read, so a prefix of the draws serves as well as all of them.
    levels : tuple of float
        Credible levels.
    found : mapping of (int, int) to dict
        `summarize_draws` output of each row of `distinct_rows`.
    attrs : mapping, optional
        Attributes of the result; default those of `draws`.
    """
    names = list(draws.data_vars)
    views = draws.sizes["view"]
    m = len(levels)
    scalars = {k: np.full((len(names), views), np.nan) for k in SCALAR_STATISTICS}
    intervals = {k: np.full((len(names), views, m, 2), np.nan) for k in INTERVAL_STATISTICS}
    tables: list[dict[str, np.ndarray]] = [scalars, intervals]
    _, repeats = distinct_rows(draws)
    if found:  # each statistic of every row placed at once (copies of the same numbers)
        rows, cols = (list(ix) for ix in zip(*found, strict=True))
        for table in tables:
            for k, stat in table.items():
                stat[rows, cols] = np.stack([np.asarray(stats[k]) for stats in found.values()])
    for i, j, first in repeats:
        for table in tables:
            for stat in table.values():
                stat[i, j] = stat[i, first]
    coords = {
        "variable": names,
        "view": draws["view"].values,
        "level": list(levels),
        "ci_bound": ["lower", "upper"],
        "kind": ("variable", [draws.variables[n].attrs.get("kind", "") for n in names]),
        "label": ("variable", [draws.variables[n].attrs.get("label", n) for n in names]),
    }
    for name in ("view_label", "envelope_of"):
        if name in draws.coords:
            coords[name] = ("view", draws[name].values)
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("variable", "view"), v) for k, v in scalars.items()
    }
    data_vars |= {k: (("variable", "view", "level", "ci_bound"), v)
                  for k, v in intervals.items()}
    return xr.Dataset(data_vars, coords=coords,
                      attrs=dict(draws.attrs if attrs is None else attrs))


def envelopes(summary: xr.Dataset) -> xr.Dataset | None:
    """The envelope of each group of member views (``pool = "envelope"``), or None.

    For each parent view: ``median`` over ``(variable, envelope, bound)`` is the lowest and
    highest median of its members; ``eti`` and ``hdi`` over ``(variable, envelope, level,
    ci_bound)`` run from the lowest lower end to the highest upper end; ``mcse_*`` are the
    largest Monte Carlo errors among the members, for display. A member's NaN is skipped
    (NaN when every member's is).
    """
    if "envelope_of" not in summary.coords:
        return None
    parents = [p for p in dict.fromkeys(summary["envelope_of"].values.tolist()) if p]
    if not parents:
        return None
    of = summary["envelope_of"].values
    order = ("variable", "view", "level", "ci_bound")
    stats = {k: summary.variables[k].transpose(*order[:2 if k.endswith("median") else 4]).values
             for k in ("median", "eti", "hdi", "mcse_median", "mcse_eti", "mcse_hdi")}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in stats}
    with warnings.catch_warnings():  # as xarray's min and max: NaN where all are
        warnings.filterwarnings("ignore", "All-NaN slice encountered")
        for parent in parents:
            # The members' rows (a copy), each statistic reduced over them (axis 1): the
            # numpy calls of xarray's ``.sel(view=...)`` then ``.min("view")``.
            members = {k: v[:, of == parent] for k, v in stats.items()}
            median = members["median"]
            parts["median"].append(np.stack([np.nanmin(median, axis=1),
                                             np.nanmax(median, axis=1)]))
            for k in ("eti", "hdi"):
                parts[k].append(np.stack([np.nanmin(members[k][..., 0], axis=1),
                                          np.nanmax(members[k][..., 1], axis=1)]))
            for k in ("mcse_median", "mcse_eti", "mcse_hdi"):
                parts[k].append(np.nanmax(members[k], axis=1))
    # Laid out as concatenating the parents' Datasets did, then transposed as it was.
    dims = {"median": ("envelope", "bound", "variable"),
            "eti": ("envelope", "ci_bound", "variable", "level"),
            "hdi": ("envelope", "ci_bound", "variable", "level"),
            "mcse_median": ("envelope", "variable")}
    data = {k: (dims.get(k, ("envelope", "variable", "level", "ci_bound")), np.stack(found))
            for k, found in parts.items()}
    coords: dict[str, object] = {"variable": summary["variable"].values}
    coords |= {str(k): c.variable for k, c in summary.coords.items()
               if c.dims == ("variable",) and k != "variable"}
    coords |= {"level": summary["level"].values, "envelope": parents, "bound": ["low", "high"],
               "ci_bound": ["lower", "upper"]}
    return xr.Dataset(data, coords=coords).transpose("envelope", "variable", "bound", "level",
                                                     "ci_bound")
