"""`Table` is np.interp and np.searchsorted on a fixed table, to the bit, and the increment's
density and CDF built on it (and its law kept for equal figures) are what they were."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from uncertainty.distributions.increment import GRID_POINTS, Increment
from uncertainty.distributions.kept import Kept
from uncertainty.distributions.lognormal import LogNormal
from uncertainty.stats import lookup
from uncertainty.stats.lookup import Table


def _bits(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.uint64)


def _points(xp: np.ndarray, rng: np.random.Generator, n: int = 3_000) -> np.ndarray:
    """Points over and past the table, with its nodes, their neighbours and the specials."""
    width = xp[-1] - xp[0]
    x = rng.uniform(xp[0] - width / 4, xp[-1] + width / 4, n)
    nodes = xp[rng.integers(0, len(xp), 200)]
    toward = np.where(rng.random(200) < 0.5, -np.inf, np.inf)
    specials = [np.nan, np.inf, -np.inf, -0.0, 0.0, -1e308, 1e308, xp[0], xp[-1],
                np.nextafter(xp[0], -np.inf), np.nextafter(xp[-1], np.inf)]
    return np.concatenate([x, nodes, np.nextafter(nodes, toward), specials])


def _assert_numpy(table: Table, xp: np.ndarray, fp: np.ndarray, x: np.ndarray) -> None:
    right = table.right(x)
    np.testing.assert_array_equal(right, np.searchsorted(xp, x, side="right"))
    np.testing.assert_array_equal(table.left(x), np.searchsorted(xp, x, side="left"))
    np.testing.assert_array_equal(table.left(x, right), np.searchsorted(xp, x, side="left"))
    np.testing.assert_array_equal(_bits(table.interp(x)), _bits(np.interp(x, xp, fp)))
    np.testing.assert_array_equal(_bits(table.interp(x, right)), _bits(np.interp(x, xp, fp)))


TABLES = {
    "even": lambda rng, n: np.linspace(-3.0, 5.0, n),
    "log-spaced, as an increment's": lambda rng, n: np.log(np.geomspace(1e-12, 3e5, n)),
    "random gaps": lambda rng, n: np.cumsum(rng.exponential(1.0, n)) - 7.0,
    # nodes crowded into a hundredth of the span: more than MAX_STEPS a bucket, searched
    "crowded": lambda rng, n: np.concatenate([np.linspace(0.0, 0.01, n - 2), [0.5, 1.0]]),
}


@pytest.mark.parametrize("kind", sorted(TABLES))
@pytest.mark.parametrize("n", [2, 3, 17, 1_000])
def test_every_point_gets_what_numpy_gives(kind: str, n: int) -> None:
    rng = np.random.default_rng(n)
    xp = np.unique(TABLES[kind](rng, n))
    fp = np.cumsum(rng.normal(0.0, 1.0, len(xp))) * 1e3
    fp[len(fp) // 2] = -0.0  # a node's own value, sign included, not slope * 0 + value
    _assert_numpy(Table(xp, fp), xp, fp, _points(xp, rng))


def test_a_crowded_table_is_searched_where_the_steps_do_not_reach() -> None:
    xp = TABLES["crowded"](np.random.default_rng(0), 400)
    table = Table(xp, np.arange(len(xp), dtype=np.float64))
    assert table._steps == lookup.MAX_STEPS  # the fullest bucket holds more
    x = np.linspace(0.0, 0.01, 5_000)
    np.testing.assert_array_equal(table.right(x), np.searchsorted(xp, x, side="right"))


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=60, unique=True),
       st.lists(st.floats(-1e9, 1e9), min_size=60, max_size=60),
       st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=40))
def test_any_increasing_table_at_any_points(nodes: list[float], values: list[float],
                                            points: list[float]) -> None:
    xp = np.sort(np.array(nodes))
    fp = np.array(values[:len(xp)])
    x = np.concatenate([np.array(points, dtype=np.float64), xp, (xp[:-1] + xp[1:]) / 2])
    _assert_numpy(Table(xp, fp), xp, fp, x)


@pytest.mark.parametrize(("xp", "fp"), [
    ([1.0], [2.0]),                      # one node
    ([0.0, 1.0, 1.0, 2.0], [0, 1, 2, 3]),  # a repeated node
    ([0.0, np.inf], [0.0, 1.0]),         # an infinite node
    ([0.0, 1.0], [0.0, np.nan]),         # a NaN value
    ([2.0, 1.0], [0.0, 1.0]),            # decreasing
])
def test_a_table_numpy_would_not_interpolate_plainly_is_left_to_numpy(
        xp: list[float], fp: list[float]) -> None:
    table = Table(xp, fp)
    assert not table._fast
    x = np.array([-1.0, 0.0, 0.5, 1.0, 1.5, 3.0, np.nan])
    np.testing.assert_array_equal(_bits(table.interp(x)),
                                  _bits(np.interp(x, np.array(xp), np.array(fp))))
    np.testing.assert_array_equal(table.right(x), np.searchsorted(xp, x, side="right"))


def test_a_single_point_gets_numpys_scalar() -> None:
    xp = np.linspace(0.0, 1.0, 11)
    table = Table(xp, xp ** 2)
    for x in (np.asarray(0.37), np.float64(0.5), 0.5, np.nan):
        found, expected = table.interp(np.asarray(x)), np.interp(x, xp, xp ** 2)
        assert type(found) is type(expected)
        assert _bits(np.asarray(found)) == _bits(np.asarray(expected))
        assert table.right(np.asarray(x)) == np.searchsorted(xp, x, side="right")
        assert table.left(np.asarray(x)) == np.searchsorted(xp, x, side="left")
    inc = _increment()
    for x in (0.0, 5_000.0, 12_000.0):
        assert float(inc.pdf(x)) == float(inc.pdf(np.array([x]))[0])
        assert float(inc.cdf(x)) == float(inc.cdf(np.array([x]))[0])


def test_an_empty_table_fails_as_numpy_does() -> None:
    with pytest.raises(ValueError, match="empty"):
        Table([], []).interp(np.array([1.0]))


# -- the increment, on the table ------------------------------------------------------------
def _increment(rho: float = 0.8) -> Increment:
    return Increment(LogNormal(40_000.0, 0.2), LogNormal(52_000.0, 0.25), rho)


def test_the_increments_density_and_cdf_are_their_numpy_formulas() -> None:
    inc = _increment()
    law = inc._law
    rng = np.random.default_rng(3)
    d = np.exp(rng.uniform(np.log(1e-9), np.log(1e6), 20_000))
    x = np.concatenate([d, np.exp(law.log_d[::37]), [0.0, -5.0, np.inf, np.nan]])
    # As they were written with numpy's own searches.
    slope = np.diff(law.z) / np.diff(law.log_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(x > 0, x, np.nan))
    cell = np.clip(np.searchsorted(law.log_d, logs) - 1, 0, len(slope) - 1)
    inside = (logs >= law.log_d[0]) & (logs <= law.log_d[-1])
    z = np.where(x <= 0, -np.inf, np.where(np.isnan(x), np.nan,
                                          np.interp(logs, law.log_d, law.z)))
    with np.errstate(invalid="ignore"):
        pdf = np.where(inside, np.exp(-0.5 * z ** 2) / np.sqrt(2 * np.pi) * slope[cell] / x,
                       0.0)
    np.testing.assert_array_equal(_bits(inc.pdf(x)), _bits(pdf))
    np.testing.assert_array_equal(_bits(inc.cdf(x)), _bits(special.ndtr(z)))
    np.testing.assert_array_equal(_bits(inc.sf(x)), _bits(special.ndtr(-z)))


def test_the_later_figures_score_is_taken_from_each_tail_where_it_is_precise() -> None:
    inc = _increment()
    x = np.geomspace(1.0, 1e7, 4_001).reshape(1, -1) * np.array([[1.0], [1.5]])
    x[0, 0] = 52_000.0  # the median: CDF and survival both 1/2, scores 0 and -0
    below, above = inc.later.cdf(x), inc.later.sf(x)
    with np.errstate(divide="ignore"):
        expected = np.where(below <= 0.5, special.ndtri(below), -special.ndtri(above))
    found = inc._score(x)
    assert found.shape == x.shape
    np.testing.assert_array_equal(_bits(found), _bits(expected))


def test_the_increments_tabulation_is_the_same_for_any_thread_count() -> None:
    inc = _increment()
    d = np.geomspace(1e-3, 1e6, GRID_POINTS)
    one, p_one = inc._above(d, threads=1)
    for threads in (2, 3):
        found, p = inc._above(d, threads=threads)
        np.testing.assert_array_equal(_bits(found), _bits(one))
        assert p == p_one


def test_an_equal_increment_shares_its_law_and_another_does_not() -> None:
    first, again, other = _increment(), _increment(), _increment(rho=0.5)
    assert again._law is first._law
    assert other._law is not first._law
    assert not np.array_equal(other._law.z, first._law.z)
    class Other(Increment):
        pass

    assert Other(first.earlier, first.later, first.rho)._law is not first._law
    fresh = first._tabulate()  # what the kept law was made as
    np.testing.assert_array_equal(_bits(fresh.z), _bits(first._law.z))
    np.testing.assert_array_equal(_bits(fresh.log_d), _bits(first._law.log_d))


def test_kept_values_are_the_last_used_and_unhashable_keys_are_never_kept() -> None:
    kept: Kept[list[int]] = Kept(2)
    made: list[object] = []

    def make() -> list[int]:
        made.append(object())
        return [len(made)]

    a = kept.get("a", make)
    assert kept.get("a", make) is a and len(made) == 1
    kept.get("b", make)
    kept.get("a", make)  # "a" used last: "b" is the oldest
    kept.get("c", make)  # evicts "b"
    assert len(made) == 3
    assert kept.get("a", make) is a
    kept.get("b", make)
    assert len(made) == 4
    unhashable = (np.zeros(2),)
    assert kept.get(unhashable, make) is not kept.get(unhashable, make)
    assert len(made) == 6
