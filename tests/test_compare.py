"""Comparing views: closed forms within Monte Carlo error, edge-case tables, Dataset shapes."""

from __future__ import annotations

import math
from typing import Any
from unittest import mock

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from mc import K
from model_builders import run_toml
from numpy.typing import NDArray
from scipy import special, stats

from uncertainty.stats import (
    describe_percentile,
    exceedance,
    interval_overlap,
    overlap_coefficient,
    overlap_with_mcse,
    percentile_of,
    prob_greater,
)
from uncertainty.stats.array import all_positive, all_positive_rows
from uncertainty.summary import claim_percentiles, compare_views, thresholds_table

N = 200_000
FloatArray = NDArray[np.float64]


def assert_share(estimate: float, truth: float, n: int, k: float = K) -> None:
    """|estimate - truth| <= k binomial standard errors at the true share."""
    se = math.sqrt(truth * (1 - truth) / n)
    assert abs(estimate - truth) <= k * se, f"{estimate!r} vs {truth!r} (se {se:.3g})"


# --- P(A > B) ------------------------------------------------------------------------------


def test_prob_greater_of_independent_lognormals() -> None:
    # log A - log B ~ N(mu_a - mu_b, sa^2 + sb^2), and A > B exactly when log A > log B.
    rng = np.random.default_rng(1)
    mu_a, sa, mu_b, sb = 0.3, 0.8, 0.0, 0.5
    a, b = rng.lognormal(mu_a, sa, N), rng.lognormal(mu_b, sb, N)
    truth = float(special.ndtr((mu_a - mu_b) / math.hypot(sa, sb)))
    p, se = prob_greater(a, b)
    assert abs(p - truth) <= K * se, (p, truth, se)
    # continuous draws never tie, so the error is the binomial one
    assert se == pytest.approx(math.sqrt(p * (1 - p) / N), rel=1e-12)


def test_prob_greater_pairs_the_draws_of_correlated_normals() -> None:
    rng = np.random.default_rng(2)
    mu_a, sa, mu_b, sb, r = 0.2, 1.0, 0.0, 1.5, 0.8
    z1, z2 = rng.standard_normal(N), rng.standard_normal(N)
    a = mu_a + sa * z1
    b = mu_b + sb * (r * z1 + math.sqrt(1 - r**2) * z2)
    paired = float(special.ndtr((mu_a - mu_b) / math.sqrt(sa**2 + sb**2 - 2 * r * sa * sb)))
    independent = float(special.ndtr((mu_a - mu_b) / math.hypot(sa, sb)))
    p, se = prob_greater(a, b)
    assert abs(p - paired) <= K * se
    # the two answers differ by ~40 standard errors: comparing unpaired draws would fail
    assert abs(p - independent) > K * se


def test_prob_greater_ties_count_half_and_shrink_the_error() -> None:
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 1.0, 4.0])
    p, se = prob_greater(a, b)
    assert p == 0.5  # one win, one tie, one loss
    # pair scores 0.5, 1, 0: variance 1/3 + 1/12 - 1/4 = 1/6, below p (1 - p) = 1/4
    assert se == pytest.approx(math.sqrt(1 / 6 / 3), rel=1e-12)
    x = np.random.default_rng(3).standard_normal(100)
    assert prob_greater(x, x) == (0.5, 0.0)


def test_prob_greater_leaves_out_pairs_with_an_invalid_value() -> None:
    a = np.array([1.0, np.nan, 3.0, np.inf, 5.0])
    b = np.array([0.0, 0.0, np.nan, 0.0, 6.0])
    assert prob_greater(a, b)[0] == 0.5  # pairs 0 and 4 only
    p, se = prob_greater(np.array([np.nan]), np.array([1.0]))
    assert math.isnan(p) and math.isnan(se)


def test_prob_greater_refuses_unpaired_arrays() -> None:
    with pytest.raises(ValueError) as info:
        prob_greater(np.zeros(3), np.zeros(4))
    assert str(info.value) == "paired draws need two 1-D arrays of one length, got (3,) and (4,)"


@given(a=arrays(np.float64, 20, elements=st.integers(0, 3).map(float)),
       b=arrays(np.float64, 20, elements=st.integers(0, 3).map(float)))
def test_prob_greater_is_complementary(a: FloatArray, b: FloatArray) -> None:
    p, se = prob_greater(a, b)
    q, se_q = prob_greater(b, a)
    assert p + q == pytest.approx(1.0, abs=1e-12)
    assert se == pytest.approx(se_q, abs=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["continuous", "ties"])
