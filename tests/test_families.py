"""The new families as distributions: sampling, densities, truncation and tabulated mixtures.

Deterministic identities are checked to ~1e-9 relative (the math is exact, only rounding
differs); sampled quantiles within the rank-window MCSE of `mc.assert_quantile`; the
mixture table against an independent root-find within its documented tolerance.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mc import assert_probability, assert_quantile
from numpy.typing import NDArray
from scipy import integrate, special, stats

from uncertainty.config.validation import Node
from uncertainty.distributions import (
    Beta,
    Gamma,
    HalfLogNormal,
    LogNormal,
    Mixture,
    Normal,
    OneSided,
    Pert,
    Point,
    QuantileMatched,
    ShiftedLogNormal,
    SplitLogNormal,
    Spread,
    Triangular,
    Truncated,
    TruncNormal,
    Uniform,
    build_estimate,
)
from uncertainty.distributions.base import Distribution
from uncertainty.distributions.tabulated import TABLE_RTOL
from uncertainty.sampling.streams import standard_normal

N = 200_000

@dataclass(frozen=True)
class Later:
    """A mixture, built when a test first needs it rather than when the tests are collected.

    Building a mixture tabulates its quantile function (about half a second each); built
    at import, every mixture was built in every process of ``make test``, once per list it
    appears in, whether or not that process ran its tests.
    """

    label: str
    make: Callable[[], Distribution]

    def built(self) -> Distribution:
        return _build(self)


@functools.cache
def _build(later: Later) -> Distribution:
    return later.make()


def _mixture(label: str, *args: object) -> Later:
    return Later(f"Mixture: {label}", functools.partial(Mixture, *args))


#: The mixtures: MIXTURE_LN is in both lists below, built once.
MIXTURE_LN = _mixture("30% lognormal 8,000, 70% lognormal 12,000",
                      (LogNormal(8_000.0, 0.25), LogNormal(12_000.0, 0.17)), (0.3, 0.7))
MIXTURE_NU = _mixture("normal -3, uniform [5, 6]",
                      (Normal(-3.0, 1.0), Uniform(5.0, 6.0)), (1.0, 1.0))

#: Continuous instances of every family added with this module, and of the old ones whose
#: density, survival function or breakpoints are new.
CONTINUOUS: list[Distribution | Later] = [
    Pert(1.0, 3.0, 10.0),
    Pert(0.0, 0.0, 1.0, 6.0),
    Triangular(1.0, 3.0, 10.0),
    Triangular(-2.0, 1.0, 1.0),
    Gamma(2.0, 3.0),
    Gamma(0.7, 1.5),
    TruncNormal(0.0, 1.0, 0.0),
    TruncNormal(5.0, 2.0, 0.0, 8.0),
    TruncNormal(0.0, 1.0, -math.inf, -1.0),
    Truncated(LogNormal(12_000.0, 0.2), lower=10_000.0),
    Truncated(Normal(0.0, 1.0), -1.0, 2.0),
    Truncated(Gamma(2.0, 3.0), upper=4.0),
    HalfLogNormal(0.25),
    ShiftedLogNormal(0.5, 0.4),
    OneSided(8_000.0, HalfLogNormal(0.2), floor=True),
    OneSided(8_000.0, ShiftedLogNormal(0.4, 0.3), floor=True),
    OneSided(8_000.0, HalfLogNormal(0.2), floor=False),
    OneSided(8_000.0, ShiftedLogNormal(0.4, 0.3), floor=False),
    QuantileMatched((0.05, 0.5, 0.95), (9_000.0, 12_000.0, 17_000.0), log=True),
    QuantileMatched((0.1, 0.3, 0.8), (-5.0, 1.0, 2.0), log=False),
    MIXTURE_LN,
    MIXTURE_NU,
    SplitLogNormal(100.0, 0.2, 0.9),
]


def ident(dist: Distribution | Later) -> str:
    if isinstance(dist, Later):
        return dist.label
    return f"{type(dist).__name__}: {dist.describe()}"[:90]


@pytest.fixture(scope="module")
def dist(request: pytest.FixtureRequest) -> Distribution:
    """The distribution a test is parametrized with (indirect), a mixture built here."""
    value = request.param
    return value.built() if isinstance(value, Later) else value


def draws_of(dist: Distribution, seed: int = 5) -> np.ndarray:
    return dist.from_normal(standard_normal(seed, ("families", ident(dist)), N))


# -- the latent-normal contract -------------------------------------------------------------
@pytest.mark.parametrize("dist", CONTINUOUS, ids=ident, indirect=True)
def test_from_normal_is_ppf_of_the_normal_cdf(dist: Distribution) -> None:
    z = np.linspace(-5, 5, 401)
    np.testing.assert_allclose(dist.from_normal(z), dist.ppf(special.ndtr(z)), rtol=1e-9,
                               atol=1e-12)


@pytest.mark.parametrize("dist", CONTINUOUS, ids=ident, indirect=True)
def test_from_normal_is_monotone(dist: Distribution) -> None:
    # Non-decreasing up to the rounding of the library quantile functions: next to a
    # truncation bound successive values differ by less than an ulp, and ndtri is not
    # monotone at that scale. A real inversion is many orders of magnitude larger.
    z = np.linspace(-8, 8, 4001)
    x = dist.from_normal(z)
    assert np.all(np.diff(x) >= -4 * np.spacing(np.abs(x[1:])))


@pytest.mark.parametrize("dist", CONTINUOUS, ids=ident, indirect=True)
@given(q=st.floats(1e-9, 1 - 1e-9))
def test_cdf_inverts_ppf(dist: Distribution, q: float) -> None:
    # the mixture's ppf is tabulated: its CDF is exact, so the round trip is as good as
    # the table, TABLE_RTOL in x, i.e. TABLE_RTOL * x * pdf(x) in probability
    x = dist.ppf(q)
    tol = 1e-8 * q + (4 * TABLE_RTOL * float(abs(x) * dist.pdf(x)) if isinstance(
        dist, Mixture) else 1e-12)
    assert abs(float(dist.cdf(x)) - q) <= tol
    assert abs(float(dist.sf(x)) - (1 - q)) <= tol + 1e-16


@pytest.mark.parametrize("dist", CONTINUOUS, ids=ident, indirect=True)
def test_sampled_quantiles_match_the_analytic_ones(dist: Distribution) -> None:
    draws = draws_of(dist)
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        assert_quantile(draws, p, float(dist.ppf(p)))


# -- densities ------------------------------------------------------------------------------
def _pieces(dist: Distribution) -> list[tuple[float, float]]:
    """The support cut at every breakpoint, so quad never integrates across a kink."""
    lo, hi = (float(v) for v in dist.ppf([0.0, 1.0]))
    cuts = sorted({lo, hi, *dist.breakpoints(), *dist.ppf([1e-12, 0.5, 1 - 1e-12])})
    cuts = [c for c in cuts if lo <= c <= hi]
    return list(itertools.pairwise(cuts))


@pytest.mark.parametrize("dist", CONTINUOUS, ids=ident, indirect=True)
def test_pdf_integrates_to_one(dist: Distribution) -> None:
    total, error = 0.0, 0.0
    for a, b in _pieces(dist):
        value, err = integrate.quad(lambda x: float(dist.pdf(x)), a, b, limit=200,
                                    epsabs=1e-13, epsrel=1e-11)
        total, error = total + value, error + err
    # mass beyond the 1e-12 quantiles is left out of the finite pieces: 2e-12
    assert abs(total - 1) <= 2e-12 + 10 * error + 1e-9


@pytest.mark.parametrize("dist", CONTINUOUS, ids=ident, indirect=True)
def test_pdf_is_the_derivative_of_the_cdf(dist: Distribution) -> None:
    # Central differences with step h = 1e-4 L, L the local scale (the spread, or the
    # distance to a finite end of the support, where the density may blow up): the
    # truncation error (h^2 / 6) |f''| / f ~ (h / L)^2 = 1e-8 relative, the rounding error
    # 2e-16 / (2 h f) ~ 1e-12 / (L f); 1e-6 bounds both with margin and is far below any
    # real error (a missing factor, a wrong scale). Probabilities avoid the breakpoints
    # (a mode, the knots, the split lognormal's median), where the density may jump.
    x = dist.ppf(np.array([0.02, 0.13, 0.37, 0.61, 0.88, 0.97]))
    lo, hi = (float(v) for v in dist.ppf([0.0, 1.0]))
    spread = float(np.subtract(*dist.ppf([0.9, 0.1])))
    h = 1e-4 * np.minimum(spread, np.minimum(x - lo, hi - x))
    slope = (dist.cdf(x + h) - dist.cdf(x - h)) / (2 * h)
    np.testing.assert_allclose(dist.pdf(x), slope, rtol=1e-6)


def test_split_lognormal_density_has_half_the_mass_on_each_side() -> None:
    dist = SplitLogNormal(100.0, 0.2, 0.9)
    below = integrate.quad(lambda x: float(dist.pdf(x)), 0, 100, epsrel=1e-12)[0]
    above = integrate.quad(lambda x: float(dist.pdf(x)), 100, np.inf, epsrel=1e-12)[0]
    assert below == pytest.approx(0.5, rel=1e-9)
    assert above == pytest.approx(0.5, rel=1e-9)


def test_a_point_mass_has_no_density() -> None:
    with pytest.raises(ValueError, match="a point mass at 7 has no density"):
        Point(7.0).pdf(7.0)
    assert Point(7.0).atoms() == ((7.0, 1.0),)


# -- bounded families -----------------------------------------------------------------------
def test_pert_is_the_beta_with_the_pert_shapes() -> None:
    dist = Pert(1.0, 3.0, 10.0)
    reference = stats.beta(1 + 4 * 2 / 9, 1 + 4 * 7 / 9, loc=1, scale=9)
    q = np.linspace(0, 1, 21)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-12)
    assert float(dist.frozen.mean()) == pytest.approx((1 + 4 * 3 + 10) / 6, rel=1e-12)
    # the density peaks at the mode
    grid = np.linspace(1, 10, 9001)
    assert grid[np.argmax(dist.pdf(grid))] == pytest.approx(3.0, abs=1e-3)


def test_triangular_peaks_at_the_mode_with_height_two_over_width() -> None:
    dist = Triangular(1.0, 3.0, 10.0)
    assert float(dist.pdf(3.0)) == pytest.approx(2 / 9, rel=1e-12)
    np.testing.assert_allclose(dist.ppf([0.0, 2 / 9, 1.0]), [1.0, 3.0, 10.0], rtol=1e-12)


def test_truncnormal_truncates_rather_than_clips() -> None:
    dist = TruncNormal(0.0, 1.0, 0.0, 1.0)
    draws = draws_of(dist)
    # clipping would pile the mass outside onto the bounds
    assert np.count_nonzero(draws == 0.0) + np.count_nonzero(draws == 1.0) == 0
    mass = special.ndtr(1.0) - 0.5
    x = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(dist.cdf(x), (special.ndtr(x) - 0.5) / mass, rtol=1e-12)


# -- generic truncation ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("base", "lower", "upper"),
    [
        (LogNormal(12_000.0, 0.2), 10_000.0, math.inf),
        (Normal(0.0, 1.0), -1.0, 2.0),
        (Gamma(2.0, 3.0), -math.inf, 4.0),
        (SplitLogNormal(100.0, 0.2, 0.9), 90.0, 300.0),
    ],
)
def test_truncated_cdf_and_ppf_follow_their_definitions(
    base: Distribution, lower: float, upper: float
) -> None:
    dist = Truncated(base, lower, upper)
    f_lo, f_hi = (float(v) for v in base.cdf([lower, upper]))
    x = dist.ppf(np.linspace(0.01, 0.99, 25))
    np.testing.assert_allclose(dist.cdf(x), (base.cdf(x) - f_lo) / (f_hi - f_lo), rtol=1e-10)
    q = np.linspace(0.0, 1.0, 25)
    np.testing.assert_allclose(dist.ppf(q), base.ppf(f_lo + q * (f_hi - f_lo)), rtol=1e-10)
    ends = dist.ppf([0.0, 1.0])
    support = base.ppf([0.0, 1.0])
    np.testing.assert_allclose(ends, [max(lower, support[0]), min(upper, support[1])],
                               rtol=1e-12)


def test_truncation_far_in_the_right_tail_keeps_its_precision() -> None:
    # F(6) = 1 - 9.9e-10: computing F(l) + q (1 - F(l)) in probabilities would keep only
    # ~7 digits; the survival-function path agrees with scipy's truncnorm to 1e-10.
    dist = Truncated(Normal(0.0, 1.0), lower=6.0)
    reference = stats.truncnorm(6.0, np.inf)
    q = np.array([0.0, 0.1, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-10)
    z = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(dist.from_normal(z), reference.ppf(special.ndtr(z)), rtol=1e-9)


def test_truncated_draws_stay_inside_and_match_the_conditional_quantiles() -> None:
    base = LogNormal(12_000.0, 0.3)
    dist = Truncated(base, 10_000.0, 15_000.0)
    draws = draws_of(dist)
    assert draws.min() >= 10_000.0
    assert draws.max() <= 15_000.0
    f_lo, f_hi = (float(v) for v in base.cdf([10_000.0, 15_000.0]))
    for p in (0.1, 0.5, 0.9):
        assert_quantile(draws, p, float(base.ppf(f_lo + p * (f_hi - f_lo))))


# -- mixtures: the table against an independent root-find -----------------------------------
def reference_quantiles(dist: Mixture, z: NDArray[np.float64]) -> NDArray[np.float64]:
    """The least x with F(x) >= ndtr(z), by plain bisection on the exact CDF, for each z.

    Every z bisects on its own, exactly as a scalar loop would (a finished one is held
    while the others go on); the CDF is evaluated for all of them at once, which is what
    makes the reference affordable at a few hundred points.
    """
    z = np.asarray(z, dtype=np.float64)
    q, s = special.ndtr(z), special.ndtr(-z)
    ends = np.stack([c.from_normal(z) for c in dist.components])
    lo, hi = ends.min(axis=0), ends.max(axis=0)
    pad = 1e-3 * (hi - lo) + 1e-12 * np.maximum(np.abs(lo), np.abs(hi)) + 1e-300
    lo, hi = lo - pad, hi + pad
    while True:
        mid = lo + (hi - lo) / 2
        going = (lo < mid) & (mid < hi)
        if not going.any():
            return hi
        reached = np.where(z <= 0, dist.cdf(mid) >= q, dist.sf(mid) <= s)
        lo, hi = np.where(going & ~reached, mid, lo), np.where(going & reached, mid, hi)


def reference_quantile(dist: Mixture, z: float) -> float:
    """`reference_quantiles` at one z."""
    return float(reference_quantiles(dist, np.array([z]))[0])


MIXTURES = [
    MIXTURE_LN,
    _mixture("lognormals 100 (sigma 2) and 10,000", (LogNormal(100.0, 2.0), LogNormal(1e4, 0.1)),
             (1.0, 1.0)),
    _mixture("normals -3 and 4", (Normal(-3.0, 1.0), Normal(4.0, 0.5)), (1.0, 1.0)),
    _mixture("split lognormal and gamma",
             (SplitLogNormal(10.0, 0.2, 0.9), Gamma(2.0, 10.0)), (0.6, 0.4)),
    _mixture("normal 0, uniform [5, 6]", (Normal(0.0, 1.0), Uniform(5.0, 6.0)), (1.0, 1.0)),
    _mixture("triangular, PERT, beta",
             (Triangular(0.0, 0.2, 1.0), Pert(0.1, 0.5, 0.9), Beta(0.5, 0.5)), (1.0, 1.0, 1.0)),
    _mixture("lognormals 1, 1,000, 1,000,000",
             (LogNormal(1.0, 0.3), LogNormal(1e3, 0.3), LogNormal(1e6, 0.3)), (1.0, 1.0, 1.0)),
    _mixture("30% point mass at 0, 70% lognormal",
             (Point(0.0), LogNormal(1e4, 0.3)), (0.3, 0.7)),
]


@pytest.mark.parametrize("dist", MIXTURES, ids=ident, indirect=True)
def test_mixture_table_is_within_its_documented_tolerance(dist: Mixture) -> None:
    # Documented: |error| <= TABLE_RTOL * x (log x tabulated) or TABLE_RTOL * (|x| +
    # spread) for |z| <= 6, checked at each cell's midpoint; the maximum over a cell of a
    # smooth function's linear-interpolation error is within a small factor of its
    # midpoint error, hence 3 x. The table with 100x fewer nodes misses it by far.
    rng = np.random.default_rng(7)
    z = np.concatenate([rng.uniform(-6, 6, 150), rng.uniform(-2, 2, 100)])
    table = dist.from_normal(z)
    exact = reference_quantiles(dist, z)
    spread = 0.0 if dist._table.log else float(np.subtract(*dist.from_normal(np.array([1.0,
                                                                                     -1.0]))))
    error = np.abs(table - exact) / (np.abs(exact) + spread)
    assert error.max() <= 3 * TABLE_RTOL, (error.max(), z[np.argmax(error)])


def test_mixture_reported_quantiles_are_exact_roots() -> None:
    dist = MIXTURES[0].built()
    for p in (0.05, 0.5, 0.95):
        x = float(dist.ppf(p))
        assert float(dist.cdf(x)) == pytest.approx(p, rel=1e-13)
        assert x == pytest.approx(reference_quantile(dist, float(special.ndtri(p))), rel=1e-14)


@pytest.mark.parametrize("dist", MIXTURES[:4], ids=ident, indirect=True)
def test_mixture_cdf_and_density_are_the_weighted_sums(dist: Mixture) -> None:
    x = dist.ppf(np.array([0.1, 0.4, 0.8]))
    cdf = sum(w * c.cdf(x) for w, c in zip(dist.weights, dist.components, strict=True))
    pdf = sum(w * c.pdf(x) for w, c in zip(dist.weights, dist.components, strict=True))
    np.testing.assert_allclose(dist.cdf(x), cdf, rtol=1e-15)
    np.testing.assert_allclose(dist.pdf(x), pdf, rtol=1e-15)


def test_mixture_draws_match_the_mixture_cdf() -> None:
    # the fraction of draws below x estimates F(x) = sum w_i F_i(x)
    dist = MIXTURES[2].built()
    draws = draws_of(dist)
    for x in (-4.0, -1.0, 0.5, 3.5, 4.5):
        assert_probability(int(np.count_nonzero(draws <= x)), N, float(dist.cdf(x)))


def test_mixture_of_point_masses_is_discrete() -> None:
    dist = Mixture((Point(5.0), Point(10.0)), (0.3, 0.7))
    np.testing.assert_array_equal(dist.ppf([0.0, 0.1, 0.3, 0.3000001, 0.9, 1.0]),
                                  [5.0, 5.0, 5.0, 10.0, 10.0, 10.0])
    z = np.linspace(-5, 5, 401)
    np.testing.assert_array_equal(dist.from_normal(z), dist.ppf(special.ndtr(z)))
    draws = draws_of(dist)
    assert set(np.unique(draws)) == {5.0, 10.0}
    assert_probability(int(np.count_nonzero(draws == 5.0)), N, 0.3)
    assert dist.atoms() == ((5.0, 0.3), (10.0, 0.7))
    with pytest.raises(ValueError, match="a mixture with point masses has no density"):
        dist.pdf(5.0)


def test_mixture_of_a_point_mass_and_a_lognormal() -> None:
    lognormal = LogNormal(1e4, 0.3)
    dist = Mixture((Point(0.0), lognormal), (0.3, 0.7))
    draws = draws_of(dist)
    zero = draws == 0.0
    assert_probability(int(np.count_nonzero(zero)), N, 0.3)
    assert draws[~zero].min() > 0  # nothing between the atom and the lognormal's support
    for p in (0.1, 0.5, 0.9):
        assert_quantile(draws[~zero], p, float(lognormal.ppf(p)))


def test_mixture_weights_are_normalised() -> None:
    dist = Mixture((LogNormal(1.0, 0.1), LogNormal(2.0, 0.1)), (1.0, 3.0))
    assert dist.weights == (0.25, 0.75)
    with pytest.raises(ValueError, match="one positive weight per component"):
        Mixture((LogNormal(1.0, 0.1),), (0.0,))


def test_truncated_mixture_gets_exact_table_nodes_at_its_bounds() -> None:
    base = MIXTURES[0].built().with_knots([10_000.0])
    dist = Truncated(base, lower=10_000.0)
    assert float(dist.ppf(0.0)) == 10_000.0
    assert float(base.ppf(base.cdf(10_000.0))) == pytest.approx(10_000.0, rel=1e-14)


def test_mixture_beyond_the_table_is_solved_exactly() -> None:
    dist = MIXTURES[0].built()
    z = np.array([-9.5, -9.0, 9.0, 9.5])
    np.testing.assert_allclose(dist.from_normal(z), reference_quantiles(dist, z),
                               rtol=1e-12)
    assert np.all(np.diff(dist.from_normal(np.array([8.4, 8.5, 8.6, 9.0]))) > 0)
    np.testing.assert_array_equal(dist.ppf([0.0, 1.0]), [0.0, np.inf])


# -- { dist = NAME } builders -----------------------------------------------------------------
def build(value: object):
    return build_estimate(Node(value, "sources.s.estimates.q"), Spread(1.5, "run's ci90_factor"))


@pytest.mark.parametrize(
    ("written", "description"),
    [
        ({"dist": "pert", "min": 1, "mode": 3, "max": 10}, "PERT on [1, 10], mode 3"),
        ({"dist": "pert", "min": 1, "mode": 3, "max": 10, "lambda": 6},
         "PERT on [1, 10], mode 3, lambda 6"),
        ({"dist": "triangular", "min": 1, "mode": 3, "max": 10},
         "triangular on [1, 10], mode 3"),
        ({"dist": "gamma", "shape": 2, "scale": 3},
         "gamma, shape 2, scale 3 (mean 6, sd 4.243)"),
        ({"dist": "truncnormal", "mean": 0, "sd": 1, "low": 0},
         "normal with mean 0, sd 1, truncated to [0, inf)"),
        ({"dist": "truncnormal", "mean": 5, "sd": 2, "low": 0, "high": 8},
         "normal with mean 5, sd 2, truncated to [0, 8]"),
    ],
)
def test_families_describe_what_was_written(written: dict[str, object], description: str) -> None:
    assert build(written).distribution.describe() == description


@pytest.mark.parametrize(
    ("lo", "mode", "hi", "lam"), [(1.0, 3.0, 10.0, 4.0), (0.0, 0.0, 1.0, 4.0),
                                  (-5.0, 2.0, 2.0, 10.0), (100.0, 150.0, 1000.0, 1.5)])
def test_pert_reproduces_min_mode_max_and_mean(lo: float, mode: float, hi: float,
                                               lam: float) -> None:
    dist = build({"dist": "pert", "min": lo, "mode": mode, "max": hi, "lambda": lam}).distribution
    assert isinstance(dist, Pert)
    np.testing.assert_allclose(dist.ppf([0.0, 1.0]), [lo, hi], rtol=1e-12)
    assert dist.density_mode == pytest.approx(mode, rel=1e-12, abs=1e-12 * (hi - lo))
    assert float(dist.frozen.mean()) == pytest.approx((lo + lam * mode + hi) / (lam + 2),
                                                      rel=1e-12)


def test_triangular_reproduces_min_mode_max() -> None:
    dist = build({"dist": "triangular", "min": -2, "mode": 0, "max": 6}).distribution
    assert isinstance(dist, Triangular)
    np.testing.assert_allclose(dist.ppf([0.0, 0.25, 1.0]), [-2, 0, 6], rtol=1e-12, atol=1e-12)
    assert float(dist.pdf(0.0)) == pytest.approx(2 / 8, rel=1e-12)


@pytest.mark.parametrize(
    "written",
    [{"dist": "gamma", "shape": 2.25, "scale": 8 / 3},
     {"dist": "gamma", "shape": 2.25, "rate": 3 / 8},
     {"dist": "gamma", "mean": 6, "sd": 4}],
)
def test_gamma_parametrisations_agree(written: dict[str, object]) -> None:
    dist = build(written).distribution
    assert isinstance(dist, Gamma)
    assert float(dist.frozen.mean()) == pytest.approx(6, rel=1e-12)
    assert float(dist.frozen.std()) == pytest.approx(4, rel=1e-12)
    q = np.array([0.05, 0.5, 0.95])
    np.testing.assert_allclose(dist.ppf(q), stats.gamma(2.25, scale=8 / 3).ppf(q), rtol=1e-12)


@pytest.mark.parametrize(("low", "high"), [(0.0, math.inf), (-math.inf, -1.0), (-1.0, 2.0),
                                           (3.0, 5.0), (-5.5, -4.0)])
def test_truncnormal_is_scipys_truncnorm(low: float, high: float) -> None:
    written: dict[str, object] = {"dist": "truncnormal", "mean": 0.0, "sd": 1.0}
    written |= {k: v for k, v in (("low", low), ("high", high)) if math.isfinite(v)}
    dist = build(written).distribution
    reference = stats.truncnorm(low, high)
    q = np.linspace(0.0, 1.0, 41)
    np.testing.assert_allclose(dist.ppf(q), reference.ppf(q), rtol=1e-9, atol=1e-13)
    x = reference.ppf(np.linspace(0.02, 0.98, 9))
    np.testing.assert_allclose(dist.cdf(x), reference.cdf(x), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(dist.pdf(x), reference.pdf(x), rtol=1e-9)


def test_truncnormal_keeps_its_upper_tail_where_scipy_stalls() -> None:
    # the half-normal: isf(s) = -ndtri(s / 2) in closed form; scipy's truncnorm.isf stalls
    # at 8.28 beyond z ~ 8, the truncated-normal path does not
    dist = TruncNormal(0.0, 1.0, 0.0)
    z = np.array([6.0, 7.0, 8.0, 8.4])
    np.testing.assert_allclose(dist.from_normal(z), -special.ndtri(special.ndtr(-z) / 2),
                               rtol=1e-12)


def test_an_equal_mixture_shares_the_table_and_a_different_one_does_not() -> None:
    parts = (LogNormal(100.0, 0.7), Normal(50.0, 5.0))
    first = Mixture(parts, (0.3, 0.7))
    again = Mixture(parts, (0.3, 0.7))
    other = Mixture(parts, (0.4, 0.6))
    assert again._table is first._table
    assert other._table is not first._table
    z = np.linspace(-5, 5, 11)
    np.testing.assert_array_equal(again.from_normal(z), first.from_normal(z))
