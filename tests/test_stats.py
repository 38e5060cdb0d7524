"""The numpy summary layer: exact agreement with numpy, HDI properties, calibrated MCSE."""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from mc import K, assert_probability, quantile_brackets
from scipy import special

from uncertainty.stats import array as stats_array
from uncertainty.stats import (
    eti_sorted,
    hdi_sorted,
    quantile_mcse_sorted,
    quantile_sorted,
    summarize_draws,
)
from uncertainty.stats.array import (
    SELECT_DRAWS,
    partly_sorted,
    quantile_statistics,
    quantiles,
    stable_argsort,
)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(x=arrays(np.float64, st.integers(1, 200), elements=finite),
       p=st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_quantile_sorted_equals_numpy(x: np.ndarray, p: list[float]) -> None:
    # Hyndman and Fan's type 8, numpy's "median_unbiased"
    s = np.sort(x)
    np.testing.assert_allclose(quantile_sorted(s, p), np.quantile(x, p, method="median_unbiased"),
                               rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("vector_sort", [True, False], ids=["sorting", "selecting"])
@given(x=arrays(np.float64, st.integers(1, 300),
                elements=st.one_of(st.sampled_from([0.0, -0.0, 1.0, 2.5]), st.floats())),
       p=st.lists(st.floats(0, 1), min_size=1, max_size=6), overwrite=st.booleans())
def test_quantiles_are_numpys_to_the_bit(vector_sort: bool, x: np.ndarray, p: list[float],
                                         overwrite: bool) -> None:
    # ties, signed zeros, infinities and NaN; `x` is left alone unless overwritten
    given_x = x.copy()
    with np.errstate(invalid="ignore"):  # inf - inf between two infinite draws
        expected = np.quantile(x, p)
        with mock.patch.object(stats_array, "VECTOR_SORT", vector_sort):
            found = quantiles(x, p, overwrite=overwrite)
    # every bit (the sign of a zero too), NaN where numpy has NaN (its sign bit aside)
    nan = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(found), nan)
    np.testing.assert_array_equal(found[~nan].view(np.uint64), expected[~nan].view(np.uint64))
    if not overwrite:
        np.testing.assert_array_equal(x, given_x)


@given(pooled=arrays(np.float64, st.integers(1, 300), elements=st.one_of(
           st.sampled_from([0.0, -0.0, 1.0, 2.5, np.inf, -np.inf]), st.floats(allow_nan=False))),
       cut=st.integers(0, 300), p=st.lists(st.floats(0, 1), min_size=1, max_size=6))
@example(pooled=np.array([0.1, 0.7]), cut=1, p=[0.5])  # halfway: from the upper end
def test_quantiles_of_two_sorted_samples_are_numpys_of_them_pooled(
        pooled: np.ndarray, cut: int, p: list[float]) -> None:
    from uncertainty.stats.array import quantiles_of_union

    a, b = np.sort(pooled[:cut]), np.sort(pooled[cut:])  # either may be empty
    with np.errstate(invalid="ignore"):  # inf - inf between two infinite draws
        expected = np.quantile(pooled, p)
        found = quantiles_of_union(a, b, p)
    # the same numbers, NaN where numpy's are (a zero's sign may differ, as between sorts)
    np.testing.assert_array_equal(found, expected)


@given(x=arrays(np.float64, st.integers(1, 200), elements=finite), prob=st.floats(0.01, 0.99))
def test_hdi_is_the_narrowest_window_holding_the_mass(x: np.ndarray, prob: float) -> None:
    s = np.sort(x)
    lo, hi = hdi_sorted(s, prob)
    n, k = len(s), min(math.floor(prob * len(s)), len(s) - 1)
    assert np.count_nonzero((s >= lo) & (s <= hi)) >= k + 1
    widths = [s[i + k] - s[i] for i in range(n - k)]
    assert hi - lo == pytest.approx(min(widths), abs=1e-9)


def test_hdi_and_eti_edge_cases() -> None:
    one = np.array([3.0])
    assert hdi_sorted(one, 0.9) == (3.0, 3.0)
    assert eti_sorted(one, 0.9) == (3.0, 3.0)
    same = np.full(10, 2.0)
    assert hdi_sorted(same, 0.5) == (2.0, 2.0)


def test_summarize_draws_leaves_invalid_draws_out_and_counts_them() -> None:
    x = np.array([1.0, 2.0, np.nan, 3.0, np.inf, -np.inf, 4.0])
    out = summarize_draws(x, (0.5,))
    assert int(out["valid"]) == 4 and int(out["invalid"]) == 3
    assert float(out["median"]) == 2.5
    assert float(out["mean"]) == 2.5
    # type 8: ranks (4 + 1/3) p + 1/3 = 1.4167 and 3.5833 of 1, 2, 3, 4
    np.testing.assert_allclose(out["eti"][0], [1 + 5 / 12, 3 + 7 / 12])


def test_summarize_draws_with_no_valid_draw_is_all_nan() -> None:
    out = summarize_draws(np.array([np.nan, np.inf]), (0.9,))
    assert int(out["valid"]) == 0 and int(out["invalid"]) == 2
    assert math.isnan(float(out["median"]))
    assert np.isnan(out["eti"]).all() and np.isnan(out["hdi"]).all()


@pytest.mark.slow
def test_reported_quantile_mcse_is_calibrated() -> None:
    """z-scores of sample quantiles against the truth, scaled by the reported MCSE, have sd 1."""
    seeds, n = 400, 4_000
    z = {0.05: [], 0.5: []}
    for seed in range(seeds):
        s = np.sort(np.random.default_rng(seed).standard_normal(n))
        for p in z:
            truth = special.ndtri(p)
            z[p].append((quantile_sorted(s, p) - truth) / quantile_mcse_sorted(s, p))
    for p, values in z.items():
        sd = float(np.std(values, ddof=1))
        # the sd of a sample sd from m normal values is about 1 / sqrt(2 m)
        assert abs(sd - 1) <= K / math.sqrt(2 * seeds), f"p={p}: sd of z-scores {sd:.3f}"


@pytest.mark.slow
def test_rank_window_helper_fails_at_its_nominal_rate() -> None:
    """At k = 2 a correct check fails about 4.55% of the time; this catches a wrong window."""
    seeds, n, k = 1_000, 1_000, 2.0
    misses = 0
    for seed in range(seeds):
        draws = np.random.default_rng(10_000 + seed).standard_normal(n)
        misses += not quantile_brackets(draws, 0.9, float(special.ndtri(0.9)), k=k)
    # order-statistic windows on whole ranks cover slightly more than nominal: the
    # true miss rate is at most 2 * (1 - Phi(2)) = 0.0455
    assert_probability(misses, seeds, 0.0455)


@given(arrays(np.float64, st.integers(0, 300),
              elements=st.sampled_from([0.0, -0.0, 1.0, -1.0, 1 + 2**-52, 5e-324, np.inf,
                                        -np.inf, np.nan, -np.nan, 1e308]) | st.floats()))
def test_stable_argsort_is_numpys(x: np.ndarray) -> None:
    # Ties (-0.0 with 0.0, every NaN), values one bit apart, subnormals and infinities.
    np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))


