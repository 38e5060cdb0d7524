"""Which input drives a metric: variance shares and the tornado, view by view.

What an input is: `uncertainty.analysis.sensitivity.input_kinds`.

**Shares.** For each metric and view, the first-order Sobol index of each input,
``Var(E[Y | X]) / Var(Y)``, estimated from the view's own draws (a given-data estimator,
`uncertainty.stats.sobol`); ``Y`` is the logarithm of the metric when every draw of it is
positive in every view (a ratio's spread is multiplicative), else the metric itself. With
independent inputs the shares and the interaction remainder ``1 - sum`` add up to the
variance; inputs linked by a correlation or a constraint share variance, so their shares
overlap and do not add up, and ``dependence`` says which links.

**Tornado.** The metric's median with one input held at its 5th and at its 95th percentile
(`uncertainty.analysis.sensitivity.tornado`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.analysis.consensus_view import others_positive
from uncertainty.analysis.sensitivity.dependence import dependence_of, strongest_correlation
from uncertainty.analysis.sensitivity.input_kinds import Input, inputs_of
from uncertainty.analysis.sensitivity.tornado import (
    Attempt,
    MetricDraws,
    finite_median,
    hold_input,
    tornado_inputs,
)
from uncertainty.errors import ConstraintConflict
from uncertainty.model.core import Metric, Model
from uncertainty.model.views import View
from uncertainty.runtime.parallel import resolve_threads, thread_map
from uncertainty.sampling import Hold, Rerun, ViewDraws, constraint_key, draw_view, view_draws
from uncertainty.stats import (
    SUM_DRAWS,
    Grouping,
    ShareTerms,
    first_order,
    group_draws,
    stable_order_within,
    sum_se,
)
from uncertainty.stats.array import stable_argsort
from uncertainty.stats.sobol import MIN_DRAWS

__all__ = ["Input", "input_analysis", "inputs_of", "metric_scale", "work"]

FloatArray = NDArray[np.float64]
def metric_scale(draws: xr.Dataset, metric: str) -> Literal["log", "linear"]:
    """``"log"`` when every finite draw of `metric` is positive in every view (and one is)."""
    return "log" if others_positive(draws[metric]) else "linear"


def _evaluate(quantities: Mapping[str, FloatArray], metric: Metric) -> FloatArray:
    return np.asarray(metric.expression.evaluate({q: quantities[q]
                                                  for q in metric.expression.names}),
                      dtype=np.float64)


def _finite(y: FloatArray) -> FloatArray:
    return y[np.isfinite(y)]


def _view_inputs(per: dict[tuple[str, str], list[Input]], metrics: tuple[Metric, ...],
                 view: View) -> list[Input]:
    return list(dict.fromkeys(i for m in metrics for i in per[m.name, view.id]))


def _cost(model: Model, item: Input) -> int:
    """Draws of a view the tornado makes for `item`: each end, or each source of a pool."""
    return len(model.estimators(item.quantity)) if item.kind == "choice" else 2


def work(model: Model, views: tuple[View, ...]) -> int:
    """Units of work `input_analysis` reports through `step`: one per draw of a view."""
    total, seen = 0, set()
    for view in views:
        if view.assignment in seen:
            continue
        seen.add(view.assignment)
        found = dict.fromkeys(i for m in model.metrics
                              for i in inputs_of(model, view, m.expression.names))
        total += 1 + sum(_cost(model, i) for i in found)
    return total


def input_analysis(model: Model, views: tuple[View, ...], draws: xr.Dataset, *, seed: int,
                   threads: int | None = None,
                   step: Callable[[int], None] | None = None,
                   rerun: Rerun | None = None) -> tuple[xr.Dataset, list[str]]:
    """Variance shares and tornado medians of every metric in every view.

    Parameters
    ----------
    model, views : Model, tuple of View
        As simulated.
    draws : xarray.Dataset
        The run's draws (dims ``view``, ``draw``); its size sets how many draws each
        analysis takes, and its metric draws decide each metric's scale.
    seed : int
        The run's seed: the unheld draws are the run's own.
    threads : int or None
        As for `uncertainty.sampling.draw_view`.
    step : callable, optional
        Called with the units of work done (see `work`), for progress.
    rerun : Rerun, optional
        The run's streams and candidates: each view, held or not, is then derived from
        them (`uncertainty.sampling.Rerun`), redrawing only what the hold touches; the
        numbers are identical to those of a redraw of the whole view
        (`uncertainty.sampling.draw_view`), which is what happens without it.

    Returns
    -------
    (xarray.Dataset, list of str)
        Dims ``metric``, ``view``, ``input``, ``end`` (``low``, ``high``): ``share`` and
        ``share_se`` over ``(metric, view, input)``; ``remainder`` (one minus the sum of
        shares) and ``remainder_se`` (its standard error, the shares' errors correlated as
        they are: `uncertainty.stats.sobol.sum_se`), ``dependence`` (see
        `uncertainty.analysis.sensitivity.dependence.dependence_of`),
        ``strongest_correlation`` (the largest rank correlation between two linked
        estimates in the view's draws, NaN when none are linked) and its MCSE
        ``strongest_correlation_mcse``, ``base`` and
        ``base_mcse`` (the median with nothing held) over ``(metric, view)``; ``median``,
        ``median_mcse`` and ``held`` over ``(metric, view, input, end)``, for the
        `TORNADO_INPUTS` inputs of each view with the largest shares. NaN (and ``""``)
        where an input does not enter a metric in a view, or is not held. Coordinates
        ``scale`` (metric), ``view_label``, ``input_label``, ``input_kind``; attribute
        ``percentiles``. And notes on anything that could not be computed.
    """
    n = draws.sizes["draw"]
    metrics = model.metrics
    lo_p, hi_p = model.sensitivity.tornado
    all_inputs: dict[str, Input] = {}
    per: dict[tuple[str, str], list[Input]] = {}
    for view in views:
        for m in metrics:
            found = inputs_of(model, view, m.expression.names)
            per[m.name, view.id] = found
            for i in found:
                all_inputs.setdefault(i.id, i)
    ids = list(all_inputs)
    shape3 = (len(metrics), len(views), len(ids))
    shape4 = (*shape3, 2)
    share, share_se = np.full(shape3, np.nan), np.full(shape3, np.nan)
    median, median_mcse = np.full(shape4, np.nan), np.full(shape4, np.nan)
    held = np.full(shape4, "", dtype=object)
    base, base_mcse = np.full(shape3[:2], np.nan), np.full(shape3[:2], np.nan)
    remainder_se = np.full(shape3[:2], np.nan)
    dependence = np.full(shape3[:2], "", dtype=object)
    strongest = np.full(shape3[:2], np.nan)
    strongest_mcse = np.full(shape3[:2], np.nan)
    scales = [metric_scale(draws, m.name) for m in metrics]
    threads = resolve_threads(threads)
    # Views taking every quantity from the same source hold identical draws: the first
    # such view is analysed, the others copy its figures.
    first: dict[tuple[tuple[str, str], ...], int] = {}
    for j, view in enumerate(views):
        first.setdefault(view.assignment, j)
    analysed = sorted(first.values())
    # Views, inputs and held inputs are analysed several at once, each in one thread, so
    # each draw within runs on one thread.
    inner = 1

    def tick(units: int = 1) -> None:
        if step is not None:
            step(units)

    def held_draws(view: View, hold: Hold | None) -> MetricDraws:
        """A held (or forced) view, read only for its metrics' finite accepted draws."""
        if rerun is None:
            whole = draw_view(model, view, seed=seed, draws=n, hold=hold, threads=inner)
            return lambda m: _finite(_evaluate(whole.quantities, m))
        drawn = rerun.draw(model, (view,), hold=hold, threads=inner)
        accepted = drawn.overall[constraint_key(model, view)] if model.constraints else None

        def read(m: Metric) -> FloatArray:
            # Every candidate's value, then the accepted ones: elementwise, so the same
            # numbers as evaluating the accepted draws, without gathering each quantity.
            y = _evaluate({q: drawn.arrays[q, view.source_of(q)] for q in m.expression.names},
                         m)
            keep = np.isfinite(y)
            if accepted is not None:
                keep &= accepted
            return y[keep]

        return read

    def attempt_into(notes: list[str]) -> Attempt:
        """Draw a held view, or note why it cannot be (a conflict of constraints) in `notes`."""

        def attempt(view: View, hold: Hold | None, what: str) -> MetricDraws | None:
            tick()
            try:
                return held_draws(view, hold)
            except ConstraintConflict as exc:
                notes.append(f"{what}: left out, because then {exc.constraint!r} holds in "
                             f"only {exc.rate:.2%} of the draws")
                return None

        return attempt

    def hold(task: tuple[int, Input]) -> list[str]:
        """Fill the tornado of input `item` in column `j`; the notes on it."""
        j, item = task
        view, notes = views[j], list[str]()
        k = ids.index(item.id)
        users = [(a, m) for a, m in enumerate(metrics) if item in per[m.name, view.id]]
        hold_input(model, view, item, users, (lo_p, hi_p), attempt_into(notes),
                   (median[:, j, k], median_mcse[:, j, k], held[:, j, k]))
        return notes

    # The unheld views are analysed in rounds of independent tasks, each a whole
    # computation on whole arrays writing its own cells, so that the threads share the
    # work evenly however few the views are, and no number depends on how it was shared.
    # First each input's stable sort over every candidate, from which the order of any
    # view's accepted draws follows exactly (`stable_order_within`); then, for a batch of
    # views at a time:
    # 1. each view drawn;
    # 2. each (view, metric)'s analysed draws and base median; each (view, input)'s
    #    groups, one sort serving every metric;
    # 3. each (view, metric, input)'s share; each distinct set of linked inputs' strongest
    #    rank correlation in a view; each (view, input)'s group by draw (for 4.);
    # 4. each (view, metric)'s standard error of the sum of its shares.
    drawn: dict[int, ViewDraws] = {}
    whole_orders: dict[str, NDArray[np.intp]] = {}
    # Each constraint mask's ranks of kept positions, shared by every input's order.
    kept_ranks: dict[str, NDArray[np.intp]] = {}

    def draw_unheld(j: int) -> None:
        tick()
        # The run itself met the constraints: this draw cannot conflict.
        drawn[j] = (draw_view(model, views[j], seed=seed, draws=n, threads=inner)
                    if rerun is None else
                    view_draws(model, views[j], rerun.draw(model, (views[j],), threads=inner), n))

    def sort_whole(item: Input) -> None:
        assert rerun is not None
        whole = (rerun.base.choices[item.quantity] if item.kind == "choice"
                 else rerun.base.arrays[item.quantity, item.source])
        whole_orders[item.id] = stable_argsort(whole)

    def rank_kept(key: str) -> None:
        assert rerun is not None
        kept_ranks[key] = np.cumsum(rerun.base.overall[key]) - 1

    def order_of(item: Input, view: View) -> NDArray[np.intp] | None:
        if rerun is None:
            return None
        if not model.constraints:
            return whole_orders[item.id]
        key = constraint_key(model, view)
        return stable_order_within(whole_orders[item.id], rerun.base.overall[key],
                                   rank=kept_ranks[key])

    def input_draws(j: int, item: Input) -> NDArray[np.generic]:
        vd = drawn[j]
        return (vd.choices[item.quantity][1] if item.kind == "choice"
                else vd.quantities[item.quantity] if item.kind == "log pool"
                else vd.estimates[item.source, item.quantity])

    # (view, metric) -> the analysed draws (log or not), which draws they are, all of them?
    prepared: dict[tuple[int, int], tuple[FloatArray, NDArray[np.bool_], bool]] = {}

    def prepare(j: int, a: int) -> None:
        y = _evaluate(drawn[j].quantities, metrics[a])
        base[a, j], base_mcse[a, j] = finite_median(_finite(y))
        ok = np.isfinite(y) & ((y > 0) if scales[a] == "log" else True)
        t = np.log(y[ok]) if scales[a] == "log" else y[ok]
        prepared[j, a] = (t, ok, bool(np.all(ok)))

    groupings: dict[tuple[int, str], Grouping | None] = {}

    def group(j: int, item: Input) -> None:
        try:
            groupings[j, item.id] = group_draws(input_draws(j, item),
                                                order=order_of(item, views[j]))
        except ValueError:  # raised again by the share that uses these groups, if any
            groupings[j, item.id] = None

    local = threading.local()  # one buffer per thread for the shares, reused share after share

    def scratch(n: int) -> FloatArray:
        """The thread's buffer, as long as `first_order` and `sum_se` need for `n` draws."""
        need = max(4 * n, 5 * min(n, SUM_DRAWS))
        buffer: FloatArray | None = getattr(local, "scratch", None)
        if buffer is None or len(buffer) < need:  # none yet, even for no draws
            buffer = local.scratch = np.empty(need)
        return buffer

    # (view, metric, input) -> what the error of the sum of the shares needs of each
    terms: dict[tuple[int, int, str], ShareTerms | None] = {}

    def share_of(j: int, a: int, item: Input) -> None:
        t, ok, every = prepared[j, a]
        if len(t) < MIN_DRAWS:  # too few finite draws for any share: NaN, and a note
            terms[j, a, item.id] = None
            return
        x = input_draws(j, item)
        # Every draw analysed: the view's groups serve, and x[ok] would be a copy of x.
        est = (first_order(t, x, grouping=groupings[j, item.id], scratch=scratch(len(t)),
                           terms=True)
               if every else first_order(t, x[ok], scratch=scratch(len(t)), terms=True))
        k = ids.index(item.id)
        share[a, j, k], share_se[a, j, k] = est.share, est.se
        terms[j, a, item.id] = est.terms

    def label(j: int, item: Input) -> None:
        # Made once, here, before the tasks of the metrics that use these groups share it.
        found = groupings[j, item.id]
        _ = found.draw_labels if found is not None else None

    def remainder_of(j: int, a: int) -> None:
        t = prepared[j, a][0]
        if len(t) < MIN_DRAWS:
            return
        remainder_se[a, j] = sum_se(t, [terms[j, a, i.id] for i in per[metrics[a].name,
                                                                        views[j].id]],
                                    scratch=scratch(len(t)))

    correlations: dict[tuple[int, tuple[str, ...]], tuple[float, float]] = {}

    def correlate(j: int, linked: tuple[str, ...]) -> None:
        found = [groupings[j, i] for i in linked]
        correlations[j, linked] = strongest_correlation(
            [g.order for g in found if g is not None])

    def run(tasks: list[Callable[[], None]]) -> None:
        thread_map(lambda task: task(), tasks, threads)

    # The sorts over every candidate serve every view: made first, kept to the end.
    if rerun is not None:
        run([*(partial(sort_whole, item) for item in dict.fromkeys(
                i for j in analysed for i in _view_inputs(per, metrics, views[j]))),
             *(partial(rank_kept, key) for key in dict.fromkeys(
                 constraint_key(model, views[j]) for j in analysed)
               if model.constraints)])
    # The views a batch at a time, as many as there are threads: what a batch holds (its
    # draws, sorts and groups, a few arrays of every draw per view) is freed before the
    # next batch reuses the memory, instead of every view's being faulted in at once (at
    # 10^6 draws those page faults were most of the stage's system time). The notes come
    # in view order.
    few: list[str] = []
    for start in range(0, len(analysed), threads):
        batch = analysed[start:start + threads]
        run([partial(draw_unheld, j) for j in batch])
        run([*(partial(prepare, j, a) for j in batch for a in range(len(metrics))),
             *(partial(group, j, item) for j in batch
               for item in _view_inputs(per, metrics, views[j]))])
        few += [f"{m.label} in {views[j].label}: no variance shares, because only "
                f"{len(prepared[j, a][0])} of its draws are finite"
                f"{' and positive' if scales[a] == 'log' else ''} (they need {MIN_DRAWS})"
                for j in batch for a, m in enumerate(metrics)
                if per[m.name, views[j].id] and len(prepared[j, a][0]) < MIN_DRAWS]
        pairs: dict[tuple[int, int], tuple[str, ...]] = {}
        for j in batch:
            grouped: set[str] = set()  # inputs whose groups the metrics so far used
            for a, m in enumerate(metrics):
                found = per[m.name, views[j].id]
                if prepared[j, a][2]:
                    grouped.update(i.id for i in found)
                dependence[a, j] = dependence_of(model, views[j], m, found)
                linked = tuple(i.id for i in found if i.kind == "estimate")
                if dependence[a, j] and all(i in grouped and groupings[j, i] for i in linked):
                    pairs[j, a] = linked
        run([*(partial(share_of, j, a, item) for j in batch
               for a, m in enumerate(metrics) for item in per[m.name, views[j].id]),
             *(partial(correlate, j, linked) for j, linked in dict.fromkeys(
                 (j, linked) for (j, _), linked in pairs.items())),
             *(partial(label, j, item) for j, item in dict.fromkeys(
                 (j, item) for j in batch for a, m in enumerate(metrics)
                 if prepared[j, a][2] for item in per[m.name, views[j].id]))])
        run([partial(remainder_of, j, a) for j in batch for a, m in enumerate(metrics)
             if per[m.name, views[j].id]])
        for (j, a), linked in pairs.items():
            strongest[a, j], strongest_mcse[a, j] = correlations[j, linked]
        for done in (drawn, prepared, groupings, terms):
            done.clear()
    # Free the sorts before the held views are drawn.
    whole_orders.clear()
    kept_ranks.clear()
    # Then each held input fills its own cells; drawing the unheld views never conflicts,
    # so the notes, in (view, input) order, are the same for any thread count.
    to_hold = []
    for j in analysed:
        view = views[j]
        held_inputs = tornado_inputs(_view_inputs(per, metrics, view), share[:, j], ids)
        tick(sum(_cost(model, i) for i in _view_inputs(per, metrics, view)
                 if i not in held_inputs))
        to_hold.append(held_inputs)
    tasks = [(j, item) for j, items in zip(analysed, to_hold, strict=True) for item in items]
    notes = few + [note for found in thread_map(hold, tasks, threads) for note in found]
    for j, view in enumerate(views):
        if first[view.assignment] != j:  # identical draws: copy the first such view's
            for arr in (share, share_se, remainder_se, median, median_mcse, held, base,
                        base_mcse, dependence, strongest, strongest_mcse):
                arr[:, j] = arr[:, first[view.assignment]]
    coords = {
        "metric": [m.name for m in metrics],
        "metric_label": ("metric", [m.label for m in metrics]),
        "scale": ("metric", scales),
        "view": [v.id for v in views],
        "view_label": ("view", [v.label for v in views]),
        "input": ids,
        "input_label": ("input", [all_inputs[i].label for i in ids]),
        "input_kind": ("input", [all_inputs[i].kind for i in ids]),
        "end": ["low", "high"],
    }
    d3, d4 = ("metric", "view", "input"), ("metric", "view", "input", "end")
    with np.errstate(invalid="ignore"):
        remainder = 1 - np.nansum(share, axis=2)
    remainder[np.all(np.isnan(share), axis=2)] = np.nan
    remainder_se[np.isnan(remainder)] = np.nan
    dataset = xr.Dataset(
        {
            "share": (d3, share), "share_se": (d3, share_se),
            "remainder": (("metric", "view"), remainder),
            "remainder_se": (("metric", "view"), remainder_se),
            "dependence": (("metric", "view"), dependence.astype(str)),
            "strongest_correlation": (("metric", "view"), strongest),
            "strongest_correlation_mcse": (("metric", "view"), strongest_mcse),
            "base": (("metric", "view"), base), "base_mcse": (("metric", "view"), base_mcse),
            "median": (d4, median), "median_mcse": (d4, median_mcse),
            "held": (d4, held.astype(str)),
        },
        coords=coords,
        attrs={"percentiles": [lo_p, hi_p], "draws": n},
    )
    return dataset, notes

