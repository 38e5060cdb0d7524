"""Summary statistics on plain numpy arrays of draws. No xarray, no I/O.

Functions ending in ``_sorted`` take draws already sorted ascending and free of NaN/inf, so
one sort serves the median, every interval and every Monte Carlo standard error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from uncertainty.stats.hdi import hdi_span, hdi_start_sorted
from uncertainty.stats.hdi_error import hdi_mcse_sorted
from uncertainty.stats.ranks import unique_ints

__all__ = [
    "INTERVAL_STATISTICS",
    "SCALAR_STATISTICS",
    "SELECT_DRAWS",
    "SELECT_RANGES",
    "SORT_RANGES",
    "VECTOR_SORT",
    "all_positive",
    "empty_statistics",
    "eti_sorted",
    "hdi_mcse_sorted",
    "hdi_sorted",
    "partly_sorted",
    "quantile_mcse_sorted",
    "quantile_sorted",
    "quantile_statistics",
    "quantiles",
    "quantiles_of_union",
    "sd_mcse",
    "stable_argsort",
    "summarize_draws",
]

FloatArray = NDArray[np.float64]

#: The summary of one row of draws, the one definition every summary path fills: these
#: are scalars ...
SCALAR_STATISTICS = ("median", "mean", "sd", "valid", "invalid", "mcse_median", "mcse_mean",
                     "mcse_sd")
#: ... and these hold a (lower, upper) pair per credible level.
INTERVAL_STATISTICS = ("eti", "hdi", "mcse_eti", "mcse_hdi")


def empty_statistics(levels: int, *, valid: int = 0, invalid: int = 0) -> dict[str, FloatArray]:
    """The statistics of a row with no valid draw: NaN but for the counts."""
    out: dict[str, FloatArray] = {k: np.array(np.nan) for k in SCALAR_STATISTICS}
    out |= {k: np.full((levels, 2), np.nan) for k in INTERVAL_STATISTICS}
    out["valid"] = np.array(valid, dtype=np.float64)
    out["invalid"] = np.array(invalid, dtype=np.float64)
    return out


def quantile_sorted(s: FloatArray, probs: ArrayLike) -> FloatArray:
    """Quantiles of sorted draws `s`: Hyndman and Fan's type 8, approximately median-unbiased.

    The ``p``-quantile interpolates linearly at the 1-based rank ``(n + 1/3) p + 1/3``,
    held within ``[1, n]`` (``np.quantile(s, probs, method="median_unbiased")`` to the last
    bits; this avoids re-sorting). Numpy's default (type 7, rank ``(n - 1) p + 1``) sits
    about ``1 - 2p`` ranks inside that for a tail ``p``, which pulls the ends of a 95%
    interval towards the middle by about 0.1 of their Monte Carlo error at 4,000 draws;
    type 8 takes the median's rank the same way (``(n + 1) / 2``) and costs the same.
    """
    p = np.asarray(probs, dtype=np.float64)
    n = len(s)
    h = np.clip((n + 1 / 3) * p - 2 / 3, 0.0, n - 1)  # the 0-based rank
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def eti_sorted(s: FloatArray, prob: float) -> tuple[float, float]:
    """Equal-tailed interval of probability `prob`: the (1∓prob)/2 quantiles."""
    lo, hi = quantile_sorted(s, [(1 - prob) / 2, (1 + prob) / 2])
    return float(lo), float(hi)


def all_positive(x: ArrayLike) -> bool:
    """Whether `x` has a finite value and every finite value is positive (NaN, ±inf ignored).

    One pass in the usual case: the least non-NaN value decides unless it is ``-inf``.
    """
    least = _least_finite(np.asarray(x, dtype=np.float64).ravel())
    return math.isfinite(least) and least > 0


def all_positive_rows(rows: Sequence[ArrayLike]) -> bool:
    """`all_positive` of the rows taken together, without joining them (no copy)."""
    least = [_least_finite(np.asarray(r, dtype=np.float64).ravel()) for r in rows]
    finite = [v for v in least if math.isfinite(v)]
    return bool(finite) and min(finite) > 0


def _least_finite(flat: FloatArray) -> float:
    """The least finite value of `flat`; NaN when it has none."""
    if not flat.size:
        return math.nan
    least = float(np.fmin.reduce(flat))
    if least == -math.inf:  # a -inf draw hides the least finite one
        finite = flat[np.isfinite(flat)]
        return float(finite.min()) if finite.size else math.nan
    return least if math.isfinite(least) else math.nan


def hdi_sorted(s: FloatArray, prob: float) -> tuple[float, float]:
    """Highest-density interval: the narrowest interval holding a fraction `prob` of draws.

    The interval ``[s[i], s[i + k]]`` with ``k = floor(prob * n)`` of least width (the
    estimator ArviZ uses). For a multimodal distribution this is the narrowest *single*
    interval, which may include a low-density gap.

    ======================  ======================================
    case                    result
    ======================  ======================================
    all draws equal         ``(x, x)``
    one draw                ``(x, x)``
    ties in width           the leftmost narrowest interval
    ======================  ======================================
    """
    k = hdi_span(len(s), prob)
    i = hdi_start_sorted(s, k)
    return float(s[i]), float(s[i + k])


def quantile_mcse_sorted(s: FloatArray, probs: ArrayLike) -> FloatArray:
    """Monte Carlo standard error of sample quantiles, distribution-free.

    For independent draws the rank of the sample ``p``-quantile has standard deviation
    ``sqrt(n p (1 - p))``; half the distance between the order statistics one such
    standard deviation either side of ``n p`` estimates the quantile's standard error.
    """
    p = np.asarray(probs, dtype=np.float64)
    n = len(s)
    half = np.sqrt(n * p * (1 - p))
    lo = np.clip(np.floor(n * p - half).astype(np.intp), 0, n - 1)
    hi = np.clip(np.ceil(n * p + half).astype(np.intp), 0, n - 1)
    return (s[hi] - s[lo]) / 2


class _Ranks:
    """Reads like a sorted array of `n` draws, recording the ranks read (each reads as 0)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.read: list[NDArray[np.intp]] = []

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: Any) -> Any:
        ranks = np.asarray(key, dtype=np.intp)
        self.read.append(ranks.ravel())
        return np.zeros(ranks.shape)[()]


