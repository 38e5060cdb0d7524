"""Sensitivity analysis: which input, which source and which assumption drive the answer.

Four analyses of a finished run, each in its own module:

=================  ====================================================================
`inputs`           variance shares (first-order Sobol indices from the run's own draws)
                   and the tornado (median with each input held at its 5th and 95th
                   percentile), per metric and view
`leave_out`        the pool and each scenario recomputed without each source in turn
`sweep`            every default spread (grades, ``ci90_factor``) scaled, e.g. ×0.5, ×2
=================  ====================================================================

Every recomputation uses the run's seed and draw count, and streams are keyed by names, so
the differences come from the change studied, not from new noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import xarray as xr

from uncertainty.analysis.sensitivity.inputs import Input, input_analysis, inputs_of, work
from uncertainty.analysis.sensitivity.leave_out import leave_out, without
from uncertainty.analysis.sensitivity.sweep import spread_sweep
from uncertainty.model.core import Model
from uncertainty.model.views import View
from uncertainty.runtime import progress

__all__ = ["Input", "Sensitivity", "Simulated", "analyze", "inputs_of", "leave_out", "spread_sweep",
           "without"]


class Simulated(Protocol):
    """What the analysis reads of a finished run."""

    @property
    def model(self) -> Model: ...  # noqa: D102
    @property
    def views(self) -> tuple[View, ...]: ...  # noqa: D102
    @property
    def draws(self) -> xr.Dataset: ...  # noqa: D102
    @property
    def summary(self) -> xr.Dataset: ...  # noqa: D102
    @property
    def provenance(self) -> Mapping[str, Any]: ...  # noqa: D102


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity analyses of one run.

    Parameters
    ----------
    inputs : xarray.Dataset
        Variance shares and tornado medians (`uncertainty.analysis.sensitivity.inputs`).
    leave_out : xarray.Dataset or None
        Without each source (`uncertainty.analysis.sensitivity.leave_out`); None with one source.
    sweep : xarray.Dataset or None
        Default spreads scaled (`uncertainty.analysis.sensitivity.sweep`); None when the analysis
        had no way to rebuild the model (no config).
    notes : tuple of str
        What could not be computed, and why.
    """

    inputs: xr.Dataset
    leave_out: xr.Dataset | None
    sweep: xr.Dataset | None
    notes: tuple[str, ...] = ()


def analyze(run: Simulated, *, summarize_model: Callable[[Model], xr.Dataset],
            rescale: Callable[[float], Model] | None = None,
            threads: int | None = None) -> Sensitivity:
    """Every sensitivity analysis of `run`.

    Parameters
    ----------
    run : Simulated
        A finished run (its draws set the draw count; its provenance the seed), e.g. an
        `uncertainty.pipeline.Run`.
    summarize_model : callable
        A model to the summary of its simulation (its ``run`` settings give the draws and
        seed): the study layer passes `uncertainty.pipeline.simulate`'s, so that this stage
        needs no later one.
    rescale : callable, optional
        Factor to the model rebuilt with every default log-spread scaled by it, e.g.
        ``functools.partial(uncertainty.config.schema.with_spread_scale, model)``. Without it
        there is no sweep.
    threads : int or None
        Threads for the analysis; the numbers are the same for any count.

    Returns
    -------
    Sensitivity
    """
    model = run.model
    seed = int(run.provenance["seed"])
    n = run.draws.sizes["draw"]
    fixed = replace(model.run, draws=n, seed=seed, precision=None)

    def summary_of(m: Model) -> xr.Dataset:
        return summarize_model(replace(m, run=fixed))

    scales = [s for s in model.sensitivity.spread_scales if s != 1.0] if rescale else []
    total = (work(model, run.views) + (len(model.sources) if len(model.sources) > 1 else 0)
             + len(scales))
    with progress.within("sensitivity", total, "analyses") as step:
        inputs, notes = input_analysis(model, run.views, run.draws, seed=seed,
                                       threads=threads, step=step)
        loo, loo_notes = leave_out(model, run.summary, simulate=summary_of, step=step)
        sweep, sweep_notes = (None, []) if rescale is None else spread_sweep(
            replace(model, run=fixed), run.summary, rescale=rescale, simulate=summary_of,
            step=step)
    return Sensitivity(inputs, loo, sweep, tuple(notes + loo_notes + sweep_notes))