def test_prob_greater_mcse_is_calibrated(case: str) -> None:
    """z = (p̂ - p) / mcse over 400 seeds has sd 1 (a sample sd of m values: se 1/sqrt(2m)).

    The "ties" case (coin flips: half the pairs tie) has variance 1/8 per pair where the
    binomial formula says 1/4, so a tie-blind error would give sd 0.71 and fail.
    """
    seeds, n = 400, 2_000
    z = []
    for seed in range(seeds):
        rng = np.random.default_rng(20_000 + seed)
        if case == "continuous":
            a, b, truth = rng.normal(0.3, 1, n), rng.normal(0, 1, n), special.ndtr(0.3 / 2**0.5)
        else:
            a, b, truth = rng.integers(0, 2, n) * 1.0, rng.integers(0, 2, n) * 1.0, 0.5
        p, se = prob_greater(a, b)
        z.append((p - truth) / se)
    sd = float(np.std(z, ddof=1))
    assert abs(sd - 1) <= K / math.sqrt(2 * seeds), f"sd of z-scores {sd:.3f}"


# --- exceedance and percentiles ----------------------------------------------------------


@pytest.mark.parametrize("t", [-2.0, 0.5, 3.0, 6.0])
def test_exceedance_of_a_normal(t: float) -> None:
    x = np.random.default_rng(4).normal(1.0, 2.0, N)
    p, se = exceedance(x, t)
    assert_share(p, float(special.ndtr(-(t - 1.0) / 2.0)), N)
    assert se == pytest.approx(math.sqrt(p * (1 - p) / N), rel=1e-12)


@pytest.mark.parametrize("value", [0.5, 1.0, 2.0, 5.0])
def test_percentile_of_matches_the_lognormal_cdf(value: float) -> None:
    x = np.random.default_rng(5).lognormal(0.5, 0.7, N)
    q, se = percentile_of(x, value)
    assert_share(q, float(stats.lognorm(s=0.7, scale=math.exp(0.5)).cdf(value)), N)
    assert se == pytest.approx(math.sqrt(q * (1 - q) / N), rel=1e-12)


@given(x=arrays(np.float64, st.integers(1, 300),
                elements=st.sampled_from([-np.inf, -2.0, 0.0, 1.0, 1.5, 2.0, np.inf, np.nan])
                | st.floats(-5, 5)),
       values=st.lists(st.sampled_from([-np.inf, 0.0, 1.5, 2.0, np.inf, np.nan])
                       | st.floats(-5, 5), min_size=1, max_size=4))
def test_counted_percentiles_are_the_ranks_in_the_sorted_draws(x: NDArray[np.float64],
                                                               values: list[float]) -> None:
    # The definition: ranks among the sorted valid draws, ties counting half.
    s = np.sort(x[np.isfinite(x)])
    for v in values:
        q, _ = percentile_of(x, v)
        p, _ = exceedance(x, v)
        if math.isnan(v) or not len(s):
            assert math.isnan(q) and math.isnan(p)
            continue
        lo, hi = np.searchsorted(s, v, "left"), np.searchsorted(s, v, "right")
        assert q == (lo + (hi - lo) / 2) / len(s)
        assert p == (len(s) - lo) / len(s)


def test_all_positive_ignores_nan_and_infinities_but_needs_a_finite_value() -> None:
    assert all_positive(np.array([1.0, np.nan, np.inf, 3.0]))
    assert all_positive(np.array([[2.0, -np.inf], [np.nan, 1e-300]]))  # -inf is invalid
    assert not all_positive(np.array([1.0, 0.0]))
    assert not all_positive(np.array([-np.inf, -1.0, 5.0]))  # a finite value below 0
    assert not all_positive(np.array([np.nan, np.inf, -np.inf]))  # nothing finite
    assert not all_positive(np.array([]))


@pytest.mark.parametrize("rows", [
    [[1.0, np.nan], [np.inf, 3.0]], [[np.nan], [2.0, -np.inf]], [[np.nan, np.inf], [-np.inf]],
    [[1.0], [0.0]], [[-np.inf, 5.0], [-1.0]], [[], [2.0]], [[], []], [[np.nan], [np.nan]],
])
def test_all_positive_rows_is_all_positive_of_the_rows_joined(rows: list[list[float]]) -> None:
    arrays = [np.array(r, dtype=np.float64) for r in rows]
    assert all_positive_rows(arrays) == all_positive(np.concatenate(arrays))


def test_exceedance_and_percentile_on_ties_and_invalid_draws() -> None:
    x = np.array([1.0, 2.0, 2.0, 3.0, np.nan, -np.inf])
    assert exceedance(x, 2.0)[0] == 0.75  # at or above: both 2s count
    assert percentile_of(x, 2.0)[0] == 0.5  # one below, two ties counting half
    assert percentile_of(x, 0.0) == (0.0, 0.0)
    assert percentile_of(x, 9.0) == (1.0, 0.0)
    assert percentile_of(np.full(5, 2.0), 2.0) == (0.5, 0.0)  # all tie: no randomness left
    for value in (np.nan,):
        assert all(math.isnan(v) for v in (*exceedance(x, value), *percentile_of(x, value)))
    assert all(math.isnan(v) for v in (*exceedance(np.array([np.nan]), 0.0),
                                       *percentile_of(np.array([]), 0.0)))


