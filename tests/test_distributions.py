"""Every estimate form reproduces what was written; families are internally consistent."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from mc import assert_quantile
from scipy import special

from uncertainty.config.validation import Node
from uncertainty.distributions import (
    Beta,
    LogNormal,
    Normal,
    Point,
    SplitLogNormal,
    Spread,
    Uniform,
    build_estimate,
)
from uncertainty.distributions.base import ScipyLaw
from uncertainty.distributions.bounded import Pert, Triangular
from uncertainty.distributions.onesided import ShiftedLogNormal
from uncertainty.distributions.simple import Gamma
from uncertainty.errors import ConfigError
from uncertainty.sampling.streams import standard_normal

OTHER_FAMILIES = (
    'write { dist = "normal", mean = ..., sd = ... } or { dist = "point", value = ... } '
    "for other quantities"
)
RUN_SPREAD = Spread(1.5, "run's ci90_factor")
positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)


def build(value: object, spread: Spread = RUN_SPREAD):
    return build_estimate(Node(value, "sources.s.estimates.q"), spread)


@given(x=positive, f=st.floats(min_value=1.01, max_value=20))
def test_bare_number_is_lognormal_with_the_factor_interval(x: float, f: float) -> None:
    dist = build(x, Spread(f, "test")).distribution
    assert isinstance(dist, LogNormal)
    np.testing.assert_allclose(dist.ppf([0.05, 0.5, 0.95]), [x / f, x, x * f], rtol=1e-10)


@given(lo=positive, r1=st.floats(1.001, 50), r2=st.floats(1.001, 50))
def test_value_with_ci90_reproduces_its_three_quantiles(lo: float, r1: float, r2: float) -> None:
    value, hi = lo * r1, lo * r1 * r2
    dist = build({"value": value, "ci90": [lo, hi]}).distribution
    np.testing.assert_allclose(dist.ppf([0.05, 0.5, 0.95]), [lo, value, hi], rtol=1e-10)
    np.testing.assert_allclose(dist.cdf([lo, value, hi]), [0.05, 0.5, 0.95], rtol=1e-10)


@given(level=st.floats(0.05, 0.99), r1=st.floats(1.01, 10), r2=st.floats(1.01, 10))
def test_value_with_ci_and_level(level: float, r1: float, r2: float) -> None:
    value = 1_000.0
    lo, hi = value / r1, value * r2
    dist = build({"value": value, "ci": [lo, hi], "level": level}).distribution
    tail = (1 - level) / 2
    np.testing.assert_allclose(dist.ppf([tail, 0.5, 1 - tail]), [lo, value, hi], rtol=1e-10)


def test_symmetric_interval_gives_a_plain_lognormal_and_asymmetric_a_split_one() -> None:
    assert isinstance(build({"value": 12_000, "ci90": [9_000, 16_000]}).distribution, LogNormal)
    split = build({"value": 12_000, "ci90": [10_000, 20_000]}).distribution
    assert isinstance(split, SplitLogNormal)
    assert split.sigma_lo < split.sigma_hi


@pytest.mark.parametrize(
    ("written", "family", "quantiles"),
    [
        ({"dist": "lognormal", "median": 100, "ci90": [50, 200]}, LogNormal,
         {0.05: 50, 0.5: 100, 0.95: 200}),
        ({"dist": "lognormal", "ci90": [50, 200]}, LogNormal, {0.05: 50, 0.95: 200}),
        ({"dist": "lognormal", "median": 100, "sigma": 0.5}, LogNormal,
         {0.5: 100, float(special.ndtr(1)): 100 * math.exp(0.5)}),
        ({"dist": "normal", "mean": 3, "sd": 2}, Normal, {0.5: 3, float(special.ndtr(-1)): 1}),
        ({"dist": "uniform", "low": 2, "high": 6}, Uniform, {0.0: 2, 0.25: 3, 1.0: 6}),
        ({"dist": "point", "value": 7}, Point, {0.0: 7, 0.5: 7, 1.0: 7}),
    ],
)
def test_named_families_reproduce_what_was_written(
    written: dict[str, object], family: type, quantiles: dict[float, float]
) -> None:
    dist = build(written).distribution
    assert isinstance(dist, family)
    np.testing.assert_allclose(dist.ppf(list(quantiles)), list(quantiles.values()), rtol=1e-10)


def test_beta_mean_is_reproduced() -> None:
    dist = build({"dist": "beta", "alpha": 2, "beta": 6}).distribution
    assert isinstance(dist, Beta)
    assert float(dist.frozen.mean()) == pytest.approx(0.25, rel=1e-12)


FAMILIES = [
    LogNormal(100.0, 0.4),
    SplitLogNormal(100.0, 0.2, 0.9),
    Normal(-3.0, 2.0),
    Uniform(-1.0, 4.0),
    Beta(2.0, 5.0),
    Beta(0.5, 0.5),
]


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.describe())
@given(q=st.floats(1e-9, 1 - 1e-9))
def test_cdf_inverts_ppf(dist, q: float) -> None:
    assert float(dist.cdf(dist.ppf(q))) == pytest.approx(q, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.describe())
def test_from_normal_is_ppf_of_the_normal_cdf(dist) -> None:
    # |z| <= 5: beyond, the reference ppf(ndtr(z)) itself loses digits (see the next test)
    z = np.linspace(-5, 5, 201)
    np.testing.assert_allclose(dist.from_normal(z), dist.ppf(special.ndtr(z)), rtol=1e-9,
                               atol=1e-12)


def test_default_from_normal_keeps_right_tail_precision() -> None:
    # Through ppf(ndtr(z)) the upper tail would collapse to ppf(1.0) beyond z ~ 8.3;
    # Beta's default path goes through isf(ndtr(-z)) instead.
    dist = Beta(2.0, 5.0)
    tail = dist.from_normal(np.array([8.5, 9.0, 9.5]))
    assert np.all(np.diff(tail) > 0)
    assert np.all(tail < 1)


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda d: d.describe())
def test_sampled_quantiles_match_the_analytic_ones(dist) -> None:
    draws = dist.from_normal(standard_normal(99, ("test", dist.describe()), 200_000))
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert_quantile(draws, p, float(dist.ppf(p)))


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (0, "a bare number is read as a positive count and must be positive, got 0; "
         + OTHER_FAMILIES),
        (-5, "a bare number is read as a positive count and must be positive, got -5; "
         + OTHER_FAMILIES),
        ({"value": 8000, "ci90": [9000, 16000]}, "lower bound 9000 must be below the value 8000"),
        ({"value": 8000, "ci90": [5000, 7000]}, "upper bound 7000 must be above the value 8000"),
        ({"value": 8000, "ci90": [0, 9000]}, "lower bound 0 must be positive"),
        ({"value": 8000, "ci90": [9000]}, "expected an array of 2 numbers, got 1"),
        ({"value": 8000, "ci": [5000, 9000]}, "required with ci = [lo, hi] (e.g. 0.8)"),
        ({"value": 8000, "ci": [5000, 9000], "level": 1.2},
         "must be between 0 and 1 (exclusive), got 1.2"),
        ({"value": 8000, "ci90_factor": 1}, "must be greater than 1 (a 90% interval [x/f, x*f]), "
         "got 1"),
        ({"value": 8000, "dist": "normal"},
         "unknown key in a normal (expected one of: dist, mean, sd)"),
        ({"median": 8000}, "an estimate needs one of the keys: dist, value, about, at_least, "
         "at_most, between, quantiles, mixture"),
        ({"dist": "lognormal", "median": 12_000, "ci90": [10_000, 20_000]},
         "[10000, 20000] is not symmetric around the median 12000 on the log scale, which a "
         "lognormal needs (median² = lo·hi); use { value = ..., ci90 = [...] } for a split "
         "lognormal"),
        ({"dist": "normal", "mean": 0, "sd": 0}, "must be positive, got 0"),
        ({"dist": "uniform", "low": 3, "high": 3}, "low 3 must be below high 3"),
        ({"dist": "beta", "alpha": 2, "beta": -1}, "must be positive, got -1"),
        ({"dist": "point", "value": float("nan")}, "must be a finite number, got nan"),
        ({"dist": "weibull"}, "unknown distribution 'weibull' (expected one of: beta, gamma, "
         "lognormal, normal, pert, point, triangular, truncnormal, uniform)"),
        ({"dist": "normal", "mean": 0, "sd": 1, "shape": 2},
         "unknown key in a normal (expected one of: dist, mean, sd)"),
        (True, "expected a number, got a boolean true"),
    ],
)
def test_malformed_estimates_are_rejected_with_a_clear_message(
    written: object, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        build(written)
    assert info.value.message == message
    assert info.value.path.startswith("sources.s.estimates.q")


@settings(max_examples=200)
@example(value=4.0, lo=2.2250738585072014e-308, hi=5.0)  # lower tail underflowed to 0
@example(value=2, lo=1.0, hi=2**64)  # an integer beyond int64
@example(value=73219, lo=1, hi=1.797e308)  # an upper end at the float limit
@given(
    value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()),
    lo=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()),
    hi=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()),
)
def test_any_value_interval_gives_a_valid_distribution_or_a_config_error(
    value: float, lo: float, hi: float
) -> None:
    try:
        dist = build({"value": value, "ci90": [lo, hi]}).distribution
    except ConfigError as exc:
        assert exc.path.startswith("sources.s.estimates.q")
        return
    assume(True)
    q = dist.ppf([0.05, 0.5, 0.95])
    assert np.all(np.isfinite(q))
    np.testing.assert_allclose(q, [float(lo), float(value), float(hi)], rtol=1e-9)


SCIPY_BACKED = [LogNormal(100.0, 0.4), ShiftedLogNormal(30.0, 0.7), Normal(-3.0, 2.0),
                Uniform(-1.0, 4.0), Beta(2.0, 5.0), Gamma(2.5, 3.0),
                Triangular(1.0, 2.0, 10.0), Pert(1.0, 2.0, 10.0, 4.0)]


@pytest.mark.parametrize("dist", SCIPY_BACKED, ids=lambda d: d.describe())
def test_a_scipy_law_computes_what_its_frozen_distribution_does(dist) -> None:
    # The families call scipy's methods with their parameters instead of freezing
    # (`ScipyLaw`): the same numbers, bit for bit, as the frozen distribution gives.
    frozen = dist.frozen
    assert not isinstance(frozen, ScipyLaw)
    q = np.concatenate([[0.0, 1e-300, 1e-12, 0.5, 1 - 1e-12, 1.0],
                        np.random.default_rng(5).random(500)])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # boost's, at q = 1e-300
        x = np.concatenate([frozen.ppf(q), [-1e300, -1.0, 0.0, 1e300, np.inf, np.nan]])
        pairs = [(dist.ppf(q), frozen.ppf(q)), (dist._isf(q), frozen.isf(q)),
                 (dist.cdf(x), frozen.cdf(x)), (dist.sf(x), frozen.sf(x))]
        if dist.family not in ("uniform", "triangular", "pert"):  # densities with jumps
            pairs.append((dist.pdf(x), frozen.pdf(x)))
    for mine, scipy_frozen in pairs:
        assert np.asarray(mine, dtype=np.float64).tobytes() == np.asarray(
            scipy_frozen, dtype=np.float64).tobytes()
