"""The increment of a cumulative count between two dates, from two figures of one source.

A source's cumulative totals ``A`` (at the earlier date) and ``B`` (at the later one) keep
their own distributions and are drawn jointly through a Gaussian copula: their latent
normal scores ``u`` (of ``A``) and ``w`` (of ``B``) have correlation ``rho``. For lognormal
figures ``rho`` is exactly the correlation of their log errors. A cumulative count never
falls, so the pair is conditioned on ``B >= A``, and the increment is

    D = B - A  given  B >= A,         never negative.

Its law, for ``d >= 0``, with ``r = sqrt(1 - rho**2)`` and ``s(x)`` the normal score of
``B``'s CDF at ``x`` (so that ``P(B > x | u) = Phi((rho u - s(x)) / r)``)::

    p0   = P(B >= A)         = E_u[ Phi((rho u - s(A(u))) / r) ]
    S(d) = P(D > d | B >= A) = E_u[ Phi((rho u - s(A(u) + d)) / r) ] / p0

The expectation over ``u`` is a trapezoid rule on ``[-U_MAX, U_MAX]`` with spacing at most
half of ``r`` (for this integrand, smooth on the scale ``r``, the error falls like
``exp(-2 pi^2 (r / h)^2)``: negligible). When ``r`` is too small for a grid of
`MAX_POINTS` (``|rho| > 0.999994``) the figures move in lockstep (``w = sign(rho) u``) and
``D(u)`` is a function of ``u``: the probability of ``0 <= D <= d`` is then the measure of
the ``u`` where it holds, with ``D`` linear between the grid's nodes.

``S`` is computed at `GRID_POINTS` increments spaced evenly in ``log d``, from
`LOW_END` times ``B``'s median to ``B``'s quantile ``1 - 1e-15``; quantiles interpolate
``log d`` linearly in the normal score between these nodes.

=============================  ==========================================================
case                           behaviour
=============================  ==========================================================
``rho = 0``                    the two figures' errors are independent
``|rho| = 1``                  lockstep (see above)
``P(B >= A)`` below `MIN_P`    `ValueError`: the later figure is almost surely the smaller
normal score beyond the table  the table's end value (its tail probability is below ~1e-12)
=============================  ==========================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from uncertainty.distributions.base import Distribution, FloatArray
from uncertainty.distributions.kept import Kept
from uncertainty.numbers import plain
from uncertainty.runtime.parallel import resolve_threads, thread_map
from uncertainty.stats.lookup import Table

__all__ = ["GRID_POINTS", "LAWS_KEPT", "LOW_END", "MIN_P", "Increment"]

#: Half-width of the latent grid of the earlier figure (tail probability 1e-17).
U_MAX = 8.5
#: Largest spacing of that grid, and most nodes it may have.
MAX_SPACING = 0.0085
MAX_POINTS = 10_001
#: Increments at which the law is computed, evenly spaced in log.
GRID_POINTS = 1_000
#: Smallest tabulated increment, relative to the later figure's median.
LOW_END = 1e-12
#: Least probability that the later figure is at least the earlier one.
MIN_P = 0.01
#: Laws of the increments built last, kept (`uncertainty.distributions.kept`).
LAWS_KEPT = 32


@dataclass(frozen=True)
class _Law:
    """Nodes of the increment's law: ``log d`` and its normal score, both increasing.

    `score` looks the score up at any ``log d`` (``np.interp(log_d, self.log_d, self.z)``,
    bit for bit): the density and CDF are evaluated at every draw and quadrature node of a
    consensus, where numpy's binary search per point was most of their time.
    """

    log_d: FloatArray
    z: FloatArray
    p0: float
    score: Table = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", Table(self.log_d, self.z))


_LAWS: Kept[_Law] = Kept(LAWS_KEPT)


@dataclass(frozen=True)
class Increment(Distribution):
    """``later - earlier`` given ``later >= earlier``, their latent scores correlated.

    Parameters
    ----------
    earlier, later : Distribution
        The two cumulative figures' distributions (continuous).
    rho : float
        Correlation of their latent normal scores, in [-1, 1].

    Raises
    ------
    ValueError
        When `rho` is outside [-1, 1], a figure has point masses, or ``P(later >= earlier)``
        is below `MIN_P`.
    """

    earlier: Distribution
    later: Distribution
    rho: float
    family = "increment"
    _law: _Law = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not -1 <= self.rho <= 1:
            raise ValueError(f"a correlation is between -1 and 1, got {self.rho:g}")
        if self.earlier.atoms() or self.later.atoms():
            raise ValueError("a figure with point masses cannot give an increment")
        object.__setattr__(self, "_law", _law_of(self))

    # -- the law ---------------------------------------------------------------------------
    def _score(self, x: FloatArray) -> FloatArray:
        """Normal score of the later figure's CDF at `x`, precise in both tails.

        The score of the CDF where it is at most 1/2, else minus that of the survival
        function, each computed only where it is used (both are elementwise).
        """
        x = np.asarray(x, dtype=np.float64)
        below = np.asarray(self.later.cdf(x), dtype=np.float64)
        lower = below <= 0.5
        upper = ~lower
        out = np.empty_like(below)
        with np.errstate(divide="ignore"):
            out[lower] = special.ndtri(below[lower])
            out[upper] = -special.ndtri(np.asarray(self.later.sf(x[upper]), dtype=np.float64))
        return out

    def _above(self, d: FloatArray, threads: int | None = None) -> tuple[FloatArray, float]:
        """``P(B > A + d)`` for each increment `d` (unconditional), and ``P(B >= A)``.

        The chunks of the (d, u) grid are worked on in `threads` threads (None: every
        core), each writing its own rows: the same numbers for any count.
        """
        r = math.sqrt(max(0.0, 1.0 - self.rho ** 2))
        lockstep = r < 2 * 2 * U_MAX / (MAX_POINTS - 1)
        h = MAX_SPACING if lockstep else min(MAX_SPACING, r / 2)
        n = math.ceil(2 * U_MAX / h) + 1
        u = np.linspace(-U_MAX, U_MAX, n)
        weight = np.exp(-0.5 * u ** 2) / math.sqrt(2 * math.pi) * (u[1] - u[0])
        weight[[0, -1]] /= 2
        a = np.asarray(self.earlier.from_normal(u), dtype=np.float64)
        if lockstep:
            b = np.asarray(self.later.from_normal(math.copysign(1.0, self.rho) * u))
            gap = b - a
            p0 = _measure(u, gap, math.inf)
            return p0 - np.array([_measure(u, gap, float(x)) for x in d]), p0
        out = np.empty(len(d))

        def chunk(start: int) -> None:
            x = a[None, :] + d[start:start + 64, None]
            out[start:start + 64] = special.ndtr((self.rho * u - self._score(x)) / r) @ weight

        thread_map(chunk, range(0, len(d), 64), resolve_threads(threads))
        p0 = float(special.ndtr((self.rho * u - self._score(a)) / r) @ weight)
        return out, p0

    def _tabulate(self) -> _Law:
        scale = float(self.later.ppf(0.5))
        top = float(self.later.ppf(1 - 1e-15))
        if not (math.isfinite(top) and top > 0 and scale > 0):
            raise ValueError("the later figure needs a positive median and a finite upper tail")
        d = np.geomspace(LOW_END * scale, top, GRID_POINTS)
        above, p0 = self._above(d)
        if not p0 >= MIN_P:
            raise ValueError(f"the later figure is at least the earlier one with probability "
                             f"{p0:.2g} only (below {MIN_P:g}): no increment")
        sf = np.clip(above / p0, 0.0, 1.0)
        cdf = np.clip(1.0 - sf, 0.0, 1.0)
        with np.errstate(divide="ignore"):
            z = np.where(cdf <= 0.5, special.ndtri(cdf), -special.ndtri(sf))
        keep = np.isfinite(z)
        log_d, z = np.log(d[keep]), z[keep]
        # rounding can leave equal scores in a far tail: keep the nodes strictly increasing
        strict = np.concatenate([[True], np.diff(z) > 0])
        while not np.all(strict):
            log_d, z = log_d[strict], z[strict]
            strict = np.concatenate([[True], np.diff(z) > 0])
        return _Law(log_d, z, p0)

    @property
    def p_ordered(self) -> float:
        """``P(later >= earlier)`` before conditioning: the share of pairs kept."""
        return self._law.p0

    # -- the Distribution interface ----------------------------------------------------------
    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        z = np.asarray(z, dtype=np.float64)
        law = self._law
        return np.asarray(np.exp(np.interp(z, law.z, law.log_d)), dtype=np.float64)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        q = np.asarray(q, dtype=np.float64)
        with np.errstate(divide="ignore"):
            out = self.from_normal(special.ndtri(q))
        return np.where(q <= 0, 0.0, np.where(q >= 1, np.inf, out))

    def _isf(self, q: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore"):
            return self.from_normal(-special.ndtri(np.asarray(q, dtype=np.float64)))

    def _z(self, x: ArrayLike) -> FloatArray:
        x = np.asarray(x, dtype=np.float64)
        law = self._law
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(np.where(x > 0, x, np.nan))
        z = law.score.interp(logs)
        return np.where(x <= 0, -np.inf, np.where(np.isnan(x), np.nan, z))

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(special.ndtr(self._z(x)), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        return np.asarray(special.ndtr(-self._z(x)), dtype=np.float64)

    def pdf(self, x: ArrayLike) -> FloatArray:
        """The derivative of the tabulated CDF (slope of the score in ``log d``, per cell)."""
        x = np.asarray(x, dtype=np.float64)
        law = self._law
        slope = law.score.slopes
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(np.where(x > 0, x, np.nan))
        # One search of the nodes serves the cell (np.searchsorted's, side "left") and the
        # score; inside the table the score is `_z`'s, and outside it the density is 0.
        right = law.score.right(logs)
        cell = np.clip(law.score.left(logs, right) - 1, 0, len(slope) - 1)
        inside = (logs >= law.log_d[0]) & (logs <= law.log_d[-1])
        z = law.score.interp(logs, right)
        with np.errstate(invalid="ignore"):
            out = np.exp(-0.5 * z ** 2) / math.sqrt(2 * math.pi) * slope[cell] / x
        return np.where(inside, out, 0.0)

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return (0.0,)

    def describe(self) -> str:  # noqa: D102
        lo, mid, hi = self.ppf([0.05, 0.5, 0.95])
        return (f"increment, median {plain(mid, 3)}, 90% [{plain(lo, 3)}, {plain(hi, 3)}]: "
                f"later ({self.later.describe()}) minus earlier ({self.earlier.describe()}), "
                f"latent correlation {self.rho:g}, given later >= earlier "
                f"(P = {self.p_ordered:.3g})")


def _law_of(increment: Increment) -> _Law:
    """The law of `increment`, tabulated once for equal figures and correlation.

    A study builds the same increment more than once (the config, then each variant of the
    sensitivity analysis that keeps its figures), and equal figures give the same table.
    """
    return _LAWS.get((type(increment), increment.earlier, increment.later, increment.rho),
                     increment._tabulate)


def _measure(u: FloatArray, gap: FloatArray, d: float) -> float:
    """``P(0 <= gap(u) <= d)`` for standard normal ``u``, `gap` linear between nodes.

    On each cell the share of its width where ``0 <= gap <= d`` is exact for a linear gap;
    the normal density is taken at the cell's middle.
    """
    g0, g1 = gap[:-1], gap[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = g1 - g0
        t_lo = np.where(slope != 0, (0.0 - g0) / slope, np.nan)
        t_hi = np.where(slope != 0, (d - g0) / slope, np.nan)
    lo = np.where(slope > 0, t_lo, t_hi)
    hi = np.where(slope > 0, t_hi, t_lo)
    share = np.clip(np.minimum(hi, 1.0) - np.maximum(lo, 0.0), 0.0, 1.0)
    flat = slope == 0
    share = np.where(flat, ((g0 >= 0) & (g0 <= d)).astype(np.float64), share)
    width = np.diff(u)
    middle = (u[:-1] + u[1:]) / 2
    return float(np.sum(share * width * np.exp(-0.5 * middle ** 2)) / math.sqrt(2 * math.pi))
