"""How the errors of quantile estimates from paired draws move together.

Two figures estimated from the same simulation (the ends of one interval, the medians of
two views that share inputs, a median with and without a source) have correlated Monte
Carlo errors: a difference or a ratio of them is much more precise than their MCSEs
alone suggest when they move together. The asymptotic covariance of the q-quantile of
``X`` and the r-quantile of ``Y``, estimated from ``n`` draws of the pair ``(X, Y)``, is

    cov = (P(X <= x_q, Y <= y_r) - q r) / (n f_X(x_q) f_Y(y_r))

and since each MCSE is ``sqrt(q (1 - q) / n) / f``, it is the product of the two MCSEs
and the correlation of the indicators ``1[X <= x_q]`` and ``1[Y <= y_r]``: the errors are
correlated as the indicators are (`indicator_correlation`). That correlation needs no
density: it is counted over the draws (the first `LIMIT` of them, a random sample of the
run: its own error moves an MCSE by a percent or two at most), and the MCSEs are those the
report prints, whose calibration `benchmarks/calibrate_mcse.py` measures.

`error_of` turns the MCSEs and their correlations into the MCSE of any smooth function of
the figures (the delta method): a median's move, an interval's width ratio, the overlap
of two intervals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["LIMIT", "error_of", "indicator_correlation", "spread_of"]

FloatArray = NDArray[np.float64]

#: The draws the indicator correlations are counted over (the first ones): enough that
#: their own error is negligible in an MCSE (about ``1 / sqrt(LIMIT)``, under 0.008, and
#: ``(1 - rho**2) / sqrt(LIMIT)`` near 1, where a difference's variance is ``1 - rho``:
#: 1.5% of it at rho 0.99).
LIMIT = 1 << 14


def indicator_correlation(rows: Sequence[FloatArray], ends: ArrayLike, *,
                          limit: int = LIMIT) -> FloatArray:
    """Correlations of the indicators ``1[rows[k] <= ends[k]]`` over paired draws.

    Parameters
    ----------
    rows : sequence of 1-D ndarray
        Draws of equal length, paired by position (the same draw of the same streams);
        NaN and ±inf are invalid. A row may appear more than once (with different ends).
    ends : sequence of float
        One value per row: the estimate whose indicator is correlated.
    limit : int
        Only the first `limit` draws are counted.

    Returns
    -------
    ndarray, shape ``(len(rows), len(rows))``
        Each indicator is centred by its share among the row's valid draws and counts 0 at
        an invalid draw, so a pair is correlated over the draws valid in both. 1 on the
        diagonal; 0 for an indicator that never varies; NaN for a NaN end.
    """
    k = len(rows)
    # float32: the products are of numbers in [-1, 1], summed over at most LIMIT draws
    centred = np.zeros((k, min(limit, len(rows[0])) if k else 0), dtype=np.float32)
    valid = np.zeros(centred.shape, dtype=np.float32)
    for i, (row, end) in enumerate(zip(rows, np.asarray(ends, dtype=np.float64), strict=True)):
        x = row[:centred.shape[1]]
        valid[i] = np.isfinite(x)
        below = (x <= end) & (valid[i] > 0)
        n = np.count_nonzero(valid[i])
        if n:
            centred[i] = below
            centred[i] -= np.float32(np.count_nonzero(below) / n) * valid[i]
    # moments over the draws valid in both (the variances over each row's own)
    pairs = (np.full((k, k), centred.shape[1], dtype=np.float64) if valid.all()
             else (valid @ valid.T).astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        moment = (centred @ centred.T).astype(np.float64) / pairs
        scale = np.sqrt(np.diag(moment))
        corr: FloatArray = moment / np.outer(scale, scale)
    corr[~np.isfinite(corr)] = 0.0
    np.fill_diagonal(corr, 1.0)
    bad = np.isnan(np.asarray(ends, dtype=np.float64))
    corr[bad, :] = np.nan
    corr[:, bad] = np.nan
    return corr


def error_of(f: Callable[[FloatArray], float], x: ArrayLike, err: ArrayLike,
             corr: FloatArray) -> float:
    """The MCSE of ``f(x)`` by the delta method.

    Each ``x[k]`` has MCSE ``err[k]``, and their errors the correlations `corr`
    (`indicator_correlation`).

    The gradient is taken by central differences of a tenth of each figure's MCSE, and
    scaled by it (each term is how far `f` moves per MCSE of its figure, so nothing
    overflows however large the figures): a figure with no error (MCSE 0, or NaN: not
    estimated) contributes nothing. NaN when ``f(x)`` is NaN or infinite. Where `f` has a
    kink (the end where two intervals stop overlapping) the derivative is that of the
    side the steps straddle.
    """
    at = np.asarray(x, dtype=np.float64)
    size = np.asarray(err, dtype=np.float64)
    if not np.isfinite(f(at)):
        return float("nan")
    moves = np.zeros(len(at))
    with np.errstate(over="ignore", invalid="ignore"):
        for k in np.flatnonzero(size > 0):
            step = np.zeros(len(at))
            step[k] = size[k] / 10
            moves[k] = 5 * (f(at + step) - f(at - step))  # per MCSE: / (2 step) * size
        return spread_of(moves, corr)


def spread_of(moves: FloatArray, corr: FloatArray) -> float:
    """``sqrt(g' C g)``: the MCSE of a figure that moves by ``moves[k]`` per MCSE of input k.

    `corr` correlates the inputs' errors; an input that does not move it (0) is left out,
    so a NaN correlation of an input without error does not reach the sum. 0 when nothing
    moves it. The last step of `error_of`, for code that takes its differences in bulk.
    """
    used = moves != 0
    if used.all():  # no input left out: the same sums on the arrays as they are
        g, kept = moves, corr
    elif not used.any():
        return 0.0
    else:
        g, kept = moves[used], corr[np.ix_(used, used)]
    with np.errstate(over="ignore", invalid="ignore"):
        return math.sqrt(max(float(g @ kept @ g), 0.0))
