"""Builders for ``{ dist = NAME, ... }``: one per named family, and the `FAMILIES` registry.

Each family's parameters and where they may lie are declared once, in `DOMAINS`: the
builders read every parameter through it, and the keys a family accepts are its domain's.
The bounds keep every number scipy computes for a family (its moments included) finite; a
value beyond them is refused with its key path rather than overflowing inside scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import special

from uncertainty.config.validation import Node, show
from uncertainty.distributions.bounded import Pert, Triangular, TruncNormal, range_text
from uncertainty.distributions.built import Builder, Built, Spread, quantile_checks
from uncertainty.distributions.lognormal import Z90, LogNormal
from uncertainty.distributions.simple import Beta, Gamma, Normal, Point, Uniform

__all__ = ["DOMAINS", "FAMILIES", "MIN_MASS", "Bounds"]

#: Least probability a truncation may keep; below, the bounds are almost surely a mistake.
MIN_MASS = 1e-9

STATED = "stated distribution"


@dataclass(frozen=True)
class Bounds:
    """Where one parameter of a family may lie: from `low` to `high`, ends included.

    ``low = 0`` with `positive` excludes 0 itself. `why` says, in the error message, what
    goes wrong beyond the ends.
    """

    low: float = -math.inf
    high: float = math.inf
    positive: bool = False
    why: str = ""

    def read(self, node: Node) -> float:
        """The number at `node`, checked to lie within these bounds."""
        return self.check(node, node.positive() if self.positive else node.number())

    def check(self, node: Node, x: float, what: str = "") -> float:
        """Return `x`, or raise at `node` when it is out of bounds; `what` leads the message."""
        why = f" ({self.why})" if self.why else ""
        if not x >= self.low:
            raise node.error(f"{what}must be at least {self.low:g}{why}, got {show(x)}")
        if not x <= self.high:
            raise node.error(f"{what}must be at most {self.high:g}{why}, got {show(x)}")
        return x


REAL = Bounds()
POSITIVE = Bounds(0.0, positive=True)
#: A beta's shapes: beyond, it is a point mass in all but name, and scipy's moments of it
#: overflow (``alpha = 1e102, beta = 10`` did, in the kurtosis).
BETA_SHAPE = Bounds(1e-10, 1e10, positive=True,
                    why="beyond, a beta is a point mass in all but name and its moments "
                        "overflow")
#: A gamma's shape, and its scale or rate: together they keep its mean and variance
#: (``shape * scale**2``) far inside the float range.
GAMMA_SHAPE = Bounds(1e-10, 1e10, positive=True,
                     why="beyond, a gamma's moments lose their meaning or overflow")
GAMMA_SCALE = Bounds(1e-100, 1e100, positive=True,
                     why="beyond, a gamma's variance leaves the float range")

#: Each family's scalar parameters and their bounds (keys as written in the config).
DOMAINS: dict[str, dict[str, Bounds]] = {
    "beta": {"alpha": BETA_SHAPE, "beta": BETA_SHAPE},
    "gamma": {"shape": GAMMA_SHAPE, "scale": GAMMA_SCALE,
              "rate": Bounds(1 / GAMMA_SCALE.high, 1 / GAMMA_SCALE.low, positive=True,
                             why=GAMMA_SCALE.why),
              "mean": POSITIVE, "sd": POSITIVE},
    "lognormal": {"median": POSITIVE, "sigma": POSITIVE},
    "normal": {"mean": REAL, "sd": POSITIVE},
    "pert": {"min": REAL, "mode": REAL, "max": REAL, "lambda": POSITIVE},
    "point": {"value": REAL},
    "triangular": {"min": REAL, "mode": REAL, "max": REAL},
    "truncnormal": {"mean": REAL, "sd": POSITIVE, "low": REAL, "high": REAL},
    "uniform": {"low": REAL, "high": REAL},
}


def _keys(family: str, *others: str) -> set[str]:
    """The keys `family` accepts: ``dist``, its domain's, and `others` (non-scalar ones)."""
    return {"dist", *DOMAINS[family], *others}


def _param(node: Node, family: str, key: str) -> float:
    """The required parameter `key` of `family`, within its bounds."""
    return DOMAINS[family][key].read(node.require(key))


def _given(node: Node | None, family: str, key: str) -> float | None:
    """The parameter at `node` (`key` of `family`) within its bounds, or None when absent."""
    return None if node is None else DOMAINS[family][key].read(node)


def _lognormal(node: Node, spread: Spread) -> Built:
    node.only(_keys("lognormal", "ci90"), "a lognormal")
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
            median = DOMAINS["lognormal"]["median"].read(median_node)
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
        median = DOMAINS["lognormal"]["median"].read(median_node)
        sigma = DOMAINS["lognormal"]["sigma"].read(sigma_node)
        dist = LogNormal(median, sigma)
        wanted = {0.5: median, float(special.ndtr(1.0)): median * math.exp(sigma)}
    else:
        raise node.error("a lognormal needs median and ci90, ci90 alone, or median and sigma")
    return Built(dist, STATED, quantile_checks(dist, wanted))


def _normal(node: Node, spread: Spread) -> Built:
    node.only(_keys("normal"), "a normal")
    mean, sd = _param(node, "normal", "mean"), _param(node, "normal", "sd")
    dist = Normal(mean, sd)
    checks = quantile_checks(dist, {0.5: mean, float(special.ndtr(1.0)): mean + sd})
    return Built(dist, STATED, checks, scale=sd)


