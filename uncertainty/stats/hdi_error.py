"""Monte Carlo standard error of the ends of a sample highest-density interval.

The sample HDI ``[s[i], s[i + k]]`` is the narrowest window of ``k + 1`` sorted draws. Its
ends carry two errors, independent to first order, both counted here in *ranks*:

* the error of an order statistic at a fixed rank ``r``: rank sd ``sqrt(r (1 - r/n))``,
  as for any sample quantile (`uncertainty.stats.array.quantile_mcse_sorted`);
* the error in *which* window is narrowest. The width curve ``W(i + d) = s[i + k + d] -
  s[i + d]`` is near its minimum a parabola ``C d^2`` plus a two-sided random walk of
  variance ``(gL^2 + gU^2) |d|`` (``gL``, ``gU``: mean gaps between neighbouring draws at
  the two ends). Its argmin is ``D Z`` with ``D = (sqrt(gL^2 + gU^2) / C)^(2/3)`` and ``Z``
  Chernoff's argmin of ``t^2 + B(t)`` (Kim & Pollard 1990 cube-root asymptotics), of sd
  ``sqrt(0.2636)``.

Each end's MCSE is half the distance between the order statistics the combined rank sd
either side of its rank: the distribution-free rule of the quantile MCSE, with a wider
window. ``C`` is a least-squares parabola through the width curve at 33 ranks over
``d in [-M, M]`` (clipped to the valid starts), ``gL``, ``gU`` the mean gaps over the same
ranks; ``M = 4 D`` found by three fixed-point steps from ``M = n^(2/3) / 4``, and never more
than twice the distance from the window to the end of the draws (the curvature of a tail
changes on that scale). Everything is read from order statistics at a few dozen ranks, so
a streamed run (`uncertainty.streaming.order`) computes exactly the same numbers.

Measured calibration (``benchmarks/calibrate_hdi_mcse.py``, 400 seeds): see
`hdi_mcse_sorted`.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from uncertainty.stats.ranks import unique_ints

__all__ = ["hdi_mcse_sorted"]

FloatArray = NDArray[np.float64]

#: Variance of Chernoff's Z = argmin_t (t^2 + B(t)), B a two-sided standard Brownian motion.
CHERNOFF_VARIANCE = 0.2636
#: Fit window over the argmin's scale D, fixed-point steps, points of the fit, least window.
_WINDOW_OVER_SCALE = 4.0
_STEPS = 3
_POINTS = 33
_LEAST = 8
#: The fit window is at most this many times the distance to the end of the draws.
_TAIL_REACH = 2.0


def hdi_mcse_sorted(s: FloatArray, start: int, span: int) -> FloatArray:
    """Monte Carlo standard errors of the ends of the HDI ``[s[start], s[start + span]]``.

    Parameters
    ----------
    s : ndarray, 1-D
        Sorted draws, or anything indexed like them by integer arrays
        (`uncertainty.streaming.order.SparseSorted`): only a few dozen ranks are read.
    start, span : int
        The HDI's first rank and ``hdi_span(n, prob)``.

    Returns
    -------
    ndarray, shape (2,)
        The errors of the lower and upper end.

    Notes
    -----
    See the module docstring for the method. Measured with
    ``benchmarks/calibrate_hdi_mcse.py`` (400 seeds; lognormal sigma 0.8, gamma shape 2,
    two-piece lognormal sigmas 0.4/0.9, a ratio of lognormals, a normal; levels 50, 90,
    95%; n = 4,000 and 200,000), the sd of ``(end - true end) / MCSE`` is 0.91-1.14
    wherever the end lies in the body of the distribution (every upper end, every 50%
    end, every normal end) and 0.84-1.20 at the 90 and 95% lower ends of the skewed
    families, which lie in a steep tail a few dozen draws from the sample minimum (over
    1.15 only at the 90% lower end at n = 200,000: lognormal 1.20, two-piece 1.19). Those
    lower ends are biased away from the tail at n = 4,000 by 0.14-0.39 MCSE (2-35% of
    the end's small value); the MCSE is not widened for it, since the root-mean-square
    ``z`` there is at most 1.12. The MCSE is never 0 unless the draws around the end are
    equal. A flat-topped density (no curvature) is not calibrated: the MCSE is then
    finite and wider than the quantile's, but can be smaller than the true error.

    ======================  ==========================================
    case                    result
    ======================  ==========================================
    all draws equal         ``(0, 0)``
    one draw                ``(0, 0)``
    HDI at the minimum      at least half the gap to the next draw
    ======================  ==========================================
    """
    n = len(s)
    spread = _window_choice_sd(s, start, span)
    out = np.empty(2)
    for e, r in enumerate((start, start + span)):
        ranks = math.sqrt(r * (1 - r / n) + spread**2)
        ranks = max(ranks, 1.0)  # at least a neighbouring draw: never 0 at the minimum
        lo = max(math.floor(r - ranks), 0)
        hi = min(math.ceil(r + ranks), n - 1)
        out[e] = (s[hi] - s[lo]) / 2
    return out


def _window_choice_sd(s: FloatArray, start: int, span: int) -> float:
    """Standard deviation, in ranks, of the start of the narrowest window (`D` sqrt(Var Z))."""
    n = len(s)
    starts = n - span  # windows start at ranks 0 .. starts - 1
    if starts < 3:
        return 0.0
    reach = _TAIL_REACH * min(start, starts - 1 - start)
    window = max(math.pow(n, 2 / 3) / 4, _LEAST)
    scale = window
    for _ in range(_STEPS):
        m = int(min(max(window, _LEAST), max(reach, _LEAST), starts // 2))
        scale = _argmin_scale(s, start, span, m)
        window = _WINDOW_OVER_SCALE * scale
    return math.sqrt(CHERNOFF_VARIANCE) * scale


def _argmin_scale(s: FloatArray, start: int, span: int, m: int) -> float:
    """``D = (sqrt(gL^2 + gU^2) / C)^(2/3)`` from the width curve over ``d in [-m, m]``.

    Where the fitted curvature is not positive (a flat top, or noise) the window itself is
    the scale, so the next step widens it.
    """
    n = len(s)
    lo, hi = max(-m, -start), min(m, n - span - 1 - start)
    d, basis = _fit_grid(int(lo), int(hi), int(m))
    if basis is None:
        return float(m)
    ends = np.asarray(s[np.concatenate((start + d, start + span + d))], dtype=np.float64)
    # Python floats from here: a few dozen numbers, where numpy's per-call cost would
    # dominate (this runs three times for every HDI end of every row).
    low, high = ends[: len(d)].tolist(), ends[len(d):].tolist()
    width = [b - a for a, b in zip(low, high, strict=True)]  # overflow gives inf, silently
    if not all(math.isfinite(w) for w in width):
        return float(m)
    curvature = _quadratic_coefficient(basis, width) / m**2
    if not math.isfinite(curvature):  # widths near the largest float
        return float(m)
    gaps = math.hypot(low[-1] - low[0], high[-1] - high[0]) / int(d[-1] - d[0])
    scale = (gaps / curvature) ** (2 / 3) if curvature > 0 else math.inf
    return scale if math.isfinite(scale) else float(m)


@functools.lru_cache(maxsize=1 << 14)
def _fit_grid(lo: int, hi: int, m: int) -> tuple[NDArray[np.intp], _Basis | None]:
    """The offsets ``d`` of the fit over ``[lo, hi]`` and the parabola's basis over ``d / m``.

    None for the basis when there are fewer than 3 offsets. Each depends on the three
    integers alone, and the same few recur over every row of a run and every run of its
    size: made once (the same numbers as made each time), read-only.
    """
    d = unique_ints(np.round(np.linspace(lo, hi, _POINTS)).astype(np.intp))
    d.flags.writeable = False
    return d, (_parabola_basis([r / m for r in d.tolist()]) if len(d) >= 3 else None)


#: The part of ``t**2`` orthogonal to ``1`` and ``t``, and its sum of squares.
_Basis = tuple[list[float], float]


def _parabola_basis(t: list[float]) -> _Basis:
    """The part of ``t**2`` orthogonal to ``1`` and ``t`` (Gram-Schmidt), and its norm².

    Plain sums: a float overflow gives inf, never an exception.
    """
    k = len(t)
    t_mean = sum(t) / k
    u = [x - t_mean for x in t]
    sq = [x * x for x in t]
    sq_mean = sum(sq) / k
    along = sum(a * b for a, b in zip(sq, u, strict=True)) / sum(a * a for a in u)
    q = [a - sq_mean - along * b for a, b in zip(sq, u, strict=True)]
    return q, sum(a * a for a in q)


def _quadratic_coefficient(basis: _Basis, y: list[float]) -> float:
    """The ``t**2`` coefficient of the least-squares parabola through ``(t, y)``.

    `basis` is `_parabola_basis` of ``t``: regressed on it alone, ``y`` gives the
    coefficient a least-squares fit of the three gives, without a matrix solve.
    """
    q, norm = basis
    return sum(a * b for a, b in zip(q, y, strict=True)) / norm
