"""Leave one source out: the pooled view and each scenario recomputed without it.

Dropping a source is an edit of the model, simulated with the run's seed and draw count:

==============================  =========================================================
what named the source           what happens without it
==============================  =========================================================
a pool                          the pool of the remaining sources (their own weights)
a scenario                      the scenario takes the pool of the remaining sources
a correlation                   dropped
a quantity only it estimated    every metric and constraint using the quantity is dropped,
                                and the table says why
==============================  =========================================================

Streams are keyed by names, so every other source's draws are the run's own: the moves
reflect the source's absence, not new noise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.errors import ConstraintConflict
from uncertainty.model.core import POOLED, Model, Scenario

__all__ = ["FIGURES", "Figures", "compared_level", "leave_out", "without"]

#: The credible level whose interval the table compares, when the run reports it (else the
#: run's widest level).
LEVEL = 0.9


#: The figures compared: the median and the interval's ends.
FIGURES = ("median", "lower", "upper")


def compared_level(levels: tuple[float, ...]) -> float:
    """`LEVEL` if among `levels`, else the widest of them."""
    return LEVEL if LEVEL in levels else max(levels)


def without(model: Model, source_id: str) -> tuple[Model | None, dict[str, str]]:
    """`model` without source `source_id`, and why each dropped metric was dropped.

    Returns None for the model when no metric is left (or no source).
    """
    sources = tuple(s for s in model.sources if s.id != source_id)
    if not sources:
        return None, {m.name: f"{source_id} is the only source" for m in model.metrics}
    left = {e.quantity for s in sources for e in s.estimates}
    gone = [q for q in model.quantities if q not in left]
    why = {m.name: f"only {source_id} estimates "
                   f"{', '.join(q for q in m.expression.names if q in gone)}"
           for m in model.metrics if any(q in gone for q in m.expression.names)}
    metrics = tuple(m for m in model.metrics if m.name not in why)
    if not metrics:
        return None, why
    scenarios = tuple(
        Scenario(sc.id, sc.label, tuple((q, POOLED if s == source_id else s)
                                        for q, s in sc.use if q in left))
        for sc in model.scenarios
    )
    reduced = replace(
        model, sources=sources, metrics=metrics, scenarios=scenarios,
        correlations=tuple(c for c in model.correlations
                           if source_id not in (c.a[0], c.b[0])),
        constraints=tuple(c for c in model.constraints if all(q in left for q in c.names)),
    )
    return reduced, why


class Figures:
    """A summary's medians and interval ends by view, envelopes included.

    Reads only `uncertainty.analysis.sensitivity.derived.FIGURE_STATISTICS` of the summary,
    once, into arrays. An envelope's interval is that of `uncertainty.summary.envelopes`:
    from the lowest lower end to the highest upper end of its members (NaN skipped), with
    their largest MCSEs.
    """

    def __init__(self, summary: xr.Dataset, level: float) -> None:
        self.views = {str(v): j for j, v in enumerate(summary["view"].values)}
        self.metrics = {str(m): a for a, m in enumerate(summary["variable"].values)}
        parents = (summary["envelope_of"].values.tolist()
                   if "envelope_of" in summary.coords else [])
        self.members: dict[str, list[int]] = {}
        for j, parent in enumerate(parents):
            if parent:
                self.members.setdefault(parent, []).append(j)
        at = list(summary["level"].values).index(level)
        self.ends = [list(summary["ci_bound"].values).index(b) for b in ("lower", "upper")]
        self.median, self.mcse_median = (summary[k].transpose("variable", "view").values
                                         for k in ("median", "mcse_median"))
        self.eti, self.mcse_eti = (
            summary[k].transpose("variable", "view", "level", "ci_bound").values[:, :, at]
            for k in ("eti", "mcse_eti"))

    def has(self, view: str) -> bool:
        """Whether the summary has `view`, as a view or as an envelope."""
        return view in self.views or view in self.members

    def of(self, metric: str, view: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``[median, lower, upper]`` of `metric` in `view`, and their MCSEs.

        For an envelope named `view`: the interval runs from its lowest to its highest
        member and the median is NaN.
        """
        a = self.metrics[metric]
        lower, upper = self.ends
        if view in self.members:
            rows = self.members[view]
            eti = self.eti[a, rows]
            ends = [float(np.fmin.reduce(eti[:, lower])), float(np.fmax.reduce(eti[:, upper]))]
            return np.r_[np.nan, ends], np.r_[np.nan, np.fmax.reduce(self.mcse_eti[a, rows])]
        j = self.views[view]
        return (np.r_[self.median[a, j], self.eti[a, j]],
                np.r_[self.mcse_median[a, j], self.mcse_eti[a, j]])


