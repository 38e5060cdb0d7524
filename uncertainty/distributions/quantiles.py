"""A distribution through stated quantiles: piecewise linear in the normal score."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from uncertainty.distributions.base import Distribution, FloatArray
from uncertainty.numbers import plain

__all__ = ["QuantileMatched"]


@dataclass(frozen=True)
class QuantileMatched(Distribution):
    """The distribution whose quantile function passes exactly through stated quantiles.

    With knots ``z_i = ndtri(p_i)`` and ``y_i = log(x_i)`` (`log` true: positive,
    semi-bounded at zero) or ``y_i = x_i``, ``y`` is interpolated linearly in the normal
    score ``z`` between knots, and the two end segments' slopes continue into the tails.
    So ``from_normal(z)`` is a monotone piecewise-linear function of the latent normal:
    two quantiles give an exact lognormal (normal), three quantiles symmetric on that
    scale give one too.

    ===========================  ===============================================
    case                         behaviour
    ===========================  ===============================================
    ``ppf(p_i)``                 exactly ``x_i`` (up to the rounding of exp/log)
    beyond the outer knots       the end segment's slope: lognormal (normal) tail
    ``cdf(x)``, `log`, x <= 0    0
    ``pdf`` at a knot            the upper segment's value (it may jump there)
    ===========================  ===============================================

    Parameters
    ----------
    probabilities : tuple of float
        Strictly increasing, inside (0, 1); at least two.
    values : tuple of float
        Strictly increasing; all positive when `log`.
    log : bool
        Interpolate ``log x`` (True) or ``x``.
    """

    probabilities: tuple[float, ...]
    values: tuple[float, ...]
    log: bool
    family = "quantile-matched"
    _z: FloatArray = field(init=False, repr=False, compare=False)
    _y: FloatArray = field(init=False, repr=False, compare=False)
    _slope: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        z = np.asarray(special.ndtri(np.asarray(self.probabilities, dtype=np.float64)))
        x = np.asarray(self.values, dtype=np.float64)
        y = np.log(x) if self.log else x
        slope = np.diff(y) / np.diff(z)
        if len(z) < 2 or not (np.all(np.diff(z) > 0) and np.all(slope > 0)
                              and np.all(np.isfinite(slope))):
            raise ValueError("knots must be at least two, strictly increasing, finite slopes")
        object.__setattr__(self, "_z", z)
        object.__setattr__(self, "_y", y)
        object.__setattr__(self, "_slope", slope)

    def _segment(self, at: FloatArray, knots: FloatArray) -> FloatArray:
        """Index of the segment holding `at` (end segments extend to infinity)."""
        k = np.searchsorted(knots, at, side="right") - 1
        return np.clip(k, 0, len(knots) - 2)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        z = np.asarray(z, dtype=np.float64)
        k = self._segment(z, self._z)
        with np.errstate(over="ignore", invalid="ignore"):
            y = self._y[k] + self._slope[k] * (z - self._z[k])
            y = np.where(z == self._z[-1], self._y[-1], y)  # the last knot exactly
            return np.asarray(np.exp(y) if self.log else y, dtype=np.float64)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return self.from_normal(special.ndtri(np.asarray(q, dtype=np.float64)))

    def _isf(self, q: FloatArray) -> FloatArray:
        return self.from_normal(-special.ndtri(np.asarray(q, dtype=np.float64)))

    def _score(self, x: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """The normal score of `x`, and its segment's slope."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log(np.where(x > 0, x, 0.0)) if self.log else x
        k = self._segment(y, self._y)
        with np.errstate(invalid="ignore"):
            z = self._z[k] + (y - self._y[k]) / self._slope[k]
        return np.where(np.isnan(x), np.nan, z), self._slope[k]

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        z, _ = self._score(x)
        return np.asarray(special.ndtr(z), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        z, _ = self._score(x)
        return np.asarray(special.ndtr(-z), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        z, slope = self._score(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            density = np.exp(-0.5 * z**2) / (math.sqrt(2 * math.pi) * slope)
            if self.log:
                density = np.where(x > 0, density / np.where(x > 0, x, 1.0), 0.0)
        return np.where(np.isfinite(z), density, 0.0)

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return ((0.0,) if self.log else ()) + tuple(self.values)

    def describe(self) -> str:  # noqa: D102
        scale = "log-linear" if self.log else "linear"
        lo, mid, hi = (plain(v) for v in self.ppf([0.05, 0.5, 0.95]))
        return (
            f"quantile-matched ({scale} in normal score) through {len(self.values)} "
            f"quantiles, median {mid}, 90% interval [{lo}, {hi}]"
        )
