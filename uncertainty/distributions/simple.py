"""Families users name directly: normal, uniform, beta, gamma and a point mass."""

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

__all__ = ["Beta", "Gamma", "Normal", "Point", "Uniform"]


@dataclass(frozen=True)
class Normal(ScipyDistribution):
    """Normal with mean `mean` and standard deviation `sd` (> 0)."""

    mean: float
    sd: float
    family = "normal"

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.norm, loc=self.mean, scale=self.sd)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return self.mean + self.sd * np.asarray(z, dtype=np.float64)

    # closed forms, without scipy's per-call overhead (a mixture calls them often)
    def _score(self, x: ArrayLike) -> FloatArray:
        with np.errstate(over="ignore"):  # a tiny sd: +-inf, whose ndtr is exact
            return (np.asarray(x, dtype=np.float64) - self.mean) / self.sd

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(special.ndtr(self._score(x)), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(special.ndtr(-self._score(x)), dtype=np.float64)

    def describe(self) -> str:  # noqa: D102
        return f"normal, mean {plain(self.mean)}, sd {plain(self.sd)}"


@dataclass(frozen=True)
class Uniform(ScipyDistribution):
    """Uniform on ``[low, high]`` with ``low < high``."""

    low: float
    high: float
    family = "uniform"

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.uniform, loc=self.low, scale=self.high - self.low)

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
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.beta, self.alpha, self.beta)

    def describe(self) -> str:  # noqa: D102
        return f"beta, alpha {plain(self.alpha)}, beta {plain(self.beta)}"


@dataclass(frozen=True)
class Gamma(ScipyDistribution):
    """Gamma with shape `shape` and scale `scale` (both > 0): mean ``shape * scale``."""

    shape: float
    scale: float
    family = "gamma"

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.gamma, self.shape, scale=self.scale)

    def describe(self) -> str:  # noqa: D102
        mean, sd = self.shape * self.scale, math.sqrt(self.shape) * self.scale
        return (
            f"gamma, shape {plain(self.shape)}, scale {plain(self.scale)} "
            f"(mean {plain(mean)}, sd {plain(sd)})"
        )


@dataclass(frozen=True)
class Point(Distribution):
    """All mass at `value`: a quantity taken as known exactly.

    ====================  =================================
    call                  result
    ====================  =================================
    ``ppf(q)``            `value` for every ``q`` in [0, 1]
    ``cdf(x)``            0 below `value`, 1 at and above it
    ``pdf(x)``            raises `ValueError`: a point mass has no density
    ``atoms()``           ``((value, 1.0),)``
    ``from_normal(z)``    `value` for every draw
    ====================  =================================
    """

    value: float
    family = "point"

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return np.full(np.shape(q), self.value, dtype=np.float64)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.where(np.asarray(x, dtype=np.float64) >= self.value, 1.0, 0.0)

    def pdf(self, x: ArrayLike) -> FloatArray:
        """Not defined: a point mass has no density.

        Raises
        ------
        ValueError
            Always. Callers that combine densities (a log pool) must treat point masses
            through `atoms` instead.
        """
        raise ValueError(f"a point mass at {plain(self.value)} has no density")

    def atoms(self) -> tuple[tuple[float, float], ...]:  # noqa: D102
        return ((self.value, 1.0),)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return np.full(np.shape(z), self.value, dtype=np.float64)

    def describe(self) -> str:  # noqa: D102
        return f"point mass at {plain(self.value)}"
