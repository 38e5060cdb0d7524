"""Self-normalized importance-sampling estimates: weights in, estimates with their MCSE out.

Draws ``x_i`` from a proposal with weights ``w_i`` (any positive scale) estimate the
target's expectations as ``sum(w h(x)) / sum(w)``. The delta-method variance of that ratio
is ``sum(w~_i^2 (h(x_i) - estimate)^2)`` with ``w~ = w / sum(w)``: it gives the MCSE of a
mean, of a probability (``h`` an indicator) and, through the weighted ECDF, of a quantile.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["effective_size", "normalized", "weighted_mean", "weighted_quantiles"]

FloatArray = NDArray[np.float64]


def normalized(log_weights: FloatArray) -> FloatArray:
    """Weights summing to 1 from log-weights (``-inf`` allowed); all zero when all are -inf."""
    top = float(np.max(log_weights)) if log_weights.size else -math.inf
    if not math.isfinite(top):
        return np.zeros_like(log_weights)
    w = np.exp(log_weights - top)
    return np.asarray(w / w.sum(), dtype=np.float64)


def effective_size(weights: FloatArray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum(w^2)``; 0 when every weight is 0."""
    total = float(weights.sum())
    if total <= 0:
        return 0.0
    return total**2 / float(np.dot(weights, weights))


def weighted_mean(values: FloatArray, weights: FloatArray) -> tuple[float, float]:
    """The weighted mean of `values` under normalized `weights`, and its MCSE.

    NaN (both) when every weight is 0.
    """
    if not weights.sum() > 0:
        return math.nan, math.nan
    mean = float(np.dot(weights, values))
    return mean, math.sqrt(float(np.dot(weights**2, (values - mean) ** 2)))


def weighted_quantiles(values: FloatArray, weights: FloatArray, probs: ArrayLike, *,
                       transform: Callable[[FloatArray], FloatArray] | None = None,
                       order: NDArray[np.intp] | None = None,
                       ) -> tuple[FloatArray, FloatArray]:
    """Quantiles of the weighted ECDF at `probs`, each with its Monte Carlo standard error.

    The quantile at ``p`` interpolates the sorted values against the mid-points of their
    cumulative normalized weights. Its MCSE comes from the probability's: ``s_p =
    sqrt(sum(w~^2 (1{x <= q_p} - p)^2))`` is the standard error of the weighted ECDF at
    ``q_p``, which the ECDF's local slope turns into one of ``q_p``; the slope is read off
    the ECDF itself, so the MCSE is half the width of ``[Q(p - s_p), Q(p + s_p)]``.

    Parameters
    ----------
    values, weights : ndarray
        Draws and their normalized weights (summing to 1).
    probs : array_like
        Probabilities in (0, 1).
    transform : callable, optional
        A monotone increasing map applied to the quantiles (``np.exp`` for a quantity drawn
        on the log scale): quantiles and MCSEs are of the transformed value.
    order : ndarray of int, optional
        ``np.argsort(values)``, when the caller has it (several weightings of one sample).

    Returns
    -------
    quantiles, mcse : ndarray

    ===================  ===============================================
    case                 behaviour
    ===================  ===============================================
    every weight 0       NaN quantiles and MCSEs
    one distinct value   that value, MCSE 0
    draws of weight 0    left out
    ===================  ===============================================
    """
    probs = np.asarray(probs, dtype=np.float64)
    f = transform if transform is not None else (lambda v: v)
    if not weights.sum() > 0:
        nan = np.full(probs.shape, math.nan)
        return nan, nan.copy()
    if order is None:
        order = np.argsort(values)
    x, w = values[order], weights[order]
    if not w.all():  # a draw of weight 0 says nothing; at an end it would stretch the MCSE
        x, w = x[w > 0], w[w > 0]
    mid = np.cumsum(w) - w / 2
    q = np.interp(probs, mid, x)
    below = np.searchsorted(x, q, side="right")  # how many draws are <= q
    cum_w2 = np.cumsum(w**2)
    inside = np.where(below > 0, cum_w2[np.maximum(below - 1, 0)], 0.0)
    se = np.sqrt(inside * (1 - probs) ** 2 + (cum_w2[-1] - inside) * probs**2)
    lo = np.interp(np.clip(probs - se, 0.0, 1.0), mid, x)
    hi = np.interp(np.clip(probs + se, 0.0, 1.0), mid, x)
    with np.errstate(over="ignore"):  # exp of a log beyond the float range: inf
        return f(q), (f(hi) - f(lo)) / 2
