"""The assumption sweep: our own spread assumptions scaled, and how the intervals respond.

Every *default* spread (the one a grade implies, a source's ``ci90_factor``, the run's) is
an assumption of ours, not a source's. The sweep rebuilds the model with each default
log-spread multiplied by a factor (``[sensitivity] spread_scales``, by default 0.5 and 2)
and simulates it with the run's seed and draw count; factor 1 is the run itself. Spreads
that a source stated (``ci90``, ``quantiles``) are not scaled: they are the source's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import xarray as xr

from uncertainty.analysis.sensitivity.derived import Variant
from uncertainty.analysis.sensitivity.leave_out import (
    CHANGES,
    FIGURES,
    Figures,
    changes,
    compared_level,
)
from uncertainty.errors import ConstraintConflict
from uncertainty.model.core import CONSENSUS, Model
from uncertainty.runtime.parallel import thread_map

__all__ = ["spread_sweep"]


def spread_sweep(model: Model, run: Variant, *, rescale: Callable[[float], Model],
                 simulate: Callable[[Model], Variant], log: Mapping[str, bool],
                 step: Callable[[int], None] | None = None,
                 threads: int = 1) -> tuple[xr.Dataset, list[str]]:
    """Each metric's median and interval in every view, with the default spreads scaled.

    Parameters
    ----------
    model : Model
        As simulated; ``model.sensitivity.spread_scales`` lists the factors.
    run : Variant
        The run's summary and draws: the figures at factor 1.
    rescale : callable
        Factor to the model rebuilt with scaled default spreads (its run settings are
        replaced by `model`'s).
    simulate : callable
        Model to its `Variant`, with the run's seed and draws.
    log : mapping of str to bool
        The metrics whose width ratios are taken on a log scale.
    step : callable, optional
        Called with 1 as each simulation starts (for progress; from any thread).
    threads : int
        Factors analysed at once, each in one thread (`simulate` should then use one); the
        numbers are the same for any count.

    Returns
    -------
    (xarray.Dataset, list of str)
        Dims ``metric``, ``view``, ``scale`` (the factors and 1, ascending), ``figure``
        (the median and the interval's ends at the level in ``attrs["level"]``):
        ``value`` and its ``mcse``; the width relative to factor 1 and its MCSE,
        ``width`` and ``width_mcse`` over ``(metric, view, scale)``
        (`uncertainty.analysis.sensitivity.leave_out.changes`). And notes on any factor
        whose model could not be simulated.
    """
    summary = run.summary
    level = compared_level(model.run.levels)
    base = Figures(summary, level)
    scales = sorted({1.0, *model.sensitivity.spread_scales})
    views = [str(v) for v in summary["view"].values]
    parents = [p for p in dict.fromkeys(summary["envelope_of"].values.tolist()) if p] \
        if "envelope_of" in summary.coords else []
    # Not the consensus: scaling every spread changes what the sources jointly imply, which
    # would take a new synthesis per factor (README, "Sensitivity").
    shown = [v for v in views if v not in _members(summary) and v != CONSENSUS] + parents
    metrics = [m.name for m in model.metrics]
    value = np.full((len(metrics), len(shown), len(scales), len(FIGURES)), np.nan)
    mcse = np.full(value.shape, np.nan)
    width = np.full((2, *value.shape[:3]), np.nan)
    def one(s: int) -> list[str]:
        """Fill factor `s`'s cells (its own, so factors can run at once); its notes."""
        scale = scales[s]
        if scale == 1.0:
            scaled = run
        else:
            if step is not None:
                step(1)
            try:
                scaled = simulate(replace(rescale(scale), run=model.run))
            except ConstraintConflict as exc:
                return [f"default spreads scaled by {scale:g}: {exc.constraint!r} holds "
                        f"in only {exc.rate:.2%} of the draws of view {exc.view!r}"]
        found = Figures(scaled.summary, level)
        for a, name in enumerate(metrics):
            for j, view in enumerate(shown):
                if found.has(view):
                    value[a, j, s], mcse[a, j, s] = found.of(name, view)
                    if scale != 1.0:
                        width[:, a, j, s] = changes(found, scaled.row, base, run.row, name,
                                                    view, bool(log.get(name, False)))[2:]
        return []

    # Each factor's variant in one thread, as `leave_out` does its sources.
    notes = [note for found in thread_map(one, range(len(scales)), threads) for note in found]
    dims = ("metric", "view", "scale", "figure")
    dataset = xr.Dataset(
        {"value": (dims, value), "mcse": (dims, mcse),
         **{k: (dims[:3], width[c]) for c, k in enumerate(CHANGES[2:])}},
        coords={"metric": metrics, "view": shown, "scale": scales, "figure": list(FIGURES)},
        attrs={"level": level},
    )
    return dataset, notes


def _members(summary: xr.Dataset) -> set[str]:
    """Views that are members of an envelope (shown through their parent instead)."""
    if "envelope_of" not in summary.coords:
        return set()
    return {str(v) for v, p in zip(summary["view"].values, summary["envelope_of"].values,
                                   strict=True) if p}
