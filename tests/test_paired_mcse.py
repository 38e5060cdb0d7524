"""MCSEs of figures built from two paired estimates: moves, width ratios, interval overlaps.

`uncertainty.stats.paired` turns the correlation of the indicators ``1[X <= x_q]`` over
paired draws into the covariance of quantile errors, and the delta method into the MCSE of
a median's move, a width ratio (leave-one-out and sweep tables) and the overlap of two
intervals (comparison tables). Checked here: the pieces against their definitions, and the
MCSEs against closed-form truth over many seeds (``|sd(z) - 1| <= K se``, as
`tests/test_mcse_calibration.py`); the full table at more seeds and draws is
``benchmarks/calibrate_paired_mcse.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mc import K
from scipy import special
from test_mcse_calibration import calibration_errors

from uncertainty.analysis.sensitivity.leave_out import move, paired_changes, width_ratio
from uncertainty.report.blocks import Num, number_text
from uncertainty.stats.array import summarize_draws
from uncertainty.stats.paired import LIMIT, error_of, indicator_correlation
from uncertainty.streaming import PREFIX_DRAWS
from uncertainty.summary.eti_overlap import eti_overlap_errors, eti_overlaps, share


def test_indicator_correlation_is_that_of_the_indicators() -> None:
    r = np.random.default_rng(1)
    x = r.standard_normal(5_000)
    y = 0.7 * x + 0.7 * r.standard_normal(5_000)
    ends = [0.0, 1.2, -0.4]
    rows = [x, x, y]
    wanted = np.corrcoef([row <= end for row, end in zip(rows, ends, strict=True)])
    # summed in float32: pairwise summation of 5,000 products keeps the relative error
    # near eps32 * log2(5000) (about 1e-6), far under an MCSE's own error
    np.testing.assert_allclose(indicator_correlation(rows, ends), wanted, rtol=1e-5)


def test_indicator_correlation_skips_invalid_draws_and_nan_ends() -> None:
    r = np.random.default_rng(2)
    x = r.standard_normal(4_000)
    y = x + 0.5 * r.standard_normal(4_000)
    y[::10] = np.nan  # a constraint's rejections
    y[5::10] = np.inf
    corr = indicator_correlation([x, y, x], [0.3, 0.2, math.nan])
    # The definition: each indicator centred by its share among its row's valid draws,
    # the cross moment over the draws valid in both, each variance over its own.
    vx, vy = np.ones(len(x), dtype=bool), np.isfinite(y)
    cx = (x <= 0.3) - np.mean(x <= 0.3)
    cy = np.where(vy, (y <= 0.2) - np.mean(y[vy] <= 0.2), 0.0)
    both = vx & vy
    wanted = (np.sum(cx[both] * cy[both]) / both.sum()) / math.sqrt(
        np.mean(cx**2) * np.mean(cy[vy] ** 2))
    assert corr[0, 1] == pytest.approx(wanted, rel=1e-5)  # float32 sums
    assert np.isnan(corr[2]).all() and np.isnan(corr[:, 2]).all()
    assert corr[0, 0] == corr[1, 1] == 1.0
    # an indicator that never varies is uncorrelated, not NaN
    assert indicator_correlation([x, x], [0.0, 99.0])[0, 1] == 0.0


def test_only_the_draws_a_streamed_run_holds_are_counted() -> None:
    # The streamed comparison counts over its prefix: the same draws as in memory.
    assert LIMIT <= PREFIX_DRAWS
    x = np.random.default_rng(3).standard_normal(LIMIT + 1_000)
    x2 = x.copy()
    x2[LIMIT:] = -x2[LIMIT:]  # draws past the limit change nothing
    assert np.array_equal(indicator_correlation([x, x2], [0.1, 0.1]),
                          indicator_correlation([x, x], [0.1, 0.1]))


def test_error_of_a_difference_is_the_paired_formula() -> None:
    corr = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert error_of(lambda y: float(y[0] - y[1]), [1.0, 2.0], [2.0, 3.0], corr) == \
        pytest.approx(math.sqrt(4 + 9 - 2 * 0.5 * 2 * 3), rel=1e-9)
    # an exact figure (MCSE 0) or one not estimated (NaN) contributes nothing
    assert error_of(lambda y: float(y[0]), [1.0, 2.0], [0.0, 1.0], corr) == 0.0
    assert error_of(lambda y: float(y[0] + y[1]), [1.0, 2.0], [np.nan, 1.0],
                    corr) == pytest.approx(1.0, rel=1e-12)
    assert math.isnan(error_of(lambda y: float("nan"), [1.0], [1.0], np.eye(1)))
    # figures near the largest float: no overflow
    huge = error_of(lambda y: float(y[0] / y[1] - 1), [1e300, 1e300], [1e298, 1e298], corr)
    assert huge == pytest.approx(0.01, rel=1e-3)


def test_a_change_prints_signed_to_its_mcse() -> None:
    assert number_text(Num(0.07434, "change", 0.0003, spec="%")) == "+7.43%"
    assert number_text(Num(-0.0081, "change", 0.0002, spec="%")) == "-0.81%"
    assert number_text(Num(0.0, "change", 0.0, spec="%")) == "+0%"
    assert number_text(Num(1.234, "change", 0.01)) == "+1.23"
    assert number_text(Num(0.5937, "mcse", 0.0021, spec="%")) == "59.4%"
    assert number_text(Num(0.5937, "mcse", 0.06, spec="%")) == "60%"


SEEDS, N = 300, 4_000


def _pool(r: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A linear pool of lognormals (medians 1, 2, 4, sigma 0.5) and itself without the
    third: its draws moved to one of the other two, as leaving a source out does."""
    z, u, v = r.standard_normal(n), r.random(n), r.random(n)
    which = np.minimum((3 * u).astype(int), 2)
    medians = np.array([1.0, 2.0, 4.0])
    base = medians[which] * np.exp(0.5 * z)
    return medians[np.where(which == 2, (v < 0.5).astype(int), which)] * np.exp(0.5 * z), base