@given(x=arrays(np.float64, st.integers(1, 30), elements=st.integers(-3, 3).map(float)),
       t=st.integers(-4, 4).map(float))
def test_exceedance_and_percentile_add_up(x: FloatArray, t: float) -> None:
    # P(X >= t) = 1 - P(X < t) = 1 - (q - P(X = t) / 2)
    ties = np.count_nonzero(x == t) / len(x)
    assert exceedance(x, t)[0] == pytest.approx(1 - percentile_of(x, t)[0] + ties / 2,
                                                abs=1e-12)


@pytest.mark.parametrize(("q", "text"), [
    (math.nan, "undefined (no valid draws)"),
    (0.0, "below every draw"),
    (0.004, "below the 1st percentile"),
    (0.01, "at the 1st percentile"),
    (0.02, "at the 2nd percentile"),
    (0.03, "at the 3rd percentile"),
    (0.11, "at the 11th percentile"),
    (0.12, "at the 12th percentile"),
    (0.13, "at the 13th percentile"),
    (0.21, "at the 21st percentile"),
    (0.29, "at the 29th percentile"),
    (0.372, "at the 37th percentile"),
    (0.125, "at the 13th percentile"),  # half up, not to even
    (0.99, "at the 99th percentile"),
    (0.995, "above the 99th percentile"),
    (1.0, "above every draw"),
])
def test_describe_percentile_table(q: float, text: str) -> None:
    assert describe_percentile(q) == text


# --- interval overlap --------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "length", "share", "overlaps"), [
    ((0, 1), (2, 3), 0, 0, False),          # disjoint
    ((0, 1), (1, 2), 0, 0, True),           # touching
    ((0, 10), (2, 3), 1, 1, True),          # one inside the other
    ((0, 2), (1, 4), 1, 0.5, True),         # partial: half the shorter one
    ((0, 2), (1, 1), 0, 1, True),           # zero-width, inside
    ((0, 2), (2, 2), 0, 1, True),           # zero-width, on an end
    ((0, 2), (3, 3), 0, 0, False),          # zero-width, outside
    ((1, 1), (1, 1), 0, 1, True),           # both zero-width at one point
    ((1, 1), (2, 2), 0, 0, False),          # two different points
])
def test_interval_overlap_table(a: tuple[float, float], b: tuple[float, float], length: float,
                                share: float, overlaps: bool) -> None:
    expected = {"length": length, "share": share, "overlaps": overlaps}
    assert interval_overlap(a, b) == expected
    assert interval_overlap(b, a) == expected


def test_interval_overlap_nan_and_reversed_ends() -> None:
    out = interval_overlap((math.nan, 1.0), (0.0, 2.0))
    assert math.isnan(out["length"]) and math.isnan(out["share"]) and not out["overlaps"]
    with pytest.raises(ValueError) as info:
        interval_overlap((2.0, 1.0), (0.0, 3.0))
    assert str(info.value) == "an interval's lower end must not exceed its upper end"


# --- overlap coefficient -----------------------------------------------------------------

OVL_SEEDS = range(100, 120)
#: Student-t critical value for a mean over len(OVL_SEEDS) seeds with its sd estimated from
#: them, at the same false-failure probability as K standard errors of a known sd.
T_OVL = float(stats.t.ppf(special.ndtr(K), len(OVL_SEEDS) - 1))


