"""Correlations, constraints and pools against closed forms, within Monte Carlo error."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from mc import K, assert_probability, assert_quantile
from model_builders import model_from, run_toml
from scipy import special, stats

from uncertainty.distributions import LogNormal
from uncertainty.errors import ConfigError, ConstraintConflict
from uncertainty.model.copula import nearest_correlation
from uncertainty.model.pooling import log_pool
from uncertainty.summary import envelopes

Z90 = float(special.ndtri(0.95))
N = 200_000

CORRELATED = """
[run]
seed = 21
[sources.s]
estimates.kia = {{ value = 10_000, ci90 = [6_000, 20_000] }}
estimates.cas = 40_000
estimates.other = {{ dist = "normal", mean = 0, sd = 1 }}
[correlations]
kc = {{ between = ["kia", "cas"], rho = {rho}, source = "s" }}
"""


def spearman_bounds(r: float, n: int) -> tuple[float, float]:
    """K-sigma bounds on a sample Spearman correlation (Fisher z, var 1.06 / (n - 3))."""
    half = K * math.sqrt(1.06 / (n - 3))
    return math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


@pytest.mark.parametrize("rho", [0.6, -0.4, 0.95])
def test_copula_gives_the_requested_rank_correlation(rho: float) -> None:
    d = run_toml(CORRELATED.format(rho=rho), draws=N).draws
    kia, cas = d["kia"].sel(view="s").values, d["cas"].sel(view="s").values
    r = stats.spearmanr(kia, cas).statistic
    lo, hi = spearman_bounds(rho, N)
    assert lo <= r <= hi, (r, rho)
    # uncorrelated pairs stay uncorrelated
    r0 = stats.spearmanr(kia, d["other"].sel(view="s").values).statistic
    assert abs(r0) <= K * math.sqrt(1.06 / (N - 3))


def test_copula_leaves_every_marginal_as_specified() -> None:
    d = run_toml(CORRELATED.format(rho=0.8), draws=N).draws
    kia, cas = d["kia"].sel(view="s").values, d["cas"].sel(view="s").values
    for p, truth in ((0.05, 6_000), (0.5, 10_000), (0.95, 20_000)):
        assert_quantile(kia, p, truth)
    for p, truth in ((0.05, 40_000 / 1.5), (0.5, 40_000), (0.95, 60_000)):
        assert_quantile(cas, p, truth)
    # the first member of the group, in (source, quantity) order, keeps its own stream
    plain = run_toml(CORRELATED.format(rho=0.8).split("[correlations]")[0], draws=N).draws
    np.testing.assert_array_equal(d["cas"].sel(view="s"), plain["cas"].sel(view="s"))


IMPOSSIBLE = """
[sources.s]
estimates.a = 1
estimates.b = 1
estimates.c = 1
[correlations]
{repair}
ab = {{ between = ["a", "b"], rho = 0.9, source = "s" }}
bc = {{ between = ["b", "c"], rho = 0.9, source = "s" }}
ac = {{ between = ["a", "c"], rho = -0.9, source = "s" }}
"""


def test_correlations_that_cannot_hold_together_are_named() -> None:
    with pytest.raises(ConfigError) as info:
        model_from(IMPOSSIBLE.format(repair=""))
    assert info.value.path == "correlations.ab"
    assert info.value.message.startswith("correlations ab, bc, ac cannot all hold together")
    assert "set repair = true" in info.value.message


def test_repair_uses_the_nearest_valid_matrix_and_reports_it() -> None:
    run = run_toml(IMPOSSIBLE.format(repair="repair = true"), draws=20_000, seed=1)
    from uncertainty.model.copula import plan_copula

    plan = plan_copula(run.model.correlations, repair=True)
    assert plan.repaired
    used = {name: u for name, _, u in plan.used}
    assert used["ab"] < 0.9 and used["ac"] > -0.9
    factor = plan.groups[0].factor
    matrix = factor @ factor.T
    np.testing.assert_allclose(np.diag(matrix), 1.0, atol=1e-12)
    assert np.linalg.eigvalsh(matrix).min() > 0


def test_nearest_correlation_keeps_a_valid_matrix() -> None:
    valid = np.array([[1.0, 0.3], [0.3, 1.0]])
    np.testing.assert_allclose(nearest_correlation(valid), valid, atol=1e-8)


LOGNORMALS = """
[run]
seed = 22
[sources.x]
estimates.kia = {{ value = 100, ci90 = [{kl}, {kh}] }}
estimates.cas = {{ value = 150, ci90 = [{cl}, {ch}] }}
[correlations]
kc = {{ between = ["kia", "cas"], rho = {rho}, source = "x" }}
constraints = ["kia <= cas"]
"""


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_acceptance_rate_matches_the_analytic_probability(rho: float) -> None:
    sk, sc = 0.5, 0.3
    text = LOGNORMALS.format(kl=100 * math.exp(-sk * Z90), kh=100 * math.exp(sk * Z90),
                             cl=150 * math.exp(-sc * Z90), ch=150 * math.exp(sc * Z90), rho=rho)
    text = text.replace("constraints = [\"kia <= cas\"]", "")
    text = 'constraints = ["kia <= cas"]\n' + text
    run = run_toml(text, draws=N)
    r = 2 * math.sin(math.pi * rho / 6)  # latent correlation of the copula
    truth = stats.norm.cdf(math.log(150 / 100) / math.sqrt(sk**2 + sc**2 - 2 * r * sk * sc))
    acc = run.acceptance
    m = int(acc["candidates"].sel(view="x"))
    kept = int(acc["accepted"].sel(view="x"))
    assert m == N and float(acc["overall"].sel(view="x")) == kept / m
    assert_probability(kept, m, truth)
    # the view keeps exactly the candidates meeting the constraint; the others are NaN
    accepted = run.draws["accepted"].sel(view="x").values
    kia, cas = run.draws["kia"].sel(view="x").values, run.draws["cas"].sel(view="x").values
    assert accepted.sum() == kept and np.all(kia[accepted] <= cas[accepted])
    assert np.isnan(kia[~accepted]).all() and np.isnan(cas[~accepted]).all()


def test_constraints_keep_the_prefix_property() -> None:
    text = 'constraints = ["kia <= cas"]\n' + LOGNORMALS.format(
        kl=50, kh=200, cl=100, ch=225, rho=0.3).replace('constraints = ["kia <= cas"]', "")
    short, long = run_toml(text, draws=5_000).draws, run_toml(text, draws=12_000).draws
    xr.testing.assert_equal(short, long.isel(draw=slice(0, 5_000)))


def test_low_acceptance_stops_the_run_naming_the_constraint_and_sources() -> None:
    text = """
    constraints = ["kia <= cas"]
    [run]
    seed = 3
    [sources.a]
    estimates.kia = 1000
    [sources.b]
    estimates.cas = 100
    """
    with pytest.raises(ConstraintConflict) as info:
        run_toml(text, draws=10_000)
    err = info.value
    assert err.path == "constraints[0]"
    assert err.rate < 0.01
    assert err.message.startswith("'kia <= cas' holds in only ")
    assert "(cas from b, kia from a): these sources conflict" in err.message


def test_log_pool_of_two_lognormals_is_the_closed_form() -> None:
    text = """
    [run]
    seed = 23
    pool = "log"
    [sources.a]
    weight = 3
    estimates.q = { dist = "lognormal", median = 100, sigma = 0.3 }
    [sources.b]
    estimates.q = { dist = "lognormal", median = 200, sigma = 0.6 }
    """
    model = model_from(text)
    w = np.array([0.75, 0.25])
    tau = w / np.array([0.3, 0.6]) ** 2
    mu = float(np.sum(tau * np.log([100, 200])) / np.sum(tau))
    sigma = float(1 / np.sqrt(np.sum(tau)))
    pooled = log_pool(model, "q")
    assert isinstance(pooled, LogNormal)
    assert pooled.median_value == pytest.approx(math.exp(mu), rel=1e-12)
    assert pooled.sigma == pytest.approx(sigma, rel=1e-12)
    draws = run_toml(text, draws=N).draws["q"].sel(view="pooled").values
    for p in (0.05, 0.5, 0.95):
        assert_quantile(draws, p, math.exp(mu + sigma * special.ndtri(p)))


def test_log_pool_refuses_families_without_a_closed_form() -> None:
    with pytest.raises(ConfigError) as info:
        model_from("""
        [run]
        pool = "log"
        [sources.a]
        estimates.q = 100
        [sources.b]
        estimates.q = { value = 100, ci90 = [90, 200] }
        """)
    assert info.value.path == "run.pool"
    assert "'b' gives a split lognormal" in info.value.message


def test_envelope_reports_the_range_of_its_members() -> None:
    run = run_toml("""
    [run]
    seed = 24
    pool = "envelope"
    [sources.a]
    estimates.kia = 100
    estimates.cas = 400
    [sources.b]
    estimates.kia = 200
    [metrics]
    share = "kia / cas"
    """, draws=20_000)
    views = list(run.draws["view"].values)
    # The consensus is not a pool: no envelope of it.
    assert views == ["a", "b", "pooled[kia=a]", "pooled[kia=b]", "consensus"]
    env = envelopes(run.summary)
    members = run.summary.sel(view=["pooled[kia=a]", "pooled[kia=b]"], variable="share")
    e = env.sel(envelope="pooled", variable="share")
    assert list(e["median"].values) == [float(members["median"].min()),
                                        float(members["median"].max())]
    eti = e["eti"].sel(level=0.9).values
    assert eti[0] == float(members["eti"].sel(level=0.9, ci_bound="lower").min())
    assert eti[1] == float(members["eti"].sel(level=0.9, ci_bound="upper").max())