def _compared_views(model: Model) -> list[str]:
    return [POOLED] + [sc.id for sc in model.scenarios]


def leave_out(model: Model, summary: xr.Dataset, *, simulate: Callable[[Model], xr.Dataset],
              step: Callable[[int], None] | None = None) -> tuple[xr.Dataset | None,
                                                                   list[str]]:
    """How far each metric's median and 90% interval move without each source.

    Parameters
    ----------
    model : Model
        As simulated (with the run's draw count and seed in ``model.run``).
    summary : xarray.Dataset
        The run's summary, for the figures with every source.
    simulate : callable
        Model to summary (the pipeline's, with the run's seed and draws).
    step : callable, optional
        Called with 1 after each source (for progress).

    Returns
    -------
    (xarray.Dataset or None, list of str)
        None with one source. Else dims ``metric``, ``view`` (the pool and each scenario),
        ``left_out`` (each source) and ``figure`` (`FIGURES`: the median and the ends of
        the interval at `compared_level`, normally 90%): ``value`` and ``mcse`` without
        the source; ``base`` and ``base_mcse`` with every source; ``reason`` (why a figure
        is missing, over ``(metric, left_out)``). Medians of an envelope are NaN; its
        interval runs from the lowest to the highest member. And notes.
    """
    if len(model.sources) < 2:
        return None, []
    level = compared_level(model.run.levels)
    full = Figures(summary, level)
    views = [v for v in _compared_views(model) if full.has(v)]
    metrics = [m.name for m in model.metrics]
    sources = [s.id for s in model.sources]
    # [median, lower, upper] and their MCSEs, without each source and with all of them
    moved = np.full((len(metrics), len(views), len(sources), 3), np.nan)
    moved_mcse = np.full(moved.shape, np.nan)
    base = np.full((len(metrics), len(views), 3), np.nan)
    base_mcse = np.full(base.shape, np.nan)
    reason = np.full((len(metrics), len(sources)), "", dtype=object)
    notes: list[str] = []
    for a, name in enumerate(metrics):
        for j, view in enumerate(views):
            base[a, j], base_mcse[a, j] = full.of(name, view)
    for k, source_id in enumerate(sources):
        if step is not None:
            step(1)
        reduced, why = without(model, source_id)
        for a, name in enumerate(metrics):
            reason[a, k] = why.get(name, "")
        if reduced is None:
            continue
        try:
            reduced_summary = simulate(reduced)
        except ConstraintConflict as exc:
            notes.append(f"without {source_id}: {exc.constraint!r} holds in only "
                         f"{exc.rate:.2%} of the draws of view {exc.view!r}")
            for a in range(len(metrics)):
                reason[a, k] = reason[a, k] or "the constraints conflict without it"
            continue
        reduced_figures = Figures(reduced_summary, level)
        for a, name in enumerate(metrics):
            if name in why:
                continue
            for j, view in enumerate(views):
                if reduced_figures.has(view):
                    moved[a, j, k], moved_mcse[a, j, k] = reduced_figures.of(name, view)
    d3, d4 = ("metric", "view", "figure"), ("metric", "view", "left_out", "figure")
    dataset = xr.Dataset(
        {
            "value": (d4, moved), "mcse": (d4, moved_mcse),
            "base": (d3, base), "base_mcse": (d3, base_mcse),
            "reason": (("metric", "left_out"), reason.astype(str)),
        },
        coords={"metric": metrics, "view": views, "left_out": sources,
                "figure": list(FIGURES)},
        attrs={"level": level},
    )
    return dataset, notes