#: Whether `np.sort` of float64 draws is a vectorized sort: numpy 2 dispatches it to
#: x86-simd-sort's AVX2 and AVX-512 kernels, and on Arm to Highway's VQSort. One such sort
#: then costs less than selecting ranks in several places with `np.partition`: on this
#: project's machine (AVX-512), 1.0 ms to sort 131,072 draws and read 4 quantiles against
#: 2.3 ms to select them, and 6.5 ms to sort 10**6 draws against 9.8 ms to select 6 ranges
#: by `partly_sorted`'s brackets. Which way is taken changes no number.
VECTOR_SORT = int(np.__version__.split(".", 1)[0]) >= 2
#: With `VECTOR_SORT`, `partly_sorted` sorts when the ranks it must place lie in this many
#: separate ranges or more (4: as fast as the brackets at 10**6 draws, faster below).
SORT_RANGES = 4


def quantiles(x: FloatArray, probs: Sequence[float], *, overwrite: bool = False) -> FloatArray:
    """``np.quantile(x, probs)``: the same numbers, faster where `VECTOR_SORT`.

    np.quantile selects the order statistics it needs with `np.partition`; here, the
    draws are sorted first (a copy, or `x` itself in place with `overwrite`), and the
    selections on sorted draws cost almost nothing. The order statistics at every rank
    are those of `x` either way, and np.quantile interpolates between them alike, so each
    quantile is the same to the last bit, NaN and infinite draws included.
    """
    if not VECTOR_SORT:
        return np.quantile(x, probs, overwrite_input=overwrite)
    if overwrite:
        x.sort()
    return np.quantile(x if overwrite else np.sort(x), probs, overwrite_input=True)


