"""Monte Carlo tolerances for correctness tests, derived from the standard error.

Every check compares an estimate with a closed-form truth within ``K`` standard errors.
``K = 4.5`` keeps the chance that one correct check fails by bad luck near 7e-6; the suite
runs a few hundred such checks, so a false failure is rarer than 1 in 500 runs. Tests also
use fixed seeds, so a given build either passes or fails deterministically.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

K = 4.5


def rank_window(n: int, p: float, k: float = K) -> tuple[int, int]:
    """0-based ranks bracketing the sample p-quantile's spread: n p ± k sqrt(n p (1-p))."""
    half = k * math.sqrt(n * p * (1 - p))
    lo = max(math.floor(n * p - half) - 1, 0)
    hi = min(math.ceil(n * p + half), n - 1)
    return lo, hi


def quantile_brackets(draws: NDArray[np.float64], p: float, truth: float, k: float = K) -> bool:
    """Whether `truth` lies between the order statistics of the rank window of quantile `p`.

    Distribution-free: the number of draws below the true p-quantile is Binomial(n, p).
    """
    s = np.sort(draws[np.isfinite(draws)])
    lo, hi = rank_window(len(s), p, k)
    return bool(s[lo] <= truth <= s[hi])


def assert_quantile(draws: NDArray[np.float64], p: float, truth: float, k: float = K) -> None:
    """Assert that the p-quantile of `draws` is consistent with `truth`."""
    s = np.sort(draws[np.isfinite(draws)])
    lo, hi = rank_window(len(s), p, k)
    assert s[lo] <= truth <= s[hi], (
        f"true {p}-quantile {truth!r} outside the {k}-sigma rank window [{s[lo]!r}, {s[hi]!r}]"
    )


def assert_probability(successes: int, n: int, p: float, k: float = K) -> None:
    """Assert that successes/n is within k binomial standard errors of `p`."""
    se = math.sqrt(p * (1 - p) / n)
    assert abs(successes / n - p) <= k * se, f"{successes}/{n} vs {p} (se {se:.3g})"


def assert_mean(draws: NDArray[np.float64], truth: float, k: float = K) -> None:
    """Assert that the mean of `draws` is within k standard errors s/sqrt(n) of `truth`."""
    se = float(np.std(draws, ddof=1)) / math.sqrt(len(draws))
    assert abs(float(np.mean(draws)) - truth) <= k * se, (
        f"mean {np.mean(draws)!r} vs {truth!r} (se {se:.3g})"
    )