def _pool_ppf(medians: list[float], p: float) -> float:
    def cdf(x: float) -> float:
        return float(np.mean(special.ndtr(np.log(x / np.array(medians)) / 0.5)))
    lo, hi = 1e-3, 1e3
    for _ in range(200):  # bisection on the log scale
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return math.sqrt(lo * hi)


def test_move_and_width_mcse_are_calibrated_when_a_source_leaves_a_pool() -> None:
    probs = (0.5, 0.05, 0.95)
    truth = np.r_[[_pool_ppf([1.0, 2.0], p) for p in probs],
                  [_pool_ppf([1.0, 2.0, 4.0], p) for p in probs]]
    z = np.empty((SEEDS, 2))
    for seed in range(SEEDS):
        variant, base = _pool(np.random.default_rng([seed, N, 30]), N)
        x, err = [], []
        for row in (variant, base):
            found = summarize_draws(row, (0.9,))
            x += [float(found["median"]), *found["eti"][0]]
            err += [float(found["mcse_median"]), *found["mcse_eti"][0]]
        out = paired_changes(np.array(x), np.array(err), [variant] * 3 + [base] * 3, True)
        z[seed] = ((out[0] - move(truth, True)) / out[1],
                   (out[2] - width_ratio(truth, True)) / out[3])
    bad = calibration_errors(z, ["move", "width"])
    assert not bad, bad


@pytest.mark.parametrize("level", [0.5, 0.9])
def test_eti_overlap_mcse_is_calibrated_for_views_sharing_a_factor(level: float) -> None:
    # A = 0.6 Z1 + 0.8 S, B = 0.5 + 0.9 Z2 + 0.8 S: intervals that partly overlap.
    sd_a, sd_b = 1.0, math.hypot(0.9, 0.8)
    q = special.ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
    truth = float(eti_overlaps(np.stack([(sd_a * q)[None], (0.5 + sd_b * q)[None]]))[0, 1, 0])
    assert 0.3 < truth < 0.99
    z = np.empty((SEEDS, 1))
    for seed in range(SEEDS):
        e = np.random.default_rng([seed, N, 31]).standard_normal((3, N))
        rows = np.stack([0.6 * e[0] + 0.8 * e[2], 0.5 + 0.9 * e[1] + 0.8 * e[2]])
        found = [summarize_draws(row, (level,)) for row in rows]
        eti = np.stack([f["eti"] for f in found])
        se = eti_overlap_errors(rows, eti, np.stack([f["mcse_eti"] for f in found]))
        z[seed] = (eti_overlaps(eti)[0, 1, 0] - truth) / se[0, 1, 0]
    bad = calibration_errors(z, [f"ETI overlap {level}"])
    assert not bad, bad


