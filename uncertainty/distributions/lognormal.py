"""Lognormal families: the natural model for a positive count known up to a factor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from uncertainty.distributions.base import (
    Distribution,
    FloatArray,
    ScipyDistribution,
    ScipyLaw,
)
from uncertainty.numbers import plain

__all__ = ["LogNormal", "SplitLogNormal"]

Z90 = float(special.ndtri(0.95))  # 1.6449: half-width of a central 90% interval in sd units


@dataclass(frozen=True)
class LogNormal(ScipyDistribution):
    """Lognormal with the given median and log-scale standard deviation.

    Parameters
    ----------
    median_value : float
        Median, ``exp(mu)``; must be positive.
    sigma : float
        Standard deviation of ``log X``; must be positive.
    """

    median_value: float
    sigma: float
    family = "lognormal"

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.lognorm, s=self.sigma, scale=self.median_value)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        with np.errstate(over="ignore"):  # overflow -> inf: an invalid draw, counted
            return self.median_value * np.exp(self.sigma * np.asarray(z, dtype=np.float64))

    # CDF and survival function in closed form: the same formulas as scipy's, without its
    # per-call overhead, which dominates when a mixture solves for its quantiles.
    def _score(self, x: ArrayLike) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf; NaN stays NaN
            kept = np.where(x > 0, x, np.where(np.isnan(x), x, 0.0))
            return np.log(kept / self.median_value) / self.sigma

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(special.ndtr(self._score(x)), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(special.ndtr(-self._score(x)), dtype=np.float64)

    def describe(self) -> str:  # noqa: D102
        lo, hi = self.ppf([0.05, 0.95])
        return (
            f"lognormal, median {plain(self.median_value)}, "
            f"90% interval [{plain(lo)}, {plain(hi)}]"
        )


@dataclass(frozen=True)
class SplitLogNormal(Distribution):
    """Two-piece lognormal: different log-scale spreads below and above the median.

    ``log X`` is a two-piece normal whose halves are scaled so that each half carries
    probability 1/2; so ``P(X <= median) = 0.5`` and a stated asymmetric interval is
    reproduced exactly at both ends.

    Parameters
    ----------
    median_value : float
        Median; positive.
    sigma_lo, sigma_hi : float
        Log-scale standard deviations below and above the median; positive.

    Notes
    -----
    ``ppf(q) = median * exp(s * ndtri(q))`` with ``s = sigma_lo`` for ``q < 0.5`` and
    ``sigma_hi`` otherwise; the density is continuous only when the two are equal (then it is
    a `LogNormal`), but the CDF is always continuous and strictly increasing.
    """

    median_value: float
    sigma_lo: float
    sigma_hi: float
    family = "split lognormal"

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        z = np.asarray(z, dtype=np.float64)
        # Near the float limit a draw overflows to inf: an invalid draw, counted, not a crash.
        with np.errstate(over="ignore"):
            return self.median_value * np.exp(np.where(z < 0, self.sigma_lo, self.sigma_hi) * z)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return self.from_normal(special.ndtri(np.asarray(q, dtype=np.float64)))

    def _scaled(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``log(x / median)`` over the half's sigma, and that sigma (x <= 0 gives -inf)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.log(np.where(x > 0, x, 0.0) / self.median_value)
        sigma = np.where(t < 0, self.sigma_lo, self.sigma_hi)
        return t / sigma, sigma

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        scaled, _ = self._scaled(np.asarray(x, dtype=np.float64))
        return np.asarray(special.ndtr(scaled), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        scaled, _ = self._scaled(np.asarray(x, dtype=np.float64))
        return np.asarray(special.ndtr(-scaled), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> FloatArray:
        """Density: each half a lognormal density scaled to mass 1/2; 0 for ``x <= 0``.

        At the median itself the upper half's value is returned (the density jumps there
        unless the two sigmas are equal).
        """
        x = np.asarray(x, dtype=np.float64)
        scaled, sigma = self._scaled(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            density = np.exp(-0.5 * scaled**2) / (math.sqrt(2 * math.pi) * sigma * x)
        return np.where(x > 0, density, 0.0)

    def _isf(self, q: FloatArray) -> FloatArray:
        return self.from_normal(-special.ndtri(np.asarray(q, dtype=np.float64)))

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return (0.0, self.median_value)

    def describe(self) -> str:  # noqa: D102
        lo, hi = self.ppf([0.05, 0.95])
        return (
            f"split lognormal, median {plain(self.median_value)}, "
            f"90% interval [{plain(lo)}, {plain(hi)}]"
        )
