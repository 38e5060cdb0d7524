"""Builders for ``{ dist = NAME, ... }``: one per named family, and the `FAMILIES` registry."""

from __future__ import annotations

import math

from scipy import special

from uncertainty.distributions.bounded import Pert, Triangular, TruncNormal, range_text
from uncertainty.distributions.built import Builder, Built, Spread, quantile_checks
from uncertainty.distributions.lognormal import Z90, LogNormal
from uncertainty.distributions.simple import Beta, Gamma, Normal, Point, Uniform
from uncertainty.validation import Node, show

__all__ = ["FAMILIES", "MIN_MASS"]

#: Least probability a truncation may keep; below, the bounds are almost surely a mistake.
MIN_MASS = 1e-9

STATED = "stated distribution"


def _lognormal(node: Node, spread: Spread) -> Built:
    node.only({"dist", "median", "ci90", "sigma"}, "a lognormal")
    median_node, ci_node, sigma_node = node.get("median"), node.get("ci90"), node.get("sigma")
    if ci_node is not None and sigma_node is not None:
        raise sigma_node.error("give either ci90 or sigma, not both")
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
    elif sigma_node is not None and median_node is not None:
        median, sigma = median_node.positive(), sigma_node.positive()
        dist = LogNormal(median, sigma)
        wanted = {0.5: median, float(special.ndtr(1.0)): median * math.exp(sigma)}
    else:
        raise node.error("a lognormal needs median and ci90, ci90 alone, or median and sigma")
    return Built(dist, STATED, quantile_checks(dist, wanted))


def _normal(node: Node, spread: Spread) -> Built:
    node.only({"dist", "mean", "sd"}, "a normal")
    mean, sd = node.require("mean").number(), node.require("sd").positive()
    dist = Normal(mean, sd)
    checks = quantile_checks(dist, {0.5: mean, float(special.ndtr(1.0)): mean + sd})
    return Built(dist, STATED, checks, scale=sd)


def _uniform(node: Node, spread: Spread) -> Built:
    node.only({"dist", "low", "high"}, "a uniform")
    low, high = node.require("low").number(), node.require("high").number()
    if not low < high:
        raise node.error(f"low {show(low)} must be below high {show(high)}")
    dist = Uniform(low, high)
    checks = quantile_checks(dist, {0.0: low, 1.0: high})
    return Built(dist, STATED, checks, scale=high - low)


def _beta(node: Node, spread: Spread) -> Built:
    node.only({"dist", "alpha", "beta"}, "a beta")
    a, b = node.require("alpha").positive(), node.require("beta").positive()
    dist = Beta(a, b)
    mean = float(dist.frozen.mean())
    return Built(dist, STATED, (("mean", mean, a / (a + b)),))


def _point(node: Node, spread: Spread) -> Built:
    node.only({"dist", "value"}, "a point")
    value = node.require("value").number()
    dist = Point(value)
    return Built(dist, "stated as exact", quantile_checks(dist, {0.5: value}))


def _min_mode_max(node: Node) -> tuple[float, float, float]:
    lo = node.require("min").number()
    mode_node = node.require("mode")
    mode, hi = mode_node.number(), node.require("max").number()
    if not lo < hi:
        raise node.error(f"min {show(lo)} must be below max {show(hi)}")
    if not lo <= mode <= hi:
        raise mode_node.error(f"mode {show(mode)} must be between min {show(lo)} and max "
                              f"{show(hi)}")
    return lo, mode, hi


def _pert(node: Node, spread: Spread) -> Built:
    node.only({"dist", "min", "mode", "max", "lambda"}, "a PERT")
    lo, mode, hi = _min_mode_max(node)
    lam_node = node.get("lambda")
    lam = 4.0 if lam_node is None else lam_node.positive()
    dist = Pert(lo, mode, hi, lam)
    a, b = dist.alpha, dist.beta
    checks = (
        *quantile_checks(dist, {0.0: lo, 1.0: hi}),
        ("mode", dist.density_mode, mode),
        # the beta's mean against PERT's classic (min + lambda mode + max) / (lambda + 2)
        ("mean", lo + (hi - lo) * (a / (a + b)), lo / (lam + 2) + mode * (lam / (lam + 2))
         + hi / (lam + 2)),
    )
    return Built(dist, STATED, checks, scale=hi - lo)


