"""What every distribution offers the rest of the pipeline.

All sampling goes through one latent standard-normal variable per (source, quantity): a
distribution maps latent draws ``z`` to values with :meth:`Distribution.from_normal`, which
is its quantile function composed with the normal CDF. Keeping one latent normal per stream
is what later lets a Gaussian copula correlate estimates and a sensitivity analysis hold an
input at a chosen percentile, without touching the families.

Besides ``ppf``/``from_normal``, every family gives its ``cdf``, ``sf`` and ``pdf`` (for
numerical pools), its point masses (``atoms``) and the values where its density jumps or
bends (``breakpoints``, which a mixture needs to tabulate its quantile function).
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = ["Distribution", "ScipyDistribution", "ScipyLaw"]

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
    def pdf(self, x: ArrayLike) -> FloatArray:
        """Probability density at `x` (0 outside the support).

        Raises
        ------
        ValueError
            When the distribution has point masses (`atoms`), which have no density.
        """

    @abc.abstractmethod
    def describe(self) -> str:
        """One phrase naming the family and its parameters, for reports."""

    def sf(self, x: ArrayLike) -> FloatArray:
        """Survival function ``P(X > x)``; families with a precise upper tail override it."""
        return 1.0 - self.cdf(x)

    def atoms(self) -> tuple[tuple[float, float], ...]:
        """Point masses ``(value, probability)``; empty for a continuous distribution."""
        return ()

    def breakpoints(self) -> tuple[float, ...]:
        """Values where the density may jump or bend, and the finite ends of the support.

        A mixture tabulates its quantile function with a node at each of its components'
        breakpoints, so that linear interpolation never straddles a kink or a gap. The
        default is the finite ends of the support, ``ppf(0)`` and ``ppf(1)``.
        """
        ends = self.ppf(np.array([0.0, 1.0]))
        return tuple(float(v) for v in ends if np.isfinite(v))

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


class ScipyLaw:
    """A `scipy.stats` distribution and its parameters, called as a frozen one, unfrozen.

    ``law.ppf(q)`` is ``dist.ppf(q, *args, **kwds)``: what the frozen distribution
    ``dist(*args, **kwds)`` computes (it calls that method of a copy of `dist` with these
    parameters), without freezing, which copies the distribution object and builds its
    docstrings (about 0.5 ms, several times in every config's loading).
    """

    __slots__ = ("args", "dist", "kwds")

    def __init__(self, dist: Any, *args: float, **kwds: float) -> None:
        self.dist, self.args, self.kwds = dist, args, kwds

    def freeze(self) -> Any:
        """The frozen `scipy.stats` distribution."""
        return self.dist(*self.args, **self.kwds)

    def ppf(self, q: ArrayLike) -> Any:  # noqa: D102 (scipy's, with the parameters)
        return self.dist.ppf(q, *self.args, **self.kwds)

    def isf(self, q: ArrayLike) -> Any:  # noqa: D102
        return self.dist.isf(q, *self.args, **self.kwds)

    def cdf(self, x: ArrayLike) -> Any:  # noqa: D102
        return self.dist.cdf(x, *self.args, **self.kwds)

    def sf(self, x: ArrayLike) -> Any:  # noqa: D102
        return self.dist.sf(x, *self.args, **self.kwds)

    def pdf(self, x: ArrayLike) -> Any:  # noqa: D102
        return self.dist.pdf(x, *self.args, **self.kwds)


class ScipyDistribution(Distribution):
    """A distribution backed by a `scipy.stats` one for its CDF and quantiles."""

    @property
    @abc.abstractmethod
    def law(self) -> ScipyLaw:
        """The `scipy.stats` distribution and its parameters."""

    @property
    def frozen(self) -> Any:
        """The frozen `scipy.stats` distribution (for its moments)."""
        return self.law.freeze()

    def _scipy(self) -> ScipyLaw:
        """`law`, built once per instance (a mixture calls often).

        Cached in the instance ``__dict__``, outside the dataclass fields, so equality,
        hashing and repr are unaffected.
        """
        cached = self.__dict__.get("_law_cache")
        if cached is None:
            cached = self.__dict__["_law_cache"] = self.law
        return cached

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102 (documented on the base)
        with np.errstate(over="ignore"):  # beyond the float range: inf, which checks reject
            return np.asarray(self._scipy().ppf(q), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(self._scipy().cdf(x), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(self._scipy().sf(x), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> FloatArray:
        """The density from scipy; inf at a point where scipy raises `OverflowError` instead.

        scipy's Boost-backed densities raise there rather than return inf (the beta's at
        the smallest normal float, for one: found where the consensus reads a claim far in
        its tail). The points are then halved until those that raise are found: the density
        is elementwise, so every other point's value is the same.
        """
        law = self._scipy()
        try:
            return np.asarray(law.pdf(x), dtype=np.float64)
        except OverflowError:
            points = np.asarray(x, dtype=np.float64)
            return _by_halves(law.pdf, points.ravel()).reshape(points.shape)

    def _isf(self, q: FloatArray) -> FloatArray:
        return np.asarray(self._scipy().isf(q), dtype=np.float64)


def _by_halves(density: Any, x: FloatArray) -> FloatArray:
    """`density` at 1-D `x`, inf at each point where it raises `OverflowError`."""
    try:
        return np.asarray(density(x), dtype=np.float64)
    except OverflowError:
        if x.size <= 1:
            return np.full(x.shape, np.inf)
        half = x.size // 2
        return np.concatenate([_by_halves(density, x[:half]), _by_halves(density, x[half:])])
