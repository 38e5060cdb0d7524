"""First-order Sobol indices: closed forms within K standard errors, calibrated errors, edges.

Correctness tests compare with closed-form shares within ``K`` reported standard errors
(`mc.K`); every test draws from its own fixed seed. Exact invariances are checked to float
rounding.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from mc import K, assert_probability

from uncertainty.stats.sobol import (
    DRAWS_PER_BIN,
    SUM_DRAWS,
    FirstOrder,
    first_order,
    first_order_many,
    stable_order_within,
    sum_se,
)

N = 200_000


def assert_share(result: FirstOrder, truth: float, k: float = K) -> None:
    assert abs(result.share - truth) <= k * result.se, (
        f"share {result.share!r} vs {truth!r} (se {result.se:.3g})"
    )


def ishigami(a: float, b: float) -> tuple[float, float, float]:
    """Closed-form first-order shares of sin x1 + a sin^2 x2 + b x3^4 sin x1, x ~ U(-pi, pi)."""
    v = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 1 / 2
    v1 = (1 + b * math.pi**4 / 5) ** 2 / 2
    v2 = a**2 / 8
    return v1 / v, v2 / v, 0.0


@pytest.mark.parametrize(("s1", "s2"), [(0.3, 0.2), (0.5, 0.05)])
def test_ratio_of_lognormals_splits_by_log_variances(s1: float, s2: float) -> None:
    rng = np.random.default_rng(11)
    x1 = np.exp(rng.normal(1.0, s1, N))
    x2 = np.exp(rng.normal(-0.5, s2, N))
    out = first_order_many(np.log(x1 / x2), {"x1": x1, "x2": x2})
    total = s1**2 + s2**2
    assert_share(out["x1"], s1**2 / total)
    assert_share(out["x2"], s2**2 / total)
    assert out["x1"].bins == N // DRAWS_PER_BIN


@pytest.mark.parametrize("kind", ["continuous", "categorical"])
def test_an_input_the_output_ignores_has_share_zero(kind: str) -> None:
    rng = np.random.default_rng(12)
    y = rng.standard_normal(N) + rng.standard_normal(N) ** 2
    x = rng.standard_normal(N) if kind == "continuous" else rng.integers(0, 5, N)
    result = first_order(y, x)
    assert_share(result, 0.0)
    assert 0 < result.se < 0.01


def test_additive_model_shares_are_the_variance_fractions_and_sum_to_one() -> None:
    rng = np.random.default_rng(13)
    coef = np.array([1.0, 2.0, 3.0])
    z = rng.standard_normal((3, N))
    y = coef @ z
    results = [first_order(y, zj) for zj in z]
    for r, c in zip(results, coef, strict=True):
        assert_share(r, c**2 / np.sum(coef**2))
    # sqrt(sum se^2) is conservative for the sum: its influence function is
    # sum_{j != k} a_j a_k, of variance 4 sum_{j<k} v_j v_k = 1.00 (v_j the fractions),
    # against sum_j 4 v_j (1 - v_j)^2 = 1.16 for the sum of the three squared errors.
    se_sum = math.sqrt(sum(r.se**2 for r in results))
    assert abs(sum(r.share for r in results) - 1) <= K * se_sum


def test_ishigami_first_order_shares() -> None:
    a, b = 7.0, 0.1
    truth = ishigami(a, b)
    np.testing.assert_allclose(truth[:2], [0.3139, 0.4424], atol=5e-5)  # published values
    rng = np.random.default_rng(14)
    x = rng.uniform(-np.pi, np.pi, (3, N))
    y = np.sin(x[0]) + a * np.sin(x[1]) ** 2 + b * x[2] ** 4 * np.sin(x[0])
    for xj, tj in zip(x, truth, strict=True):
        assert_share(first_order(y, xj), tj)


def test_categorical_input_share_is_between_means_over_total_variance() -> None:
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    means = np.array([0.0, 1.0, -1.0, 3.0])
    noise = 1.5
    rng = np.random.default_rng(15)
    code = rng.choice(len(probs), size=N, p=probs)
    y = means[code] + noise * rng.standard_normal(N)
    between = probs @ means**2 - (probs @ means) ** 2
    result = first_order(y, code)
    assert result.bins == len(probs)
    assert_share(result, between / (between + noise**2))
    # a float input with few distinct values is grouped by value too: the same numbers
    assert first_order(y, code.astype(np.float64)) == result


def test_share_matches_the_defining_formula_on_array_split_bins() -> None:
    rng = np.random.default_rng(16)
    x = rng.standard_normal(1_003)
    y = np.sin(2 * x) + rng.standard_normal(1_003)
    chunks = [y[i] for i in np.array_split(np.argsort(x, kind="stable"), 7)]
    n = len(y)
    means = np.array([c.mean() for c in chunks])
    w = np.array([len(c) for c in chunks]) / n
    s2 = np.array([c.var(ddof=1) for c in chunks])
    share = (w @ (means - y.mean()) ** 2 - (1 - w) @ s2 / n) / y.var()
    result = first_order(y, x, bins=7)
    assert result.bins == 7
    np.testing.assert_allclose(result.share, share, rtol=1e-12)


def _plain_share(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """`first_order`'s share and se, written as plainly as numpy allows (fresh arrays)."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    n = len(y)
    bins = max(n // DRAWS_PER_BIN, 2)
    new = np.concatenate([[True], xs[1:] != xs[:-1]])
    if x.dtype.kind in "biu" or np.count_nonzero(new) <= bins:
        g = np.cumsum(new) - 1
    else:
        g = np.repeat(np.arange(bins), [len(c) for c in np.array_split(order, bins)])
    m = int(g.max()) + 1
    if ys.min() == ys.max():
        return math.nan, math.nan
    if m == 1:
        return 0.0, 0.0
    yc = (ys - ys.mean()) / np.max(np.abs(ys - ys.mean()))
    nb = np.bincount(g, minlength=m).astype(np.float64)
    w = nb / n
    mean_b = np.bincount(g, weights=yc, minlength=m) / nb
    a_b = mean_b - np.sum(w * mean_b)
    e = yc - mean_b[g]
    ss = np.bincount(g, weights=e * e, minlength=m)
    single = nb == 1
    s2 = np.where(single, ss.sum() / (n - m), ss / np.maximum(nb - 1, 1))
    v = float(np.mean((yc - np.sum(w * mean_b)) ** 2))
    share = float(np.sum(w * a_b**2) - np.sum((1 - w) * s2) / n) / v
    a = a_b[g]
    t = a * a + 2 * a * e - share * (yc - np.sum(w * mean_b)) ** 2
    tail = np.bincount(g, weights=t * e * e, minlength=m) / nb
    var_t = max(float(t.var()) - 4 * float(np.sum(s2 * s2 + tail)) / n, 0.0)
    f = np.where(single, 1.0, nb / np.maximum(nb - 1, 1))
    quad = float(np.sum(f * s2 * s2 * (1 - 2 * w)) + np.sum(w * s2) ** 2)
    return share, math.sqrt(var_t / n + 2 * quad / n**2) / v


@given(st.integers(0, 2**32 - 1), st.integers(4, 3_000),
       st.sampled_from(["normal", "few codes", "many codes", "rounded", "huge"]),
       st.integers(-200, 200))
def test_share_is_bit_for_bit_the_plain_formula(seed: int, n: int, kind: str,
                                                power: int) -> None:
    # first_order reuses its arrays in place to save allocations: every operation must
    # still round as the plain formula's does, to the last bit.
    rng = np.random.default_rng(seed)
    x = {"normal": lambda: rng.normal(size=n),
         "few codes": lambda: rng.integers(0, 4, size=n),
         "many codes": lambda: rng.integers(0, n // 2 + 1, size=n),
         "rounded": lambda: np.round(rng.normal(size=n), 1),
         "huge": lambda: rng.lognormal(size=n) * 1e100}[kind]()
    scale = 10.0**power
    y = (np.sin(x.astype(np.float64)) + rng.standard_t(2, size=n) + rng.normal() * 10) * scale
    try:
        found = first_order(y, x)
    except ValueError:
        return  # every category a single draw: no share to compare
    expected = _plain_share(y, x)
    np.testing.assert_array_equal([found.share, found.se], expected)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["none", "half", "categorical"])
def test_reported_se_is_calibrated(case: str) -> None:
    """|share - truth| <= 2 se in about 95.45% of seeds.

    1,000 seeds, not 200: at 200 the K-bound admits any rate from 0.89 to 1, so it would
    pass the plain influence-function se, which at share 0 is sqrt(2) times too wide
    (rate 0.995); at 1,000 the bound is 0.9545 +- 0.030.
    """
    seeds, n, hits = 1_000, 20_000, 0
    probs, means = np.array([0.6, 0.3, 0.1]), np.array([0.0, 1.0, -2.0])
    for seed in range(seeds):
        rng = np.random.default_rng(20_000 + seed)
        z = rng.standard_normal((2, n))
        if case == "categorical":
            x = rng.choice(3, size=n, p=probs)
            y = means[x] + z[0]
            between = probs @ means**2 - (probs @ means) ** 2
            truth = between / (between + 1)
        else:
            x, y = z[0], z[1] + (z[0] if case == "half" else 0.0)
            truth = 0.5 if case == "half" else 0.0
        r = first_order(y, x)
        hits += abs(r.share - truth) <= 2 * r.se
    assert_probability(hits, seeds, 0.9545)


# Distinct integers keep every transform below strictly increasing after rounding.
xs = st.lists(st.integers(-10**6, 10**6), min_size=8, max_size=120, unique=True)
ys = st.lists(st.integers(-1_000, 1_000), min_size=120, max_size=120)
increasing = st.sampled_from([np.arctan, np.cbrt, lambda v: v**3, lambda v: np.exp(v / 1e6),
                              lambda v: 2.5 * v - 7.0])


@given(x=xs, y=ys, f=increasing, a=st.floats(1e-3, 1e3), negate=st.booleans(),
       b=st.floats(-1e3, 1e3), bins=st.none() | st.integers(2, 4))
def test_share_is_invariant_to_increasing_x_and_affine_y(
        x: list[int], y: list[int], f: Callable[[np.ndarray], np.ndarray], a: float,
        negate: bool, b: float, bins: int | None) -> None:
    xa = np.array(x, dtype=np.float64)
    ya = np.array(y[: len(x)], dtype=np.float64)
    assume(ya.min() < ya.max())
    base = first_order(ya, xa, bins=bins)
    moved = first_order((-a if negate else a) * ya + b, f(xa), bins=bins)
    assert moved.bins == base.bins
    # Exact invariances, so only rounding differs: rtol 1e-9 is ample for shares of order
    # one; atol covers a share that cancels to near 0, where rounding is relative to 1.
    np.testing.assert_allclose([moved.share, moved.se], [base.share, base.se],
                               rtol=1e-9, atol=1e-12)
    assert base.share <= 1  # V - D is a sum of within-group variances


def test_constant_output_gives_nan_and_constant_input_gives_exact_zero() -> None:
    rng = np.random.default_rng(17)
    x = rng.standard_normal(100)
    const = first_order(np.full(100, 0.1), x)
    assert math.isnan(const.share) and math.isnan(const.se)
    flat = first_order(rng.standard_normal(100), np.full(100, 3.0))
    assert flat == FirstOrder(share=0.0, se=0.0, bins=1)


def test_output_determined_by_a_category_has_share_one() -> None:
    code = np.random.default_rng(18).integers(0, 4, 1_000)
    result = first_order(np.array([0.3, -1.0, 2.0, 7.5])[code], code)
    assert result.share == pytest.approx(1, abs=1e-12)
    assert result.se == pytest.approx(0, abs=1e-12)


def test_a_category_with_one_draw_borrows_the_pooled_noise() -> None:
    rng = np.random.default_rng(19)
    code = np.append(rng.integers(0, 3, 2_000), 3)
    y = np.array([0.0, 1.0, 2.0, 1.0])[code] + rng.standard_normal(len(code))
    result = first_order(y, code)
    assert result.bins == 4
    assert_share(result, (2 / 3) / (2 / 3 + 1))


@pytest.mark.parametrize(("y", "x", "bins", "message"), [
    (np.zeros(5), np.zeros(4), None,
     r"y and x must be 1-D arrays of one length, got shapes \(5,\) and \(4,\)"),
    (np.zeros((2, 3)), np.zeros((2, 3)), None, r"must be 1-D arrays of one length"),
    (np.arange(3.0), np.arange(3.0), None, "a first-order index needs at least 4 draws, got 3"),
    (np.array([1.0, np.nan, 2.0, np.inf, 0.0]), np.arange(5.0), None,
     r"y has 2 NaN or infinite draws of 5; drop those draws \(from both y and x\) first"),
    (np.arange(5.0), np.array([1.0, 2.0, 3.0, 4.0, -np.inf]), None,
     "x has 1 NaN or infinite draws of 5"),
    (np.arange(5.0), np.arange(5.0) + 0j, None, "x must hold real numbers"),
    (np.arange(8.0), np.arange(8.0), 1, "bins must be at least 2, got 1"),
    (np.arange(8.0), np.arange(8.0), 5, r"5 bins need at least 10 draws \(two a bin\), got 8"),
    (np.arange(8.0), np.arange(8), None, "every category of x has a single draw"),
])
def test_invalid_input_is_refused_with_a_clear_message(
        y: np.ndarray, x: np.ndarray, bins: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        first_order(y, x, bins=bins)


@given(st.integers(0, 2**32 - 1), st.integers(1, 500), st.booleans())
def test_stable_order_within_is_the_stable_sort_of_the_kept_draws(seed: int, n: int,
                                                                  ties: bool) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 5, size=n).astype(np.float64) if ties else rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    keep = rng.random(n) < 0.7
    expected = np.argsort(x[keep], kind="stable")
    order = np.argsort(x, kind="stable")
    np.testing.assert_array_equal(stable_order_within(order, keep), expected)
    np.testing.assert_array_equal(
        stable_order_within(order, keep, rank=np.cumsum(keep) - 1), expected)


_BLAS_PROBE = """
import numpy as np
from uncertainty.stats import first_order
rng = np.random.default_rng(3)
x = rng.standard_normal(600_000)
y = np.exp(x / 2) + rng.standard_normal(600_000)
r = first_order(y, x)
print(repr((r.share, r.se)))
"""


def test_shares_do_not_depend_on_how_many_threads_the_blas_library_uses() -> None:
    # 30,000 groups: long enough that a BLAS dot product would be split over its threads.
    found = set()
    for threads in ("1", "2", "4"):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads,
                   MKL_NUM_THREADS=threads)
        done = subprocess.run([sys.executable, "-c", _BLAS_PROBE], env=env, check=True,
                              capture_output=True, text=True)
        found.add(done.stdout)
    assert len(found) == 1, found


