"""Turning raw floats into text. Numbers stay raw everywhere else."""

from __future__ import annotations

import math

__all__ = ["PLAIN_BELOW", "json_number", "level_key", "plain", "rounded"]

#: Numbers this large and larger are written in scientific notation (``1.02e+306``): past
#: 2**53 (about 9e15) a float's fixed-point digits beyond its ~16 significant ones are not
#: zeros but its binary value written out, which no estimate can claim.
PLAIN_BELOW = 1e15


def json_number(x: object) -> float | None:
    """A number for JSON: None (null) for NaN and ±inf, which JSON cannot hold."""
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def level_key(level: float) -> str:
    """Key for a credible level, as Python writes the float (``0.9 -> "0.9"``)."""
    return repr(float(level))


def plain(x: float, sig: int = 4) -> str:
    """Readable text for a number stated by a user or derived exactly from one.

    Large numbers get thousands separators and no decimals (``5333.33 -> "5,333"``);
    from `PLAIN_BELOW` on, `sig` significant digits in scientific notation; others keep
    `sig` significant digits.
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= PLAIN_BELOW:
        return f"{x:.{sig}g}"
    if abs(x) >= 10 ** (sig - 1):
        return f"{x:,.0f}"
    return f"{x:.{sig}g}"


def rounded(x: float, mcse: float, max_sig: int = 6) -> str:
    """Text for an estimate `x` with Monte Carlo standard error `mcse`.

    Keeps digits down to the decimal place of ``2 * mcse`` (the next digit would be noise),
    never more than `max_sig` significant digits; an exact value (``mcse == 0``) gets
    `max_sig` significant digits.

    ================  ==========================
    input             output
    ================  ==========================
    NaN x             ``"nan"``
    mcse 0 or NaN     `max_sig` significant digits
    |x| >= 1000       thousands separators
    |x| >= 1e15       scientific notation, the same
                      significant digits
    ================  ==========================
    """
    x = float(x)
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    top = math.floor(math.log10(abs(x))) if x != 0 else 0
    if mcse > 0 and math.isfinite(mcse):
        place = math.floor(math.log10(2 * mcse))
    else:
        place = top - max_sig + 1
    # at least one significant digit, at most max_sig
    place = min(max(place, top - max_sig + 1), top)
    if abs(x) >= PLAIN_BELOW:
        return f"{x:.{top - place}e}"
    decimals = max(0, -place)
    if place > 0:
        x = round(x, -place)
    return f"{x:,.{decimals}f}"