def test_nested_intervals_overlap_fully_with_no_error() -> None:
    rows = np.random.default_rng(4).standard_normal((2, N)) * np.array([[1.0], [3.0]])
    found = [summarize_draws(row, (0.9,)) for row in rows]
    eti = np.stack([f["eti"] for f in found])
    se = eti_overlap_errors(rows, eti, np.stack([f["mcse_eti"] for f in found]))
    # sd 3 against sd 1: each end of the wider interval lies many MCSEs outside the
    # narrower one's, so the share is flat (1) around the estimates and its MCSE 0
    errors = np.stack([f["mcse_eti"] for f in found])
    assert eti[1, 0, 0] + K * errors[1, 0, 0] < eti[0, 0, 0] - K * errors[0, 0, 0]
    assert eti[1, 0, 1] - K * errors[1, 0, 1] > eti[0, 0, 1] + K * errors[0, 0, 1]
    assert eti_overlaps(eti)[0, 1, 0] == 1.0
    assert se[0, 1, 0] == 0.0 and se[0, 0, 0] == 0.0


def _overlap_errors_one_pair_at_a_time(rows: np.ndarray, eti: np.ndarray,
                                       mcse: np.ndarray) -> np.ndarray:
    """`eti_overlap_errors` by its definition: ``error_of(share, ...)`` for each pair."""
    nv, nl = eti.shape[:2]
    stacked = [rows[v] for v in range(nv) for _ in range(2)]
    out = np.zeros((nv, nv, nl))
    for k in range(nl):
        ends, err = eti[:, k].reshape(-1), mcse[:, k].reshape(-1)
        corr = indicator_correlation(stacked, ends)
        for i in range(nv):
            for j in range(i + 1, nv):
                at = np.r_[2 * i, 2 * i + 1, 2 * j, 2 * j + 1]
                out[i, j, k] = out[j, i, k] = error_of(share, ends[at], err[at],
                                                         corr[np.ix_(at, at)])
    return np.where(np.isnan(eti_overlaps(eti)), np.nan, out)


@pytest.mark.parametrize("seed", range(40))
def test_eti_overlap_errors_are_error_of_each_pair_bit_for_bit(seed: int) -> None:
    # Every pair's errors are taken at once as arrays: the same numbers as error_of makes
    # pair by pair, over intervals nested, apart, touching, of zero width, at float
    # limits, with MCSEs 0, NaN or infinite, and views with no interval.
    r = np.random.default_rng([seed, 77])
    nv, nl, n = int(r.integers(2, 7)), int(r.integers(1, 4)), 400
    scale = 10.0 ** r.choice([0, 0, 3, 150, 300, 307])
    spread = r.choice([0.01, 1.0, 5.0], size=(nv, 1)) if scale < 1e307 else 1.0
    rows = r.standard_normal((nv, n)) * spread * scale  # under 6e307: finite
    rows[r.random((nv, n)) < 0.1] = np.nan
    lo = np.sort(r.choice(rows[np.isfinite(rows)], size=(nv, nl, 2)), axis=-1)
    eti = lo.copy()
    point = r.random((nv, nl)) < 0.15
    eti[point, 1] = eti[point, 0]  # zero width
    eti[:, :, 1] = np.maximum(eti[:, :, 0], eti[:, :, 1])
    if nv > 2:
        eti[1] = eti[0]  # identical intervals, touching ones
        eti[2, :, 0] = eti[0, :, 1]
        eti[2, :, 1] = np.maximum(eti[2, :, 1], eti[2, :, 0])
    eti[r.random(nv) < 0.1] = np.nan  # no valid draw
    mcse = np.abs(r.standard_normal((nv, nl, 2))) * scale * r.choice([1e-3, 0.1, 1.0])
    mcse[r.random((nv, nl, 2)) < 0.1] = 0.0
    mcse[r.random((nv, nl, 2)) < 0.05] = np.nan
    mcse[r.random((nv, nl, 2)) < 0.03] = np.inf
    with np.errstate(all="ignore"):  # error_of's own evaluations may overflow here
        wanted = _overlap_errors_one_pair_at_a_time(rows, eti, mcse)
        found = eti_overlap_errors(rows, eti, mcse)
    assert found.tobytes() == wanted.tobytes()
    assert np.isfinite(found).any()
