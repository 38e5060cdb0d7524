"""Families users name directly: normal, uniform, beta and a point mass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from uncertainty.distributions.base import Distribution, FloatArray, ScipyDistribution
from uncertainty.numbers import plain

__all__ = ["Beta", "Normal", "Point", "Uniform"]


@dataclass(frozen=True)
class Normal(ScipyDistribution):
    """Normal with mean `mean` and standard deviation `sd` (> 0)."""

    mean: float
    sd: float
    family = "normal"

    @property
    def frozen(self) -> Any:  # noqa: D102
        return stats.norm(loc=self.mean, scale=self.sd)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return self.mean + self.sd * np.asarray(z, dtype=np.float64)

    def describe(self) -> str:  # noqa: D102
        return f"normal, mean {plain(self.mean)}, sd {plain(self.sd)}"


@dataclass(frozen=True)
class Uniform(ScipyDistribution):
    """Uniform on ``[low, high]`` with ``low < high``."""

    low: float
    high: float
    family = "uniform"

    @property
    def frozen(self) -> Any:  # noqa: D102
        return stats.uniform(loc=self.low, scale=self.high - self.low)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        u = np.asarray(special.ndtr(np.asarray(z, dtype=np.float64)), dtype=np.float64)
        return self.low + (self.high - self.low) * u

    def describe(self) -> str:  # noqa: D102
        return f"uniform on [{plain(self.low)}, {plain(self.high)}]"


@dataclass(frozen=True)
class Beta(ScipyDistribution):
    """Beta with shapes `alpha`, `beta` (> 0), for fractions in ``[0, 1]``."""

    alpha: float
    beta: float
    family = "beta"

    @property
    def frozen(self) -> Any:  # noqa: D102
        return stats.beta(self.alpha, self.beta)

    def describe(self) -> str:  # noqa: D102
        return f"beta, alpha {plain(self.alpha)}, beta {plain(self.beta)}"


@dataclass(frozen=True)
class Point(Distribution):
    """All mass at `value`: a quantity taken as known exactly.

    ====================  =================================
    call                  result
    ====================  =================================
    ``ppf(q)``            `value` for every ``q`` in [0, 1]
    ``cdf(x)``            0 below `value`, 1 at and above it
    ``from_normal(z)``    `value` for every draw
    ====================  =================================
    """

    value: float
    family = "point"

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return np.full(np.shape(q), self.value, dtype=np.float64)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.where(np.asarray(x, dtype=np.float64) >= self.value, 1.0, 0.0)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return np.full(np.shape(z), self.value, dtype=np.float64)

    def describe(self) -> str:  # noqa: D102
        return f"point mass at {plain(self.value)}"