def normal_pair_ovl(mu: float, sigma: float, *, log: bool) -> tuple[float, float, float, float]:
    """OVL estimates for X ~ N(0, σ), Y ~ N(μ, σ) (their exponentials when `log`), and error budget.

    Returns ``(error, noise, binning, shortfall)``: the mean estimate over `OVL_SEEDS` minus
    the truth ``2 Φ(-|μ| / 2σ)``, and the three parts of its budget, measured as follows.

    * ``noise``: random error of the mean, ``T_OVL · sd / sqrt(m)`` with sd the spread of
      the m = 20 estimates.
    * ``binning`` (bias upwards): the binned OVL ``Σ min(P_i, Q_i)`` exceeds ``∫ min(f, g)``
      only in the bin holding the crossing c = μ/2, by at most ``|f'(c) - g'(c)| h² / 8`` (f
      - g is linear across the bin to first order), with ``|f'(c) - g'(c)| = (μ / σ²) f(c)``
      and h the largest bin width used, from the documented Freedman-Diaconis rule.
    * ``shortfall`` (bias downwards): ``E min(p̂, q̂) < min(P, Q)`` in bins where the two
      densities are within noise of each other (near c, and in the far tails). Computed
      exactly per bin from the true bin masses, with ``p̂ - q̂`` normal (folded-normal mean),
      on the same grid.

    The estimator's expectation therefore lies in ``[truth - shortfall, truth + binning]``,
    and the mean over seeds within ``noise`` of it.
    """
    estimates, widths, shortfalls = [], [], []
    for seed in OVL_SEEDS:
        rng = np.random.default_rng(seed)
        x, y = rng.normal(0.0, sigma, N), rng.normal(mu, sigma, N)
        estimates.append(overlap_coefficient(*((np.exp(x), np.exp(y)) if log else (x, y)),
                                             log=log)[0])
        pooled = np.concatenate([x, y])
        q25, q75 = np.quantile(pooled, [0.25, 0.75])
        bins = math.ceil((pooled.max() - pooled.min()) * len(pooled) ** (1 / 3)
                         / (2 * (q75 - q25)))
        edges = np.linspace(pooled.min(), pooled.max(), bins + 1)
        p = np.diff(stats.norm.cdf(edges, 0.0, sigma))
        q = np.diff(stats.norm.cdf(edges, mu, sigma))
        sd = np.sqrt(p * (1 - p) / N + q * (1 - q) / N)
        m = p - q
        e_abs = sd * np.sqrt(2 / np.pi) * np.exp(-(m**2) / (2 * sd**2)) + m * (
            1 - 2 * special.ndtr(-m / sd))
        shortfalls.append(float(np.sum(np.minimum(p, q) - ((p + q) / 2 - e_abs / 2))))
        widths.append(float(edges[1] - edges[0]))
    truth = 2 * float(special.ndtr(-abs(mu) / (2 * sigma)))
    slope = abs(mu) / sigma**2 * float(stats.norm.pdf(mu / 2, 0.0, sigma))
    noise = T_OVL * float(np.std(estimates, ddof=1)) / math.sqrt(len(estimates))
    return (float(np.mean(estimates)) - truth, noise, slope * max(widths) ** 2 / 8,
            max(shortfalls))


@pytest.mark.parametrize("d", [0.5, 1.0, 2.0])
def test_ovl_of_two_normals(d: float) -> None:
    error, noise, binning, shortfall = normal_pair_ovl(d, 1.0, log=False)
    # at N = 200,000: noise ~0.002, binning <= 2e-4, shortfall <= 3e-4 (a d/2 -> d slip is 0.2)
    assert -shortfall - noise <= error <= binning + noise, (error, noise, binning, shortfall)


@pytest.mark.parametrize("d", [0.5, 1.0, 2.0])
def test_ovl_of_two_lognormals_on_a_log_grid(d: float) -> None:
    # log-means 0 and 0.7 d, log-sd 0.7: OVL = 2 Φ(-d/2) again, as OVL is scale-free
    error, noise, binning, shortfall = normal_pair_ovl(0.7 * d, 0.7, log=True)
    assert -shortfall - noise <= error <= binning + noise, (error, noise, binning, shortfall)


def test_ovl_of_a_sample_with_itself_is_exactly_one() -> None:
    x = np.random.default_rng(6).standard_normal(N)
    assert overlap_coefficient(x, x) == (1.0, 0.0)
    # a reordering is not recognised as the same draws, but the counts are equal bin by bin
    assert overlap_coefficient(x, np.random.default_rng(7).permutation(x))[0] == 1.0
    x[::7] = np.nan
    assert overlap_coefficient(x, x.copy()) == (1.0, 0.0)


def test_ovl_of_one_distribution_falls_short_by_its_resolution() -> None:
    """Two samples of N(0, 1): the estimate falls short of 1 by the noise bias.

    The returned resolution bounds that shortfall, and is attained when the densities are
    equal (as documented): so the mean shortfall over seeds equals the mean resolution within
    the noise of the mean (``T_OVL`` sds of the mean, sd from the spread over seeds).
    """
    shortfall, resolution = [], []
    for seed in OVL_SEEDS:
        rng = np.random.default_rng(seed)
        ovl, res = overlap_coefficient(rng.standard_normal(N), rng.standard_normal(N))
        shortfall.append(1 - ovl)
        resolution.append(res)
    sd = float(np.std(shortfall, ddof=1))
    # single seed: 1 - ovl within resolution + noise (the brief's "≈ 1")
    assert 0 < shortfall[0] <= resolution[0] + K * sd
    gap = float(np.mean(shortfall) - np.mean(resolution))
    assert abs(gap) <= T_OVL * sd / math.sqrt(len(shortfall)), (gap, sd)


