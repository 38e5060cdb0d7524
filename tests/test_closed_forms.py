"""Correctness of the whole pipeline against closed forms, within Monte Carlo error."""

from __future__ import annotations

import math

import numpy as np
from mc import K, assert_mean, assert_probability, assert_quantile, rank_window
from model_builders import run_toml
from scipy import special, stats

Z90 = special.ndtri(0.95)
N = 400_000


def test_ratio_of_lognormal_estimates_is_lognormal() -> None:
    run = run_toml(
        """
        [run]
        seed = 11
        [sources.a]
        estimates.ua.kia = 8_000
        estimates.ru.kia = { value = 112_500, ci90 = [60_000, 210_937.5] }
        [metrics]
        ratio = "ru.kia / ua.kia"
        """,
        draws=N,
    )
    # ru.kia: 60_000 = 112_500 / 1.875 and 210_937.5 = 112_500 * 1.875 -> symmetric lognormal
    sigma = math.hypot(math.log(1.5) / Z90, math.log(1.875) / Z90)
    truth = stats.lognorm(s=sigma, scale=112_500 / 8_000)
    draws = run.draws["ratio"].sel(view="a").values
    assert_quantile(draws, 0.5, truth.median())
    for level in (0.5, 0.9, 0.95):
        for p in ((1 - level) / 2, (1 + level) / 2):
            assert_quantile(draws, p, truth.ppf(p))
    # the summary reports exactly the sample quantiles of those draws
    eti = run.summary["eti"].sel(variable="ratio", view="a", level=0.9).values
    np.testing.assert_allclose(eti, np.quantile(draws, [0.05, 0.95], method="median_unbiased"),
                               rtol=1e-14)


def test_split_lognormal_draws_follow_its_quantiles() -> None:
    run = run_toml(
        """
        [run]
        seed = 12
        [sources.a]
        estimates.x = { value = 12_000, ci90 = [10_000, 20_000] }
        """,
        draws=N,
    )
    draws = run.draws["x"].sel(view="a").values
    for p, truth in ((0.05, 10_000), (0.5, 12_000), (0.95, 20_000)):
        assert_quantile(draws, p, truth)
    # inside each half the log is normal with that half's sigma
    sigma_hi = math.log(20_000 / 12_000) / Z90
    assert_quantile(draws, 0.8, 12_000 * math.exp(sigma_hi * special.ndtri(0.8)))


def test_sum_of_normals_is_normal() -> None:
    run = run_toml(
        """
        [run]
        seed = 13
        [sources.a]
        estimates.x = { dist = "normal", mean = 10, sd = 3 }
        estimates.y = { dist = "normal", mean = -4, sd = 4 }
        [metrics]
        total = "x + y"
        """,
        draws=N,
    )
    draws = run.draws["total"].sel(view="a").values
    truth = stats.norm(loc=6, scale=5)
    assert_mean(draws, 6.0)
    for p in (0.025, 0.25, 0.5, 0.75, 0.975):
        assert_quantile(draws, p, truth.ppf(p))


def test_linear_pool_is_the_weighted_mixture() -> None:
    run = run_toml(
        """
        [run]
        seed = 14
        [sources.low]
        weight = 3
        estimates.x = { dist = "normal", mean = 0, sd = 1 }
        [sources.high]
        estimates.x = { dist = "normal", mean = 5, sd = 1 }
        """,
        draws=N,
    )
    draws = run.draws["x"].sel(view="pooled").values
    for t in (-1.0, 0.5, 2.5, 4.0, 6.0):
        truth = 0.75 * stats.norm.cdf(t) + 0.25 * stats.norm.cdf(t - 5)
        assert_probability(int(np.count_nonzero(draws <= t)), N, truth)


def test_hdi_of_an_exponential() -> None:
    # HDI of Exp(rate) at level p is [0, -ln(1 - p) / rate]: the density decreases from 0.
    rate = 0.5
    run = run_toml(
        """
        [run]
        seed = 15
        levels = [0.5, 0.9]
        [sources.a]
        estimates.u = { dist = "uniform", low = 0, high = 1 }
        [metrics]
        wait = "-log(1 - u) / 0.5"
        """,
        draws=N,
    )
    draws = run.draws["wait"].sel(view="a").values
    s = np.sort(draws)
    for level in (0.5, 0.9):
        lo, hi = run.summary["hdi"].sel(variable="wait", view="a", level=level).values
        # The true mass below the estimated lower end (truth: 0) is within the Monte Carlo
        # error of the interval's content, k * sqrt(level (1 - level) / n)...
        mass_below = 1 - math.exp(-rate * lo)
        assert 0 <= mass_below <= K * math.sqrt(level * (1 - level) / N)
        # ...and the upper end lies in the rank window of the level-quantile, with the truth.
        truth = -math.log(1 - level) / rate
        r_lo, r_hi = rank_window(N, level)
        assert s[r_lo] <= hi <= s[r_hi]
        assert s[r_lo] <= truth <= s[r_hi]


def test_invalid_draws_are_counted_not_hidden() -> None:
    run = run_toml(
        """
        [run]
        seed = 16
        [sources.a]
        estimates.x = { dist = "normal", mean = 0, sd = 1 }
        [metrics]
        logx = "log(x)"
        inv = "1 / (x - x)"
        """,
        draws=N,
    )
    s = run.summary
    invalid = int(s["invalid"].sel(variable="logx", view="a"))
    assert_probability(invalid, N, 0.5)
    assert int(s["valid"].sel(variable="logx", view="a")) + invalid == N
    # the median of log(x) over valid draws: log of the median of |x| for x > 0
    assert_quantile(run.draws["logx"].sel(view="a").values, 0.5, math.log(special.ndtri(0.75)))
    assert int(s["invalid"].sel(variable="inv", view="a")) == N
    assert math.isnan(float(s["median"].sel(variable="inv", view="a")))