def quantiles_of_union(a: FloatArray, b: FloatArray, probs: Sequence[float]) -> FloatArray:
    """``np.quantile(np.concatenate([a, b]), probs)`` of sorted `a` and `b`, without merging.

    `a` and `b` are sorted, free of NaN, and not both empty. Each order statistic
    np.quantile reads of the pooled draws is found by binary search (`_union_rank`), in
    ``log n`` steps instead of a sort and a partition, and interpolated as np.quantile's
    default ("linear") method does, operation for operation: the same numbers (a zero may
    differ in sign, as it may between two sorts of equal zeros).
    """
    m = len(a) + len(b)
    q = np.asarray(probs, dtype=np.float64)
    # np.quantile's "linear" method: the rank (m - 1) q, between floor and floor + 1; at
    # or past the last rank, the last draw.
    virtual = (m - 1) * q
    previous = np.floor(virtual)
    following = previous + 1
    last = virtual >= m - 1
    previous[last] = following[last] = -1
    previous_at, following_at = previous.astype(np.intp), following.astype(np.intp)
    gamma = virtual - previous_at
    ranks = np.concatenate([previous_at, following_at]) % m
    value = np.array([_union_rank(a, b, r) for r in ranks.tolist()], dtype=np.float64)
    low, high = value[:len(q)], value[len(q):]
    # np.lerp's steps: from the lower value, or back from the upper one past halfway
    diff = high - low
    out = low + diff * gamma
    np.subtract(high, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _union_rank(a: FloatArray, b: FloatArray, rank: int) -> float:
    """The order statistic at `rank` (from 0) of sorted `a` and `b` pooled.

    The k = rank + 1 least pooled draws are the i least of `a` and the k - i least of
    `b`, for the least i with ``a[i] >= b[k - i - 1]`` (bisected); the statistic is the
    larger of their last ones. Python scalars, not arrays: a pair of views asks for eight
    ranks of samples of up to 131,072 pooled draws, about 17 steps apiece, where a search
    vectorized over the ranks took 13 times as long (270 against 21 us a pair) in numpy's
    per-call costs, all of it holding the GIL the comparison's threads share.
    """
    k = rank + 1
    lo, hi = max(k - len(b), 0), min(k, len(a))
    while lo < hi:
        i = (lo + hi) // 2
        if a[i] < b[k - i - 1]:
            lo = i + 1
        else:
            hi = i
    last_a = float(a[lo - 1]) if lo > 0 else -math.inf
    last_b = float(b[k - lo - 1]) if k > lo else -math.inf
    return max(last_a, last_b)


#: Draws from which `partly_sorted` selects ranks through a sample rather than
#: `np.partition`, and at most how many separate ranges of ranks it selects so.
SELECT_DRAWS = 1 << 16
SELECT_RANGES = 8
#: Draws of the sample that brackets each range (below `SELECT_DRAWS`, a stride of 1 would
#: make it the whole), and how many of the sample's standard deviations of rank the
#: bracket leaves either side (a miss only costs a partition).
_SAMPLE = 1 << 15
_MARGIN = 4.0


def partly_sorted(x: FloatArray, read: Callable[[Any], object]) -> FloatArray:
    """An array whose every rank `read` reads of sorted draws holds its value from `x`.

    ``read(s)`` is called once on a stand-in for sorted draws to learn which ranks it
    reads (e.g. ``lambda s: quantile_statistics(s, levels)``); each of those ranks then
    holds the order statistic of `x` at it, so ``read(partly_sorted(x, read))`` equals
    ``read(np.sort(x))`` exactly, in linear time where that is faster than a sort. What
    the other ranks hold is not defined. `x` is free of NaN/inf and not empty; it is not
    changed.

    With ranks in `SORT_RANGES` separate ranges or more, where `VECTOR_SORT`, this is
    `np.sort`. Below `SELECT_DRAWS` draws, or with ranks in more than `SELECT_RANGES`
    separate ranges, it is `np.partition`. Otherwise each range of nearby ranks is
    bracketed by two order statistics of a strided sample of `x` (a partition of the
    sample gives them); the draws between them, a few percent, are partitioned at the
    range's ranks, and the draws below the lower one counted, which puts each order
    statistic exactly. Should a bracket miss its ranks (draws laid out against the
    stride), `np.partition` gives the same values.
    """
    probe = _Ranks(len(x))
    read(probe)
    ranks = unique_ints(np.concatenate(probe.read))
    n = len(x)
    # Ranges: ranks closer than a bracket's typical width share one.
    breaks = np.flatnonzero(np.diff(ranks) > n // 64) + 1
    ranges = np.split(ranks, breaks)
    if VECTOR_SORT and len(ranges) >= SORT_RANGES:
        return np.sort(x)
    if n < SELECT_DRAWS or len(ranges) > SELECT_RANGES:
        return np.partition(x, ranks)
    sample = x[:: n // _SAMPLE]
    k, out = len(sample), np.empty_like(x)
    # Each range's bracket: sample ranks either side of it (below 0 or from k: unbounded),
    # whose order statistics a partition of the sample gives without sorting it.
    spread = _MARGIN * math.sqrt(k) / 2 + 1  # sd of a sample rank is at most sqrt(k) / 2
    ends = [(math.floor(int(part[0]) * k / n - spread), math.ceil(int(part[-1]) * k / n + spread))
            for part in ranges]
    wanted = sorted({e for pair in ends for e in pair if 0 <= e < k})
    sample = np.partition(sample, wanted) if wanted else sample
    for part, (i, j) in zip(ranges, ends, strict=True):
        lo, hi = int(part[0]), int(part[-1])
        count, inside = _bracket(x, sample[i] if i >= 0 else -np.inf,
                                 sample[j] if j < k else np.inf)
        if not count <= lo or not hi < count + len(inside):
            return np.partition(x, ranks)
        out[part] = np.partition(inside, part - count)[part - count]
    return out


def _bracket(x: FloatArray, low: float, high: float) -> tuple[int, FloatArray]:
    """How many draws of `x` are below `low`, and those from `low` to `high`."""
    keep = x >= low
    count = len(x) - int(np.count_nonzero(keep))
    keep &= x <= high
    return count, x[keep]


def stable_argsort(x: NDArray[np.generic]) -> NDArray[np.intp]:
    """``np.argsort(x, kind="stable")``, for float64 draws in about half the time.

    Each value is mapped to an unsigned key in the same order (``-0.0`` as ``0.0``, every
    NaN last and equal), and the key's lowest bits replaced by the draw's index: one sort
    of these keys (numpy's SIMD sort, faster than a stable argsort) orders the draws by
    value and, among equal values, by index, as a stable sort does. Only draws whose keys
    differ in the replaced bits alone can come out of order: those few are sorted again
    by whole key and index. Other dtypes, and arrays too long for the trick, go to
    `np.argsort`.
    """
    n = len(x)
    bits = max((n - 1).bit_length(), 1)
    if x.dtype != np.float64 or x.ndim != 1 or bits > 32:
        return np.argsort(x, kind="stable")
    key: NDArray[np.uint64] = np.add(x, 0.0).view(np.uint64)  # a copy: -0.0 is 0.0 in it
    negative = key >= np.uint64(1 << 63)
    np.invert(key, out=key, where=negative)
    np.bitwise_or(key, np.uint64(1 << 63), out=key, where=~negative)
    key[np.isnan(x)] = np.uint64(2**64 - 1)
    low = np.uint64((1 << bits) - 1)
    packed = key & ~low
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & low).astype(np.intp)
    packed >>= np.uint64(bits)
    tied = packed[1:] == packed[:-1]
    if tied.any():
        redo = np.zeros(n, dtype=bool)
        redo[1:] |= tied
        redo[:-1] |= tied
        where = np.flatnonzero(redo)
        index = order[where]
        order[where] = index[np.lexsort((index, key[index]))]
    return order


def quantile_statistics(s: FloatArray, levels: Sequence[float]) -> dict[str, FloatArray]:
    """The statistics read off order statistics: median, ETI ends and their MCSEs.

    `s` is sorted, or anything indexed like it (the streamed run passes rows of which only
    some ranks are known, `uncertainty.streaming.order.SparseSorted`): both paths compute
    these statistics here, so a new one added here is computed by both.
    """
    tails = np.array([[(1 - p) / 2, (1 + p) / 2] for p in levels])
    return {
        "median": quantile_sorted(s, 0.5),
        "mcse_median": quantile_mcse_sorted(s, 0.5),
        "eti": quantile_sorted(s, tails),
        "mcse_eti": quantile_mcse_sorted(s, tails),
    }


def summarize_draws(x: FloatArray, levels: tuple[float, ...], *,
                    scratch: FloatArray | None = None) -> dict[str, FloatArray]:
    """Every summary statistic of one array of draws.

    Parameters
    ----------
    x : ndarray, 1-D
        Draws; NaN and ±inf count as invalid and are left out of every statistic.
    levels : tuple of float
        Credible levels in (0, 1).
    scratch : ndarray, optional
        A contiguous float64 buffer of at least ``len(x)`` to sort float64 draws in; its
        contents are overwritten. Reusing one across calls spares allocating (and
        page-faulting) a fresh copy of every array; the results are the same.

    Returns
    -------
    dict of str to ndarray
        ``median``, ``mean``, ``sd``, ``valid``, ``invalid`` (scalars);
        ``eti``, ``hdi`` of shape ``(len(levels), 2)``; ``mcse_median``, ``mcse_mean``,
        ``mcse_sd`` (`sd_mcse`), ``mcse_eti`` and ``mcse_hdi`` (shapes of ``eti`` and
        ``hdi``). NaN where no valid draw is left (sd and its MCSE: fewer than 2).
    """
    finite = np.isfinite(x)
    valid = int(np.count_nonzero(finite))
    if scratch is None or x.dtype != np.float64:
        s = np.sort(x if valid == len(x) else x[finite])
    else:
        s = scratch[:valid]
        if valid == len(x):
            np.copyto(s, x)
        else:
            np.compress(finite, x, out=s)
        s.sort()
    out = empty_statistics(len(levels), valid=valid, invalid=len(x) - valid)
    if valid == 0:
        return out
    # Finite draws near the float limit can overflow a sum: that is an infinite mean or
    # sd, reported as such, not a crash.
    with np.errstate(over="ignore", invalid="ignore"):
        mean = float(np.mean(s))
        sd = float(np.std(s, ddof=1)) if valid > 1 else math.nan
        d = s - mean
        d *= d
        d *= d  # not np.dot(d², d²): BLAS would spread it over every core, under our threads
        m4 = float(np.sum(d)) / valid
        del d
        out |= quantile_statistics(s, levels) | {
            "mean": np.array(mean),
            "sd": np.array(sd),
            "mcse_mean": np.array(sd / math.sqrt(valid)),
            "mcse_sd": np.array(sd_mcse(sd, m4, valid)),
        } | _hdi_statistics(s, levels)
    return out


def sd_mcse(sd: float, m4: float, n: int) -> float:
    """Monte Carlo standard error of a sample sd, by the delta method.

    ``Var(s^2) ~ (m4 - s^4) / n`` and ``ds = ds^2 / (2 s)``, so the MCSE is
    ``sqrt((m4 - s^4) / (4 s^2 n))``, `m4` the mean fourth power of the deviations from
    the mean. Its own error is large where the tails are heavy (the fourth moment converges
    slowly: ``benchmarks/calibrate_mcse.py``). 0 for a constant row (sd 0), and where
    rounding makes ``m4 < s^4``; NaN where the sd is.

    Parameters
    ----------
    sd : float
        The sample sd (``ddof=1``).
    m4 : float
        The fourth central moment, ``mean((x - mean(x))**4)``.
    n : int
        The number of draws.
    """
    if sd == 0:
        return 0.0
    s = np.float64(sd)  # numpy floats: an overflow is inf, not an exception
    with np.errstate(over="ignore", invalid="ignore"):
        excess = np.float64(m4) - s**4
        if math.isnan(excess) or not n > 1:
            return math.nan
        return float(np.sqrt(excess / (4 * s * s * n))) if excess > 0 else 0.0


def _hdi_statistics(s: FloatArray, levels: Sequence[float]) -> dict[str, FloatArray]:
    """``hdi`` and ``mcse_hdi`` of sorted draws `s` (not empty) at every level."""
    hdi, mcse = [], []
    for prob in levels:
        k = hdi_span(len(s), prob)
        i = hdi_start_sorted(s, k)
        hdi.append((float(s[i]), float(s[i + k])))
        mcse.append(hdi_mcse_sorted(s, i, k))
    return {"hdi": np.array(hdi), "mcse_hdi": np.array(mcse)}