def test_ovl_of_far_apart_samples_is_zero() -> None:
    rng = np.random.default_rng(8)
    assert overlap_coefficient(rng.normal(0, 1, N), rng.normal(50, 1, N)) == (0.0, 0.0)
    assert overlap_coefficient(rng.uniform(0, 1, 1000), rng.uniform(2, 3, 1000))[0] == 0.0


def test_ovl_heavy_tails_stay_within_the_resolution() -> None:
    """Log-sd 3 on a linear grid: the grid is trimmed to central quantiles (MAX_BINS).

    The error against the truth 2 Φ(-1/2) is dominated by the bias the resolution bounds; the
    random part is at most sqrt(2 / 4N) (the estimate is about a sum of two shares, each
    with sd at most sqrt(1 / 4N)), taken K times. On a log grid the same pair is two normals,
    and the error is far smaller.
    """
    rng = np.random.default_rng(9)
    a, b = rng.lognormal(0, 3, N), rng.lognormal(3, 3, N)
    truth, noise = 2 * special.ndtr(-0.5), K * math.sqrt(2 / (4 * N))
    ovl, res = overlap_coefficient(a, b)
    assert abs(ovl - truth) <= res + noise
    ovl_log, res_log = overlap_coefficient(a, b, log=True)
    assert abs(ovl_log - truth) <= res_log + noise < abs(ovl - truth)


@given(a=arrays(np.float64, st.integers(1, 50), elements=st.floats(-10, 10)),
       b=arrays(np.float64, st.integers(1, 50), elements=st.floats(-10, 10)))
def test_ovl_is_a_symmetric_share(a: FloatArray, b: FloatArray) -> None:
    ovl, res = overlap_coefficient(a, b)
    assert 0 <= ovl <= 1 and res >= 0
    assert overlap_coefficient(b, a) == (ovl, res)
    assert overlap_coefficient(a, a) == (1.0, 0.0)


def test_ovl_errors_and_empty_samples() -> None:
    with pytest.raises(ValueError) as info:
        overlap_coefficient(np.array([1.0, 0.0, -2.0]), np.array([1.0]), log=True)
    assert str(info.value) == "overlap on a log scale needs positive draws: a has 2 draws <= 0"
    with pytest.raises(ValueError) as info:
        overlap_coefficient(np.ones(3), np.ones(3), bins=0)
    assert str(info.value) == "bins must be at least 1, got 0"
    assert all(math.isnan(v) for v in overlap_coefficient(np.array([np.nan]), np.ones(3)))


# --- Dataset layer -----------------------------------------------------------------------


def make_draws(n: int = 4_000, keys: bool = True) -> xr.Dataset:
    """Views a, b, c, d; d's rows are a's (equal ``view_sources`` keys); c is all invalid in r."""
    rng = np.random.default_rng(10)
    x = np.stack([rng.normal(0, 1, n), rng.normal(0.5, 2, n), rng.normal(3, 1, n)])
    r = np.stack([rng.lognormal(0, 1, n), rng.lognormal(1, 0.5, n), np.full(n, np.nan)])
    rows = [0, 1, 2, 0]
    attrs_x = {"view_sources": ["a", "b", "c", "a"]} if keys else {}
    attrs_r = {"view_sources": ["ra", "rb", "rc", "ra"]} if keys else {}
    return xr.Dataset(
        {"x": (("view", "draw"), x[rows], attrs_x), "r": (("view", "draw"), r[rows], attrs_r)},
        coords={"view": ["a", "b", "c", "d"], "view_label": ("view", ["A", "B", "C", "D"])},
        attrs={"seed": 1},
    )


