"""`unique_ints` is `np.unique` for integers: the same values, dtype and order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, integer_dtypes, unsigned_integer_dtypes

from uncertainty.stats.ranks import unique_ints


@given(arrays(st.one_of(integer_dtypes(), unsigned_integer_dtypes()),
              st.tuples(st.integers(0, 3), st.integers(0, 60))))
def test_any_integer_array_gives_what_np_unique_gives(values: np.ndarray) -> None:
    found, expected = unique_ints(values), np.unique(values)
    assert found.dtype == expected.dtype
    np.testing.assert_array_equal(found, expected)


@given(st.lists(st.integers(-10**6, 10**6), max_size=300), st.integers(0, 10**6))
def test_sorted_runs_with_a_shift_as_the_hdi_search_passes_them(starts: list[int],
                                                                span: int) -> None:
    inner = np.sort(np.array(starts, dtype=np.int64))
    values = np.concatenate(([0], inner, inner - span))
    np.testing.assert_array_equal(unique_ints(values), np.unique(values))


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="integers"):
        unique_ints(np.array([1.0, 1.0]))  # type: ignore[type-var]