def _triangular(node: Node, spread: Spread) -> Built:
    node.only({"dist", "min", "mode", "max"}, "a triangular")
    lo, mode, hi = _min_mode_max(node)
    dist = Triangular(lo, mode, hi)
    # the density peaks at the mode with height 2 / (max - min), with (mode - min) /
    # (max - min) of the probability below it
    checks = (
        *quantile_checks(dist, {0.0: lo, 1.0: hi, (mode - lo) / (hi - lo): mode}),
        ("density at the mode", float(dist.pdf(mode)), 2 / (hi - lo)),
    )
    return Built(dist, STATED, checks, scale=hi - lo)


def _gamma(node: Node, spread: Spread) -> Built:
    node.only({"dist", "shape", "scale", "rate", "mean", "sd"}, "a gamma")
    by_moments = node.has("mean") or node.has("sd")
    for key in ("shape", "scale", "rate"):
        other = node.get(key)
        if by_moments and other is not None:
            raise other.error("give shape with scale or rate, or mean with sd, not both")
    if by_moments:
        mean, sd = node.require("mean").positive(), node.require("sd").positive()
        shape, scale = (mean / sd) ** 2, sd * sd / mean
    else:
        scale_node, rate_node = node.get("scale"), node.get("rate")
        if scale_node is not None and rate_node is not None:
            raise rate_node.error("give either scale or rate, not both")
        if not node.has("shape"):
            raise node.error("a gamma needs shape with scale or rate, or mean with sd")
        shape = node.require("shape").positive()
        if scale_node is not None:
            scale = scale_node.positive()
        elif rate_node is not None:
            scale = 1 / rate_node.positive()
        else:
            raise node.error("a gamma needs shape with scale or rate, or mean with sd")
        mean, sd = shape * scale, math.sqrt(shape) * scale
    dist = Gamma(shape, scale)
    checks = (("mean", float(dist.frozen.mean()), mean), ("sd", float(dist.frozen.std()), sd))
    return Built(dist, STATED, checks)


def _tail_mass(a: float, b: float) -> float:
    """``Phi(b) - Phi(a)`` for standard scores, precise in either tail."""
    if a > 0:
        return float(special.ndtr(-a) - special.ndtr(-b))
    return float(special.ndtr(b) - special.ndtr(a))


def _truncnormal(node: Node, spread: Spread) -> Built:
    node.only({"dist", "mean", "sd", "low", "high"}, "a truncnormal")
    mean, sd = node.require("mean").number(), node.require("sd").positive()
    low_node, high_node = node.get("low"), node.get("high")
    if low_node is None and high_node is None:
        raise node.error('a truncnormal needs low, high or both; without bounds use '
                         'dist = "normal"')
    low = -math.inf if low_node is None else low_node.number()
    high = math.inf if high_node is None else high_node.number()
    if not low < high:
        raise node.error(f"low {show(low)} must be below high {show(high)}")
    a, b = (low - mean) / sd, (high - mean) / sd
    mass = _tail_mass(a, b)
    if not mass >= MIN_MASS:
        raise node.error(
            f"{range_text(low, high, show)} keeps only {mass:.3g} of the probability of a "
            f"normal with mean {show(mean)} and sd {show(sd)} (at least {MIN_MASS:g} is "
            "needed; mean and sd are before truncation)"
        )
    dist = TruncNormal(mean, sd, low, high)
    # the median, from the definition: halfway in probability between the two bounds
    if a > 0:
        median = mean - sd * float(special.ndtri((special.ndtr(-a) + special.ndtr(-b)) / 2))
    else:
        median = mean + sd * float(special.ndtri((special.ndtr(a) + special.ndtr(b)) / 2))
    wanted = {0.5: median}
    if math.isfinite(low):
        wanted[0.0] = low
    if math.isfinite(high):
        wanted[1.0] = high
    scale = min(sd, high - low)
    return Built(dist, STATED, quantile_checks(dist, wanted), scale=scale)


#: Distribution families for ``{ dist = NAME, ... }``.
FAMILIES: dict[str, Builder] = {
    "beta": _beta,
    "gamma": _gamma,
    "lognormal": _lognormal,
    "normal": _normal,
    "pert": _pert,
    "point": _point,
    "triangular": _triangular,
    "truncnormal": _truncnormal,
    "uniform": _uniform,
}
