"""Sensitivity analysis: which input, which source and which assumption drive the answer.

Four analyses of a finished run, each in its own module:

=================  ====================================================================
`inputs`           variance shares (first-order Sobol indices from the run's own draws)
                   and the tornado (median with each input held at its 5th and 95th
                   percentile), per metric and view
`leave_out`        the pool, the consensus and each scenario recomputed without each
                   source in turn
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

from uncertainty.analysis.sensitivity.derived import Variant, figures_summary, variant_of
from uncertainty.analysis.sensitivity.inputs import Input, input_analysis, inputs_of, work
from uncertainty.analysis.sensitivity.leave_out import leave_out, without
from uncertainty.analysis.sensitivity.sweep import spread_sweep
from uncertainty.model.core import CONSENSUS, POOLED, Model
from uncertainty.model.views import View
from uncertainty.runtime import progress
from uncertainty.runtime.blas import one_blas_thread
from uncertainty.sampling import Rerun

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


@one_blas_thread()
def analyze(run: Simulated, *, simulate_model: Callable[[Model], Simulated] | None = None,
            rescale: Callable[[float], Model] | None = None,
            threads: int | None = None) -> Sensitivity:
    """Every sensitivity analysis of `run`.

    Each held input, each source left out and each spread scale is a variant of the model
    run with the run's seed and draw count, so its draws are a transform of the run's own
    random streams. By default they are derived from those (`uncertainty.sampling.Rerun`
    regenerates the run's candidates once, then redraws only what each variant touches,
    and only the figures the analyses report are computed, `derived.figures_summary`);
    every number is identical to that of redrawing and simulating each variant whole,
    which `simulate_model` does instead.

    Parameters
    ----------
    run : Simulated
        A finished run (its draws set the draw count; its provenance the seed), e.g. an
        `uncertainty.pipeline.Run`.
    simulate_model : callable, optional
        A model to its simulation (its ``run`` settings give the draws and seed; its
        ``summary`` and ``draws`` are read), e.g. `uncertainty.pipeline.simulate`: given,
        every variant is redrawn and simulated whole, as before the variants were derived
        (slower, the same numbers; kept to check and time the derived path against).
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
    scales = [s for s in model.sensitivity.spread_scales if s != 1.0] if rescale else []
    total = (work(model, run.views) + (len(model.sources) if len(model.sources) > 1 else 0)
             + len(scales))
    with progress.within("sensitivity", total, "analyses") as step:
        rerun: Rerun | None = None
        compared = [POOLED, CONSENSUS, *(sc.id for sc in model.scenarios)]
        if simulate_model is None:
            # A run that kept its candidates (`uncertainty.pipeline.simulate` with
            # ``keep=True``) is not drawn again.
            rerun = Rerun(model, run.views, seed=seed, draws=n, threads=threads,
                          kept=getattr(run, "kept", None))
            derive = rerun

            # Variants run at once, each in one thread (`leave_out`, `spread_sweep`).
            outer = derive.threads

            def loo_variant(m: Model) -> Variant:
                return figures_summary(derive, replace(m, run=fixed), compared, threads=1)

            def sweep_variant(m: Model) -> Variant:
                return figures_summary(derive, replace(m, run=fixed, consensus_laws=()),
                                       threads=1)
        else:
            simulate = simulate_model
            outer = 1  # each whole simulation uses the threads it is given

            def loo_variant(m: Model) -> Variant:
                done = simulate(replace(m, run=fixed))
                return variant_of(done.summary, done.draws)

            def sweep_variant(m: Model) -> Variant:
                return loo_variant(replace(m, consensus_laws=()))
        inputs, notes = input_analysis(model, run.views, run.draws, seed=seed,
                                       threads=threads, step=step, rerun=rerun)
        log = {str(m): str(s) == "log" for m, s in zip(inputs["metric"].values,
                                                       inputs["scale"].values, strict=True)}
        base = variant_of(run.summary, run.draws)
        loo, loo_notes = leave_out(model, base, simulate=loo_variant, log=log, step=step,
                                   threads=outer)
        # The sweep leaves the consensus out (`spread_sweep`): its variants make none.
        sweep, sweep_notes = (None, []) if rescale is None else spread_sweep(
            replace(model, run=fixed), base, rescale=rescale, simulate=sweep_variant,
            log=log, step=step, threads=outer)
    return Sensitivity(inputs, loo, sweep, tuple(notes + loo_notes + sweep_notes))
