"""The HDI-end MCSE is calibrated: (end - true end) / MCSE has sd near 1 over many seeds.

Correctness against closed-form truth (STYLE.md): the true HDI of each family solves
``min_u Q(u + p) - Q(u)`` on its quantile function. The check per family x draw count x
level x end is that ``sd(z)`` lies in the band the method documents, 0.85-1.15, widened
by `K` standard errors of the sample sd (from the sample kurtosis of ``z``): the seed
counts (500 at n = 4,000, 250 at 50,000) keep that widening near 0.15-0.25, small beside
the previous estimator's error (``sd(z)`` 1.5-9 at these ends). The bias of an end is checked to be
under half its MCSE (plus `K` standard errors of the mean), as documented.
``benchmarks/calibrate_hdi_mcse.py`` gives the full table at 400 seeds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from mc import K
from scipy import optimize

import uncertainty
from uncertainty.distributions.base import Distribution
from uncertainty.distributions.lognormal import LogNormal, SplitLogNormal
from uncertainty.distributions.simple import Gamma
from uncertainty.report.build import HDI_BIAS_DRAWS
from uncertainty.stats.array import quantile_mcse_sorted
from uncertainty.stats.hdi import hdi_span, hdi_start_sorted
from uncertainty.stats.hdi_error import _fit_grid, hdi_mcse_sorted

LEVELS = (0.5, 0.9, 0.95)
#: The documented band of sd(z) and bound on |mean(z)|.
BAND = (0.85, 1.15)
BIAS = 0.5

FAMILIES: dict[str, tuple[Callable[[np.random.Generator, int], np.ndarray], Distribution]] = {
    "lognormal": (lambda r, n: np.exp(0.8 * r.standard_normal(n)), LogNormal(1.0, 0.8)),
    "gamma": (lambda r, n: r.gamma(2.0, size=n), Gamma(2.0, 1.0)),
    "two-piece": (lambda r, n: SplitLogNormal(1.0, 0.4, 0.9).from_normal(r.standard_normal(n)),
                  SplitLogNormal(1.0, 0.4, 0.9)),
    "ratio": (lambda r, n: np.exp(0.5 * r.standard_normal(n) - 0.6 * r.standard_normal(n)),
              LogNormal(1.0, math.hypot(0.5, 0.6))),
}


def true_hdi(d: Distribution, p: float) -> tuple[float, float]:
    """The HDI of `d`: the narrowest interval of probability `p` (unimodal `d`)."""
    res = optimize.minimize_scalar(lambda u: float(d.ppf(u + p) - d.ppf(u)),
                                   bounds=(1e-14, 1 - p - 1e-14), method="bounded",
                                   options={"xatol": 1e-13})
    return float(d.ppf(res.x)), float(d.ppf(res.x + p))


def z_scores(family: str, n: int, seeds: int) -> tuple[np.ndarray, np.ndarray]:
    """``(end - truth) / MCSE`` and the MCSEs, shape ``(seeds, levels, 2)``."""
    draw, dist = FAMILIES[family]
    truth = np.array([true_hdi(dist, p) for p in LEVELS])
    errors, mcse = np.empty((seeds, len(LEVELS), 2)), np.empty((seeds, len(LEVELS), 2))
    for seed in range(seeds):
        s = np.sort(draw(np.random.default_rng([seed, n, 16]), n))
        for j, p in enumerate(LEVELS):
            k = hdi_span(n, p)
            i = hdi_start_sorted(s, k)
            errors[seed, j] = (s[i], s[i + k]) - truth[j]
            mcse[seed, j] = hdi_mcse_sorted(s, i, k)
    return errors / mcse, mcse


def se_of_sd(z: np.ndarray) -> float:
    """Standard error of the sample sd of `z` (delta method, sample kurtosis)."""
    sd = float(np.std(z, ddof=1))
    kurtosis = float(np.mean((z - z.mean()) ** 4)) / sd**4
    return sd * math.sqrt(max(kurtosis - 1, 0.0) / (4 * len(z)))


@pytest.mark.slow
@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize(("n", "seeds"), [(4_000, 500), (50_000, 250)])
def test_hdi_end_mcse_is_calibrated(family: str, n: int, seeds: int) -> None:
    z, mcse = z_scores(family, n, seeds)
    assert np.all(mcse > 0), "an HDI end of a continuous distribution has a positive MCSE"
    bad = []
    for j, p in enumerate(LEVELS):
        for e, end in enumerate(("lower", "upper")):
            zz = z[:, j, e]
            sd, margin = float(np.std(zz, ddof=1)), K * se_of_sd(zz)
            mean, mean_margin = float(np.mean(zz)), K * sd / math.sqrt(seeds)
            if not BAND[0] - margin <= sd <= BAND[1] + margin:
                bad.append(f"{p} {end}: sd(z) {sd:.2f} outside {BAND} ± {margin:.2f}")
            if abs(mean) > BIAS + mean_margin:
                bad.append(f"{p} {end}: mean(z) {mean:+.2f} beyond ±{BIAS} + {mean_margin:.2f}")
    assert not bad, bad


def test_an_hdi_starting_at_the_minimum_has_a_positive_mcse() -> None:
    # An exponential's HDI starts at 0: the sample HDI starts at the sample minimum.
    s = np.sort(np.random.default_rng(3).exponential(size=4_000))
    k = hdi_span(len(s), 0.9)
    assert hdi_start_sorted(s, k) <= 1  # here 1: an exponential's HDI starts at 0
    lower, upper = hdi_mcse_sorted(s, 0, k)
    assert lower >= (s[1] - s[0]) / 2 > 0
    assert upper > 0


@pytest.mark.parametrize("s", [np.full(1_000, 2.5), np.array([7.0])])
def test_degenerate_draws_have_zero_hdi_mcse(s: np.ndarray) -> None:
    k = hdi_span(len(s), 0.9)
    np.testing.assert_array_equal(hdi_mcse_sorted(s, hdi_start_sorted(s, k), k), [0.0, 0.0])


def test_a_flat_distribution_gives_a_finite_mcse_wider_than_a_quantile_s() -> None:
    # Uniform draws: every window is about as narrow. Not calibrated there (no curvature
    # to find), but finite, and wider than the order statistic's own error.
    s = np.sort(np.random.default_rng(5).uniform(size=4_000))
    k = hdi_span(len(s), 0.5)
    i = hdi_start_sorted(s, k)
    errors = hdi_mcse_sorted(s, i, k)
    assert np.all(np.isfinite(errors))
    assert np.all(errors > quantile_mcse_sorted(s, np.array([i, i + k]) / len(s)))


def test_the_report_says_how_hdi_ends_are_biased_at_few_draws(tmp_path: Path) -> None:
    # The lower ends of skewed HDIs sit away from the tail at small draw counts (the
    # calibration above measures how far): the full report says so below HDI_BIAS_DRAWS.
    config = tmp_path / "study.toml"
    config.write_text('[sources.a]\nestimates.x = { dist = "lognormal", median = 10, '
                      'ci90 = [5, 20] }\n[metrics]\ny = "x * 2"\n', "utf-8")
    study = uncertainty.load(config)
    few = study.run(draws=4_000, seed=1, sensitivity=False).markdown(plots=False)
    many = study.run(draws=HDI_BIAS_DRAWS, seed=1, sensitivity=False).markdown(plots=False)
    assert "reads a little away from the tail" in few
    assert "reads a little away from the tail" not in many


def test_hdi_mcse_is_the_same_when_its_fit_grids_are_reused() -> None:
    # The fit's offsets and parabola basis depend on three integers and are made once
    # (`_fit_grid`): a reused one must give the MCSEs a fresh one gives, and be read-only.
    r = np.random.default_rng(11)
    rows = [np.sort(r.lognormal(0.0, sigma, 3_000)) for sigma in (0.3, 0.8, 1.5)]
    spans = [hdi_span(3_000, p) for p in (0.5, 0.9, 0.95)]

    def all_mcse() -> bytes:
        return b"".join(hdi_mcse_sorted(s, hdi_start_sorted(s, k), k).tobytes()
                        for s in rows for k in spans)

    _fit_grid.cache_clear()
    fresh = all_mcse()
    assert _fit_grid.cache_info().hits > 0  # rows of one size share grids at once
    assert all_mcse() == fresh  # every grid reused
    _fit_grid.cache_clear()
    assert all_mcse() == fresh  # every grid made again
    d, _ = _fit_grid(-10, 10, 12)
    with pytest.raises(ValueError, match="read-only"):
        d[0] = 99
