"""The comparison stage: how far the views disagree, and where each source's claim falls.

Pure computation on a finished run: a `Run` in, a `Comparison` out, no files.

A *point claim* is a metric evaluated at a claimant's own stated figures: for a source that
estimates every quantity of the metric, its stated numbers (``112,500 / 8,000 = 14.06``);
for a scenario that names a source for every such quantity, those sources' numbers (the
article's ``112,500 / 12,000 = 9.4``). Claimants that would need a pooled quantity make no
claim for that metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from uncertainty.analysis.consensus_view import error_factors, others_positive, widen, widen_each
from uncertainty.model.core import POOLED, Metric, Model
from uncertainty.model.views import View
from uncertainty.runtime import progress
from uncertainty.runtime.blas import one_blas_thread
from uncertainty.runtime.parallel import threads_for
from uncertainty.summary import claim_percentiles, compare_views, summarize, thresholds_table

__all__ = ["Comparison", "compare_run", "point_claims", "widen_comparison"]


@dataclass(frozen=True)
class Comparison:
    """How the views of a run compare, per metric.

    Parameters
    ----------
    pairs : xarray.Dataset
        From `uncertainty.stats.compare_views`: ``prob_greater`` (P(row view > column view)
        on the shared draws), its MCSE, ``overlap`` (overlap coefficient), its
        ``ovl_resolution`` and ``ovl_mcse`` over ``(variable, view, other)``;
        ``eti_overlap`` over ``(variable, view, other, level)``.
    claims : dict of str to xarray.Dataset
        Per metric with at least one claim: `uncertainty.stats.claim_percentiles`.
    thresholds : dict of str to xarray.Dataset
        Per metric with thresholds: `uncertainty.stats.thresholds_table`.
    """

    pairs: xr.Dataset
    claims: dict[str, xr.Dataset]
    thresholds: dict[str, xr.Dataset]


def _claim(model: Model, metric: Metric, chosen: dict[str, str]) -> float | None:
    values = {}
    for quantity in metric.expression.names:
        source_id = chosen.get(quantity, POOLED)
        estimate = None if source_id == POOLED else model.source(source_id).estimate(quantity)
        if estimate is None:
            return None
        values[quantity] = np.array([estimate.stated])
    return float(metric.expression.evaluate(values)[0])


def point_claims(model: Model, views: tuple[View, ...], metric: Metric) -> dict[str, float]:
    """Each source's and scenario's own point claim for `metric` (see the module docstring)."""
    claims: dict[str, float] = {}
    for source in model.sources:
        value = _claim(model, metric, {e.quantity: source.id for e in source.estimates})
        if value is not None:
            claims[source.id] = value
    for view in views:
        if view.kind == "scenario" and not view.envelope_of:
            value = _claim(model, metric, dict(view.assignment))
            if value is not None:
                claims[view.id] = value
    return claims


@one_blas_thread()
def compare_run(model: Model, views: tuple[View, ...], draws: xr.Dataset,
                metrics: list[str] | None = None, *, summary: xr.Dataset | None = None,
                threads: int | None = None) -> Comparison:
    """Compare the views of a run for `metrics` (default: every metric of the model).

    Overlap coefficients of positive metrics (ratios, counts) are computed on the log scale,
    where their densities are closer to symmetric. `summary`, the run's summary, gives the
    intervals compared (else they are computed again); `threads` spreads pairs of views and
    rows over threads, with the same numbers for any count.
    """
    threads = threads_for(draws.sizes["draw"], threads)
    factors = error_factors(model, draws.sizes["draw"])
    if summary is None:  # the intervals compared, their MCSEs widened as the run's are
        summary = widen(summarize(draws, model.run.levels, threads=threads), factors)
    chosen = [m for m in model.metrics if metrics is None or m.name in metrics]
    names = [m.name for m in chosen]
    log = {name: others_positive(draws[name]) for name in names}
    progress.stage("comparing views", 2, "steps")
    pairs = compare_views(draws, names, model.run.levels, log=log, summary=summary,
                          threads=threads)
    progress.advance()
    claims, thresholds = {}, {}
    for metric in chosen:
        made = point_claims(model, views, metric)
        if made:
            claims[metric.name] = claim_percentiles(draws, metric.name, made, threads=threads)
        if metric.thresholds:
            thresholds[metric.name] = thresholds_table(draws, metric.name, metric.thresholds,
                                                       threads=threads)
    progress.advance()
    return widen_comparison(Comparison(pairs, claims, thresholds), factors)


def widen_comparison(comparison: Comparison, factors: Mapping[str, float],
                     overlap: Mapping[str, float] | None = None) -> Comparison:
    """`comparison` with the consensus view's MCSEs widened for its law's error.

    See `uncertainty.analysis.consensus_view`; unchanged without a consensus view. The
    overlap coefficients' errors take `overlap` (a streamed run's, from its prefix's draw
    count), by default `factors`.
    """
    if not factors:
        return comparison
    # The interval overlaps' errors come from the ends' MCSEs, widened already.
    pairs = widen(comparison.pairs, factors, skip=("eti_overlap_mcse", "ovl_mcse"))
    pairs = widen(pairs, overlap if overlap is not None else factors,
                  skip=("eti_overlap_mcse", "prob_greater_mcse"))
    return Comparison(pairs, widen_each(comparison.claims, factors),
                      widen_each(comparison.thresholds, factors))
