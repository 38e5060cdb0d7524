"""Leave one source out: the pooled view, the consensus and each scenario recomputed without it.

Dropping a source is an edit of the model, simulated with the run's seed and draw count:

==============================  =========================================================
what named the source           what happens without it
==============================  =========================================================
a pool                          the pool of the remaining sources (their own weights)
a scenario                      the scenario takes the pool of the remaining sources
a correlation                   dropped
a quantity only it estimated    every metric and constraint using the quantity is dropped,
                                and the table says why
the consensus view              the consensus of the remaining sources: the run's
                                importance draws reweighted without its claim; where the
                                others alone make no consensus, the view takes their pool
==============================  =========================================================

Streams are keyed by names, so every other source's draws are the run's own: the moves
reflect the source's absence, not new noise. The same pairing makes the errors of a figure
with and without the source correlated, so the MCSE of a median's move and of a width
ratio count that correlation (`changes`, by `uncertainty.stats.paired`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.analysis.sensitivity.derived import Variant
from uncertainty.errors import ConstraintConflict
from uncertainty.model.core import CONSENSUS, POOLED, ConsensusLaw, Model, Scenario
from uncertainty.runtime.parallel import thread_map
from uncertainty.stats.paired import error_of, indicator_correlation

__all__ = ["CHANGES", "FIGURES", "Figures", "changes", "compared_level", "leave_out",
           "move", "paired_changes", "width_ratio", "without"]

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
        consensus_laws=None if model.consensus_laws is None else tuple(
            _law_without(model, c, source_id) for c in model.consensus_laws),
    )
    return reduced, why


def _law_without(model: Model, law: ConsensusLaw, source_id: str) -> ConsensusLaw:
    """The consensus `law` without `source_id`'s claim.

    Its law is None where the others alone make none, or the run kept none (the view then
    takes the others' pool).
    """
    found = {sid: (dist, ess) for sid, dist, ess in law.without}
    if source_id in found:
        dist, ess = found[source_id]
        return ConsensusLaw(law.quantity, dist, ess)
    if not law.without and model.source(source_id).estimate(law.quantity) is not None:
        return ConsensusLaw(law.quantity, None, 0.0)  # the run kept no law without it
    return law  # not a claim of this quantity


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

    def rows(self, metric: str, view: str) -> list[str | None]:
        """The view whose draws give each of ``[median, lower, upper]`` of `metric`.

        `view` itself, or for an envelope: None for its median, and the members with its
        lowest lower end and its highest upper end.
        """
        if view not in self.members:
            return [view, view, view]
        a, names = self.metrics[metric], list(self.views)
        rows = self.members[view]
        lower, upper = self.ends
        ends = self.eti[a, rows]
        if np.all(np.isnan(ends)):
            return [None, None, None]
        return [None, names[rows[int(np.nanargmin(ends[:, lower]))]],
                names[rows[int(np.nanargmax(ends[:, upper]))]]]

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


#: What `changes` gives: a median's move and an interval's width ratio, with their MCSEs.
CHANGES = ("move", "move_mcse", "width", "width_mcse")


def move(x: NDArray[np.float64], log: bool) -> float:
    """How far the median ``x[0]`` is from the base median ``x[3]``.

    `x` is ``[median, lower, upper]`` and then the same of the base. On a log scale the
    relative move (``x[0] / x[3] - 1``), else the difference. NaN for an envelope (no
    median).
    """
    return float(x[0] / x[3] - 1) if log else float(x[0] - x[3])


def width_ratio(x: NDArray[np.float64], log: bool) -> float:
    """How many times the base interval's width the interval is; NaN when the base has none.

    `x` as for `move`. On a log scale (when both lower ends are positive) the widths are
    those of the logs. A metric that does not vary (an interval of zero width) has no
    width ratio: NaN, never a division by zero.
    """
    if log and x[1] > 0 and x[4] > 0:
        new, old = np.log(x[2] / x[1]), np.log(x[5] / x[4])
    else:
        new, old = x[2] - x[1], x[5] - x[4]
    return float(new / old) if old != 0 and np.isfinite(old) else float("nan")


def changes(new: Figures, new_row: Callable[[str, str], NDArray[np.float64]], base: Figures,
            base_row: Callable[[str, str], NDArray[np.float64]], metric: str, view: str,
            log: bool) -> tuple[float, float, float, float]:
    """`CHANGES` of `metric` in `view` from `base` to `new` (`paired_changes`).

    ``new_row`` and ``base_row`` give a view's draws of a metric, paired by position.
    """
    values, errors = new.of(metric, view)
    base_values, base_errors = base.of(metric, view)
    held = [*((new_row, v) for v in new.rows(metric, view)),
            *((base_row, v) for v in base.rows(metric, view))]
    some = next((row(metric, v) for row, v in held if v is not None), None)
    if some is None:
        return np.nan, np.nan, np.nan, np.nan
    rows = [some if v is None else row(metric, v) for row, v in held]
    x, err = np.r_[values, base_values], np.r_[errors, base_errors]
    missing = np.array([v is None for _, v in held])
    return paired_changes(np.where(missing, np.nan, x), err, rows, log)


def paired_changes(x: NDArray[np.float64], err: NDArray[np.float64],
                   rows: list[NDArray[np.float64]], log: bool) -> tuple[float, float, float,
                                                                        float]:
    """`move` and `width_ratio` of `x`, each with its MCSE.

    `x` is ``[median, lower, upper]`` and the same of the base, `err` their MCSEs and
    `rows` the draws each was estimated from, paired by position: the errors of the six
    figures are correlated through them (`uncertainty.stats.paired.indicator_correlation`),
    and each MCSE follows by the delta method (`uncertainty.stats.paired.error_of`). A
    figure that is NaN (an envelope's median) is left out.
    """
    ok = np.isfinite(x)
    corr = indicator_correlation(rows, np.where(ok, x, np.nan))
    err = np.where(ok, err, np.nan)
    return (move(x, log), error_of(lambda y: move(y, log), x, err, corr),
            width_ratio(x, log), error_of(lambda y: width_ratio(y, log), x, err, corr))


def _compared_views(model: Model) -> list[str]:
    return [POOLED, CONSENSUS] + [sc.id for sc in model.scenarios]


def leave_out(model: Model, run: Variant, *, simulate: Callable[[Model], Variant],
              log: Mapping[str, bool], step: Callable[[int], None] | None = None,
              threads: int = 1) -> tuple[xr.Dataset | None, list[str]]:
    """How far each metric's median and 90% interval move without each source.

    Parameters
    ----------
    model : Model
        As simulated (with the run's draw count and seed in ``model.run``).
    run : Variant
        The run's summary and draws (`uncertainty.analysis.sensitivity.derived.variant_of`),
        for the figures with every source.
    simulate : callable
        Model to its `Variant` (with the run's seed and draws).
    log : mapping of str to bool
        The metrics whose changes are measured on a log scale (those the variance shares
        analyse on one, `uncertainty.analysis.sensitivity.inputs.metric_scale`).
    step : callable, optional
        Called with 1 as each source is taken up (for progress; from any thread).
    threads : int
        Sources analysed at once, each in one thread; the numbers are the same for any
        count. At most this many variants' draws are held at a time.

    Returns
    -------
    (xarray.Dataset or None, list of str)
        None with one source. Else dims ``metric``, ``view`` (the pool and each scenario),
        ``left_out`` (each source) and ``figure`` (`FIGURES`: the median and the ends of
        the interval at `compared_level`, normally 90%): ``value`` and ``mcse`` without
        the source; ``base`` and ``base_mcse`` with every source; `CHANGES` over
        ``(metric, view, left_out)`` (`changes`: on a log scale when the metric is
        positive); ``reason`` (why a figure is missing, over ``(metric, left_out)``).
        Medians of an envelope are NaN; its interval runs from the lowest to the highest
        member. And notes.
    """
    if len(model.sources) < 2:
        return None, []
    level = compared_level(model.run.levels)
    full = Figures(run.summary, level)
    views = [v for v in _compared_views(model) if full.has(v)]
    metrics = [m.name for m in model.metrics]
    sources = [s.id for s in model.sources]
    # [median, lower, upper] and their MCSEs, without each source and with all of them
    moved = np.full((len(metrics), len(views), len(sources), 3), np.nan)
    moved_mcse = np.full(moved.shape, np.nan)
    base = np.full((len(metrics), len(views), 3), np.nan)
    base_mcse = np.full(base.shape, np.nan)
    changed = np.full((len(CHANGES), len(metrics), len(views), len(sources)), np.nan)
    reason = np.full((len(metrics), len(sources)), "", dtype=object)
    logs = [bool(log.get(name, False)) for name in metrics]
    for a, name in enumerate(metrics):
        for j, view in enumerate(views):
            base[a, j], base_mcse[a, j] = full.of(name, view)
    def one(k: int) -> list[str]:
        """Fill source `k`'s cells (its own, so sources can run at once); its notes."""
        source_id = sources[k]
        if step is not None:
            step(1)
        reduced, why = without(model, source_id)
        for a, name in enumerate(metrics):
            reason[a, k] = why.get(name, "")
        if reduced is None:
            return []
        try:
            variant = simulate(reduced)
        except ConstraintConflict as exc:
            for a in range(len(metrics)):
                reason[a, k] = reason[a, k] or "the constraints conflict without it"
            return [f"without {source_id}: {exc.constraint!r} holds in only "
                    f"{exc.rate:.2%} of the draws of view {exc.view!r}"]
        reduced_figures = Figures(variant.summary, level)
        for a, name in enumerate(metrics):
            if name in why:
                continue
            for j, view in enumerate(views):
                if reduced_figures.has(view):
                    moved[a, j, k], moved_mcse[a, j, k] = reduced_figures.of(name, view)
                    changed[:, a, j, k] = changes(reduced_figures, variant.row, full, run.row,
                                                  name, view, logs[a])
        return []

    # Each source's variant is analysed whole in one thread (`simulate` should then use
    # one): its draws are freed as soon as its cells are filled, and no number depends on
    # which thread ran it. The notes come in the sources' order.
    notes = [note for found in thread_map(one, range(len(sources)), threads) for note in found]
    d3, d4 = ("metric", "view", "figure"), ("metric", "view", "left_out", "figure")
    dataset = xr.Dataset(
        {
            "value": (d4, moved), "mcse": (d4, moved_mcse),
            "base": (d3, base), "base_mcse": (d3, base_mcse),
            **{k: (d4[:3], changed[c]) for c, k in enumerate(CHANGES)},
            "reason": (("metric", "left_out"), reason.astype(str)),
        },
        coords={"metric": metrics, "view": views, "left_out": sources,
                "figure": list(FIGURES)},
        attrs={"level": level},
    )
    return dataset, notes
