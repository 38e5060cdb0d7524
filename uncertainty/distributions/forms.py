"""From what a user wrote for an estimate to a checked distribution.

The way an estimate is written (its *form*) is found from the keys it uses, and a registry
maps each form to a builder. Every builder states what the user asked for as checks
(``ppf(0.05) == 9000``); `build_estimate` verifies each check on the distribution it got, so
a family that cannot honour a request fails loudly instead of reporting wrong intervals.

Forms
-----
The first of these keys present decides the form (``dist`` first, so a family may take keys
that name other forms); ``lower`` / ``upper`` may be added to any table.

===========================================  ==================================================
written                                      distribution
===========================================  ==================================================
``8000``                                     lognormal, median 8000, 90% interval [x/f, x*f]
                                             where ``f`` is the estimate's, source's or run's
                                             ci90_factor
``{ value, ci90_factor }``                   the same with the factor given for this estimate
``{ value, ci90 = [lo, hi] }``               median `value`, 5th/95th percentiles `lo`/`hi`;
                                             lognormal when symmetric on the log scale, else
                                             a two-piece (split) lognormal
``{ value, ci = [lo, hi], level }``          the same for a central interval of probability
                                             `level`
``{ dist = "lognormal", ... }``              ``median`` + ``ci90`` (log-symmetric), ``ci90``
                                             alone, or ``median`` + ``sigma``
``{ dist = "normal", mean, sd }``            normal
``{ dist = "uniform", low, high }``          uniform
``{ dist = "beta", alpha, beta }``           beta, for fractions
``{ dist = "gamma", shape, scale }``         gamma; also ``shape`` + ``rate`` or ``mean`` +
                                             ``sd``
``{ dist = "pert", min, mode, max }``        PERT (a beta on [min, max] peaking at mode;
                                             optional ``lambda``, default 4)
``{ dist = "triangular", min, mode, max }``  triangular
``{ dist = "truncnormal", mean, sd, low,     a normal truncated to [low, high] (either bound
high }``                                     may be left out); mean and sd are before
                                             truncation
``{ dist = "point", value }``                a point mass (no uncertainty)
``{ about = x, unit }``                      "about x": lognormal with median x whose log-sd
                                             combines rounding to `unit` (default: the largest
                                             power of ten dividing x) with the ci90_factor
``{ at_least = F, undercount = { ci90 } }``  ``F * U`` with ``U - 1`` lognormal over the
                                             interval minus 1; without `undercount`,
                                             ``F * exp(s |Z|)`` whose 95th percentile is
                                             ``F * f``
``{ at_most = C, overcount = { ci90 } }``    ``C / U``, the mirror image
``{ between = [lo, hi], level }``            central interval (default 90%): lognormal when
                                             ``lo > 0``, else normal
``{ quantiles = { "0.05" = a, ... } }``      exactly through every stated quantile: ``log x``
                                             (or ``x``; ``bounded = "zero" | "none"``)
                                             piecewise linear in the normal score
``{ mixture = [e1, e2], weights }``          with probability ``weights[i]`` a draw of
                                             estimate ``e_i`` (any form); quantiles tabulated
``{ ..., lower = l, upper = u }``            the estimate truncated to [l, u]; what it states
                                             describes it before truncation
===========================================  ==================================================
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import special

from uncertainty.config.validation import Node, show, unknown
from uncertainty.distributions.base import Distribution
from uncertainty.distributions.bounded import Truncated, range_text
from uncertainty.distributions.built import (
    RTOL,
    Builder,
    Built,
    Check,
    Spread,
    ci90_factor,
    level_of,
    quantile_checks,
)
from uncertainty.distributions.families import FAMILIES, MIN_MASS
from uncertainty.distributions.lognormal import Z90, LogNormal, SplitLogNormal
from uncertainty.distributions.tabulated import Mixture
from uncertainty.distributions.wording import (
    about_form,
    at_least_form,
    at_most_form,
    between_form,
    quantiles_form,
)
from uncertainty.errors import ConfigError
from uncertainty.numbers import plain

__all__ = [
    "ESTIMATE_KEYS",
    "FAMILIES",
    "FORMS",
    "RTOL",
    "TRUNCATION_KEYS",
    "Built",
    "Spread",
    "build_estimate",
    "estimate_keys",
    "written",
]

#: Keys that truncate any table estimate to ``[lower, upper]``.
TRUNCATION_KEYS = ("lower", "upper")


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
    return Built(dist, how, quantile_checks(dist, {0.05: x / f, 0.5: x, 0.95: x * f}))


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
        return _bare(value_node, Spread(ci90_factor(factor_node), "estimate's ci90_factor"))

    value = value_node.positive()
    interval = node.require("ci90" if node.has("ci90") else "ci")
    level = level_of(node.get("level"))
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
    return Built(dist, how, quantile_checks(dist, {tail: lo, 0.5: value, 1 - tail: hi}))


def _dist_form(node: Node, spread: Spread) -> Built:
    name_node = node.require("dist")
    name = name_node.string()
    builder = FAMILIES.get(name)
    if builder is None:
        raise name_node.error(unknown("distribution", name, sorted(FAMILIES)))
    return builder(node, spread)


#: Probabilities at which a mixture's tabulated quantiles are checked against its exact CDF.
MIXTURE_CHECKS = (0.05, 0.5, 0.95)


def _mixture_form(node: Node, spread: Spread) -> Built:
    node.only({"mixture", "weights"}, "a mixture")
    items = node.require("mixture").array()
    if len(items) < 2:
        raise node.require("mixture").error(
            f"a mixture needs at least 2 estimates, got {len(items)}"
        )
    parts = [build_estimate(item, spread) for item in items]
    weights_node = node.get("weights")
    if weights_node is None:
        weights = [1.0] * len(parts)
    else:
        weights = [w.positive() for w in weights_node.array(len(parts))]
    dist = Mixture(tuple(b.distribution for b in parts), tuple(weights))
    # Each tabulated quantile x must satisfy P(X < x) <= p <= P(X <= x) by the exact CDF.
    xs = dist.ppf(np.asarray(MIXTURE_CHECKS))
    below, at = dist.cdf_left(xs), dist.cdf(xs)
    checks: tuple[Check, ...] = tuple(
        (f"CDF at its {p:.4g} quantile", float(min(max(p, b), a)), p)
        for p, b, a in zip(MIXTURE_CHECKS, below, at, strict=True)
    )
    shares = ", ".join(plain(w, 3) for w in dist.weights)
    how = f"mixture of {len(parts)} (weights {shares}): " + "; ".join(
        f"[{i + 1}] {b.spread}" for i, b in enumerate(parts)
    )
    return Built(dist, how, checks, scale=max(b.scale for b in parts))


def _truncated(node: Node, spread: Spread) -> Built:
    """Build the estimate without ``lower``/``upper``, then truncate it to them."""
    lower_node, upper_node = node.get("lower"), node.get("upper")
    lower = -math.inf if lower_node is None else lower_node.number()
    upper = math.inf if upper_node is None else upper_node.number()
    if not lower < upper:
        raise ConfigError(node.child_path("upper"),
                          f"upper {show(upper)} must be above lower {show(lower)}")
    rest = {k: v for k, v in node.value.items() if k not in TRUNCATION_KEYS}
    built = build_estimate(Node(rest, node.path), spread)
    base = built.distribution
    if isinstance(base, Mixture):  # exact table nodes at the bounds
        base = base.with_knots((lower, upper))
    dist = Truncated(base, lower, upper)
    if not dist.mass >= MIN_MASS:
        raise node.error(
            f"truncating to {range_text(lower, upper, show)} keeps only {dist.mass:.3g} of the "
            f"{base.family}'s probability (at least {MIN_MASS:g} is needed); what the estimate "
            "states describes it before truncation"
        )
    with np.errstate(invalid="ignore"):  # inf - inf for an absurdly wide base
        spread_ = float(np.subtract(*dist.ppf(np.array([0.75, 0.25]))))
    scale = max(built.scale, spread_) if math.isfinite(spread_) else built.scale
    # A bound inside the base's support becomes the 0th (100th) percentile. A bound in a
    # gap of it, or on a point mass, does not (the nearest kept value does): those are
    # the bounds the base's own quantile function does not return to.
    support = base.ppf(np.array([0.0, 1.0]))
    wanted = {}
    for q, bound, inside in ((0.0, lower, lower > support[0]), (1.0, upper, upper < support[1])):
        if inside and math.isclose(float(base.ppf(base.cdf(bound))), bound, rel_tol=RTOL,
                                   abs_tol=RTOL * scale):
            wanted[q] = bound
    how = f"{built.spread}; then truncated to {dist.kept()} (as stated before truncation)"
    return Built(dist, how, quantile_checks(dist, wanted), scale=scale)


#: Estimate forms, keyed by the key whose presence identifies them, in order of precedence.
FORMS: dict[str, Builder] = {
    "dist": _dist_form,
    "value": _value_form,
    "about": about_form,
    "at_least": at_least_form,
    "at_most": at_most_form,
    "between": between_form,
    "quantiles": quantiles_form,
    "mixture": _mixture_form,
}


#: Every key some form or family accepts; a TOML table using any of them is an estimate,
#: not a group of quantity names. Keep it in step with the builders.
ESTIMATE_KEYS = frozenset({
    # value forms and the named families
    "dist", "value", "ci90", "ci", "level", "ci90_factor", "median", "sigma", "mean", "sd",
    "low", "high", "alpha", "beta", "shape", "scale", "rate", "min", "mode", "max", "lambda",
    # claim wording
    "about", "unit", "at_least", "undercount", "at_most", "overcount", "between",
    "quantiles", "bounded", "mixture", "weights",
    # truncation of any table estimate
    *TRUNCATION_KEYS,
})


def estimate_keys() -> frozenset[str]:
    """Keys that mark a TOML table as an estimate rather than a group of quantities."""
    return ESTIMATE_KEYS | frozenset(FORMS)


def _dispatch(node: Node, spread: Spread) -> Built:
    if any(node.has(key) for key in TRUNCATION_KEYS):
        return _truncated(node, spread)
    # The first form key present decides; `dist` comes first, so a family may take keys
    # that name other forms (``{ dist = "point", value = 7 }``).
    form = next((key for key in FORMS if node.has(key)), None)
    if form is None:
        raise node.error(f"an estimate needs one of the keys: {', '.join(FORMS)}")
    return FORMS[form](node, spread)


def build_estimate(node: Node, spread: Spread) -> Built:
    """Build and check the distribution for one estimate.

    Parameters
    ----------
    node : Node
        The estimate as written: a number, or a table with a form key (see `FORMS`) and
        optionally ``lower`` / ``upper``.
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
    try:
        # Numbers near the float limit (a stated 1e305 times an undercount factor) overflow
        # while the distribution is built or checked: an error naming the estimate, never a
        # warning or an infinite quantile.
        with np.errstate(over="raise"):
            built = _dispatch(node, spread) if node.is_table() else _bare(node, spread)
    except FloatingPointError:
        raise node.error("its numbers are too large: building its distribution overflows "
                         "floating point (largest about 1.8e308)") from None
    for what, achieved, wanted in built.checks:
        if not math.isclose(achieved, wanted, rel_tol=RTOL, abs_tol=RTOL * built.scale):
            raise node.error(
                f"the {built.distribution.family} built for this estimate has {what} "
                f"{achieved!r} instead of {wanted!r}"
            )
    return built


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def _key(key: str) -> str:
    """A TOML key as it must be written: bare when it can be, else quoted (``"0.05"``)."""
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def written(value: Any) -> str:
    """What the user wrote, rendered as inline TOML for reports."""
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {written(v)}" for k, v in value.items())
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
