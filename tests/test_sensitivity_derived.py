"""The sensitivity analysis derived from the run's streams equals redrawing every variant.

Determinism tests only: each compares the derived path (`uncertainty.sampling.Rerun`,
`uncertainty.analysis.sensitivity.derived`) with the path that redraws each held view
(`uncertainty.sampling.draw_view`) and simulates each edited model whole, in the same
process. Every number must be identical, bit for bit: no golden numbers, no tolerance.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, event, given, settings
from model_builders import analyze_run, run_toml
from scipy import special
from strategies import toml_text, valid_model_dicts

from uncertainty import build_model, simulate
from uncertainty.analysis.sensitivity import Sensitivity, without
from uncertainty.analysis.sensitivity.derived import FIGURE_STATISTICS, figures_summary
from uncertainty.config.loader import load_config
from uncertainty.config.schema import with_spread_scale
from uncertainty.errors import ConfigError, ConstraintConflict
from uncertainty.model.views import build_views
from uncertainty.pipeline import Run
from uncertainty.sampling import Hold, Rerun, ViewDraws, draw_view, view_draws
from uncertainty.study import Study

SEED_STUDY = Path(__file__).resolve().parents[1] / "configs" / "seed-article-2025.toml"

#: A copula, a constraint, a log pool, a scenario and default (graded) spreads.
LOG_POOL = """
constraints = ["k <= q"]
[run]
pool = "log"
[sources.a]
grade = "B2"
estimates.q = 100
estimates.k = { dist = "lognormal", median = 40, sigma = 0.3 }
[sources.b]
estimates.q = { dist = "lognormal", median = 150, sigma = 0.4 }
estimates.k = { dist = "lognormal", median = 50, sigma = 0.25 }
[sources.c]
grade = "C3"
estimates.q = 120
[correlations]
ab = { between = ["q", "k"], rho = 0.6, source = "a" }
[metrics]
m = { expr = "q * k" }
share = { expr = "k / q" }
[scenarios.no_c]
use = { q = "a", k = "b" }
"""

#: An envelope of the sources instead of a pool, with a copula and a constraint.
ENVELOPE = """
constraints = ["k <= q"]
[run]
pool = "envelope"
[sources.a]
grade = "B2"
estimates.q = 100
estimates.k = { dist = "lognormal", median = 30, sigma = 0.3 }
[sources.b]
grade = "C3"
estimates.q = 130
estimates.k = 20
[sources.c]
estimates.q = { value = 90, ci90 = [70, 120] }
[correlations]
ab = { between = ["q", "k"], rho = -0.5, source = "a" }
[metrics]
m = { expr = "q * k" }
n = { expr = "q" }
[scenarios.pick_a]
use = { q = "a" }
"""


#: A correlation across sources: leaving one out leaves its partner uncorrelated.
ACROSS = """
constraints = ["k <= q"]
[sources.a]
estimates.q = { dist = "lognormal", median = 100, sigma = 0.3 }
estimates.k = { dist = "lognormal", median = 40, sigma = 0.3 }
[sources.b]
grade = "C3"
estimates.q = 150
[sources.c]
estimates.q = { dist = "lognormal", median = 120, sigma = 0.2 }
estimates.k = { dist = "lognormal", median = 30, sigma = 0.4 }
[correlations]
qq = { between = ["a:q", "b:q"], rho = 0.7 }
kq = { between = ["c:k", "b:q"], rho = -0.4 }
[metrics]
m = { expr = "k / q" }
[scenarios.b_only]
use = { q = "b" }
"""


def _identical(derived: Sensitivity, redrawn: Sensitivity) -> None:
    xr.testing.assert_identical(derived.inputs, redrawn.inputs)
    for name in ("leave_out", "sweep"):
        a, b = getattr(derived, name), getattr(redrawn, name)
        assert (a is None) == (b is None), name
        if a is not None:
            xr.testing.assert_identical(a, b)
    assert derived.notes == redrawn.notes


def _both(run: Run, rescale, *, threads: int = 2) -> None:  # type: ignore[no-untyped-def]
    derived = analyze_run(run, rescale=rescale, threads=threads)
    redrawn = analyze_run(run, rescale=rescale, threads=threads, redraw=True)
    _identical(derived, redrawn)


def _rebuilt(toml: str, title: str = "test"):  # type: ignore[no-untyped-def]
    data = tomllib.loads(toml)
    return lambda scale: build_model(data, default_title=title, spread_scale=scale)


def test_the_seed_study_derived_equals_redrawn() -> None:
    # A copula, two constraints, a linear pool, a scenario, graded default spreads.
    model = load_config(SEED_STUDY).model
    model = replace(model, run=replace(model.run, draws=20_000, seed=7, precision=None))
    run = simulate(model, threads=2)
    _both(run, functools.partial(with_spread_scale, model))


def test_a_run_that_kept_its_candidates_is_analysed_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `keep=True` hands the run's own candidates and streams to the analysis, which then
    # does not draw the run again: the same figures as a run that kept nothing.
    model = load_config(SEED_STUDY).model
    model = replace(model, run=replace(model.run, draws=20_000, seed=8, precision=None))
    kept = simulate(model, threads=2, keep=True)
    plain = simulate(model, threads=2)
    assert kept.kept is not None and plain.kept is None
    xr.testing.assert_identical(kept.draws, plain.draws)
    rescale = functools.partial(with_spread_scale, model)
    expected = analyze_run(plain, rescale=rescale, threads=2)

    def drawn_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis drew the run again")

    monkeypatch.setattr("uncertainty.sampling.derive.draw_kept", drawn_again)
    _identical(analyze_run(kept, rescale=rescale, threads=2), expected)


def test_a_study_run_keeps_its_candidates_only_until_analysed() -> None:
    study = Study(load_config(SEED_STUDY))
    assert study.run(draws=4_000, seed=2, sensitivity=False).simulation.kept is None
    assert study.run(draws=4_000, seed=2).simulation.kept is None  # freed once analysed


def test_the_seed_study_analysis_is_identical_for_any_thread_count() -> None:
    # The views' analysis runs as separate tasks (each view drawn, each input sorted,
    # each (view, metric) prepared, each (view, input) grouped, each (view, metric, input)
    # share): any number of threads, so any interleaving of them, gives the same figures.
    model = load_config(SEED_STUDY).model
    model = replace(model, run=replace(model.run, draws=20_000, seed=5, precision=None))
    run = simulate(model, threads=1)
    rescale = functools.partial(with_spread_scale, model)
    one = analyze_run(run, rescale=rescale, threads=1)
    for threads in (2, 3):
        _identical(one, analyze_run(run, rescale=rescale, threads=threads))


@pytest.mark.parametrize("toml", [LOG_POOL, ENVELOPE, ACROSS],
                         ids=["log pool", "envelope", "across sources"])
def test_a_study_derived_equals_redrawn(toml: str) -> None:
    _both(run_toml(toml, draws=20_000, seed=3), _rebuilt(toml))


def test_a_hold_that_breaks_the_constraints_is_noted_alike() -> None:
    toml = """
