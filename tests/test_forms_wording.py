"""Claims as worded: about, at least / at most, between, stated quantiles, mixtures, bounds.

Each form must reproduce what was written exactly (to ~1e-10, where the math is exact),
sample what it describes (quantiles within the rank-window MCSE of `mc.assert_quantile`),
and reject malformed input with a `ConfigError` at the right key path, word for word.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from mc import assert_mean, assert_probability, assert_quantile
from scipy import integrate, special, stats

from uncertainty.config.validation import Node
from uncertainty.distributions import (
    LogNormal,
    Mixture,
    Normal,
    OneSided,
    QuantileMatched,
    Spread,
    Truncated,
    build_estimate,
)
from uncertainty.distributions.forms import ESTIMATE_KEYS, FORMS, estimate_keys, written
from uncertainty.distributions.wording import default_unit, log_uniform_variance
from uncertainty.errors import ConfigError
from uncertainty.sampling.streams import standard_normal, uniform

PATH = "sources.s.estimates.q"
RUN = Spread(1.5, "run's ci90_factor")
Z90 = float(special.ndtri(0.95))
N = 200_000


def build(value: object, spread: Spread = RUN):
    return build_estimate(Node(value, PATH), spread)


def draws_of(dist, name: str, seed: int = 11) -> np.ndarray:
    return dist.from_normal(standard_normal(seed, ("wording", name), N))


def error_of(value: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build(value)
    return info.value


# -- about -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit"),
    [(12_000, 1_000.0), (125_681, 1.0), (2.5, 0.1), (0.03, 0.01), (100, 100.0), (7, 1.0),
     (12_000.0, 1_000.0), (1e22, 1e22), (1.25e-5, 1e-7)],
)
def test_default_rounding_unit_is_the_largest_power_of_ten_dividing_the_number(
    value: float, unit: float
) -> None:
    assert default_unit(value) == pytest.approx(unit, rel=1e-15)


def _variance_by_quadrature(h: float) -> float:
    # R = 1 + h u with u uniform on [-1, 1]. Folding u onto [0, 1] pairs log(1 + h u) with
    # log(1 - h u), whose sum log(1 - h^2 u^2) has no cancellation; E[log^2 R] is a sum of
    # squares; and E[log R]^2 ~ h^4 / 36 is small beside E[log^2 R] ~ h^2 / 3.
    m1 = integrate.quad(lambda u: math.log1p(-h * h * u * u) / 2, 0, 1, epsabs=0,
                        epsrel=1e-13)[0]
    m2 = integrate.quad(lambda u: (math.log1p(h * u) ** 2 + math.log1p(-h * u) ** 2) / 2,
                        0, 1, epsabs=0, epsrel=1e-13)[0]
    return m2 - m1 * m1


@pytest.mark.parametrize("h", [1e-6, 4e-4, 0.01, 0.05, 0.050001, 0.2, 0.5, 0.9, 0.999])
def test_log_uniform_variance_matches_quadrature(h: float) -> None:
    assert log_uniform_variance(h) == pytest.approx(_variance_by_quadrature(h), rel=1e-10)


def test_log_uniform_variance_matches_a_simulation() -> None:
    # an independent check of the formula: the variance of log R over uniform draws
    h = 0.3
    r = 1 - h + 2 * h * uniform(3, ("wording", "R"), N)
    log_r = np.log(r)
    assert_mean((log_r - log_r.mean()) ** 2, log_uniform_variance(h))


def test_about_combines_rounding_and_the_source_spread_on_the_log_scale() -> None:
    built = build({"about": 12_000})
    dist = built.distribution
    assert isinstance(dist, LogNormal)
    s_source = math.log(1.5) / Z90
    s_round = math.sqrt(log_uniform_variance(1_000 / 24_000))
    assert dist.median_value == 12_000
    assert dist.sigma == pytest.approx(math.hypot(s_source, s_round), rel=1e-14)
    assert built.spread == (
        "about: rounding to the nearest 1,000 (log-sd 0.024) combined with the run's "
        "ci90_factor 1.5 (log-sd 0.247)"
    )
    assert dist.describe() == "lognormal, median 12,000, 90% interval [7,985, 18,035]"


def test_about_is_wider_than_the_bare_number_by_the_rounding() -> None:
    bare = build(12_000).distribution
    about = build({"about": 12_000}).distribution
    assert about.sigma**2 - bare.sigma**2 == pytest.approx(
        log_uniform_variance(1_000 / 24_000), rel=1e-12
    )
    # 125,681 rounds to the unit: the rounding adds almost nothing
    exact = build({"about": 125_681}).distribution
    assert exact.sigma == pytest.approx(bare.sigma, rel=1e-10)


def test_about_with_unit_and_ci90_factor() -> None:
    built = build({"about": 2.5, "unit": 0.5, "ci90_factor": 2})
    expected = math.hypot(math.log(2) / Z90, math.sqrt(log_uniform_variance(0.1)))
    assert built.distribution.sigma == pytest.approx(expected, rel=1e-14)
    assert built.spread == (
        "about: rounding to the nearest 0.5 (log-sd 0.058) combined with the estimate's "
        "ci90_factor 2 (log-sd 0.421)"
    )


def test_about_draws_have_the_combined_log_spread() -> None:
    dist = build({"about": 12_000}).distribution
    draws = draws_of(dist, "about")
    for p in (0.05, 0.5, 0.95):
        assert_quantile(draws, p, float(dist.ppf(p)))
    log_draws = np.log(draws)
    assert_mean((log_draws - math.log(12_000)) ** 2, dist.sigma**2)


# -- at least / at most ----------------------------------------------------------------------
def test_at_least_with_undercount_reproduces_floor_and_interval() -> None:
    dist = build({"at_least": 8_000, "undercount": {"ci90": [1.2, 2]}}).distribution
    assert isinstance(dist, OneSided)
    np.testing.assert_allclose(dist.ppf([0.0, 0.05, 0.95]), [8_000, 9_600, 16_000],
                               rtol=1e-12)
    # U - 1 is the lognormal with 90% interval [0.2, 1]
    excess = dist.ppf(np.linspace(0.01, 0.99, 21)) / 8_000 - 1
    reference = LogNormal(math.sqrt(0.2), math.log(5) / (2 * Z90))
    np.testing.assert_allclose(excess, reference.ppf(np.linspace(0.01, 0.99, 21)),
                               rtol=1e-10)
    assert float(dist.cdf(8_000.0)) == 0.0
    draws = draws_of(dist, "at_least")
    assert draws.min() >= 8_000
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert_quantile(draws, p, float(dist.ppf(p)))


def test_at_least_without_undercount_is_a_half_lognormal_factor() -> None:
    built = build({"at_least": 8_000})
    dist = built.distribution
    np.testing.assert_allclose(dist.ppf([0.0, 0.95]), [8_000, 12_000], rtol=1e-12)
    sigma = math.log(1.5) / float(special.ndtri(0.975))
    # log(X / F) / sigma is a half-normal |Z|
    q = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(np.log(dist.ppf(q) / 8_000) / sigma, stats.halfnorm.ppf(q),
                               rtol=1e-10)
    draws = draws_of(dist, "at_least_half")
    for p in (0.05, 0.5, 0.9):
        assert_quantile(np.log(draws / 8_000) / sigma, p, float(stats.halfnorm.ppf(p)))
    assert built.spread == (
        "at least: floor times a half-lognormal undercount factor whose 95th percentile is "
        "the run's ci90_factor 1.5"
    )


@pytest.mark.parametrize("count", [{"ci90": [1.1, 1.5]}, None])
def test_at_most_mirrors_at_least(count: dict[str, list[float]] | None) -> None:
    most = {"at_most": 5_000} | ({"overcount": count} if count else {})
    least = {"at_least": 2_000} | ({"undercount": count} if count else {})
    ceiling, floor = build(most).distribution, build(least).distribution
    q = np.linspace(0.01, 0.99, 33)
    # C / U(1 - q) times F U(1 - q) is C F
    np.testing.assert_allclose(ceiling.ppf(q) * floor.ppf(1 - q), 5_000 * 2_000, rtol=1e-12)
    assert float(ceiling.ppf(1.0)) == 5_000
    draws = draws_of(ceiling, f"at_most {count}")
    assert draws.max() <= 5_000
    for p in (0.05, 0.5, 0.95):
        assert_quantile(draws, p, float(ceiling.ppf(p)))


def test_at_most_with_overcount_reproduces_ceiling_and_interval() -> None:
    dist = build({"at_most": 5_000, "overcount": {"ci90": [1.25, 2]}}).distribution
    np.testing.assert_allclose(dist.ppf([0.05, 0.95, 1.0]), [2_500, 4_000, 5_000], rtol=1e-12)


# -- between ---------------------------------------------------------------------------------
def test_between_positive_is_a_lognormal_with_that_interval() -> None:
    built = build({"between": [9_000, 16_000]})
    assert isinstance(built.distribution, LogNormal)
    np.testing.assert_allclose(built.distribution.ppf([0.05, 0.5, 0.95]),
                               [9_000, 12_000, 16_000], rtol=1e-12)
    assert built.spread == "stated 90% range, both ends positive: lognormal"


def test_between_reaching_zero_is_a_normal_and_level_is_honoured() -> None:
    built = build({"between": [-2, 6], "level": 0.8})
    dist = built.distribution
    assert isinstance(dist, Normal)
    np.testing.assert_allclose(dist.ppf([0.1, 0.5, 0.9]), [-2, 2, 6], rtol=1e-12)
    assert built.spread == "stated 80% range reaching zero or below: normal"
    draws = draws_of(dist, "between")
    for p in (0.1, 0.9):
        assert_quantile(draws, p, float(dist.ppf(p)))


# -- quantiles -------------------------------------------------------------------------------
def test_quantiles_are_reproduced_and_described() -> None:
    built = build({"quantiles": {"0.05": 9_000, "0.5": 12_000, "0.95": 17_000}})
    dist = built.distribution
    assert isinstance(dist, QuantileMatched)
    np.testing.assert_allclose(dist.ppf([0.05, 0.5, 0.95]), [9_000, 12_000, 17_000],
                               rtol=1e-12)
    assert dist.describe() == (
        "quantile-matched (log-linear in normal score) through 3 quantiles, median 12,000, "
        "90% interval [9,000, 17,000]"
    )
    assert built.spread == "quantile-matched through 3 stated quantiles"
    draws = draws_of(dist, "quantiles")
    for p in (0.01, 0.05, 0.3, 0.5, 0.8, 0.95, 0.99):
        assert_quantile(draws, p, float(dist.ppf(p)))


def test_two_quantiles_give_exactly_a_lognormal() -> None:
    dist = build({"quantiles": {"0.1": 50, "0.7": 300}}).distribution
    z1, z2 = special.ndtri([0.1, 0.7])
    sigma = math.log(300 / 50) / (z2 - z1)
    reference = LogNormal(50 * math.exp(-sigma * z1), sigma)
    q = np.linspace(0.001, 0.999, 50)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-12)


def test_three_log_symmetric_quantiles_give_exactly_a_lognormal() -> None:
    dist = build({"quantiles": {"0.05": 9_000, "0.5": 12_000, "0.95": 16_000}}).distribution
    reference = LogNormal(12_000, math.log(16_000 / 12_000) / Z90)
    q = np.linspace(0.001, 0.999, 50)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-12)


def test_quantiles_with_a_negative_value_interpolate_x_and_give_normal_tails() -> None:
    dist = build({"quantiles": {"0.25": -1, "0.75": 3}}).distribution
    reference = Normal(1, 2 / float(special.ndtri(0.75)))
    q = np.linspace(0.001, 0.999, 50)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-12, atol=1e-12)


def test_bounded_chooses_the_scale() -> None:
    quantiles = {"0.05": 9_000, "0.5": 12_000, "0.95": 17_000}
    assert build({"quantiles": quantiles, "bounded": "zero"}).distribution.log
    linear = build({"quantiles": quantiles, "bounded": "none"}).distribution
    assert not linear.log
    np.testing.assert_allclose(linear.ppf([0.05, 0.5, 0.95]), [9_000, 12_000, 17_000],
                               rtol=1e-12)
    assert float(linear.ppf(1e-12)) < 0  # linear tails go below zero


@st.composite
def quantile_sets(draw: st.DrawFn, positive: bool) -> dict[str, float]:
    """2 to 7 quantiles: increasing probabilities in (0, 1), increasing values."""
    n = draw(st.integers(2, 7))
    gaps = np.array(draw(st.lists(st.floats(1e-3, 1.0), min_size=n + 1, max_size=n + 1)))
    probs = np.cumsum(gaps)[:-1] / gaps.sum()  # increasing, inside (0, 1), 1e-6 apart
    steps = draw(st.lists(st.floats(1e-3, 3.0), min_size=n, max_size=n))
    if positive:
        values = list(draw(st.floats(1e-6, 1e6)) * np.exp(np.cumsum(steps)))
    else:
        values = list(-draw(st.floats(1e-3, 1e4)) + np.cumsum(np.array(steps) * 1e3))
    return {repr(float(p)): float(v) for p, v in zip(probs, values, strict=True)}


@settings(max_examples=150)
@given(quantiles=st.one_of(quantile_sets(positive=True), quantile_sets(positive=False)),
       q=st.floats(1e-9, 1 - 1e-9))
@example(quantiles={"0.0001": -5.0, "0.9999": 5.0}, q=0.5)
def test_any_valid_quantile_set_round_trips(quantiles: dict[str, float], q: float) -> None:
    dist = build({"quantiles": quantiles}).distribution
    probs = [float(k) for k in quantiles]
    values = list(quantiles.values())
    scale = values[-1] - values[0]
    np.testing.assert_allclose(dist.ppf(probs), values, rtol=1e-9, atol=1e-12 * scale)
    x = float(dist.ppf(q))
    # very steep stated quantiles put q's quantile beyond the floating-point range
    assume(math.isfinite(x) and (not dist.log or x > 1e-300))
    assert float(dist.cdf(x)) == pytest.approx(q, rel=1e-8, abs=1e-12)
    # steep tails may overflow to inf (an invalid draw, counted) but never give NaN
    assert not np.any(np.isnan(dist.from_normal(np.linspace(-9, 9, 37))))


_CORRUPTIONS = ["swap", "equal", "zero-probability", "one-probability", "negative-probability",
                "nan-probability", "word", "nan", "inf", "string", "boolean", "array", "single",
                "duplicate"]


@settings(max_examples=200)
@given(quantiles=st.one_of(quantile_sets(positive=True), quantile_sets(positive=False)),
       corruption=st.sampled_from(_CORRUPTIONS), data=st.data())
def test_any_corrupted_quantile_set_is_a_config_error(
    quantiles: dict[str, float], corruption: str, data: st.DataObject
) -> None:
    items = list(quantiles.items())
    i = data.draw(st.integers(0, len(items) - 2))
    key, value = items[i]
    bad: dict[str, object] = dict(items)
    if corruption == "swap":  # values no longer increasing
        bad[key], bad[items[i + 1][0]] = items[i + 1][1], value
    elif corruption == "equal":
        bad[items[i + 1][0]] = value
    elif corruption.endswith("probability"):
        new_key = {"zero": "0", "one": "1", "negative": "-0.2", "nan": "nan"}[
            corruption.split("-")[0]]
        del bad[key]
        bad[new_key] = value
    elif corruption == "word":
        del bad[key]
        bad["median"] = value
    elif corruption == "single":
        bad = {key: value}
    elif corruption == "duplicate":  # the same probability written another way
        mantissa, e, exponent = key.partition("e")
        bad[mantissa + ("0" if "." in mantissa else ".0") + e + exponent] = value
    else:
        bad[key] = {"nan": math.nan, "inf": math.inf, "string": "9000", "boolean": True,
                    "array": [1, 2]}[corruption]
    with pytest.raises(ConfigError) as info:
        build({"quantiles": bad})
    assert info.value.path.startswith(f"{PATH}.quantiles")


_keys = st.one_of(
    st.sampled_from(["0.05", "0.5", "0.50", "0.95", "0", "1", "-0.1", "1.5", "nan", "inf",
                     "1e-3", "half", "", " 0.3 ", "0x1p-2", "5e-324"]),
    st.text(max_size=6),
)
_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400),
    st.text(max_size=3), st.booleans(), st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300)
@given(
    quantiles=st.one_of(st.dictionaries(_keys, _values, max_size=5), _values),
    bounded=st.one_of(st.none(), st.sampled_from(["zero", "none", "positive"]), _values),
)
@example(quantiles={"0.5": 12_000, "0.95": 11_000}, bounded=None)
@example(quantiles={"0.5": -1e308, "0.9": 1e308}, bounded=None)
@example(quantiles={"5e-324": 1, "0.5": 2}, bounded=None)
def test_any_quantile_input_gives_a_config_error_or_a_faithful_distribution(
    quantiles: object, bounded: object
) -> None:
    written = {"quantiles": quantiles} | ({} if bounded is None else {"bounded": bounded})
    try:
        dist = build(written).distribution
    except ConfigError as exc:
        assert exc.path.startswith(PATH)
        return
    assert isinstance(quantiles, dict)
    probs, values = [float(k) for k in quantiles], [float(v) for v in quantiles.values()]
    out = dist.ppf(probs)
    assert not np.any(np.isnan(out))
    np.testing.assert_allclose(out, values, rtol=1e-9, atol=1e-9 * (max(values) - min(values)))


@pytest.mark.parametrize(
    ("quantiles", "extra", "path", "message"),
    [
        ({"0.5": 12_000, "0.95": 11_000}, {}, 'quantiles."0.95"',
         "value 11000 must be above the value 12000 at 0.5"),
        ({"0.95": 17_000, "0.05": 9_000, "0.5": 9_000}, {}, 'quantiles."0.5"',
         "value 9000 must be above the value 9000 at 0.05"),
        ({"0.5": 12_000}, {}, "quantiles",
         'give at least 2 quantiles, e.g. { "0.05" = 9000, "0.95" = 17000 }'),
        ({}, {}, "quantiles",
         'give at least 2 quantiles, e.g. { "0.05" = 9000, "0.95" = 17000 }'),
        ({"half": 1, "0.9": 2}, {}, 'quantiles."half"',
         'key "half" is not a probability; write each quantile as "probability" = value, e.g. '
         '"0.05" = 9000'),
        ({"1.5": 1, "0.9": 2}, {}, 'quantiles."1.5"',
         "probability 1.5 must be strictly between 0 and 1"),
        ({"0": 1, "0.9": 2}, {}, 'quantiles."0"', "probability 0 must be strictly between 0 "
         "and 1"),
        ({"nan": 1, "0.9": 2}, {}, 'quantiles."nan"',
         "probability nan must be strictly between 0 and 1"),
        ({"0.5": 1, "0.50": 2}, {}, 'quantiles."0.50"',
         'probability 0.50 is listed twice (also as "0.5")'),
        ({"0.5": 1, "0.9": "2"}, {}, 'quantiles."0.9"', "expected a number, got a string '2'"),
        ({"0.5": 1, "0.9": float("inf")}, {}, 'quantiles."0.9"',
         "must be a finite number, got inf"),
        ({"0.5": -1, "0.9": 2}, {"bounded": "zero"}, 'quantiles."0.5"',
         'value -1 must be positive with bounded = "zero"'),
        ({"0.5": 1, "0.9": 2}, {"bounded": "positive"}, "bounded",
         "expected \"zero\" (positive, semi-bounded at 0) or \"none\", got 'positive'"),
        ({"0.5": 1e9, "0.9": 1e9 * (1 + 2**-52)}, {}, 'quantiles."0.9"',
         "value 1000000000 is too close to the value 1000000000 at 0.5 to tell apart on the "
         "log scale"),
        ({"0.5": -1e308, "0.9": 1e308}, {}, 'quantiles."0.9"',
         "value 1e+308 is too close to the value -1e+308 at 0.5 to tell apart"),
    ],
)
def test_bad_quantiles_name_the_offending_key(
    quantiles: dict[str, object], extra: dict[str, object], path: str, message: str
) -> None:
    err = error_of({"quantiles": quantiles} | extra)
    assert (err.path, err.message) == (f"{PATH}.{path}", message)


# -- mixtures --------------------------------------------------------------------------------
def test_mixture_builder_weights_describe_and_spread() -> None:
    built = build({"mixture": [8_000, {"value": 12_000, "ci90": [9_000, 16_000]}],
                   "weights": [3, 7]})
    dist = built.distribution
    assert isinstance(dist, Mixture)
    assert dist.weights == pytest.approx((0.3, 0.7), rel=1e-15)
    assert dist.describe() == (
        "mixture of 2: 30% lognormal, median 8,000, 90% interval [5,333, 12,000]; 70% "
        "lognormal, median 12,000, 90% interval [9,000, 16,000]"
    )
    assert built.spread == (
        "mixture of 2 (weights 0.3, 0.7): [1] bare number: lognormal with 90% interval "
        "[x/1.5, x*1.5] from the run's ci90_factor; [2] stated 90% interval"
    )
    # the checks compare tabulated quantiles with the exact mixture CDF
    assert [what for what, _, _ in built.checks] == [
        "CDF at its 0.05 quantile", "CDF at its 0.5 quantile", "CDF at its 0.95 quantile"]
    draws = draws_of(dist, "mixture")
    for x in (6_000.0, 9_000.0, 12_000.0, 15_000.0):
        assert_probability(int(np.count_nonzero(draws <= x)), N, float(dist.cdf(x)))


def test_mixture_weights_default_to_equal() -> None:
    dist = build({"mixture": [{"between": [1, 2]}, {"dist": "normal", "mean": 5, "sd": 1},
                              {"dist": "point", "value": 3}]}).distribution
    assert dist.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3), rel=1e-15)


def test_mixture_of_point_masses_works_and_is_discrete() -> None:
    dist = build({"mixture": [{"dist": "point", "value": 0}, {"dist": "point", "value": 1}],
                  "weights": [0.2, 0.8]}).distribution
    draws = draws_of(dist, "points")
    assert set(np.unique(draws)) == {0.0, 1.0}
    assert_probability(int(np.count_nonzero(draws == 0)), N, 0.2)


@pytest.mark.parametrize(
    ("written", "path", "message"),
    [
        ({"mixture": [8_000]}, "mixture", "a mixture needs at least 2 estimates, got 1"),
        ({"mixture": 8_000}, "mixture", "expected an array, got an integer 8000"),
        ({"mixture": [8_000, 9_000], "weights": [1]}, "weights",
         "expected an array of 2 numbers, got 1"),
        ({"mixture": [8_000, 9_000], "weights": [1, 0]}, "weights[1]",
         "must be positive, got 0"),
        ({"mixture": [8_000, {"value": 8_000, "ci90": [9_000, 16_000]}]}, "mixture[1].ci90",
         "lower bound 9000 must be below the value 8000"),
        ({"mixture": [8_000, {"mixture": [1, {"about": -1}]}]}, "mixture[1].mixture[1].about",
         "'about' reads a positive count and must be positive, got -1"),
        ({"mixture": [8_000, 9_000], "weight": [1, 2]}, "weight",
         "unknown key in a mixture; did you mean 'weights'? (expected one of: mixture, "
         "weights)"),
    ],
)
def test_bad_mixtures_name_the_offending_key(
    written: dict[str, object], path: str, message: str
) -> None:
    err = error_of(written)
    assert (err.path, err.message) == (f"{PATH}.{path}", message)


# -- lower / upper on any estimate -----------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "lower", "upper"),
    [
        ({"value": 12_000, "ci90": [9_000, 16_000], "lower": 10_000}, 10_000, None),
        ({"dist": "normal", "mean": 0, "sd": 1, "lower": -1, "upper": 2}, -1, 2),
        ({"about": 12_000, "upper": 13_000}, None, 13_000),
        ({"between": [-2, 6], "lower": 0}, 0, None),
        ({"quantiles": {"0.05": 9_000, "0.95": 17_000}, "lower": 10_000, "upper": 16_000},
         10_000, 16_000),
        ({"at_least": 8_000, "upper": 10_000}, None, 10_000),
        ({"mixture": [8_000, 20_000], "lower": 9_000}, 9_000, None),
        ({"dist": "gamma", "mean": 6, "sd": 4, "upper": 20}, None, 20),
    ],
)
def test_lower_and_upper_truncate_any_estimate(
    written: dict[str, object], lower: float | None, upper: float | None
) -> None:
    built = build(written)
    dist = built.distribution
    assert isinstance(dist, Truncated)
    # what was stated describes the distribution before truncation
    base = build({k: v for k, v in written.items() if k not in ("lower", "upper")})
    f_lo = float(base.distribution.cdf(-math.inf if lower is None else lower))
    f_hi = float(base.distribution.cdf(math.inf if upper is None else upper))
    q = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(dist.ppf(q), base.distribution.ppf(f_lo + q * (f_hi - f_lo)),
                               rtol=1e-7)  # 1e-7: a mixture's table (TABLE_RTOL 1e-8)
    if lower is not None:
        assert float(dist.ppf(0.0)) == pytest.approx(lower, rel=1e-9, abs=1e-12)
    if upper is not None:
        assert float(dist.ppf(1.0)) == pytest.approx(upper, rel=1e-9)
    draws = draws_of(dist, f"truncated {written}")
    assert draws.min() >= (-math.inf if lower is None else lower)
    assert draws.max() <= (math.inf if upper is None else upper)
    for p in (0.05, 0.5, 0.95):
        assert_quantile(draws, p, float(dist.ppf(p)))


def test_truncation_is_described() -> None:
    built = build({"value": 12_000, "ci90": [9_000, 16_000], "lower": 10_000})
    assert built.distribution.describe() == (
        "lognormal, median 12,000, 90% interval [9,000, 16,000], truncated to [10,000, inf)"
    )
    assert built.spread == (
        "stated 90% interval; then truncated to [10,000, inf) (as stated before truncation)"
    )
    mixture = build({"mixture": [8_000, 20_000], "upper": 9_000}).distribution
    assert mixture.describe().startswith("(mixture of 2: 50% lognormal")
    assert mixture.describe().endswith("), truncated to [0, 9,000]")


@pytest.mark.parametrize(
    ("written", "path", "message"),
    [
        ({"value": 12_000, "lower": 20_000, "upper": 10_000}, "upper",
         "upper 10000 must be above lower 20000"),
        ({"value": 12_000, "lower": 5, "upper": 5}, "upper", "upper 5 must be above lower 5"),
        ({"value": 12_000, "ci90": [9_000, 16_000], "lower": 1e6}, "",
         "truncating to [1000000, inf) keeps only 2.16e-141 of the lognormal's probability (at "
         "least 1e-09 is needed); what the estimate states describes it before truncation"),
        ({"lower": 0}, "", "an estimate needs one of the keys: dist, value, about, at_least, "
         "at_most, between, quantiles, mixture"),
        ({"dist": "normal", "mean": 0, "sd": 1, "lower": "0"}, "lower",
         "expected a number, got a string '0'"),
        ({"dist": "normal", "mean": 0, "sd": 1, "upper": float("inf")}, "upper",
         "must be a finite number, got inf"),
    ],
)
def test_bad_truncation(written: dict[str, object], path: str, message: str) -> None:
    err = error_of(written)
    assert (err.path, err.message) == (f"{PATH}.{path}" if path else PATH, message)


# -- other wording errors --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "path", "message"),
    [
        ({"about": -5}, "about", "'about' reads a positive count and must be positive, got -5"),
        ({"about": 12_000, "unit": 30_000}, "unit",
         "the rounding unit 30000 must be below twice the number 12000"),
        ({"about": 12_000, "unit": 0}, "unit", "must be positive, got 0"),
        ({"about": "12k"}, "about", "expected a number, got a string '12k'"),
        ({"about": 12_000, "ci90": [1, 2]}, "ci90",
         "unknown key in an about estimate (expected one of: about, ci90_factor, unit)"),
        ({"about": 12_000, "ci90_factor": 1}, "ci90_factor",
         "must be greater than 1 (a 90% interval [x/f, x*f]), got 1"),
        ({"at_least": 0}, "at_least", "must be positive, got 0"),
        ({"at_least": 8_000, "undercount": {"ci90": [0.9, 2]}}, "undercount.ci90",
         "lower bound 0.9 must be above 1 (a factor on the stated number: 1.2 means 20% more)"),
        ({"at_least": 8_000, "undercount": {"ci90": [2, 1.5]}}, "undercount.ci90",
         "lower bound 2 must be below upper bound 1.5"),
        ({"at_least": 8_000, "undercount": [1.2, 2]}, "undercount",
         "expected a table, got an array [1.2, 2]"),
        ({"at_least": 8_000, "undercount": {"ci": [1.2, 2]}}, "undercount.ci",
         "unknown key in an undercount; did you mean 'ci90'? (expected one of: ci90)"),
        ({"at_least": 8_000, "overcount": {"ci90": [1.2, 2]}}, "overcount",
         "unknown key in an at_least estimate; did you mean 'undercount'? (expected one "
         "of: at_least, ci90_factor, undercount)"),
        ({"at_least": 8_000, "undercount": {"ci90": [1.2, 2]}, "ci90_factor": 2},
         "ci90_factor", "give either undercount or ci90_factor, not both"),
        ({"at_most": 8_000, "overcount": {"ci90": [1, 2]}}, "overcount.ci90",
         "lower bound 1 must be above 1 (a factor on the stated number: 1.2 means 20% more)"),
        ({"at_most": -8_000}, "at_most", "must be positive, got -8000"),
        ({"between": [5, 3]}, "between", "lower bound 5 must be below upper bound 3"),
        ({"between": [3, 5], "level": 1}, "level",
         "must be between 0 and 1 (exclusive), got 1"),
        ({"between": [3]}, "between", "expected an array of 2 numbers, got 1"),
    ],
)
def test_bad_wording_names_the_offending_key(
    written: dict[str, object], path: str, message: str
) -> None:
    err = error_of(written)
    assert (err.path, err.message) == (f"{PATH}.{path}", message)


# -- the registry ----------------------------------------------------------------------------
def test_new_forms_come_after_dist_and_value() -> None:
    assert list(FORMS) == ["dist", "value", "about", "at_least", "at_most", "between",
                           "quantiles", "mixture"]


EXAMPLES = [
    {"about": 12_000, "unit": 100, "ci90_factor": 2},
    {"at_least": 8_000, "undercount": {"ci90": [1.2, 2]}},
    {"at_least": 8_000, "ci90_factor": 2},
    {"at_most": 8_000, "overcount": {"ci90": [1.2, 2]}},
    {"between": [1, 2], "level": 0.8},
    {"quantiles": {"0.1": 1, "0.9": 2}, "bounded": "zero"},
    {"mixture": [1, 2], "weights": [1, 1]},
    {"dist": "pert", "min": 1, "mode": 2, "max": 3, "lambda": 4},
    {"dist": "triangular", "min": 1, "mode": 2, "max": 3},
    {"dist": "gamma", "shape": 2, "scale": 1},
    {"dist": "gamma", "shape": 2, "rate": 1},
    {"dist": "gamma", "mean": 2, "sd": 1},
    {"dist": "truncnormal", "mean": 0, "sd": 1, "low": 0, "high": 1},
    {"value": 5, "lower": 1, "upper": 9},
]


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_key_a_builder_accepts_marks_an_estimate(example: dict[str, object]) -> None:
    # An unknown key makes the builder list the keys it accepts; each must be in
    # ESTIMATE_KEYS, or a table using it would be read as a group of quantity names.
    build(example)
    err = error_of(example | {"zzz": 1})
    listed = re.search(r"\(expected one of: (.*)\)$", err.message)
    assert listed is not None, err.message
    accepted = set(listed.group(1).split(", "))
    assert accepted <= estimate_keys()
    assert set(example) <= ESTIMATE_KEYS


def test_written_quotes_keys_that_toml_cannot_write_bare() -> None:
    assert written({"quantiles": {"0.05": 9_000, "0.5": 12_000.0}, "bounded": "zero"}) == (
        '{ quantiles = { "0.05" = 9000, "0.5" = 12000 }, bounded = "zero" }'
    )
