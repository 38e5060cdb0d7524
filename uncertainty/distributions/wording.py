"""Builders for claims as worded: "about", "at least", "at most", "between", stated quantiles.

Each turns the words of a claim into a distribution and states, as checks, what the words
pin down exactly (a floor is the 0th percentile, a stated quantile is reproduced).
"""

from __future__ import annotations

import itertools
import json
import math
from decimal import Decimal

from scipy import special

from uncertainty.config.validation import Node, show
from uncertainty.distributions.built import (
    MAX_CI90_FACTOR,
    Built,
    Check,
    Spread,
    ci90_factor,
    level_of,
    quantile_checks,
)
from uncertainty.distributions.lognormal import Z90, LogNormal
from uncertainty.distributions.onesided import HalfLogNormal, OneSided, ShiftedLogNormal
from uncertainty.distributions.quantiles import QuantileMatched
from uncertainty.distributions.simple import Normal
from uncertainty.numbers import plain

__all__ = [
    "about_form",
    "at_least_form",
    "at_most_form",
    "between_form",
    "default_unit",
    "log_uniform_variance",
    "quantiles_form",
]

Z975 = float(special.ndtri(0.975))  # 1.96: a half-normal's 95th percentile


# -- about -----------------------------------------------------------------------------------
def default_unit(value: int | float) -> float:
    """The rounding unit a number suggests: the largest power of ten dividing it.

    ==========  ======
    value       unit
    ==========  ======
    12_000      1,000
    125_681     1
    2.5         0.1
    0.03        0.01
    ==========  ======

    Floats are read from their shortest repr (``2.5``, not its binary expansion).
    """
    digits = Decimal(value if isinstance(value, int) else repr(float(value))).normalize()
    exponent = digits.as_tuple().exponent
    if not isinstance(exponent, int):  # "n", "N" or "F": not a finite number
        raise ValueError(f"no rounding unit for {value!r}")
    return float(Decimal(1).scaleb(exponent))


#: Coefficients of h^2, h^4, ... in Var(log R), R ~ Uniform[1 - h, 1 + h].
_SERIES = (1 / 3, 7 / 45, 29 / 315, 97 / 1575, 2309 / 51975, 31907 / 945945)


def log_uniform_variance(h: float) -> float:
    """``Var(log R)`` for ``R ~ Uniform[1 - h, 1 + h]``, ``0 < h < 1``, to full precision.

    Closed form from ``E[log R] = [r log r - r] / (b - a)`` and
    ``E[log² R] = [r log² r - 2 r log r + 2 r] / (b - a)`` over ``[a, b]``; for small `h`
    that difference cancels, so a series in ``h²`` (exact to ~1e-16 for ``h <= 0.05``) is
    used there instead.
    """
    if h <= 0.05:
        h2 = h * h
        return h2 * sum(c * h2**i for i, c in enumerate(_SERIES))
    a, b = 1 - h, 1 + h
    la, lb = math.log(a), math.log(b)
    m1 = (b * lb - a * la) / (b - a) - 1
    m2 = (b * lb * lb - a * la * la - 2 * (b * lb - a * la)) / (b - a) + 2
    return m2 - m1 * m1


def _factor_label(spread: Spread) -> str:
    """``"the run's ci90_factor 1.5"``, or ``"ci90_factor 1.4 from the grade B2 (...)"``."""
    f = plain(spread.factor)
    if spread.origin.endswith("ci90_factor"):
        return f"the {spread.origin} {f}"
    if spread.origin.endswith(f"ci90_factor {f}"):
        return f"the {spread.origin}"
    return f"ci90_factor {f} from the {spread.origin}"


def about_form(node: Node, spread: Spread) -> Built:
    """``{ about = x, unit }``: the true value rounds to `x`, on top of the source's spread.

    The value is read as ``x * R * S``: ``R ~ Uniform[1 - u / 2x, 1 + u / 2x]`` for the
    rounding to unit ``u`` (default `default_unit`), ``S`` the source's lognormal spread
    (90% interval ``[1/f, f]``). The result is the lognormal with median ``x`` and
    ``sigma^2 = (log f / 1.645)^2 + Var(log R)``, the latter exact
    (`log_uniform_variance`). ``x`` must be positive and ``u < 2x``; an estimate-level
    ``ci90_factor`` replaces the source's.
    """
    node.only({"about", "unit", "ci90_factor"}, "an about estimate")
    x_node = node.require("about")
    x = x_node.number()
    if x <= 0:
        raise x_node.error(f"'about' reads a positive count and must be positive, got {show(x)}")
    unit_node, factor_node = node.get("unit"), node.get("ci90_factor")
    unit = default_unit(x_node.value) if unit_node is None else unit_node.positive()
    if unit_node is not None and not unit < 2 * x:
        raise unit_node.error(f"the rounding unit {show(unit)} must be below twice the number "
                              f"{show(x)}")
    if factor_node is not None:
        spread = Spread(ci90_factor(factor_node), "estimate's ci90_factor")
    s_source = math.log(spread.factor) / Z90
    s_round = math.sqrt(log_uniform_variance(unit / (2 * x)))
    dist = LogNormal(x, math.hypot(s_source, s_round))
    how = (f"about: rounding to the nearest {plain(unit)} (log-sd {s_round:.2g}) combined "
           f"with {_factor_label(spread)} (log-sd {s_source:.3g})")
    checks = (
        *quantile_checks(dist, {0.5: x}),
        ("log-variance", dist.sigma**2, s_source**2 + s_round**2),
    )
    return Built(dist, how, checks)


