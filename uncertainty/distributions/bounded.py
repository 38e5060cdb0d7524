"""Bounded distributions: PERT, triangular, truncated normal, and truncation of any family."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from uncertainty.distributions.base import (
    Distribution,
    FloatArray,
    ScipyDistribution,
    ScipyLaw,
)
from uncertainty.distributions.simple import Normal
from uncertainty.numbers import plain

__all__ = ["Pert", "Triangular", "TruncNormal", "Truncated", "range_text"]


def range_text(lower: float, upper: float, number: Callable[[float], str] = plain) -> str:
    """``"[1, 10]"``, ``"[0, inf)"`` or ``"(-inf, 5]"`` for a range with optional ends.

    `number` renders each finite end (`plain` for reports, `show` for error messages).
    """
    left = "(-inf" if math.isinf(lower) else f"[{number(lower)}"
    right = "inf)" if math.isinf(upper) else f"{number(upper)}]"
    return f"{left}, {right}"


@dataclass(frozen=True)
class Pert(ScipyDistribution):
    """PERT: a beta on ``[minimum, maximum]`` with its mode at `mode`.

    The shapes are ``alpha = 1 + lam (mode - minimum) / (maximum - minimum)`` and
    ``beta = 1 + lam (maximum - mode) / (maximum - minimum)``, so the mean is
    ``(minimum + lam mode + maximum) / (lam + 2)``; ``lam = 4`` is the classic PERT.

    Parameters
    ----------
    minimum, mode, maximum : float
        ``minimum <= mode <= maximum`` and ``minimum < maximum``.
    lam : float
        Weight of the mode (> 0); larger means more concentrated around it.
    """

    minimum: float
    mode: float
    maximum: float
    lam: float = 4.0
    family = "PERT"

    @property
    def alpha(self) -> float:
        """First beta shape."""
        return 1 + self.lam * (self.mode - self.minimum) / (self.maximum - self.minimum)

    @property
    def beta(self) -> float:
        """Second beta shape."""
        return 1 + self.lam * (self.maximum - self.mode) / (self.maximum - self.minimum)

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        return ScipyLaw(stats.beta, self.alpha, self.beta, loc=self.minimum,
                        scale=self.maximum - self.minimum)

    @property
    def density_mode(self) -> float:
        """Where the density peaks, from the beta shapes: ``(alpha - 1) / (alpha + beta - 2)``.

        NaN when `lam` is so small that both shapes round to 1 (a uniform, with no mode).
        """
        a, b = self.alpha, self.beta
        if a + b - 2 == 0:
            return math.nan
        return self.minimum + (self.maximum - self.minimum) * (a - 1) / (a + b - 2)

    def describe(self) -> str:  # noqa: D102
        text = f"PERT on [{plain(self.minimum)}, {plain(self.maximum)}], mode {plain(self.mode)}"
        return text if self.lam == 4 else f"{text}, lambda {plain(self.lam)}"


@dataclass(frozen=True)
class Triangular(ScipyDistribution):
    """Triangular on ``[minimum, maximum]`` peaking at `mode` (`scipy.stats.triang`)."""

    minimum: float
    mode: float
    maximum: float
    family = "triangular"

    @property
    def law(self) -> ScipyLaw:  # noqa: D102
        width = self.maximum - self.minimum
        return ScipyLaw(stats.triang, (self.mode - self.minimum) / width, loc=self.minimum,
                        scale=width)

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return (self.minimum, self.mode, self.maximum)

    def describe(self) -> str:  # noqa: D102
        return (f"triangular on [{plain(self.minimum)}, {plain(self.maximum)}], "
                f"mode {plain(self.mode)}")


@dataclass(frozen=True)
class Truncated(Distribution):
    """Any distribution `base` restricted to ``[lower, upper]`` and renormalised.

    With ``F`` the base CDF and ``m = F(upper) - F(lower)`` the mass kept,
    ``cdf(x) = (F(x) - F(lower)) / m`` and ``ppf(q) = F⁻¹(F(lower) + q m)``. The base's
    parameters (and any quantiles stated for it) describe the distribution *before*
    truncation. Probabilities in the upper half are handled through the base's survival
    function, so a window far in the right tail keeps its precision.

    ========================  ===================================================
    case                      behaviour
    ========================  ===================================================
    ``lower = -inf``          truncated above only (likewise ``upper = inf``)
    bound outside support     no effect at that end
    point mass at `lower`     excluded (the window is ``(lower, upper]``)
    ``ppf`` results           clipped to ``[lower, upper]`` against rounding
    ========================  ===================================================

    Parameters
    ----------
    base : Distribution
        The distribution before truncation.
    lower, upper : float
        The window, ``lower < upper``; it must keep positive mass (the builders require
        at least 1e-9).
    """

    base: Distribution
    lower: float = -math.inf
    upper: float = math.inf
    family = "truncated"
    _fl: float = field(init=False, repr=False, compare=False)
    _fu: float = field(init=False, repr=False, compare=False)
    _sl: float = field(init=False, repr=False, compare=False)
    _su: float = field(init=False, repr=False, compare=False)
    _mass: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ends = np.array([self.lower, self.upper])
        fl, fu = (float(v) for v in self.base.cdf(ends))
        sl, su = (float(v) for v in self.base.sf(ends))
        if fl >= 0.5:
            mass = sl - su  # both ends in the upper half: the survival function is precise
        elif fu <= 0.5:
            mass = fu - fl
        else:
            mass = 1.0 - fl - su
        for name, value in (("_fl", fl), ("_fu", fu), ("_sl", sl), ("_su", su),
                            ("_mass", mass)):
            object.__setattr__(self, name, value)

    @property
    def mass(self) -> float:
        """Probability the base distribution puts in ``(lower, upper]``."""
        return self._mass

    def _value(self, q: FloatArray, t: FloatArray) -> FloatArray:
        """Quantile at probability `q`, given ``t = 1 - q`` computed precisely too."""
        p = self._fl + q * self._mass  # base probability below the result
        s = self._su + t * self._mass  # base probability above it
        out = np.empty_like(p)
        low = p <= 0.5
        with np.errstate(over="ignore"):  # a huge base scale: inf, clipped to the bounds
            out[low] = self.base.ppf(p[low])
            out[~low] = self.base._isf(s[~low])
        return np.clip(out, self.lower, self.upper)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        q = np.asarray(q, dtype=np.float64)
        return self._value(np.atleast_1d(q), np.atleast_1d(1.0 - q)).reshape(q.shape)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        z = np.asarray(z, dtype=np.float64)
        flat = np.atleast_1d(z)
        return self._value(special.ndtr(flat), special.ndtr(-flat)).reshape(z.shape)

    def _isf(self, q: FloatArray) -> FloatArray:
        q = np.asarray(q, dtype=np.float64)
        return self._value(np.atleast_1d(1.0 - q), np.atleast_1d(q)).reshape(q.shape)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        below, above = self.base.cdf(x), self.base.sf(x)
        # F(x) - F(l), through the survival function where F(x) is near 1
        kept = np.where(below <= 0.5, below - self._fl, self._sl - above)
        out = np.clip(kept / self._mass, 0.0, 1.0)
        return np.where(x < self.lower, 0.0, np.where(x >= self.upper, 1.0, out))

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        below, above = self.base.cdf(x), self.base.sf(x)
        kept = np.where(above <= 0.5, above - self._su, self._fu - below)
        out = np.clip(kept / self._mass, 0.0, 1.0)
        return np.where(x < self.lower, 1.0, np.where(x >= self.upper, 0.0, out))

    def pdf(self, x: ArrayLike) -> FloatArray:
        """The base density over the mass kept inside ``[lower, upper]``, 0 outside."""
        x = np.asarray(x, dtype=np.float64)
        inside = (x >= self.lower) & (x <= self.upper)
        return np.where(inside, self.base.pdf(x) / self._mass, 0.0)

    def atoms(self) -> tuple[tuple[float, float], ...]:  # noqa: D102
        return tuple((v, m / self._mass) for v, m in self.base.atoms()
                     if self.lower < v <= self.upper)

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        inner = [b for b in self.base.breakpoints() if self.lower <= b <= self.upper]
        ends = [b for b in (self.lower, self.upper) if math.isfinite(b)]
        return tuple(sorted({*inner, *ends}))

    def describe(self) -> str:  # noqa: D102
        base = self.base.describe()
        if ";" in base:  # a mixture: make clear the truncation applies to all of it
            base = f"({base})"
        return f"{base}, truncated to {self.kept()}"

    def kept(self) -> str:
        """The range kept, within the base's support, as text (``"[0, 20]"``)."""
        lo, hi = (float(v) for v in self.ppf(np.array([0.0, 1.0])))
        return range_text(lo, hi)