@pytest.mark.parametrize("n", [70_000, 1 << 20])
def test_stable_argsort_of_many_close_draws_is_numpys(n: int) -> None:
    # Keys that differ only in the bits the index replaces are sorted again, exactly.
    x = 1 + np.random.default_rng(n).integers(0, 2**12, n) * 2.0**-52
    np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))


def _median_and_mcse(s: np.ndarray) -> tuple[float, float]:
    return float(quantile_sorted(s, 0.5)), float(quantile_mcse_sorted(s, 0.5))


@pytest.mark.parametrize("vector_sort", [True, False], ids=["sorting", "selecting"])
@given(st.integers(0, 2**32 - 1), st.integers(SELECT_DRAWS // 2, 4 * SELECT_DRAWS),
       st.sampled_from(["normal", "ties", "sorted", "reversed", "constant", "against stride"]),
       st.sampled_from([(0.5,), (0.9,), (0.5, 0.9, 0.95), (0.5, 0.8, 0.9, 0.95, 0.99)]))
def test_partly_sorted_reads_as_the_sorted_draws(vector_sort: bool, seed: int, n: int,
                                                 layout: str,
                                                 levels: tuple[float, ...]) -> None:
    # Each rank read holds its order statistic exactly, whether the ranks are sorted,
    # bracketed from a sample or partitioned: below and above SELECT_DRAWS, with ties, laid
    # out in order, and with the sample's stride holding every extreme value (brackets
    # miss); without a vectorized sort (`VECTOR_SORT`), many ranges are bracketed too.
    with mock.patch.object(stats_array, "VECTOR_SORT", vector_sort):
        _check_partly_sorted(seed, n, layout, levels)


def _check_partly_sorted(seed: int, n: int, layout: str, levels: tuple[float, ...]) -> None:
    rng = np.random.default_rng(seed)
    x = {"normal": lambda: rng.lognormal(size=n),
         "ties": lambda: np.round(rng.normal(size=n), 2),
         "sorted": lambda: np.sort(rng.normal(size=n)),
         "reversed": lambda: np.sort(rng.normal(size=n))[::-1].copy(),
         "constant": lambda: np.full(n, 3.0),
         "against stride": lambda: rng.normal(size=n)}[layout]()
    if layout == "against stride":
        x[:: max(n // 2**14, 1)] = 1e9
    before = x.copy()
    whole = np.sort(x)
    for read in (_median_and_mcse, lambda s: quantile_statistics(s, levels)):
        found, expected = read(partly_sorted(x, read)), read(whole)
        if isinstance(found, dict):
            assert isinstance(expected, dict)
            for key, value in expected.items():
                np.testing.assert_array_equal(found[key], value, err_msg=key)
        else:
            assert found == expected
    np.testing.assert_array_equal(x, before)