# -- at least / at most ----------------------------------------------------------------------
def _count_factor(node: Node) -> tuple[ShiftedLogNormal, float, float]:
    """``1 + V`` with V lognormal, from ``{ ci90 = [lo, hi] }`` with ``1 < lo < hi``."""
    node.table()
    what = "an undercount" if node.path.endswith("undercount") else "an overcount"
    node.only({"ci90"}, what)
    interval = node.require("ci90")
    lo, hi = interval.pair()
    if not lo > 1:
        raise interval.error(f"lower bound {show(lo)} must be above 1 (a factor on the stated "
                             "number: 1.2 means 20% more)")
    if hi > MAX_CI90_FACTOR:
        raise interval.error(f"upper bound {show(hi)} must be at most {MAX_CI90_FACTOR:,.0f} "
                             "(a count off by more than a factor of a million says nothing, "
                             "and wider factors overflow floating point)")
    v_lo, v_hi = lo - 1, hi - 1
    factor = ShiftedLogNormal(math.sqrt(v_lo) * math.sqrt(v_hi), math.log(v_hi / v_lo) / (2 * Z90))
    return factor, lo, hi


def _one_sided(node: Node, spread: Spread, floor: bool) -> Built:
    key, count = ("at_least", "undercount") if floor else ("at_most", "overcount")
    node.only({key, count, "ci90_factor"}, f"an {key} estimate")
    bound = node.require(key).positive()
    count_node, factor_node = node.get(count), node.get("ci90_factor")
    if count_node is not None and factor_node is not None:
        raise factor_node.error(f"give either {count} or ci90_factor, not both")
    word = "at least" if floor else "at most"
    checks: tuple[Check, ...]
    if count_node is not None:
        factor, lo, hi = _count_factor(count_node)
        dist = OneSided(bound, factor, floor)
        how = f"{word}: stated {count} factor, 90% interval [{plain(lo)}, {plain(hi)}]"
        if floor:
            checks = quantile_checks(dist, {0.0: bound, 0.05: bound * lo, 0.95: bound * hi})
        else:
            checks = quantile_checks(dist, {1.0: bound, 0.05: bound / hi, 0.95: bound / lo})
        return Built(dist, how, checks)
    if factor_node is not None:
        spread = Spread(ci90_factor(factor_node), "estimate's ci90_factor")
    f = spread.factor
    dist = OneSided(bound, HalfLogNormal(math.log(f) / Z975), floor)
    how = (f"{word}: {'floor times' if floor else 'ceiling over'} a half-lognormal {count} "
           f"factor whose 95th percentile is {_factor_label(spread)}")
    if floor:
        checks = quantile_checks(dist, {0.0: bound, 0.95: bound * f})
    else:
        checks = quantile_checks(dist, {1.0: bound, 0.05: bound / f})
    return Built(dist, how, checks)


def at_least_form(node: Node, spread: Spread) -> Built:
    """``{ at_least = F, undercount = { ci90 = [lo, hi] } }``: ``X = F * U``, ``U >= 1``."""
    return _one_sided(node, spread, floor=True)


def at_most_form(node: Node, spread: Spread) -> Built:
    """``{ at_most = C, overcount = { ci90 = [lo, hi] } }``: ``X = C / U``, ``U >= 1``."""
    return _one_sided(node, spread, floor=False)