@dataclass(frozen=True)
class TruncNormal(Distribution):
    """A normal with mean `mean` and sd `sd`, restricted to ``[low, high]`` (true truncation).

    `mean` and `sd` are those of the normal *before* truncation; either bound may be
    infinite. This is `scipy.stats.truncnorm` (the tests compare the two), computed as a
    `Truncated` `Normal`: scipy's ``isf`` loses its precision beyond ``z ~ 8`` (it
    stalls at 8.28 for the half-normal), while the normal's own ``ndtri`` keeps it.
    """

    mean: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    family = "truncated normal"
    _inner: Truncated = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_inner", Truncated(Normal(self.mean, self.sd), self.low,
                                                     self.high))

    @property
    def frozen(self) -> Any:
        """The same distribution as `scipy.stats.truncnorm`, for its moments."""
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return self._inner.ppf(q)

    def _isf(self, q: FloatArray) -> FloatArray:
        return self._inner._isf(q)

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return self._inner.from_normal(z)

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return self._inner.cdf(x)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return self._inner.sf(x)

    def pdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return self._inner.pdf(x)

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return self._inner.breakpoints()

    def describe(self) -> str:  # noqa: D102
        return (f"normal with mean {plain(self.mean)}, sd {plain(self.sd)}, truncated to "
                f"{range_text(self.low, self.high)}")
