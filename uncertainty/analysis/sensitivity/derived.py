"""A variant model's figures from the run's own streams: what leave-out and the sweep read.

Leaving a source out and scaling the default spreads are edits of the model, run with the
run's seed and draw count. Instead of simulating each edited model and summarizing every
statistic of every row, `figures_summary` draws it from the run's streams
(`uncertainty.sampling.Rerun`: only what the edit touches is redrawn), evaluates only the
metrics, in only the views asked for, and computes only the statistics the tables read
(`uncertainty.stats.array.quantile_statistics`: the median, the equal-tailed intervals
and their MCSEs), from a partition instead of a sort. Each of those numbers is identical
to the one `uncertainty.summary.summarize` gives for a simulation of the edited model.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.analysis.consensus_view import error_factors, widen
from uncertainty.model.core import Model
from uncertainty.model.views import build_views
from uncertainty.runtime.parallel import thread_map
from uncertainty.sampling import Rerun, constraint_key, row_groups, view_keys
from uncertainty.stats.array import partly_sorted, quantile_statistics

__all__ = ["FIGURE_STATISTICS", "Variant", "figures_summary", "variant_of"]

#: The statistics `figures_summary` holds, as `uncertainty.summary.summarize` names them.
FIGURE_STATISTICS = ("median", "mcse_median", "eti", "mcse_eti")


@dataclass(frozen=True)
class Variant:
    """A variant model's figures and its metrics' draws, as leave-out and the sweep read them.

    ``row(metric, view)`` is the metric's draws in the view, paired by position with the
    run's own (NaN where a constraint rejects the draw): the errors of the variant's figures
    and the run's are correlated through them (`uncertainty.stats.paired`).
    """

    summary: xr.Dataset
    row: Callable[[str, str], NDArray[np.float64]]


def variant_of(summary: xr.Dataset, draws: xr.Dataset) -> Variant:
    """The `Variant` of a whole simulation: its summary and its ``(view, draw)`` Dataset."""
    at = {str(v): j for j, v in enumerate(draws["view"].values)}
    rows: dict[str, NDArray[np.float64]] = {}

    def row(metric: str, view: str) -> NDArray[np.float64]:
        if metric not in rows:  # a view's row by position: xarray's sel costs more
            rows[metric] = np.asarray(draws[metric].transpose("view", "draw").values,
                                      dtype=np.float64)
        found: NDArray[np.float64] = rows[metric][at[view]]
        return found

    return Variant(summary, row)


def figures_summary(rerun: Rerun, model: Model, views: Collection[str] | None = None, *,
                    threads: int = 1) -> Variant:
    """`FIGURE_STATISTICS` of every metric of `model`, derived from the run of `rerun`.

    Parameters
    ----------
    rerun : Rerun
        The run's streams and candidates; `model` is a variant of its model.
    model : Model
        The edited model; ``model.run.levels`` gives the levels.
    views : collection of str, optional
        The views wanted, by id (an envelope's id gives its members); default every view.
    threads : int
        Threads; the numbers are the same for any count.

    Returns
    -------
    Variant
        Its summary as `uncertainty.summary.summarize` returns, for the metrics and the
        views asked for, with only `FIGURE_STATISTICS`; its rows as a simulation's draws
        hold them.

    Raises
    ------
    ConstraintConflict
        When the edited model's constraints conflict in any of its views, as its
        simulation would.
    """
    every = build_views(model)
    drawn = rerun.draw(model, every, threads=threads)
    chosen = tuple(v for v in every
                   if views is None or v.id in views or v.envelope_of in views)
    _, keys = view_keys(model, chosen)
    levels = model.run.levels
    metrics = model.metrics
    rows = [(a, j, same) for a, m in enumerate(metrics) for j, same in row_groups(keys[m.name])]

    held: dict[tuple[str, str], NDArray[np.float64]] = {}

    def one(row: tuple[int, int, list[int]]) -> dict[str, NDArray[np.float64]]:
        metric, view = metrics[row[0]], chosen[row[1]]
        y = np.asarray(metric.expression.evaluate(
            {q: drawn.arrays[q, view.source_of(q)] for q in metric.expression.names}),
            dtype=np.float64)
        keep = np.isfinite(y)
        if model.constraints:
            accepted = drawn.overall[constraint_key(model, view)]
            keep &= accepted
            y = np.where(accepted, y, np.nan)
        for d in (row[1], *row[2]):
            held[metric.name, chosen[d].id] = y
        s = y[keep]
        if not s.size:
            return {k: np.full((len(levels), 2) if "eti" in k else (), np.nan)
                    for k in FIGURE_STATISTICS}
        return quantile_statistics(partly_sorted(s, lambda r: quantile_statistics(r, levels)),
                                   levels)

    found = thread_map(one, rows, threads)
    shape = (len(metrics), len(chosen))
    data = {k: np.full((*shape, len(levels), 2) if "eti" in k else shape, np.nan)
            for k in FIGURE_STATISTICS}
    for (a, j, same), stats in zip(rows, found, strict=True):
        for k, table in data.items():
            for d in (j, *same):
                table[a, d] = stats[k]
    dims2, dims4 = ("variable", "view"), ("variable", "view", "level", "ci_bound")
    summary = xr.Dataset(
        {k: (dims4 if "eti" in k else dims2, v) for k, v in data.items()},
        coords={"variable": [m.name for m in metrics], "view": [v.id for v in chosen],
                "level": list(levels), "ci_bound": ["lower", "upper"],
                "envelope_of": ("view", [v.envelope_of for v in chosen])},
    )
    # The consensus view's MCSEs count its law's error, as the run's (`consensus_view`).
    summary = widen(summary, error_factors(model, rerun.draws))
    return Variant(summary, lambda metric, view: held[metric, view])