# -- between ---------------------------------------------------------------------------------
def between_form(node: Node, spread: Spread) -> Built:
    """``{ between = [lo, hi], level }``: a central interval; lognormal if ``lo > 0``."""
    node.only({"between", "level"}, "a between estimate")
    interval = node.require("between")
    lo, hi = interval.pair()
    level = level_of(node.get("level"))
    z = float(special.ndtri(0.5 + level / 2))
    tail = (1 - level) / 2
    wanted = {tail: lo, 1 - tail: hi}
    if lo > 0:
        dist = LogNormal(math.sqrt(lo) * math.sqrt(hi), math.log(hi / lo) / (2 * z))
        how = f"stated {level:.0%} range, both ends positive: lognormal"
        return Built(dist, how, quantile_checks(dist, wanted))
    normal = Normal(lo / 2 + hi / 2, (hi / 2 - lo / 2) / z)
    how = f"stated {level:.0%} range reaching zero or below: normal"
    return Built(normal, how, quantile_checks(normal, wanted), scale=normal.sd)


# -- quantiles -------------------------------------------------------------------------------
def _entries(table: Node) -> list[tuple[float, str, float, Node]]:
    """``(probability, key as written, value, node)`` for each stated quantile, validated."""
    entries: list[tuple[float, str, float, Node]] = []
    seen: dict[float, str] = {}
    for key, child in table.items():
        item = Node(child.value, f"{table.path}.{json.dumps(key)}")
        try:
            p = float(key)
        except ValueError:
            raise item.error(f"key {json.dumps(key)} is not a probability; write each quantile "
                             'as "probability" = value, e.g. "0.05" = 9000') from None
        if not 0 < p < 1:
            raise item.error(f"probability {key} must be strictly between 0 and 1")
        if p in seen:
            raise item.error(f"probability {key} is listed twice (also as {json.dumps(seen[p])})")
        seen[p] = key
        entries.append((p, key, item.number(), item))
    return sorted(entries, key=lambda e: e[0])


def quantiles_form(node: Node, spread: Spread) -> Built:
    """``{ quantiles = { "0.05" = a, "0.5" = b, ... }, bounded }``: exact stated quantiles.

    Builds a `QuantileMatched` distribution through every stated quantile.

    ==================================  =================================================
    written                             result
    ==================================  =================================================
    all values > 0                      ``log x`` interpolated (semi-bounded at zero)
    some value <= 0                     ``x`` interpolated (normal tails)
    ``bounded = "zero"`` / ``"none"``   forces the choice; "zero" with a value <= 0 is
                                        an error at that quantile
    2 quantiles                         exactly a lognormal (normal)
    key not a number, outside (0, 1)    error at that key (``quantiles."0.95"``)
    same probability twice ("0.5",      error at the later key
    "0.50")
    values not increasing               error at the higher probability's key
    fewer than 2                        error at ``quantiles``
    ==================================  =================================================
    """
    node.only({"quantiles", "bounded"}, "a quantiles estimate")
    table = node.require("quantiles").table()
    entries = _entries(table)
    if len(entries) < 2:
        raise table.error('give at least 2 quantiles, e.g. { "0.05" = 9000, "0.95" = 17000 }')
    for (p0, key0, x0, _), (p1, key1, x1, item1) in itertools.pairwise(entries):
        if not x0 < x1:
            raise item1.error(f"value {show(x1)} must be above the value {show(x0)} at {key0}")
        if not special.ndtri(p0) < special.ndtri(p1):
            raise item1.error(f"probability {key1} is too close to {key0} to tell apart")
    bounded_node = node.get("bounded")
    positive = entries[0][2] > 0
    if bounded_node is None:
        log = positive
    else:
        choice = bounded_node.string()
        if choice not in ("zero", "none"):
            raise bounded_node.error(f'expected "zero" (positive, semi-bounded at 0) or "none", '
                                     f"got {show(choice)}")
        log = choice == "zero"
        if log and not positive:
            _, _, x, item = entries[0]
            raise item.error(f'value {show(x)} must be positive with bounded = "zero"')
    probs = tuple(e[0] for e in entries)
    values = tuple(e[2] for e in entries)
    scale_values = [math.log(v) for v in values] if log else list(values)
    for (_, key0, x0, _), (_, _, x1, item1), y0, y1 in zip(
        entries, entries[1:], scale_values, scale_values[1:], strict=False
    ):
        if not (y0 < y1 and math.isfinite(y1 - y0)):
            where = "on the log scale" if log else ""
            raise item1.error(f"value {show(x1)} is too close to the value {show(x0)} at {key0} "
                              f"to tell apart {where}".rstrip())
    dist = QuantileMatched(probs, values, log)
    scale = 0.0 if log else values[-1] / 2 - values[0] / 2
    how = f"quantile-matched through {len(values)} stated quantiles"
    return Built(dist, how, quantile_checks(dist, dict(zip(probs, values, strict=True))),
                 scale=scale)