def test_sum_se_of_one_share_is_its_se_to_the_order_of_one_over_the_group_size() -> None:
    # One input: the sum is the share. sum_se leaves each draw out of its group mean, the
    # share's se corrects for it after; the two differ by O(1 / n_b) relative.
    rng = np.random.default_rng(23)
    code = rng.choice(3, size=30_000, p=[0.5, 0.3, 0.2])
    y = np.array([0.0, 1.0, -1.5])[code] + rng.standard_normal(len(code))
    found = first_order(y, code, terms=True)
    assert found.terms is not None
    smallest = int(found.terms.grouping.sizes.min())
    assert math.isclose(sum_se(y, [found.terms]), found.se, rel_tol=1 / smallest)


def test_sum_se_edges() -> None:
    rng = np.random.default_rng(24)
    x, noise = rng.standard_normal((2, 1_000))
    assert math.isnan(sum_se(np.ones(1_000), [first_order(np.ones(1_000), x, terms=True).terms]))
    alone = first_order(noise, np.zeros(1_000), terms=True)  # one group: exactly 0, no terms
    assert alone.terms is None and sum_se(noise, [alone.terms]) == 0.0
    with pytest.raises(ValueError, match="draws of y"):
        sum_se(noise[:500], [first_order(noise, x, terms=True).terms])
    # Past SUM_DRAWS draws only the first SUM_DRAWS draws' influence values are averaged.
    n = SUM_DRAWS + 1_000
    z = rng.standard_normal((2, n))
    y = z[0] + z[1]
    found = [first_order(y, xk, terms=True) for xk in z]
    assert all(f.terms is not None and len(f.terms.grouping.draw_labels) == SUM_DRAWS
               for f in found)
    se = sum_se(y, [f.terms for f in found])
    assert math.isfinite(se) and se > 0