constraints = ["part <= whole"]
[sources.a]
estimates.part = { dist = "lognormal", median = 50, sigma = 0.8 }
estimates.whole = { dist = "lognormal", median = 400, sigma = 0.05 }
[sensitivity]
tornado = [0.05, 0.999]
[metrics]
share = { expr = "part / whole" }
"""
    run = run_toml(toml, draws=20_000, seed=1)
    derived = analyze_run(run)
    assert derived.notes  # the 99.9th percentile of part breaks the constraint
    _identical(derived, analyze_run(run, redraw=True))


def _same_draws(a: ViewDraws, b: ViewDraws) -> None:
    assert a.quantities.keys() == b.quantities.keys()
    assert a.estimates.keys() == b.estimates.keys()
    assert a.choices.keys() == b.choices.keys()
    for q in a.quantities:
        assert np.array_equal(a.quantities[q], b.quantities[q], equal_nan=True), q
    for k in a.estimates:
        assert np.array_equal(a.estimates[k], b.estimates[k], equal_nan=True), k
    for q in a.choices:
        assert a.choices[q][0] == b.choices[q][0]
        assert np.array_equal(a.choices[q][1], b.choices[q][1]), q
    assert a.acceptance == b.acceptance


@pytest.mark.parametrize("threads", [1, 2])
def test_every_held_view_is_a_redraws_bit_for_bit(threads: int) -> None:
    # Small chunks, so that the kernel's chunking is exercised too.
    model = load_config(SEED_STUDY).model
    views = build_views(model)
    n, seed, chunk = 3_000, 5, 700
    rerun = Rerun(model, views, seed=seed, draws=n, threads=threads, chunk=chunk)
    for view in views:
        redrawn = draw_view(model, view, seed=seed, draws=n, threads=threads, chunk=chunk)
        drawn = rerun.draw(model, (view,))
        _same_draws(view_draws(model, view, drawn, n), redrawn)
        for source in model.sources:
            for estimate in source.estimates:
                if (estimate.quantity, source.id) not in drawn.arrays:
                    continue  # the view does not read it
                hold = Hold((source.id, estimate.quantity), float(special.ndtri(0.95)))
                redrawn = draw_view(model, view, seed=seed, draws=n, threads=threads,
                                    chunk=chunk, hold=hold)
                derived = view_draws(model, view, rerun.draw(model, (view,), hold=hold), n)
                _same_draws(derived, redrawn)


def test_a_model_without_a_source_has_a_simulations_figures() -> None:
    # The copula member left out: its partner is drawn again, unmixed.
    model = load_config(SEED_STUDY).model
    model = replace(model, run=replace(model.run, draws=4_000, seed=9, precision=None))
    model = simulate(model, compare=False).model  # as run: with its consensus's laws
    rerun = Rerun(model, build_views(model), seed=9, draws=4_000, threads=2)
    for source in model.sources:
        reduced, _ = without(model, source.id)
        assert reduced is not None
        simulated = simulate(reduced, compare=False)
        derived = figures_summary(rerun, reduced)
        names = [m.name for m in reduced.metrics]
        wanted = simulated.summary[list(FIGURE_STATISTICS)].sel(variable=names)
        wanted = wanted.drop_vars(["kind", "label", "view_label", "envelope_of"])
        xr.testing.assert_identical(derived.summary.drop_vars("envelope_of"),
                                    wanted.drop_attrs(deep=False))
        # its draws too, which the MCSEs of the moves pair with the run's
        for name in names:
            for view in simulated.draws["view"].values:
                np.testing.assert_array_equal(derived.row(name, str(view)),
                                              simulated.draws[name].sel(view=view).values)


#: Generated configs: every form and family but the slow ones, pools of each kind,
#: copulas, constraints and scenarios (`strategies.valid_model_dicts`).
MODELS = valid_model_dicts(draws=(1_000, 2_000), slow_forms=False)


@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(MODELS)
def test_any_study_derived_equals_redrawn(data: dict[str, Any]) -> None:
    text = toml_text(data)
    model = build_model(tomllib.loads(text), default_title="property")
    model = replace(model, run=replace(model.run, precision=None))
    try:
        run = simulate(model, compare=False, threads=2)
    except ConstraintConflict:
        event("refused: constraints hold under 1%")
        return
    except ConfigError as refusal:  # claims a short run's consensus cannot weigh
        assert refusal.path == "consensus"
        event("refused: the consensus's effective sample is under its floor")
        return
    if not model.metrics:
        return
    # Both paths must agree, on the numbers or on the error: a constant metric's NaN shares
    # make the tornado's input ranking warn (an error under the test settings) in both,
    # as before the derivation.
    found = []
    for redraw in (False, True):
        try:
            found.append(analyze_run(run, rescale=_rebuilt(text, "property"), threads=2,
                                     redraw=redraw))
        except Exception as exc:  # compared below, not swallowed
            event(f"both raise: {type(exc).__name__}")
            found.append(repr(exc))
    if isinstance(found[0], Sensitivity) and isinstance(found[1], Sensitivity):
        _identical(found[0], found[1])
    else:
        assert found[0] == found[1]
