"""What every distribution offers the rest of the pipeline.

All sampling goes through one latent standard-normal variable per (source, quantity): a
distribution maps latent draws ``z`` to values with :meth:`Distribution.from_normal`, which
is its quantile function composed with the normal CDF. Keeping one latent normal per stream
is what later lets a Gaussian copula correlate estimates and a sensitivity analysis hold an
input at a chosen percentile, without touching the families.
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = ["Distribution", "ScipyDistribution"]

FloatArray = NDArray[np.float64]


class Distribution(abc.ABC):
    """A univariate distribution with a quantile function and a latent-normal sampler."""

    #: Short family name used in reports (``"lognormal"``).
    family: str = ""

    @abc.abstractmethod
    def ppf(self, q: ArrayLike) -> FloatArray:
        """Quantile function (inverse CDF) at probabilities `q`."""

    @abc.abstractmethod
    def cdf(self, x: ArrayLike) -> FloatArray:
        """Cumulative distribution function at `x`."""

    @abc.abstractmethod
    def describe(self) -> str:
        """One phrase naming the family and its parameters, for reports."""

    def from_normal(self, z: FloatArray) -> FloatArray:
        """Map standard-normal draws `z` to draws of this distribution.

        The default is ``ppf(Phi(z))``, evaluated through the upper tail for ``z > 0`` so that
        draws far in the right tail keep their precision. Families with a closed form
        override it.
        """
        z = np.asarray(z, dtype=np.float64)
        out = np.empty_like(z)
        lower = z <= 0
        out[lower] = self.ppf(special.ndtr(z[lower]))
        upper = ~lower
        out[upper] = self._isf(special.ndtr(-z[upper]))
        return out

    def _isf(self, q: FloatArray) -> FloatArray:
        """Inverse survival function; families with a precise one override it."""
        return self.ppf(1.0 - q)

    @property
    def median(self) -> float:
        """The 50th percentile."""
        return float(self.ppf(0.5))


class ScipyDistribution(Distribution):
    """A distribution backed by a frozen `scipy.stats` object for its CDF and quantiles."""

    @property
    @abc.abstractmethod
    def frozen(self) -> Any:
        """The frozen `scipy.stats` distribution."""

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102 (documented on the base)
        return np.asarray(self.frozen.ppf(q), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(self.frozen.cdf(x), dtype=np.float64)

    def _isf(self, q: FloatArray) -> FloatArray:
        return np.asarray(self.frozen.isf(q), dtype=np.float64)
