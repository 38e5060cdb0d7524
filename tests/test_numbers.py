"""Display rounding: digits follow the Monte Carlo error, numbers are never changed."""

from __future__ import annotations

import pytest

from uncertainty.numbers import level_key, plain, rounded


@pytest.mark.parametrize(
    ("x", "mcse", "text"),
    [
        (14.0869, 0.021, "14.09"),     # 2*mcse = 0.042 -> hundredths
        (14.0869, 0.21, "14.1"),       # 0.42 -> tenths
        (14.0869, 2.1, "14"),          # 4.2 -> units
        (112_492.5, 140.0, "112,500"),  # 280 -> hundreds
        (0.75041, 0.0004, "0.7504"),
        (5.0, 30.0, "5"),              # error larger than the value: keep one digit
        (3.0, 0.0, "3.00000"),         # exact: six significant digits
        (float("nan"), 1.0, "nan"),
    ],
)
def test_rounded_keeps_the_digits_the_error_supports(x: float, mcse: float, text: str) -> None:
    assert rounded(x, mcse) == text


def test_level_key_is_how_python_writes_the_float() -> None:
    assert [level_key(p) for p in (0.5, 0.9, 0.95)] == ["0.5", "0.9", "0.95"]


def test_plain() -> None:
    assert plain(5333.333) == "5,333"
    assert plain(1.875) == "1.875"
