"""The tornado: a metric's median with one input held at a low and at a high percentile.

An estimate (or a logarithmic pool's own draw) is held at the 5th and the 95th percentile
of its distribution while every other input varies: inputs correlated with it follow their
conditional law, and constraints still reject. A linear pool's choice is held by making
the pool take each of its sources in turn; its ends are the lowest and the highest median.

Each held view is read only for the medians of the metrics the held input enters
(`MetricDraws`): nothing else of it is gathered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy import special

from uncertainty.analysis.sensitivity.input_kinds import Input
from uncertainty.model.core import Metric, Model
from uncertainty.model.pooling import log_pool
from uncertainty.model.views import View
from uncertainty.numbers import plain
from uncertainty.sampling import Hold
from uncertainty.stats.array import partly_sorted, quantile_mcse_sorted, quantile_sorted

__all__ = ["TORNADO_INPUTS", "Attempt", "MetricDraws", "finite_median", "hold_input",
           "tornado_inputs"]

FloatArray = NDArray[np.float64]
#: A drawn view, read metric by metric: a metric's finite draws among those it accepts.
MetricDraws = Callable[[Metric], FloatArray]
#: Draws a view with a hold (or none), saying what in words; None when its constraints
#: conflict (noted by the callee).
Attempt = Callable[[View, Hold | None, str], MetricDraws | None]
#: Where one (view, input) writes: median, its MCSE and the held value, by metric and end.
Cells = tuple[FloatArray, FloatArray, NDArray[np.object_]]

#: Most inputs per view held for the tornado: those with the largest shares.
TORNADO_INPUTS = 8


def _median_of(s: FloatArray) -> tuple[float, float]:
    return float(quantile_sorted(s, 0.5)), float(quantile_mcse_sorted(s, 0.5))


def finite_median(finite: FloatArray) -> tuple[float, float]:
    """The median of draws free of NaN/inf and its MCSE (NaN without any)."""
    if not finite.size:
        return np.nan, np.nan
    return _median_of(partly_sorted(finite, _median_of))


def tornado_inputs(found: list[Input], shares: FloatArray, ids: list[str]) -> list[Input]:
    """The inputs `found` with the `TORNADO_INPUTS` largest shares in any metric.

    `shares` is ``(metric, input)``, its columns in the order of `ids`.
    """

    def best(item: Input) -> float:
        """The input's largest share in any metric; NaN where it has none (a constant metric)."""
        column = shares[:, ids.index(item.id)]
        known = column[np.isfinite(column)]
        return float(known.max()) if known.size else math.nan

    largest = {i.id: best(i) for i in found}
    ranked = sorted(found, key=lambda i: -largest[i.id] if np.isfinite(largest[i.id]) else np.inf)
    return ranked[:TORNADO_INPUTS]


def _held_value(model: Model, item: Input, p: float) -> float:
    if item.kind == "log pool":
        return float(log_pool(model, item.quantity).ppf(np.array([p]))[0])
    if item.kind == "consensus":
        law = model.consensus_law(item.quantity)
        assert law is not None  # a view only draws a consensus the model has
        return float(law.ppf(np.array([p]))[0])
    estimate = model.source(item.source).estimate(item.quantity)
    assert estimate is not None
    return float(estimate.distribution.ppf(np.array([p]))[0])


def hold_input(model: Model, view: View, item: Input, users: list[tuple[int, Metric]],
               percentiles: Sequence[float], attempt: Attempt, out: Cells) -> None:
    """Fill the tornado cells `out` of `item` in `view`, each metric's by end.

    `users` are the metrics `item` enters in `view`, each with its row in `out`.
    """
    if item.kind == "choice":
        _choice_ends(model, view, item, users, attempt, out)
        return
    median, mcse, held = out
    for e, p in enumerate(percentiles):
        drawn = attempt(view, Hold((item.source, item.quantity), float(special.ndtri(p))),
                        f"view {view.id}, {item.label} at its {p:.0%} point")
        if drawn is None:
            continue
        for a, metric in users:
            median[a, e], mcse[a, e] = finite_median(drawn(metric))
            held[a, e] = plain(_held_value(model, item, p))


def _choice_ends(model: Model, view: View, item: Input, users: list[tuple[int, Metric]],
                 attempt: Attempt, out: Cells) -> None:
    """A pool's choice held: the pool forced to each source; the ends are the extremes."""
    median, mcse, held = out
    found: dict[int, list[tuple[float, float, str]]] = {a: [] for a, _ in users}
    for source in model.estimators(item.quantity):
        assignment = tuple((q, source.id if q == item.quantity else s)
                           for q, s in view.assignment)
        forced = attempt(replace(view, assignment=assignment),
                         None, f"view {view.id}, {item.quantity} taken from {source.id}")
        if forced is None:
            continue
        for a, metric in users:
            found[a].append((*finite_median(forced(metric)), source.id))
    for a, rows in found.items():
        rows = [r for r in rows if np.isfinite(r[0])]
        if not rows:
            continue
        rows.sort(key=lambda r: r[0])
        for e, row in enumerate((rows[0], rows[-1])):
            median[a, e], mcse[a, e], held[a, e] = row
