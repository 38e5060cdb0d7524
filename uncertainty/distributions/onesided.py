"""One-sided claims: a floor ("at least F") or a ceiling ("at most C") times a factor >= 1.

``at least F`` becomes ``X = F * U`` and ``at most C`` becomes ``X = C / U`` with a factor
``U >= 1`` that says how much was missed: either ``1 + V`` with ``V`` lognormal (a stated
undercount or overcount interval) or ``exp(sigma |Z|)`` (a half-lognormal factor, when only
the source's spread is known). Both keep one latent normal: ``X`` is monotone in ``U``'s
latent normal (increasing for a floor, decreasing for a ceiling).
"""

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

__all__ = ["HalfLogNormal", "OneSided", "ShiftedLogNormal"]

_SQRT2 = math.sqrt(2.0)


@dataclass(frozen=True)
class ShiftedLogNormal(ScipyDistribution):
    """``1 + V`` with ``V`` lognormal (median `median_excess`, log-sd `sigma`): a factor > 1."""

    median_excess: float
    sigma: float
    family = "1 + lognormal"

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.lognorm, s=self.sigma, loc=1.0, scale=self.median_excess)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        with np.errstate(over="ignore"):
            return 1.0 + self.median_excess * np.exp(self.sigma * np.asarray(z, np.float64))

    def describe(self) -> str:  # noqa: D102
        lo, hi = self.ppf([0.05, 0.95])
        return f"1 + lognormal, 90% interval [{plain(lo)}, {plain(hi)}]"


@dataclass(frozen=True)
class HalfLogNormal(Distribution):
    """``exp(sigma |Z|)`` for a standard normal ``Z``: a factor >= 1 with mode 1.

    ``ppf(q) = exp(sigma ndtri((1 + q) / 2))``, computed as ``exp(-sigma ndtri((1 - q) / 2))``
    so that both tails keep their precision.
    """

    sigma: float
    family = "half-lognormal"

    def _at(self, tail: FloatArray) -> FloatArray:
        """The factor whose upper-tail probability is `tail`."""
        with np.errstate(over="ignore"):
            scores = special.ndtri(np.asarray(tail, np.float64) / 2)
            return np.asarray(np.exp(-self.sigma * scores), dtype=np.float64)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return self._at(1.0 - np.asarray(q, dtype=np.float64))

    def _isf(self, q: FloatArray) -> FloatArray:
        return self._at(q)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return self._at(special.ndtr(-np.asarray(z, dtype=np.float64)))

    def _scaled(self, u: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.where(u >= 1, u, 1.0)) / self.sigma

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        u = np.asarray(x, dtype=np.float64)
        return np.where(u >= 1, special.erf(self._scaled(u) / _SQRT2), 0.0)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        u = np.asarray(x, dtype=np.float64)
        return np.where(u >= 1, special.erfc(self._scaled(u) / _SQRT2), 1.0)

    def pdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        u = np.asarray(x, dtype=np.float64)
        t = self._scaled(u)
        density = 2 * np.exp(-0.5 * t**2) / (math.sqrt(2 * math.pi) * self.sigma
                                              * np.where(u >= 1, u, 1.0))
        return np.where(u >= 1, density, 0.0)

    def describe(self) -> str:  # noqa: D102
        return (f"half-lognormal, log-sd {plain(self.sigma)}, 95th percentile "
                f"{plain(float(self.ppf(0.95)))}")


@dataclass(frozen=True)
class OneSided(Distribution):
    """A floor times a factor (``bound * U``) or a ceiling over one (``bound / U``).

    ====================  ======================================  ======================
    `floor`               value                                   support
    ====================  ======================================  ======================
    True (at least)       ``bound * U``, ``ppf(q) = bound U(q)``  ``[bound, inf)``
    False (at most)       ``bound / U``, ``ppf(q) = bound /       ``(0, bound]``
                          U(1 - q)``
    ====================  ======================================  ======================

    Parameters
    ----------
    bound : float
        The floor or ceiling; positive.
    factor : Distribution
        The factor ``U``, supported on ``[1, inf)`` with ``U.ppf(0) == 1``.
    floor : bool
        True for "at least", False for "at most".
    """

    bound: float
    factor: Distribution
    floor: bool
    family = "one-sided"

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        q = np.asarray(q, dtype=np.float64)
        if self.floor:
            return self.bound * self.factor.ppf(q)
        return self.bound / self.factor._isf(q)

    def _isf(self, q: FloatArray) -> FloatArray:
        if self.floor:
            return self.bound * self.factor._isf(q)
        return self.bound / self.factor.ppf(q)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        z = np.asarray(z, dtype=np.float64)
        if self.floor:
            return self.bound * self.factor.from_normal(z)
        return self.bound / self.factor.from_normal(-z)

    def _ratio(self, x: FloatArray) -> FloatArray:
        """The factor ``U`` that gives `x` (for a ceiling, inf at and below 0)."""
        if self.floor:
            return x / self.bound
        with np.errstate(divide="ignore"):
            return np.where(x > 0, self.bound / np.where(x > 0, x, 1.0), np.inf)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        u = self._ratio(x)
        return self.factor.cdf(u) if self.floor else self.factor.sf(u)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        u = self._ratio(x)
        return self.factor.sf(u) if self.floor else self.factor.cdf(u)

    def pdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        u = self._ratio(x)
        if self.floor:
            return self.factor.pdf(u) / self.bound
        safe = np.where(np.isfinite(u), u, 1.0)
        return np.where(np.isfinite(u), self.factor.pdf(safe) * safe**2 / self.bound, 0.0)

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return (self.bound,) if self.floor else (0.0, self.bound)

    def describe(self) -> str:  # noqa: D102
        lo, mid, hi = (plain(v) for v in self.ppf([0.05, 0.5, 0.95]))
        b = plain(self.bound)
        if self.floor:
            how = f"at least {b}: {b} × an undercount factor, {self.factor.describe()}"
        else:
            how = f"at most {b}: {b} ÷ an overcount factor, {self.factor.describe()}"
        return f"{how}; median {mid}, 90% interval [{lo}, {hi}]"
