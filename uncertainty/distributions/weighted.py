"""A law known by weighted draws: the consensus of a quantity, drawn like any estimate.

The consensus (`uncertainty.analysis.consensus`) is a posterior known through importance
draws ``theta_i = log T_i`` with normalized weights ``w_i``. `WeightedLog` is the law whose
quantile function is that weighted ECDF's, exactly as `uncertainty.stats.weighted
.weighted_quantiles` reads it: the sorted ``theta`` interpolated against the mid-points of
their cumulative weights, then exponentiated. Drawing it through ``from_normal`` (a latent
normal per draw, on its own named stream) makes the consensus a view like any other, and
its quantiles from infinitely many draws are the consensus's reported ones.

It is exact in the limit of many importance draws; with finitely many, its own error (the
importance sampler's) adds to that of the view's draws: `inflation` is the factor the
view's Monte Carlo standard errors take for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from uncertainty.distributions.base import Distribution, FloatArray
from uncertainty.numbers import plain

__all__ = ["SORTED_LOOKUP", "WeightedLog"]

#: Quantiles of at least this many probabilities, from a law of at least this many draws,
#: are looked up in sorted order: ``np.interp`` then finds each in the table next to the
#: last (a table this long does not fit in the processor's cache, and random look-ups
#: cost 2.5 times more at 2**18 draws). Each value is computed alone from its own
#: probability, so the order changes no bit.
SORTED_LOOKUP = 1 << 14


@dataclass(frozen=True, eq=False)
class WeightedLog(Distribution):
    """``exp`` of a weighted sample of ``log T`` (see the module docstring).

    Parameters
    ----------
    theta : ndarray
        The draws of ``log T`` with a positive weight, sorted.
    weights : ndarray
        Their weights, summing to 1.
    ess : float
        Kish's effective sample size of the weights.
    """

    theta: FloatArray = field(repr=False)
    weights: FloatArray = field(repr=False)
    ess: float
    family = "consensus"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_mid", np.cumsum(self.weights) - self.weights / 2)

    @classmethod
    def from_draws(cls, theta: FloatArray, weights: FloatArray, ess: float, *,
                   order: NDArray[np.intp] | None = None) -> WeightedLog:
        """The law of weighted draws `theta` (zero weights dropped); `order` sorts them."""
        if order is None:
            order = np.argsort(theta)
        x, w = theta[order], weights[order]
        keep = w > 0
        return cls(np.ascontiguousarray(x[keep]), w[keep] / w[keep].sum(), float(ess))

    def inflation(self, draws: int) -> float:
        """How much the MCSE of `draws` draws of this law understates the total error.

        The view's estimate errs by the draws' own error (variance ``s^2 / draws``) plus the
        law's (the importance sampler's, about ``s^2 / ess`` by Kish's approximation), so
        its MCSE from the draws alone is multiplied by ``sqrt(1 + draws / ess)``.
        """
        return math.sqrt(1.0 + draws / self.ess)

    def _log_ppf(self, q: FloatArray) -> FloatArray:
        mid: FloatArray = self._mid  # type: ignore[attr-defined]
        if q.size < SORTED_LOOKUP or len(mid) < SORTED_LOOKUP:
            return np.asarray(np.interp(q, mid, self.theta), dtype=np.float64)
        flat = q.ravel()
        order = np.argsort(flat)
        out = np.empty(flat.shape, dtype=np.float64)
        out[order] = np.interp(flat[order], mid, self.theta)
        return out.reshape(q.shape)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102 (documented on the base)
        return np.exp(self._log_ppf(np.asarray(q, dtype=np.float64)))

    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        return np.exp(self._log_ppf(special.ndtr(z)))

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        with np.errstate(divide="ignore"):
            y = np.log(np.asarray(x, dtype=np.float64))
        return np.asarray(np.interp(y, self.theta, self._mid, left=0.0, right=1.0),  # type: ignore[attr-defined]
                          dtype=np.float64)

    def pdf(self, x: ArrayLike) -> FloatArray:
        """Not offered: a weighted sample's density is not defined without smoothing.

        Raises
        ------
        ValueError
            Always (nothing pools or integrates a consensus).
        """
        raise ValueError("a consensus is known by weighted draws and has no density")

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return (float(math.exp(self.theta[0])), float(math.exp(self.theta[-1])))

    def describe(self) -> str:  # noqa: D102
        return (f"consensus of the sources (median {plain(self.median)}, "
                f"{self.ess:,.0f} effective draws)")
