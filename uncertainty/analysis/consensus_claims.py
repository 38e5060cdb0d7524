"""Each source's claim as the consensus reads it: its likelihood of ``log T`` and predictive.

========================  =========================================  =======================
claim                     likelihood of ``theta = log T`` given tau  predictive ``P(Y_new <=
                                                                     claim)``
========================  =========================================  =======================
lognormal (median m,      ``N(theta; log m, sigma^2 + tau^2)``       ``Phi((log m - theta) /
log-sd sigma; a point                                                sqrt(sigma^2 + tau^2))``
is sigma 0)
any other central one     density of ``log X`` at ``theta``,         ``E_e F_X(m^2 exp(-theta
                          convolved with ``N(0, tau^2)`` (Gauss-     - tau e))``, ``e ~ N(0,
                          Hermite)                                   1)``
``at_least = F``          ``Phi((theta - log F) / tau)``             ``Phi((log F - theta) /
                          (``tau = 0``: ``theta >= log F``)          tau)``
``at_most = C``           ``Phi((log C - theta) / tau)``             ``Phi((log C - theta) /
                                                                     tau)``
========================  =========================================  =======================
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from uncertainty.distributions import Distribution, LogNormal, OneSided, Point, Truncated
from uncertainty.model.core import Model
from uncertainty.stats.weighted import FloatArray

__all__ = ["Claim", "claims_of", "log_likelihood", "predictive_cdf", "typical_variance"]

#: Gauss-Hermite nodes for the convolution of a density with the between-source error.
QUADRATURE_NODES = 24
#: Most points (draws times nodes) one call of a claim's density or CDF evaluates.
NODE_POINTS = 1 << 18
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
_NODES = math.sqrt(2.0) * _NODES  # for a standard normal: E f(e) = sum w f(x) / sqrt(pi)
_WEIGHTS = _WEIGHTS / math.sqrt(math.pi)


@dataclass(frozen=True)
class Claim:
    """One source's claim about one quantity.

    Attributes
    ----------
    source : str
    kind : str
        ``"central"``, ``"at_least"`` or ``"at_most"``.
    value : float
        The median of a central claim, the bound of a bound.
    sigma : float
        A central claim's log-scale sd (exact for a lognormal, else half the log-width of
        its central 68% interval); NaN for a bound.
    distribution : Distribution or None
        A central claim's distribution when not lognormal (its likelihood is then by
        quadrature); None otherwise.
    """

    source: str
    kind: str
    value: float
    sigma: float
    distribution: Distribution | None = None


def _bound(dist: Distribution) -> OneSided | None:
    if isinstance(dist, OneSided):
        return dist
    if isinstance(dist, Truncated) and isinstance(dist.base, OneSided):
        return dist.base
    return None


def _log_sd(dist: Distribution) -> float:
    lo, mid, hi = (float(v) for v in dist.ppf(np.array([special.ndtr(-1.0), 0.5,
                                                         special.ndtr(1.0)])))
    if lo > 0:
        return (math.log(hi) - math.log(lo)) / 2
    return math.log(hi) - math.log(mid)


def claim_of(source: str, dist: Distribution) -> Claim | None:
    """`dist` as a claim, or None for one the consensus cannot read.

    It cannot read a mixture with point masses, nor a distribution whose median is not
    positive (it works on the log scale).
    """
    bound = _bound(dist)
    if bound is not None:
        return Claim(source, "at_least" if bound.floor else "at_most", bound.bound, math.nan)
    if isinstance(dist, LogNormal):
        return Claim(source, "central", dist.median_value, dist.sigma)
    if isinstance(dist, Point):
        return Claim(source, "central", dist.median, 0.0) if dist.median > 0 else None
    median = dist.median
    if dist.atoms() or not median > 0:
        return None
    return Claim(source, "central", median, _log_sd(dist), dist)


def claims_of(model: Model, quantity: str) -> tuple[Claim, ...]:
    """The claims about `quantity` the consensus reads, in file order."""
    out = []
    for src in model.estimators(quantity):
        estimate = src.estimate(quantity)
        claim = None if estimate is None else claim_of(src.id, estimate.distribution)
        if claim is not None:
            out.append(claim)
    return tuple(out)


def _node_parts(n: int) -> list[slice]:
    """Slices of `n` draws, each small enough to be evaluated at every node at once.

    A distribution's density or CDF costs a fixed time per call besides its time per
    point: one call per slice instead of one per node and draw array. Elementwise, so
    the values are the same however the draws are sliced.
    """
    step = max(1, NODE_POINTS // QUADRATURE_NODES)
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _log_density(dist: Distribution, y: FloatArray) -> FloatArray:
    """The density of ``log X`` at `y` (``f_X(e^y) e^y``); 0 where that overflows.

    The proposal's heavy tails reach ``y`` far outside the prior (weight 0 there anyway).
    Far below, ``e^y`` (or a component's standardized value of it) underflows to 0, where
    a lognormal's log-density takes ``log 0``: its density is 0 there, as it should be.
    """
    with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
        x = np.exp(y)
        out = dist.pdf(x) * x
    return np.where(np.isfinite(out), out, 0.0)


def _log(x: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(x)


def _censored(z_num: FloatArray, tau: FloatArray) -> FloatArray:
    """``log P(z_num + tau e >= 0)``: ``log Phi(z_num / tau)``, a step at ``tau = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(tau > 0, z_num / np.where(tau > 0, tau, 1.0), 0.0)
    return np.where(tau > 0, special.log_ndtr(scaled), np.where(z_num >= 0, 0.0, -np.inf))


def _one(claim: Claim, theta: FloatArray, tau: FloatArray) -> FloatArray:
    if claim.kind == "at_least":
        return _censored(theta - math.log(claim.value), tau)
    if claim.kind == "at_most":
        return _censored(math.log(claim.value) - theta, tau)
    if claim.distribution is None:
        sd = np.sqrt(claim.sigma**2 + tau**2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (theta - math.log(claim.value)) / sd
            out = -0.5 * z**2 - np.log(sd) - 0.5 * math.log(2 * math.pi)
        return np.where(sd > 0, out, -np.inf)
    dens = np.zeros_like(theta)
    for part in _node_parts(len(theta)):
        # Every node's points at once (one call of the density, not one per node), then
        # summed node by node in order: the same sum.
        y = theta[part] + tau[part] * _NODES[:, None]
        at = _log_density(claim.distribution, y.ravel()).reshape(y.shape)
        for weight, values in zip(_WEIGHTS, at, strict=True):
            dens[part] += weight * values
    return _log(dens)


def log_likelihood(claims: Sequence[Claim], theta: FloatArray, tau: FloatArray) -> FloatArray:
    """Each claim's log-likelihood at draws ``(theta, tau)``: shape ``(claims, draws)``."""
    return np.stack([_one(c, theta, tau) for c in claims])


def predictive_cdf(claim: Claim, theta: FloatArray, tau: FloatArray) -> FloatArray:
    """``P(Y_new <= claim | theta, tau)`` at each draw: where the claim falls in a new one."""
    log_c = math.log(claim.value)
    if claim.kind != "central":
        return np.exp(_censored(log_c - theta, tau))
    if claim.distribution is None:
        sd = np.sqrt(claim.sigma**2 + tau**2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(sd > 0, (log_c - theta) / np.where(sd > 0, sd, 1.0), 0.0)
        return np.where(sd > 0, special.ndtr(z), np.where(theta <= log_c, 1.0, 0.0))
    out = np.zeros_like(theta)
    for part in _node_parts(len(theta)):
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            y = 2 * log_c - theta[part] - tau[part] * _NODES[:, None]
            at = np.nan_to_num(claim.distribution.cdf(np.exp(y.ravel()))).reshape(y.shape)
        for weight, values in zip(_WEIGHTS, at, strict=True):
            out[part] += weight * values
    return out


def typical_variance(claims: Sequence[Claim]) -> float:
    """Higgins' typical within-source variance of the central claims (log scale).

    ``(k - 1) sum w / ((sum w)^2 - sum w^2)`` with ``w = 1 / sigma^2`` over the ``k`` central
    claims with a spread; ``sigma^2`` itself for one; NaN for none.
    """
    sig = [c.sigma for c in claims if c.kind == "central" and c.sigma > 0]
    if not sig:
        return math.nan
    if len(sig) == 1:
        return sig[0] ** 2
    w = np.array([1.0 / s**2 for s in sig])
    return float((len(sig) - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum()))
