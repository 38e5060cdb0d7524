"""From what a user wrote for an estimate to a checked distribution.

The way an estimate is written (its *form*) is found from the keys it uses, and a registry
maps each form to a builder. Every builder states what the user asked for as checks
(``ppf(0.05) == 9000``); `build_estimate` verifies each check on the distribution it got, so
a family that cannot honour a request fails loudly instead of reporting wrong intervals.

Forms
-----
=====================================  ======================================================
written                                distribution
=====================================  ======================================================
``8000``                               lognormal, median 8000, 90% interval [x/f, x*f] where
                                       ``f`` is the estimate's, source's or run's ci90_factor
``{ value, ci90_factor }``             the same with the factor given for this estimate
``{ value, ci90 = [lo, hi] }``         median `value`, 5th/95th percentiles `lo`/`hi`;
                                       lognormal when symmetric on the log scale, else a
                                       two-piece (split) lognormal
``{ value, ci = [lo, hi], level }``    the same for a central interval of probability `level`
``{ dist = "lognormal", ... }``        ``median`` + ``ci90`` (log-symmetric), ``ci90`` alone,
                                       or ``median`` + ``sigma``
``{ dist = "normal", mean, sd }``      normal
``{ dist = "uniform", low, high }``    uniform
``{ dist = "beta", alpha, beta }``     beta, for fractions
``{ dist = "point", value }``          a point mass (no uncertainty)
=====================================  ======================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from uncertainty.distributions.base import Distribution
from uncertainty.distributions.lognormal import Z90, LogNormal, SplitLogNormal
from uncertainty.distributions.simple import Beta, Normal, Point, Uniform
from uncertainty.errors import ConfigError
from uncertainty.numbers import plain
from uncertainty.validation import Node, show

__all__ = [
    "ESTIMATE_KEYS",
    "FAMILIES",
    "FORMS",
    "Built",
    "Spread",
    "build_estimate",
    "estimate_keys",
    "written",
]

#: Relative tolerance for a built distribution to count as reproducing what was written.
RTOL = 1e-9


@dataclass(frozen=True)
class Spread:
    """The default spread for a bare number, and where it was set.

    Parameters
    ----------
    factor : float
        ``ci90_factor`` f > 1: a bare ``x`` gets the 90% interval ``[x/f, x*f]``.
    origin : str
        Where `factor` came from, for the report (``"source ci90_factor"``).
    """

    factor: float
    origin: str


@dataclass(frozen=True)
class Built:
    """A distribution built from an estimate, and how.

    Parameters
    ----------
    distribution : Distribution
        The result.
    spread : str
        Where its spread came from, in words, for the report.
    checks : tuple of (str, float, float)
        ``(what, achieved, wanted)`` for each thing the user stated.
    scale : float
        For location families, the spread against which an absolute error is judged
        (a check wanting 0 can only be met absolutely); 0 means checks are purely relative.
    """

    distribution: Distribution
    spread: str
    checks: tuple[tuple[str, float, float], ...] = ()
    scale: float = 0.0


Builder = Callable[[Node, Spread], Built]


def _quantile_checks(dist: Distribution, wanted: Mapping[float, float]) -> tuple[
    tuple[str, float, float], ...
]:
    probs = list(wanted)
    achieved = dist.ppf(np.asarray(probs))
    return tuple(
        (f"{p:.4g} quantile", float(a), wanted[p]) for p, a in zip(probs, achieved, strict=True)
    )


def _lognormal_or_split(median: float, lo: float, hi: float, level: float) -> Distribution:
    """Median `median` with central `level` interval ``[lo, hi]``."""
    z = float(special.ndtri(0.5 + level / 2))
    s_lo, s_hi = math.log(median / lo) / z, math.log(hi / median) / z
    if math.isclose(s_lo, s_hi, rel_tol=1e-12):
        return LogNormal(median, s_lo)
    return SplitLogNormal(median, s_lo, s_hi)


def _bare(node: Node, spread: Spread, factor_origin: str | None = None) -> Built:
    x = node.number()
    if x <= 0:
        raise node.error(
            f"a bare number is read as a positive count and must be positive, got {show(x)}; "
            'write { dist = "normal", mean = ..., sd = ... } or { dist = "point", value = ... } '
            "for other quantities"
        )
    f = spread.factor
    dist = LogNormal(x, math.log(f) / Z90)
    how = (
        f"bare number: lognormal with 90% interval [x/{plain(f)}, x*{plain(f)}] "
        f"from the {factor_origin or spread.origin}"
    )
    return Built(dist, how, _quantile_checks(dist, {0.05: x / f, 0.5: x, 0.95: x * f}))


def _value_form(node: Node, spread: Spread) -> Built:
    node.only({"value", "ci90", "ci", "level", "ci90_factor"}, "an estimate with a value")
    value_node = node.require("value")
    for key in ("ci90", "ci"):
        if node.has(key) and node.has("ci90_factor"):
            raise ConfigError(
                node.child_path("ci90_factor"), f"give either {key} or ci90_factor, not both"
            )
    if node.has("ci90") and node.has("ci"):
        raise ConfigError(node.child_path("ci"), "give either ci90 or ci with level, not both")
    if node.has("level") and not node.has("ci"):
        raise ConfigError(node.child_path("level"), "level goes with ci = [lo, hi]")
    if node.has("ci") and not node.has("level"):
        raise ConfigError(node.child_path("level"), "required with ci = [lo, hi] (e.g. 0.8)")

    if not (node.has("ci90") or node.has("ci")):
        factor_node = node.get("ci90_factor")
        if factor_node is None:
            return _bare(value_node, spread)
        factor = _factor(factor_node)
        return _bare(value_node, Spread(factor, "estimate's ci90_factor"))

    value = value_node.positive()
    interval = node.require("ci90" if node.has("ci90") else "ci")
    level = 0.9
    level_node = node.get("level")
    if level_node is not None:
        level = level_node.number()
        if not 0 < level < 1:
            raise level_node.error(f"must be between 0 and 1 (exclusive), got {show(level)}")
    lo, hi = (n.number() for n in interval.array(2))
    if lo <= 0:
        raise interval.error(f"lower bound {show(lo)} must be positive")
    if not lo < value:
        raise interval.error(f"lower bound {show(lo)} must be below the value {show(value)}")
    if not value < hi:
        raise interval.error(f"upper bound {show(hi)} must be above the value {show(value)}")
    dist = _lognormal_or_split(value, lo, hi, level)
    tail = (1 - level) / 2
    how = f"stated {level:.0%} interval" + (" (asymmetric: split lognormal)"
                                           if isinstance(dist, SplitLogNormal) else "")
    return Built(dist, how, _quantile_checks(dist, {tail: lo, 0.5: value, 1 - tail: hi}))


def _factor(node: Node) -> float:
    f = node.number()
    if not f > 1:
        raise node.error(f"must be greater than 1 (a 90% interval [x/f, x*f]), got {show(f)}")
    return f


def _dist_form(node: Node, spread: Spread) -> Built:
    name_node = node.require("dist")
    name = name_node.string()
    builder = FAMILIES.get(name)
    if builder is None:
        raise name_node.error(
            f"unknown distribution {name!r} (expected one of: {', '.join(sorted(FAMILIES))})"
        )
    return builder(node, spread)


def _family_lognormal(node: Node, spread: Spread) -> Built:
    node.only({"dist", "median", "ci90", "sigma"}, "a lognormal")
    median_node, ci_node, sigma_node = node.get("median"), node.get("ci90"), node.get("sigma")
    if ci_node is not None and sigma_node is not None:
        raise sigma_node.error("give either ci90 or sigma, not both")
    if ci_node is None and (sigma_node is None or median_node is None):
        raise node.error("a lognormal needs median and ci90, ci90 alone, or median and sigma")
    if ci_node is not None:
        lo, hi = ci_node.pair()
        if lo <= 0:
            raise ci_node.error(f"lower bound {show(lo)} must be positive")
        if median_node is None:
            median = math.sqrt(lo * hi)
        else:
            median = median_node.positive()
            if not lo < median < hi:
                raise ci_node.error(
                    f"interval [{show(lo)}, {show(hi)}] must contain the median {show(median)}"
                )
            if not math.isclose(math.log(median / lo), math.log(hi / median), rel_tol=1e-9):
                raise ci_node.error(
                    f"[{show(lo)}, {show(hi)}] is not symmetric around the median "
                    f"{show(median)} on the log scale, which a lognormal needs "
                    "(median² = lo·hi); use { value = ..., ci90 = [...] } for a split lognormal"
                )
        dist = LogNormal(median, math.log(hi / median) / Z90)
        wanted = {0.05: lo, 0.5: median, 0.95: hi}
    else:
        assert median_node is not None and sigma_node is not None  # guarded above
        median, sigma = median_node.positive(), sigma_node.positive()
        dist = LogNormal(median, sigma)
        wanted = {0.5: median, float(special.ndtr(1.0)): median * math.exp(sigma)}
    return Built(dist, "stated distribution", _quantile_checks(dist, wanted))


def _family_normal(node: Node, spread: Spread) -> Built:
    node.only({"dist", "mean", "sd"}, "a normal")
    mean, sd = node.require("mean").number(), node.require("sd").positive()
    dist = Normal(mean, sd)
    checks = _quantile_checks(dist, {0.5: mean, float(special.ndtr(1.0)): mean + sd})
    return Built(dist, "stated distribution", checks, scale=sd)


def _family_uniform(node: Node, spread: Spread) -> Built:
    node.only({"dist", "low", "high"}, "a uniform")
    low, high = node.require("low").number(), node.require("high").number()
    if not low < high:
        raise node.error(f"low {show(low)} must be below high {show(high)}")
    dist = Uniform(low, high)
    checks = _quantile_checks(dist, {0.0: low, 1.0: high})
    return Built(dist, "stated distribution", checks, scale=high - low)


def _family_beta(node: Node, spread: Spread) -> Built:
    node.only({"dist", "alpha", "beta"}, "a beta")
    a, b = node.require("alpha").positive(), node.require("beta").positive()
    dist = Beta(a, b)
    mean = float(dist.frozen.mean())
    return Built(dist, "stated distribution", (("mean", mean, a / (a + b)),))


def _family_point(node: Node, spread: Spread) -> Built:
    node.only({"dist", "value"}, "a point")
    value = node.require("value").number()
    dist = Point(value)
    return Built(dist, "stated as exact", _quantile_checks(dist, {0.5: value}))


#: Distribution families for ``{ dist = NAME, ... }``.
FAMILIES: dict[str, Builder] = {
    "beta": _family_beta,
    "lognormal": _family_lognormal,
    "normal": _family_normal,
    "point": _family_point,
    "uniform": _family_uniform,
}

#: Estimate forms, keyed by the key whose presence identifies them, in order of precedence.
FORMS: dict[str, Builder] = {
    "dist": _dist_form,
    "value": _value_form,
}


#: Every key some form or family accepts; a TOML table using any of them is an estimate,
#: not a group of quantity names. Keep it in step with the builders.
ESTIMATE_KEYS = frozenset({
    "dist", "value", "ci90", "ci", "level", "ci90_factor", "median", "sigma", "mean", "sd",
    "low", "high", "alpha", "beta",
})


def estimate_keys() -> frozenset[str]:
    """Keys that mark a TOML table as an estimate rather than a group of quantities."""
    return ESTIMATE_KEYS | frozenset(FORMS)


def build_estimate(node: Node, spread: Spread) -> Built:
    """Build and check the distribution for one estimate.

    Parameters
    ----------
    node : Node
        The estimate as written: a number or a table with exactly one form key.
    spread : Spread
        The spread a bare number gets, and where it was set.

    Returns
    -------
    Built
        The distribution, with every stated property verified to `RTOL`.

    Raises
    ------
    ConfigError
        When the estimate is malformed or no distribution of the form honours it.
    """
    if node.is_table():
        # The first form key present decides; `dist` comes first, so a family may take
        # keys that name other forms (``{ dist = "point", value = 7 }``).
        form = next((key for key in FORMS if node.has(key)), None)
        if form is None:
            listing = ", ".join(FORMS)
            raise node.error(f"an estimate needs one of the keys: {listing}")
        built = FORMS[form](node, spread)
    else:
        built = _bare(node, spread)
    for what, achieved, wanted in built.checks:
        if not math.isclose(achieved, wanted, rel_tol=RTOL, abs_tol=RTOL * built.scale):
            raise node.error(
                f"the {built.distribution.family} built for this estimate has {what} "
                f"{achieved!r} instead of {wanted!r}"
            )
    return built


def written(value: Any) -> str:
    """What the user wrote, rendered as inline TOML for reports."""
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k} = {written(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        return "[" + ", ".join(written(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return f"{value:.15g}"
    return str(value)