def test_compare_views_shapes_and_values() -> None:
    draws = make_draws()
    out = compare_views(draws, ["x", "r"], [0.5, 0.9], log={"r": True})
    assert dict(out.sizes) == {"variable": 2, "view": 4, "other": 4, "level": 2}
    assert out["prob_greater"].dims == ("variable", "view", "other")
    assert out["eti_overlap"].dims == ("variable", "view", "other", "level")
    assert list(out["other"].values) == ["a", "b", "c", "d"]
    assert list(out["log"].values) == [False, True]
    assert list(out["view_label"].values) == ["A", "B", "C", "D"]
    assert out.attrs == {"seed": 1}
    x, r = draws["x"].values, draws["r"].values
    sel = {"variable": "x", "view": "a", "other": "b"}
    p, se = prob_greater(x[0], x[1])
    assert float(out["prob_greater"].sel(sel)) == p
    assert float(out["prob_greater_mcse"].sel(sel)) == se
    assert float(out["prob_greater"].sel(variable="x", view="b", other="a")) == 1 - p
    ovl, res = overlap_coefficient(x[0], x[1])
    assert float(out["overlap"].sel(sel)) == ovl
    assert float(out["ovl_resolution"].sel(sel)) == res
    assert float(out["overlap"].sel(variable="r", view="a", other="b")) == (
        overlap_coefficient(r[0], r[1], log=True)[0])
    # a (N(0, 1)) and c (N(3, 1)) overlap partly at both levels: 90% intervals share ~0.1
    for level in (0.5, 0.9):
        tails = [(1 - level) / 2, (1 + level) / 2]
        share = interval_overlap(tuple(np.quantile(x[0], tails, method="median_unbiased")),
                                 tuple(np.quantile(x[2], tails, method="median_unbiased")))["share"]
        assert float(out["eti_overlap"].sel(variable="x", view="a", other="c", level=level)) == (
            pytest.approx(share, rel=1e-12))
    assert 0 < float(out["eti_overlap"].sel(variable="x", view="a", other="c", level=0.9)) < 1


def test_compare_views_identical_and_invalid_rows() -> None:
    out = compare_views(make_draws(), ["x", "r"], [0.9], log={"r": True})
    for var in ("x", "r"):
        for view, other in (("a", "d"), ("d", "a"), ("b", "b")):
            cell = out.sel(variable=var, view=view, other=other)
            assert [float(cell[k]) for k in ("prob_greater", "prob_greater_mcse", "overlap",
                                             "ovl_resolution")] == [0.5, 0.0, 1.0, 0.0]
            assert float(cell["eti_overlap"].squeeze()) == 1.0
        # d is a copy of a, so it compares with b exactly as a does
        xr.testing.assert_identical(out.sel(variable=var, view="a", other="b").drop_vars(
            ["view", "view_label"]), out.sel(variable=var, view="d", other="b").drop_vars(
            ["view", "view_label"]))
    # c has no valid draw of r: everything involving it is NaN
    assert bool(out.sel(variable="r", view="c").to_array().isnull().all())
    assert bool(out.sel(variable="r", other="c").to_array().isnull().all())


def test_compare_views_without_keys_finds_identical_rows_itself() -> None:
    with_keys = compare_views(make_draws(), ["x", "r"], [0.5], log={"r": True})
    without = compare_views(make_draws(keys=False), ["x", "r"], [0.5], log={"r": True})
    xr.testing.assert_identical(with_keys, without)


def test_thresholds_table() -> None:
    draws = make_draws()
    out = thresholds_table(draws, "x", [-1.0, 0.0, 2.5])
    assert out["prob"].dims == ("view", "threshold")
    assert list(out["threshold"].values) == [-1.0, 0.0, 2.5]
    for i, view in enumerate("abcd"):
        for t in (-1.0, 0.0, 2.5):
            p, se = exceedance(draws["x"].values[i], t)
            assert float(out["prob"].sel(view=view, threshold=t)) == p
            assert float(out["mcse"].sel(view=view, threshold=t)) == se


def test_claim_percentiles() -> None:
    draws = make_draws()
    claims = {"low": 0.2, "official": 1.0, "high": 40.0}
    out = claim_percentiles(draws, "r", claims)
    assert out["percentile"].dims == ("claim", "view")
    assert list(out["claim"].values) == ["low", "official", "high"]
    assert list(out["value"].values) == [0.2, 1.0, 40.0]
    for name, value in claims.items():
        for i, view in enumerate("abcd"):
            q, se = percentile_of(draws["r"].values[i], value)
            cell = out.sel(claim=name, view=view)
            np.testing.assert_equal([float(cell["percentile"]), float(cell["mcse"])], [q, se])
            assert str(cell["reading"].values) == describe_percentile(q)
    assert str(out["reading"].sel(claim="low", view="c").values) == "undefined (no valid draws)"


@given(a=arrays(np.float64, st.integers(0, 20), elements=st.floats(width=64)),
       b=arrays(np.float64, st.integers(0, 20), elements=st.floats(width=64)))
def test_ovl_survives_any_floats(a: FloatArray, b: FloatArray) -> None:
    # subnormal ranges, draws near the float limit, NaN and inf: a share or NaN, no warning
    ovl, res = overlap_coefficient(a, b)
    if np.isfinite(a).any() and np.isfinite(b).any():
        assert 0 <= ovl <= 1 and res >= 0
    else:
        assert math.isnan(ovl) and math.isnan(res)


@given(ends=st.lists(st.floats(-5, 5), min_size=4, max_size=4))
def test_interval_overlap_is_a_symmetric_share(ends: list[float]) -> None:
    a, b = (min(ends[:2]), max(ends[:2])), (min(ends[2:]), max(ends[2:]))
    out = interval_overlap(a, b)
    assert out == interval_overlap(b, a)
    assert 0 <= out["share"] <= 1
    assert out["overlaps"] == (max(a[0], b[0]) <= min(a[1], b[1]))


