"""The reported MCSEs not checked elsewhere are calibrated: (estimate - truth) / MCSE has sd 1.

Correctness against closed-form truth (STYLE.md), over many seeds: the mean's sd / sqrt(n),
the sd's delta-method error (and where the fourth moment is too heavy-tailed for it), the
rank correlation's influence-function error, the ETI ends' order-statistic error on skewed
families, the binomial error of P(X >= t),
the mid-rank error of a claim's percentile, the paired error of P(A > B) when the two
views share a factor, the overlap coefficient's error and an acceptance rate's binomial
one. Each check is ``|sd(z) - 1| <= K se``, ``se`` the standard error of a sample sd from
the sample kurtosis of ``z`` (about ``1 / sqrt(2 seeds)``: 0.035 at 400 seeds, so a bound
near 1 +- 0.16), and ``|mean(z)| <= K / sqrt(seeds)`` (the estimators are unbiased to well
under that; the 95% ETI ends sit about 0.08 MCSE inside at 4,000 draws), except the
overlap coefficient's, biased by up to its resolution.
The quantile MCSE on a normal is `tests/test_stats.py`, the HDI ends'
`tests/test_hdi_mcse.py`, Sobol shares' `tests/test_sobol.py` (the remainder's, the sum of
shares computed from the same draws, is here), and the full table at more seeds and draws
``benchmarks/calibrate_mcse.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mc import K
from scipy import special, stats

from uncertainty.analysis.sensitivity import dependence
from uncertainty.analysis.sensitivity.dependence import (
    SUBSAMPLE,
    rank_correlation_mcse,
    rank_influence,
    strongest_correlation,
)
from uncertainty.sampling.acceptance import binomial_mcse
from uncertainty.stats.array import sd_mcse, summarize_draws
from uncertainty.stats.pairwise import (
    exceedances,
    overlap_with_mcse,
    percentiles,
    prob_greater,
)
from uncertainty.stats.sobol import first_order, sum_se

SEEDS, N = 400, 4_000
LEVELS = (0.5, 0.9, 0.95)
FAMILIES = {
    "lognormal": (lambda r, n: np.exp(0.8 * r.standard_normal(n)), stats.lognorm(0.8)),
    "gamma": (lambda r, n: r.gamma(2.0, size=n), stats.gamma(2.0)),
}


def se_of_sd(z: np.ndarray) -> float:
    """Standard error of the sample sd of `z` (delta method, sample kurtosis)."""
    sd = float(np.std(z, ddof=1))
    kurtosis = float(np.mean((z - z.mean()) ** 4)) / sd**4
    return sd * math.sqrt(max(kurtosis - 1, 0.0) / (4 * len(z)))


def calibration_errors(z: np.ndarray, names: list[str]) -> list[str]:
    """What is off in each column of `z` (seeds x statistics): sd away from 1, mean from 0."""
    bad = []
    for k, name in enumerate(names):
        zz = z[:, k]
        sd, mean = float(np.std(zz, ddof=1)), float(np.mean(zz))
        if abs(sd - 1) > K * se_of_sd(zz):
            bad.append(f"{name}: sd(z) {sd:.3f}, allowed 1 ± {K * se_of_sd(zz):.3f}")
        if abs(mean) > K * sd / math.sqrt(len(zz)):
            bad.append(f"{name}: mean(z) {mean:+.3f}, allowed ± {K * sd / math.sqrt(len(zz)):.3f}")
    return bad


@pytest.mark.slow
@pytest.mark.parametrize("family", list(FAMILIES))
def test_mean_median_eti_threshold_and_percentile_mcse_are_calibrated(family: str) -> None:
    draw, dist = FAMILIES[family]
    tails = [q for p in LEVELS for q in ((1 - p) / 2, (1 + p) / 2)]
    t = dist.ppf(np.array([0.1, 0.5, 0.9]))  # P(X >= t) = 0.9, 0.5, 0.1
    claims = dist.ppf(np.array([0.03, 0.3, 0.97]))  # percentiles 0.03, 0.3, 0.97
    truth = np.concatenate([[dist.mean(), dist.median()], dist.ppf(tails),
                            [0.9, 0.5, 0.1], [0.03, 0.3, 0.97]])
    names = (["mean", "median", *(f"ETI end q={q:.3f}" for q in tails)]
             + [f"P(X >= t), p={p}" for p in (0.9, 0.5, 0.1)]
             + [f"percentile {q}" for q in (0.03, 0.3, 0.97)])
    z = np.empty((SEEDS, len(truth)))
    for seed in range(SEEDS):
        x = draw(np.random.default_rng([seed, N, 17]), N)
        out = summarize_draws(x, LEVELS)
        prob, prob_se = exceedances(x, t)
        pct, pct_se = percentiles(x, claims)
        est = np.concatenate([[out["mean"], out["median"]], out["eti"].ravel(), prob, pct])
        err = np.concatenate([[out["mcse_mean"], out["mcse_median"]], out["mcse_eti"].ravel(),
                              prob_se, pct_se])
        assert np.all(err > 0), "a continuous statistic has a positive MCSE"
        z[seed] = (est - truth) / err
    bad = calibration_errors(z, names)
    assert not bad, bad


@pytest.mark.slow
def test_prob_greater_mcse_is_calibrated_when_views_share_a_factor() -> None:
    # log A = 0.2 + 0.5 Z1 + S, log B = 0.5 Z2 + S (common random numbers): S cancels pair
    # by pair, so P(A > B) = Phi(0.2 / hypot(0.5, 0.5)) whatever the spread of S, and the
    # pair scores are independent across draws, so the binomial error holds.
    z = np.empty((SEEDS, 1))
    truth = float(special.ndtr(0.2 / math.hypot(0.5, 0.5)))
    for seed in range(SEEDS):
        e = np.random.default_rng([seed, N, 18]).standard_normal((3, N))
        a, b = np.exp(0.2 + 0.5 * e[0] + e[2]), np.exp(0.5 * e[1] + e[2])
        p, se = prob_greater(a, b)
        z[seed] = (p - truth) / se
    bad = calibration_errors(z, ["P(A > B)"])
    assert not bad, bad


#: Overlap cases: (log scale, shift d in sds, sd of a shared factor, share of NaN draws).
OVERLAPS = {
    "normals d=1": (False, 1.0, 0.0, 0.0),
    "lognormals d=2, shared factor": (True, 2.0, 0.8, 0.0),
    "normals d=0.5, 5% invalid": (False, 0.5, 0.6, 0.05),
}


@pytest.mark.parametrize("case", list(OVERLAPS))
def test_overlap_mcse_is_calibrated_where_the_views_differ(case: str) -> None:
    # A = d + s Z1 + c S, B = s Z2 + c S, s^2 + c^2 = 1: OVL = 2 Phi(-d / 2) on any scale.
    # The estimator is biased by up to its resolution (most where the densities meet), so
    # the mean error is held to the mean resolution plus noise, not to 0.
    log, d, c, bad_share = OVERLAPS[case]
    seeds, n = 300, 4_000
    truth = float(2 * special.ndtr(-d / 2))
    err, se, res = np.empty(seeds), np.empty(seeds), np.empty(seeds)
    for seed in range(seeds):
        r = np.random.default_rng([seed, n, 19, int(10 * d)])
        e = r.standard_normal((3, n))
        s = math.sqrt(1 - c**2)
        a, b = d + s * e[0] + c * e[2], s * e[1] + c * e[2]
        a[r.random(n) < bad_share] = np.nan
        if log:
            a, b = np.exp(a), np.exp(b)
        ovl, res[seed], se[seed] = overlap_with_mcse(a, b, log=log)
        err[seed] = ovl - truth
    z = err / se
    sd, allowed = float(np.std(z, ddof=1)), K * se_of_sd(z)
    assert abs(sd - 1) <= allowed, f"sd(z) {sd:.3f}, allowed 1 ± {allowed:.3f}"
    noise = K * float(np.std(err, ddof=1)) / math.sqrt(seeds)
    assert abs(float(np.mean(err))) <= float(np.mean(res)) + noise


def test_overlap_mcse_overstates_the_noise_of_identical_distributions() -> None:
    # d = 0: every bin has about equal shares, the smaller of two noisy shares is less noisy
    # than either, and the estimate sits low by its resolution (the bound is attained here).
    seeds, n = 200, 4_000
    err, se, res = np.empty(seeds), np.empty(seeds), np.empty(seeds)
    for seed in range(seeds):
        e = np.random.default_rng([seed, n, 20]).standard_normal((2, n))
        ovl, res[seed], se[seed] = overlap_with_mcse(e[0], e[1])
        err[seed] = ovl - 1
    assert float(np.std(err / se, ddof=1)) < 1
    noise = K * float(np.std(err, ddof=1)) / math.sqrt(seeds)
    assert np.all(err < 0) and float(np.mean(-err)) <= float(np.mean(res)) + noise


def test_acceptance_rate_mcse_is_binomial_and_calibrated() -> None:
    # Candidates are independent draws: the share of them meeting a constraint is binomial.
    seeds, n = 400, 4_000
    p = np.array([0.03, 0.5, 0.97])
    z = np.empty((seeds, len(p)))
    for seed in range(seeds):
        u = np.random.default_rng([seed, n, 21]).random(n)
        share = np.array([np.count_nonzero(u < q) / n for q in p])
        z[seed] = (share - p) / binomial_mcse(share, n)
    bad = calibration_errors(z, [f"acceptance {q}" for q in p])
    assert not bad, bad
    assert list(binomial_mcse(np.array([0.0, 1.0]), n)) == [0.0, 0.0]


def _sd_z(family: str, n: int, seeds: int) -> np.ndarray:
    """(sd - truth) / mcse_sd of `summarize_draws` over `seeds` runs of `n` draws."""
    draw, dist = ({"normal": (lambda r, n: r.standard_normal(n), stats.norm())} | FAMILIES)[family]
    z = np.empty((seeds, 1))
    for seed in range(seeds):
        out = summarize_draws(draw(np.random.default_rng([seed, n, 23]), n), (0.9,))
        z[seed] = (out["sd"] - dist.std()) / out["mcse_sd"]
    return z


@pytest.mark.parametrize("family", ["normal", "gamma"])
def test_sd_mcse_is_calibrated_where_the_fourth_moment_settles(family: str) -> None:
    # Var(s) ~ (m4 - s^4) / (4 s^2 n). Gamma(2) (excess kurtosis 3) needs about 4,000 draws:
    # at 1,000 the sd's z sits 0.16 low (s and its MCSE both low together).
    bad = calibration_errors(_sd_z(family, 4_000, 1_000), [f"sd of {family}"])
    assert not bad, bad


def test_sd_mcse_understates_the_noise_of_a_heavy_tail() -> None:
    # Lognormal sigma 0.8 (excess kurtosis 32): the fourth moment, rarely seen in its tail,
    # comes out low, and with it the sd and its MCSE; at 1,000 draws sd(z) is 1.23 and
    # mean(z) -0.39, at 4,000 1.10 and -0.26 (benchmarks/calibrate_mcse.py: 1.09 and -0.22
    # at 4,000 over 2,000 seeds, 1.02 and -0.10 at 100,000 over 400). A known limit,
    # checked so that a fix is noticed.
    z = _sd_z("lognormal", 1_000, 1_000)[:, 0]
    assert float(np.std(z, ddof=1)) - 1 > K * se_of_sd(z)
    assert float(np.mean(z)) < -K / math.sqrt(len(z))


def test_sd_mcse_of_a_constant_is_zero_and_of_too_few_draws_nan() -> None:
    assert sd_mcse(0.0, 0.0, 10) == 0.0
    assert math.isnan(sd_mcse(math.nan, math.nan, 1))
    assert sd_mcse(2.0, 3 * 2.0**4, 100) == pytest.approx(math.sqrt(2 * 16 / (16 * 100)))
    assert float(summarize_draws(np.full(50, 3.0), (0.9,))["mcse_sd"]) == 0.0


def _orders(x: np.ndarray) -> list[np.ndarray]:
    return [np.argsort(row, kind="stable") for row in x]


def test_strongest_correlation_is_the_largest_absolute_spearman_rho() -> None:
    x = np.random.default_rng(24).standard_normal((3, 60))
    x[2] = -x[0] + 0.3 * x[2]  # the strongest pair, negatively correlated
    x[1] = np.exp(x[1])
    rho, mcse = strongest_correlation(_orders(x))
    theirs = stats.spearmanr(x, axis=1).statistic
    assert rho == pytest.approx(np.max(np.abs(theirs[np.triu_indices(3, 1)])), rel=1e-12)
    assert rho == pytest.approx(-theirs[0, 2], rel=1e-12)
    assert mcse == rank_correlation_mcse(*_orders(x[[0, 2]]))
    assert 0 < mcse < 0.1
    assert [math.isnan(v) for v in strongest_correlation(_orders(x[:1]))] == [True, True]
    # ties (broken by the sort order) and identical inputs: a correlation of 1, whose
    # influence function is 1 up to the ranks' discreteness, k (1 - k / (n + 1)) / (n (n + 1))
    # at rank k: an MCSE of about 0.9 / n^1.5, not the 1 / sqrt(n) of independent inputs
    tied = np.repeat(np.arange(20.0), 3)
    rho, mcse = strongest_correlation(_orders(np.stack([tied, tied])))
    assert rho == pytest.approx(1.0) and 0 < mcse < 1 / len(tied) ** 1.5


@pytest.mark.parametrize("n", [50, SUBSAMPLE, SUBSAMPLE + 1, 3 * SUBSAMPLE + 7])
def test_the_mcse_from_sort_orders_is_that_from_the_ranks_bit_for_bit(n: int) -> None:
    """The first draws' order among themselves, read off the whole order, is their sort.

    With ties broken by position, below, at and beyond `SUBSAMPLE` draws.
    """
    rng = np.random.default_rng([n, 27])
    x = np.round(rng.standard_normal((2, n)), 1)  # many ties
    x[1] += 0.5 * x[0]
    orders = _orders(x)
    ranks = np.empty((2, n))
    for row, order in zip(ranks, orders, strict=True):
        row[order] = np.arange(n)
    by_ranks = 12 * float(np.std(rank_influence(ranks[0], ranks[1]), ddof=1)) / math.sqrt(n)
    assert rank_correlation_mcse(*orders) == by_ranks


#: Pearson r of the Gaussian copula joining a lognormal (sigma 0.8) and a normal.
COPULAS = (0.0, 0.3, 0.7, 0.95)


def test_rank_correlation_mcse_is_calibrated() -> None:
    # Spearman's rho of a Gaussian copula is (6 / pi) asin(r / 2); the function gives |rho|,
    # so z takes its sign back (at r = 0 the absolute value would fold the error).
    seeds, n = 1_000, 1_000
    truth = np.array([6 / math.pi * math.asin(r / 2) for r in COPULAS])
    z = np.empty((seeds, len(COPULAS)))
    ranks = np.empty((2, n))
    for seed in range(seeds):
        e = np.random.default_rng([seed, n, 25]).standard_normal((2, n))
        for k, r in enumerate(COPULAS):
            orders = _orders(np.stack([np.exp(0.8 * e[0]), r * e[0] + math.sqrt(1 - r * r) * e[1]]))
            rho, mcse = strongest_correlation(orders)
            for row, order in zip(ranks, orders, strict=True):
                row[order] = np.arange(n)
            z[seed, k] = (math.copysign(rho, np.corrcoef(ranks)[0, 1]) - truth[k]) / mcse
    bad = calibration_errors(z, [f"Spearman rho, copula r={r}" for r in COPULAS])
    assert not bad, bad


@pytest.mark.parametrize("r", [0.0, 0.7, 0.95])
def test_rank_correlation_mcse_from_a_subsample_is_the_full_one(
        r: float, monkeypatch: pytest.MonkeyPatch) -> None:
    # Beyond SUBSAMPLE draws the influence values' sd comes from the first m = SUBSAMPLE of
    # n: relative to the sd of all n, off by about sqrt((kurtosis - 1) / 4 (1/m - 1/n))
    # (the first m are part of the n), the kurtosis that of the influence values.
    n = 8 * SUBSAMPLE
    e = np.random.default_rng([n, 26]).standard_normal((2, n))
    x = np.stack([e[0], r * e[0] + math.sqrt(1 - r * r) * e[1]])
    orders = _orders(x)
    sub = rank_correlation_mcse(*orders)
    monkeypatch.setattr(dependence, "SUBSAMPLE", n)
    full = rank_correlation_mcse(*orders)
    d = rank_influence(x[0], x[1])
    d = d - d.mean()
    kurtosis = float(np.mean(d**4) / np.mean(d**2) ** 2)
    allowed = K * math.sqrt((kurtosis - 1) / 4 * (1 / SUBSAMPLE - 1 / n))
    assert sub != full and abs(sub / full - 1) <= allowed, (sub / full - 1, allowed)


#: Sums of shares of independent inputs: (draw y and its inputs, true 1 - sum of shares).
#: X1 X2 with X1 ~ N(2, 1), X2 ~ N(1.5, 1): S1 = 2.25 / 7.25, S2 = 4 / 7.25 and the
#: interaction 1 / 7.25 (Var = m1^2 s2^2 + m2^2 s1^2 + s1^2 s2^2).
REMAINDERS = {
    "product of normals": (lambda z: (z[0] + 2) * (z[1] + 1.5), 2, 1 / 7.25),
    "sum of 8 normals": (lambda z: z.sum(axis=0), 8, 0.0),
}


@pytest.mark.parametrize("case", list(REMAINDERS))
def test_remainder_mcse_is_calibrated(case: str) -> None:
    # The shares come from the same draws, so their errors are correlated: the remainder's
    # error is that of the sum of their influence values (with 8 inputs, the finite-group
    # terms of every pair count too).
    output, inputs, truth = REMAINDERS[case]
    seeds, n = 400, 4_000
    z = np.empty((seeds, 1))
    for seed in range(seeds):
        x = np.random.default_rng([seed, n, 22, inputs]).standard_normal((inputs, n))
        y = output(x)
        found = [first_order(y, xk, terms=True) for xk in x]
        remainder = 1 - sum(r.share for r in found)
        z[seed] = (remainder - truth) / sum_se(y, [r.terms for r in found])
    bad = calibration_errors(z, [f"remainder, {case}"])
    assert not bad, bad
