"""Common random numbers under constraints: a constraint masks candidates, it shifts none.

Every view reads the same candidate index for every input; a view drops the candidates its
constraints reject. So an input outside every constraint has identical draws wherever two
views both accept, and P(A > B) of a metric of free inputs is taken over the candidates
both views accept, which (the free inputs being independent of the constrained ones) has
the unconstrained closed form.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np
import pytest
from mc import assert_probability
from model_builders import model_from
from scipy import stats

from uncertainty.pipeline import simulate

#: `x <= y` binds in each source's view (acceptance about 0.5 and 0.3); `w` and `v` are
#: in no constraint, `w` comes from source a alone, `v` from both.
CONSTRAINED = """
constraints = ["x <= y"]
[run]
draws = 60_000
seed = 11
[sources.a.estimates]
x = { value = 100, ci90 = [50, 200] }
y = { value = 100, ci90 = [50, 200] }
w = { value = 10, ci90 = [5, 20] }
v = { value = 3, ci90 = [1, 9] }
[sources.b.estimates]
x = { value = 120, ci90 = [60, 240] }
y = { value = 90, ci90 = [45, 180] }
v = { value = 4, ci90 = [2, 8] }
[metrics]
wv = "w * v"
"""

SIGMA = {3.0: math.log(3) / stats.norm.ppf(0.95), 4.0: math.log(2) / stats.norm.ppf(0.95)}


@functools.cache
def _run(text: str):
    """The run of `text`, made once per process: three tests read the run of
    `CONSTRAINED` (60,000 draws, for the closed-form check), and only read it."""
    return simulate(model_from(text), threads=2)


#: The readers of the run of `CONSTRAINED`, in one process (``--dist loadgroup``).
SHARED = pytest.mark.xdist_group("crn_constrained")


@SHARED
def test_an_input_outside_every_constraint_has_the_same_draws_in_every_view() -> None:
    run = _run(CONSTRAINED)
    free = _run(CONSTRAINED.replace('constraints = ["x <= y"]', ""))
    accepted = run.draws["accepted"]
    a, b = accepted.sel(view="a").values, accepted.sel(view="b").values
    assert 0.2 < a.mean() < 0.8 and 0.1 < b.mean() < 0.8  # the constraint binds in both
    both = a & b
    w = run.draws["w"]
    np.testing.assert_array_equal(w.sel(view="a").values[both], w.sel(view="b").values[both])
    # ... and they are the unconstrained run's draws, candidate for candidate
    np.testing.assert_array_equal(w.sel(view="a").values[a],
                                  free.draws["w"].sel(view="a").values[a])
    # a rejected candidate is not a draw of the view, nor an invalid one
    assert np.isnan(w.sel(view="b").values[~b]).all()
    valid = run.summary["valid"].sel(variable="w")
    assert int(valid.sel(view="b")) == int(b.sum())
    assert int(run.summary["invalid"].sel(variable="w", view="b")) == 0
    assert int(run.acceptance["accepted"].sel(view="b")) == int(b.sum())


@SHARED
def test_p_greater_of_free_inputs_keeps_its_unconstrained_closed_form() -> None:
    # wv = w * v: w is common to both views, so P(wv_a > wv_b) = P(v_a > v_b)
    # = Phi((log 3 - log 4) / sqrt(sa^2 + sb^2)), on the candidates both views accept.
    run = _run(CONSTRAINED)
    truth = float(stats.norm.cdf((math.log(3) - math.log(4))
                                 / math.hypot(SIGMA[3.0], SIGMA[4.0])))
    both = (run.draws["accepted"].sel(view="a") & run.draws["accepted"].sel(view="b")).values
    n = int(both.sum())
    p = float(run.comparison.pairs["prob_greater"].sel(variable="wv", view="a", other="b"))
    assert_probability(round(p * n), n, truth)
    # the reported P(A > B) is that share of the shared accepted candidates, exactly
    wv = run.draws["wv"]
    share = np.count_nonzero(wv.sel(view="a").values[both] > wv.sel(view="b").values[both])
    assert p == share / n


@SHARED
def test_a_view_keeps_its_draws_whatever_other_views_reject() -> None:
    # Adding a source whose view rejects most candidates changes no draw of another view.
    extra = CONSTRAINED + """
[sources.c.estimates]
x = { value = 200, ci90 = [100, 400] }
y = { value = 60, ci90 = [30, 120] }
"""
    base, more = _run(CONSTRAINED), _run(extra)
    assert float(more.acceptance["overall"].sel(view="c")) < 0.15
    for name in ("w", "v", "x", "wv"):
        np.testing.assert_array_equal(base.draws[name].sel(view="a").values,
                                      more.draws[name].sel(view="a").values)


def test_the_draw_count_is_the_candidate_count_in_every_view() -> None:
    model = model_from(CONSTRAINED)
    run = simulate(replace(model, run=replace(model.run, draws=5_000)), threads=1)
    assert run.draws.sizes["draw"] == 5_000
    assert (run.acceptance["candidates"] == 5_000).all()
    assert (run.summary["valid"].sel(variable="x")
            == run.draws["accepted"].sum("draw")).all()