def test_compare_views_on_pipeline_draws_pairs_shared_inputs() -> None:
    """On a real run, views share y's stream (only source a estimates it): r = x / y with
    the same y in every pair orders the views exactly as x does, so P(r_a > r_b) equals
    P(x_a > x_b) to the last bit, while r's marginal overlap is wider than x's."""
    run = run_toml(
        """
        [run]
        seed = 3
        [sources.a]
        estimates.x = { value = 100, ci90 = [80, 130] }
        estimates.y = 5
        [sources.b]
        estimates.x = { value = 120, ci90 = [90, 150] }
        [metrics]
        r = "x / y"
        """,
        draws=20_000,
    )
    out = compare_views(run.draws, ["x", "r"], [0.9], log={"x": True, "r": True})
    pg = out["prob_greater"]
    np.testing.assert_array_equal(pg.sel(variable="r").values, pg.sel(variable="x").values)
    ovl = out["overlap"].sel(view="a", other="b")
    assert float(ovl.sel(variable="r")) > float(ovl.sel(variable="x"))


def test_overlap_mcse_is_the_sd_of_the_paired_indicators_and_zero_when_exact() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(5000), rng.standard_normal(5000) + 1
    ovl, res, se = overlap_with_mcse(a, b)
    assert (ovl, res) == overlap_coefficient(a, b)
    # Unpaired (different lengths): the two binomial variances added, about the same here.
    _, _, se_unpaired = overlap_with_mcse(a, b[:4999])
    assert 0.5 * se < se_unpaired < 2 * se and 0.005 < se < 0.02
    assert overlap_with_mcse(a, a) == (1.0, 0.0, 0.0)
    assert overlap_with_mcse(a, a + 100)[::2] == (0.0, 0.0)
    assert all(math.isnan(v) for v in overlap_with_mcse(np.array([np.nan]), a))


def _bin_by_definition(x: float, lo: float, hi: float, bins: int) -> int:
    """One draw's overlap bin as documented, computed on its own."""
    if not x <= hi:  # above the grid, or NaN
        return bins + 1
    if x < lo:
        return 0
    span = hi - lo
    if not span > 0:
        return 1
    rel = (x - lo) / span if math.isfinite(span) else (x / 2 - lo / 2) / (hi / 2 - lo / 2)
    return min(int(rel * bins), bins - 1) + 1


_EDGES = st.one_of(st.floats(-1e308, 1e308), st.sampled_from([-1.7e308, 0.0, 1.0, 1.7e308]))


@given(arrays(np.float64, st.integers(0, 40),
              elements=st.one_of(st.floats(allow_nan=True, allow_infinity=True), _EDGES)),
       _EDGES, _EDGES, st.integers(1, 400))
def test_each_draw_gets_its_documented_bin(x: np.ndarray, a: float, b: float,
                                           bins: int) -> None:
    from uncertainty.stats.pairwise import _bin_index

    lo, hi = min(a, b), max(a, b)
    with np.errstate(over="ignore", invalid="ignore"):
        want = [_bin_by_definition(float(v), lo, hi, bins) for v in x]
    got = _bin_index(x, lo, hi, bins)
    assert got.dtype == np.int64
    assert got.tolist() == want
    # told that every valid draw is inside the grid: the same bins for those draws
    valid = np.isfinite(x) & (x >= lo) & (x <= hi)
    with np.errstate(over="ignore", invalid="ignore"):
        inside = _bin_index(x[valid], lo, hi, bins, inside=True)
    assert inside.tolist() == [w for w, v in zip(want, valid, strict=True) if v]


# --- rows made ready once for several pairs -----------------------------------------------

_DRAWS = st.one_of(st.floats(-1e3, 1e3), st.floats(1e-3, 1e3),
                   st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, 2.0]))


@given(st.integers(1, 60).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=_DRAWS), arrays(np.float64, n, elements=_DRAWS))))
def test_prob_greater_of_prepared_rows_is_prob_greater(pair: tuple[FloatArray, ...]) -> None:
    from uncertainty.stats.pairwise import pair_row, prob_greater_rows

    a, b = pair
    got = prob_greater_rows(pair_row(a, False), pair_row(b, False))
    want = prob_greater(a, b)
    # the same counts: the same bits, NaN where no pair is valid
    assert np.array_equal(got, want, equal_nan=True), (got, want)


