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
        # from 1e15 on, scientific notation with the same significant digits: written out,
        # 1.02e306 would show its binary value's digits (1,019,999,999,999,999,977,...)
        (1.0199999999999999e306, 1e303, "1.020e+306"),
        (1.02e306, 0.0, "1.02000e+306"),
        (-3.2e20, 1e17, "-3.200e+20"),
        (123_456_789_012_345.6, 100.0, "123,457,000,000,000"),  # below 1e15: as before
    ],
)
def test_rounded_keeps_the_digits_the_error_supports(x: float, mcse: float, text: str) -> None:
    assert rounded(x, mcse) == text


def test_level_key_is_how_python_writes_the_float() -> None:
    assert [level_key(p) for p in (0.5, 0.9, 0.95)] == ["0.5", "0.9", "0.95"]


def test_plain() -> None:
    assert plain(5333.333) == "5,333"
    assert plain(1.875) == "1.875"
    assert plain(123_456_789_012_345.6) == "123,456,789,012,346"
    assert plain(1.0199999999999999e306) == "1.02e+306"  # not 307 digits


@pytest.mark.parametrize("x", [1e15, 9.007199254740993e15, 1e22, 1.7976931348623157e308])
def test_no_number_is_written_with_more_digits_than_a_float_holds(x: float) -> None:
    for text in (plain(x), rounded(x, 0.0), rounded(-x, x / 1e3)):
        digits = [c for c in text.split("e")[0] if c.isdigit()]
        assert len(digits) <= 17, text
