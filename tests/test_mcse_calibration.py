"""The reported MCSEs not checked elsewhere are calibrated: (estimate - truth) / MCSE has sd 1.

Correctness against closed-form truth (STYLE.md), over many seeds: the mean's sd / sqrt(n),
the ETI ends' order-statistic error on skewed families, the binomial error of P(X >= t),
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

from uncertainty.sampling.acceptance import binomial_mcse
from uncertainty.stats.array import summarize_draws
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