def _overlap_of_paired_by_definition(a: FloatArray, b: FloatArray,
                                     log: bool) -> tuple[float, float]:
    """`overlap_with_mcse`'s estimate and error for paired rows, as its docstring says."""
    from uncertainty.stats.pairwise import _bin_index, _grid

    fa, fb = np.isfinite(a), np.isfinite(b)
    x, y = (np.log(v) if log else v for v in (a[fa], b[fb]))
    na, nb, n = len(x), len(y), len(a)
    lo, hi, bins = _grid(x, y, None)
    ia, ib = _bin_index(x, lo, hi, bins), _bin_index(y, lo, hi, bins)
    ca, cb = np.bincount(ia, minlength=bins + 2), np.bincount(ib, minlength=bins + 2)
    in_a = ca * nb < cb * na  # the bins where a's share is the smaller
    hit_a, hit_b = in_a[ia], ~in_a[ib]
    pa, pb = hit_a.mean(), hit_b.mean()
    u = np.zeros(n)  # each draw's influence on P̂_a(A) + P̂_b(B), 0 where invalid
    u[fa] = (hit_a - pa) * (n / na)
    u[fb] += (hit_b - pb) * (n / nb)
    ovl = float(np.minimum(ca * nb, cb * na).sum()) / (na * nb)
    return ovl, math.sqrt(float(np.dot(u, u)) / n / n)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("invalid", [(0.0, 0.03), (0.02, 0.0), (0.05, 0.3)])
@pytest.mark.parametrize("heavy", [False, True])
def test_overlap_of_paired_rows_with_invalid_draws_is_its_definition(
        log: bool, invalid: tuple[float, float], heavy: bool) -> None:
    from uncertainty.stats.pairwise import _grid, overlap_of_rows, pair_row

    rng = np.random.default_rng(11)
    z = rng.standard_normal((2, 20_000))
    if heavy:  # far outliers, even on the log scale: the grid is clipped to the TAIL quantiles
        z[0, :5], z[0, 5:10] = 600, -600
    a, b = np.exp(z[0]), np.exp(0.6 * z[0] + 0.8 * z[1] + 0.5)
    for row, share in zip((a, b), invalid, strict=True):
        bad = rng.random(len(row)) < share
        row[bad] = rng.choice([np.nan, np.inf, -np.inf], size=int(bad.sum()))
    if heavy:  # the grid leaves the outliers out
        x, y = (np.log(v) if log else v for v in (a[np.isfinite(a)], b[np.isfinite(b)]))
        lo, hi, _ = _grid(x, y, None)
        assert min(x.min(), y.min()) < lo < hi < max(x.max(), y.max())
    ovl, se = _overlap_of_paired_by_definition(a, b, log)
    assert 0 < se < 0.05
    assert overlap_with_mcse(a, b, log=log)[::2] == (ovl, se)
    assert overlap_of_rows(pair_row(a, log), pair_row(b, log))[::2] == (ovl, se)


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=_DRAWS),
    arrays(np.float64, st.sampled_from([n, n + 1, max(n - 3, 1)]), elements=_DRAWS))),
    st.sampled_from([1, 2, 7]), st.booleans())
def test_prepared_rows_find_the_grid_of_their_pooled_draws(
        pair: tuple[FloatArray, ...], stride: int, log: bool) -> None:
    from uncertainty.stats import pairwise
    from uncertainty.stats.pairwise import overlap_of_rows, pair_row

    if log:
        pair = tuple(np.abs(v) + 1e-3 for v in pair)
    pooled_grid, union, pooled = pairwise._grid, pairwise.quantiles_of_union, pairwise.quantiles
    seen: dict[str, list[FloatArray]] = {"kept": [], "pooled": []}

    def overlap() -> tuple[float, float, float]:
        with np.errstate(all="ignore"):
            return overlap_of_rows(pair_row(pair[0], log), pair_row(pair[1], log, name="b"))

    def recorded(into: str, func: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen[into].append(found := func(*args, **kwargs))
            return found
        return call

    # a small GRID_SAMPLE makes the pooled sample a stride of the draws, as at 10^6 draws
    n = sum(len(v) for v in pair)
    with mock.patch.object(pairwise, "GRID_SAMPLE", max(1, n // stride)):
        # the grid from each row's kept, sorted sample
        with mock.patch.object(pairwise, "quantiles_of_union", recorded("kept", union)):
            found = overlap()
        # the grid from the two rows' samples pooled
        with mock.patch.object(pairwise, "_grid", lambda x, y, bins, rows=None:
                               pooled_grid(x, y, bins)), \
                mock.patch.object(pairwise, "quantiles", recorded("pooled", pooled)):
            want = overlap()
    assert np.array_equal(seen["kept"], seen["pooled"]), seen  # the same quartiles and tails
    assert np.array_equal(found, want, equal_nan=True), (found, want)