def _uniform(node: Node, spread: Spread) -> Built:
    node.only(_keys("uniform"), "a uniform")
    low, high = _param(node, "uniform", "low"), _param(node, "uniform", "high")
    if not low < high:
        raise node.error(f"low {show(low)} must be below high {show(high)}")
    dist = Uniform(low, high)
    checks = quantile_checks(dist, {0.0: low, 1.0: high})
    return Built(dist, STATED, checks, scale=high - low)


def _beta(node: Node, spread: Spread) -> Built:
    node.only(_keys("beta"), "a beta")
    a, b = _param(node, "beta", "alpha"), _param(node, "beta", "beta")
    dist = Beta(a, b)
    mean = float(dist.frozen.mean())
    return Built(dist, STATED, (("mean", mean, a / (a + b)),))


def _point(node: Node, spread: Spread) -> Built:
    node.only(_keys("point"), "a point")
    value = _param(node, "point", "value")
    dist = Point(value)
    return Built(dist, "stated as exact", quantile_checks(dist, {0.5: value}))


def _min_mode_max(node: Node, family: str) -> tuple[float, float, float]:
    lo = _param(node, family, "min")
    mode_node = node.require("mode")
    mode, hi = DOMAINS[family]["mode"].read(mode_node), _param(node, family, "max")
    if not lo < hi:
        raise node.error(f"min {show(lo)} must be below max {show(hi)}")
    if not lo <= mode <= hi:
        raise mode_node.error(f"mode {show(mode)} must be between min {show(lo)} and max "
                              f"{show(hi)}")
    return lo, mode, hi


def _pert(node: Node, spread: Spread) -> Built:
    node.only(_keys("pert"), "a PERT")
    lo, mode, hi = _min_mode_max(node, "pert")
    lam = _given(node.get("lambda"), "pert", "lambda")
    lam = 4.0 if lam is None else lam
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
    node.only(_keys("triangular"), "a triangular")
    lo, mode, hi = _min_mode_max(node, "triangular")
    dist = Triangular(lo, mode, hi)
    # the density peaks at the mode with height 2 / (max - min), with (mode - min) /
    # (max - min) of the probability below it
    checks = (
        *quantile_checks(dist, {0.0: lo, 1.0: hi, (mode - lo) / (hi - lo): mode}),
        ("density at the mode", float(dist.pdf(mode)), 2 / (hi - lo)),
    )
    return Built(dist, STATED, checks, scale=hi - lo)


def _gamma(node: Node, spread: Spread) -> Built:
    node.only(_keys("gamma"), "a gamma")
    by_moments = node.has("mean") or node.has("sd")
    for key in ("shape", "scale", "rate"):
        other = node.get(key)
        if by_moments and other is not None:
            raise other.error("give shape with scale or rate, or mean with sd, not both")
    if by_moments:
        mean, sd = _param(node, "gamma", "mean"), _param(node, "gamma", "sd")
        try:
            shape = (mean / sd) ** 2
        except OverflowError:  # beyond the float range: refused just below
            shape = math.inf
        scale = sd * sd / mean
        given = f"mean {show(mean)} and sd {show(sd)} give "
        GAMMA_SHAPE.check(node, shape, given + "the shape (mean / sd)², which ")
        GAMMA_SCALE.check(node, scale, given + "the scale sd² / mean, which ")
    else:
        scale_node, rate_node = node.get("scale"), node.get("rate")
        if scale_node is not None and rate_node is not None:
            raise rate_node.error("give either scale or rate, not both")
        if not node.has("shape"):
            raise node.error("a gamma needs shape with scale or rate, or mean with sd")
        shape = _param(node, "gamma", "shape")
        if scale_node is not None:
            scale = DOMAINS["gamma"]["scale"].read(scale_node)
        elif rate_node is not None:
            scale = 1 / DOMAINS["gamma"]["rate"].read(rate_node)
        else:
            raise node.error("a gamma needs shape with scale or rate, or mean with sd")
        mean, sd = shape * scale, math.sqrt(shape) * scale
    dist = Gamma(shape, scale)
    frozen = dist.frozen
    checks = (("mean", float(frozen.mean()), mean), ("sd", float(frozen.std()), sd))
    return Built(dist, STATED, checks)


def _tail_mass(a: float, b: float) -> float:
    """``Phi(b) - Phi(a)`` for standard scores, precise in either tail."""
    if a > 0:
        return float(special.ndtr(-a) - special.ndtr(-b))
    return float(special.ndtr(b) - special.ndtr(a))


def _truncnormal(node: Node, spread: Spread) -> Built:
    node.only(_keys("truncnormal"), "a truncnormal")
    mean, sd = _param(node, "truncnormal", "mean"), _param(node, "truncnormal", "sd")
    low_node, high_node = node.get("low"), node.get("high")
    if low_node is None and high_node is None:
        raise node.error('a truncnormal needs low, high or both; without bounds use '
                         'dist = "normal"')
    low = _given(low_node, "truncnormal", "low")
    high = _given(high_node, "truncnormal", "high")
    low, high = -math.inf if low is None else low, math.inf if high is None else high
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
