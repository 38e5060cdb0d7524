"""What the sources of a quantity jointly imply: a Bayesian random-effects synthesis.

For each quantity two or more sources give, the true value ``T`` is inferred on the log
scale, ``theta = log T``:

- prior: ``theta`` uniform over a range (`ConsensusSettings.range_of`, by default from the
  smallest claim / 1000 to the largest claim * 1000); the between-source scale ``tau``
  half-normal with scale `ConsensusSettings.tau_scale` (0.5), or fixed;
- a central claim is a measurement of ``T``: its likelihood is the density of ``log X_s``
  (``X_s`` the source's built distribution) at ``theta``, convolved with ``N(0, tau^2)``;
  exactly ``N(theta; log m_s, sigma_s^2 + tau^2)`` for a lognormal, else by Gauss-Hermite
  quadrature (`uncertainty.analysis.consensus_claims`);
- a bound (``at_least`` / ``at_most``) is a censored observation: ``P(theta + tau e >= log
  F)`` (resp. ``<= log C``), a step when ``tau = 0``; not its central value.

The posterior is sampled by self-normalized importance sampling from a defensive mixture
proposal (half a wide Student t around the claims, half a t fitted to a pilot run), with the
run's seed and draw count through named streams (``("consensus", quantity, ...)``), so the
same config and seed give the same numbers. Leaving a source out reweights the same draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray
from scipy import special

from uncertainty.analysis.consensus_claims import (
    Claim,
    claims_of,
    log_likelihood,
    predictive_cdf,
    typical_variance,
)
from uncertainty.distributions import Distribution
from uncertainty.distributions.weighted import WeightedLog
from uncertainty.errors import ConfigError
from uncertainty.model.core import ConsensusLaw, ConsensusSettings, Model
from uncertainty.numbers import plain
from uncertainty.runtime.blas import one_blas_thread
from uncertainty.runtime.parallel import chunks, thread_map, threads_for
from uncertainty.sampling.streams import BLOCK_SIZE, draw_streams
from uncertainty.stats.weighted import (
    FloatArray,
    effective_size,
    normalized,
    weighted_mean,
    weighted_quantiles,
)

__all__ = ["ClaimCheck", "Consensus", "QuantityConsensus", "consensus", "ess_floor",
           "synthesize", "with_laws"]

#: How far beyond the claims the default prior range reaches, as a factor each way.
RANGE_FACTOR = 1000.0
#: The most importance draws a synthesis makes, whatever the run's count: a streamed run of
#: a hundred million draws would otherwise hold a likelihood per claim per draw in memory.
MAX_DRAWS = 1 << 21
#: The effective-sample floor of a short run, as a share of its draws (`ess_floor`).
FLOOR_SHARE = 0.05
#: The proposal's Student t degrees of freedom: the wide component's and the fitted one's
#: (2 and 4: their quantile functions have closed forms, ten times faster than scipy's).
_WIDE_DF, _FIT_DF = 2.0, 4.0
#: The fitted component's scale, as a multiple of the pilot's posterior sd.
_FIT_INFLATE = 1.5


@dataclass(frozen=True)
class ClaimCheck:
    """How one source's claim sits among what the other sources imply.

    Attributes
    ----------
    source, kind : str
        The source and its claim's kind (``"central"``, ``"at_least"``, ``"at_most"``).
    claim : float
        Its point figure: the median of a central claim, the bound of a bound.
    percentile, percentile_mcse : float
        ``P(Y_new <= claim)`` under the synthesis of the other sources, ``Y_new = theta +
        tau error + the source's own error`` (no own error for a bound), and its MCSE.
    flagged : bool
        Whether the claim is out of line at the settings' level: a central claim below
        ``level/2`` or above ``1 - level/2``, a floor above ``1 - level/2``, a ceiling
        below ``level/2`` (a floor below the others' consensus is what a floor says).
    median_without, median_without_mcse : float
        The consensus median of ``T`` without this source, and its MCSE.
    ess_without : float
        The effective sample size of that leave-one-out synthesis.
    unread : str
        Why the claim was not checked (its percentile, median without it are NaN, it is not
        flagged), or ``""``: the other claims are bounds only, which do not locate ``T``
        (the synthesis without the claim is then mostly the prior), or the draws reweighted
        without it are too few (effective sample under the floor).
    law_without : WeightedLog or None
        The consensus without this source, as a law (kept only when asked: the leave-one-out
        sensitivity of the consensus view reads it).
    """

    source: str
    kind: str
    claim: float
    percentile: float
    percentile_mcse: float
    flagged: bool
    median_without: float
    median_without_mcse: float
    ess_without: float
    unread: str = ""
    law_without: WeightedLog | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class QuantityConsensus:
    """The consensus of one quantity: ``T``, ``tau``, ``I^2``, each with its MCSE.

    Attributes
    ----------
    quantity : str
    claims : tuple of Claim
        The claims that entered, in file order.
    prior_range : (float, float)
        The range of ``T`` its log-uniform prior covers; `range_from` says whence
        (``"config"`` or ``"default"``).
    heterogeneity : float or None
        Fixed ``tau``, or None when estimated with a half-normal prior of scale `tau_scale`.
    levels : tuple of float
        The run's credible levels; ``eti[i]`` is the equal-tailed interval at ``levels[i]``.
    median, median_mcse : float
        Posterior median of ``T``.
    eti, eti_mcse : tuple of (float, float)
    tau_median, tau_median_mcse, tau_eti, tau_eti_mcse
        The same for ``tau`` (MCSE 0 when fixed).
    typical_variance : float
        Higgins' typical within-source variance on the log scale, from the central claims'
        ``sigma_s``: ``(k - 1) sum w / ((sum w)^2 - sum w^2)``, ``w = 1 / sigma_s^2``.
    i2_median, i2_median_mcse, i2_eti, i2_eti_mcse
        ``I^2 = tau^2 / (tau^2 + typical_variance)``: the share of the spread of the claims
        due to disagreement between sources.
    ess : float
        Kish's effective sample size of the synthesis; `draws` the draws it weighed.
    checks : tuple of ClaimCheck
        Per source, its claim's leave-one-out predictive percentile.
    law : WeightedLog or None
        The posterior of ``T`` as a law the consensus view draws (its quantiles are
        `median` and `eti`).
    """

    quantity: str
    claims: tuple[Claim, ...]
    prior_range: tuple[float, float]
    range_from: str
    heterogeneity: float | None
    tau_scale: float
    levels: tuple[float, ...]
    median: float
    median_mcse: float
    eti: tuple[tuple[float, float], ...]
    eti_mcse: tuple[tuple[float, float], ...]
    tau_median: float
    tau_median_mcse: float
    tau_eti: tuple[tuple[float, float], ...]
    tau_eti_mcse: tuple[tuple[float, float], ...]
    typical_variance: float
    i2_median: float
    i2_median_mcse: float
    i2_eti: tuple[tuple[float, float], ...]
    i2_eti_mcse: tuple[tuple[float, float], ...]
    ess: float
    draws: int
    checks: tuple[ClaimCheck, ...]
    law: WeightedLog | None = field(default=None, compare=False, repr=False)

    @property
    def flagged(self) -> tuple[ClaimCheck, ...]:
        """The claims out of line."""
        return tuple(c for c in self.checks if c.flagged)

    @property
    def moves_most(self) -> ClaimCheck | None:
        """The source whose leaving out moves the consensus median most (on the log scale).

        None when no claim was checked.
        """
        read = [c for c in self.checks if not c.unread and math.isfinite(c.median_without)]
        if not read:
            return None
        return max(read, key=lambda c: abs(math.log(c.median_without / self.median)))


@dataclass(frozen=True)
class Consensus:
    """The consensus of every quantity that two or more sources give."""

    settings: ConsensusSettings
    quantities: tuple[QuantityConsensus, ...]

    def get(self, quantity: str) -> QuantityConsensus | None:
        """The consensus of `quantity`, or None when fewer than two sources give it."""
        return next((q for q in self.quantities if q.quantity == quantity), None)


@one_blas_thread()
def consensus(model: Model, *, seed: int, draws: int, leave_one_out: bool = False,
              threads: int | None = None) -> Consensus:
    """The consensus of every quantity of `model` that two or more sources give.

    Parameters
    ----------
    model : Model
        The validated model (its ``[consensus]`` settings and levels).
    seed, draws : int
        The run's seed and draw count (at most `MAX_DRAWS` are made).
    leave_one_out : bool
        Also keep, per claim, the consensus without it as a law (`ClaimCheck.law_without`):
        as many weights as draws per claim, so not for a streamed run.
    threads : int or None
        Threads to use (None: every core); the numbers are the same for any count.

    Raises
    ------
    ConfigError
        At ``consensus``, naming the quantity, when the effective sample size falls below
        `ess_floor`.
    """
    out = []
    for quantity in model.quantities:
        claims = claims_of(model, quantity)
        if len(claims) >= 2:
            out.append(synthesize(quantity, claims, model.consensus, seed=seed,
                                  draws=min(draws, MAX_DRAWS), levels=model.run.levels,
                                  leave_one_out=leave_one_out, threads=threads))
    return Consensus(model.consensus, tuple(out))


def with_laws(model: Model, found: Consensus) -> Model:
    """`model` with the laws its consensus view draws (`Model.consensus_laws`)."""
    def without(q: QuantityConsensus) -> tuple[tuple[str, Distribution | None, float], ...]:
        # Every claim's, or none when the run kept none (leave_one_out off): a claim missing
        # from a kept list would read as "not a claim of this quantity".
        if not any(c.law_without is not None for c in q.checks):
            return ()
        return tuple((c.source, c.law_without, c.ess_without) for c in q.checks)

    laws = tuple(ConsensusLaw(q.quantity, q.law, q.ess, without(q))
                 for q in found.quantities if q.law is not None)
    return replace(model, consensus_laws=laws)


def ess_floor(settings: ConsensusSettings, draws: int) -> float:
    """The least effective sample size a synthesis of `draws` draws may rest on.

    ``min_ess``, or 5% of the draws when that is less (a quick run of a few thousand
    draws cannot reach 1,000; the proposal gives 25% to 50% of the draws when it fits).
    """
    return min(float(settings.min_ess), FLOOR_SHARE * draws)


def _stream_uniforms(seed: int, quantity: str, stage: str, names: Sequence[str],
                     n: int) -> list[FloatArray]:
    return draw_streams(seed, [("uniform", ("consensus", quantity, stage, name))
                               for name in names], n)


def _t_ppf(u: FloatArray, df: float) -> FloatArray:
    """Student t quantiles in closed form, for 2 or 4 degrees of freedom."""
    u = np.maximum(u, 2.0**-54)  # a uniform draw of exactly 0 would give -inf
    with np.errstate(divide="ignore", invalid="ignore"):
        if df == 2.0:
            return np.asarray((2 * u - 1) / np.sqrt(2 * u * (1 - u)), dtype=np.float64)
        root = np.sqrt(4 * u * (1 - u))
        q = np.cos(np.arccos(root) / 3) / root
        return np.asarray(np.sign(u - 0.5) * 2 * np.sqrt(q - 1), dtype=np.float64)


def _t_logpdf(x: FloatArray, df: float, loc: float | FloatArray,
              scale: float | FloatArray) -> FloatArray:
    """Student t log-density in closed form (scipy's checks its arguments: 4 times slower)."""
    const = (special.gammaln((df + 1) / 2) - special.gammaln(df / 2)
             - 0.5 * math.log(df * math.pi))
    z = (x - loc) / scale
    return np.asarray(const - np.log(scale) - (df + 1) / 2 * np.log1p(z * z / df),
                      dtype=np.float64)


def _half_normal(u: FloatArray, scale: float) -> FloatArray:
    return np.asarray(scale * special.ndtri((1.0 + u) / 2.0), dtype=np.float64)


def _norm_logpdf(x: FloatArray, loc: float, scale: float) -> FloatArray:
    z = (x - loc) / scale
    return np.asarray(-0.5 * z * z - math.log(scale) - 0.5 * math.log(2 * math.pi),
                      dtype=np.float64)


def _log_half_normal(tau: FloatArray, scale: float) -> FloatArray:
    return np.asarray(math.log(2.0) + _norm_logpdf(tau, 0.0, scale), dtype=np.float64)


def _log_folded(tau: FloatArray, loc: float, scale: float) -> FloatArray:
    return np.asarray(np.logaddexp(_norm_logpdf(tau, loc, scale),
                                   _norm_logpdf(-tau, loc, scale)), dtype=np.float64)


def _start(claims: Sequence[Claim], settings: ConsensusSettings) -> tuple[float, float]:
    """A centre and scale that cover every claim: the wide component of the proposal."""
    central = [c for c in claims if c.kind == "central"]
    logs = [math.log(c.value) for c in claims]
    scale2 = (settings.tau_scale**2 if settings.heterogeneity is None
              else settings.heterogeneity**2)
    if central:
        w = [1.0 / (c.sigma**2 + scale2 + 1e-12) for c in central]
        centre = sum(wi * math.log(c.value) for wi, c in zip(w, central, strict=True)) / sum(w)
        within = max(c.sigma for c in central) ** 2
    else:
        centre, within = sum(logs) / len(logs), 0.0
    spread = max(logs) - min(logs)
    return centre, max(math.sqrt(spread**2 + within + scale2), 0.1)


@dataclass(frozen=True)
class _Draws:
    theta: FloatArray
    tau: FloatArray
    log_q: FloatArray


def _wide(u_theta: FloatArray, u_tau: FloatArray, centre: float, scale: float,
          settings: ConsensusSettings) -> tuple[FloatArray, FloatArray]:
    theta = centre + scale * _t_ppf(u_theta, _WIDE_DF)
    tau = (_half_normal(u_tau, settings.tau_scale) if settings.heterogeneity is None
           else np.full_like(theta, settings.heterogeneity))
    return theta, tau


def _log_wide(theta: FloatArray, tau: FloatArray, centre: float, scale: float,
              settings: ConsensusSettings) -> FloatArray:
    out = _t_logpdf(theta, _WIDE_DF, centre, scale)
    if settings.heterogeneity is None:
        out = out + _log_half_normal(tau, settings.tau_scale)
    return np.asarray(out, dtype=np.float64)


def _log_prior(theta: FloatArray, tau: FloatArray, bounds: tuple[float, float],
               settings: ConsensusSettings) -> FloatArray:
    lo, hi = bounds
    inside = (theta >= lo) & (theta <= hi)
    out = np.where(inside, -math.log(hi - lo), -np.inf)
    if settings.heterogeneity is None:
        out = out + _log_half_normal(tau, settings.tau_scale)
    return np.asarray(out, dtype=np.float64)


def _given_tau(central: Sequence[Claim], tau: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The centre and scale of theta given tau: the central claims' precision-weighted mean.

    Exact for lognormal claims and a flat prior (``N(sum w mu / sum w, 1 / sum w)``, ``w =
    1 / (sigma^2 + tau^2)``), its scale inflated by `_FIT_INFLATE`; near it for others.
    """
    num, den = np.zeros_like(tau), np.zeros_like(tau)
    for c in central:
        w = 1.0 / (c.sigma**2 + tau**2 + 1e-12)
        num += w * math.log(c.value)
        den += w
    return num / den, _FIT_INFLATE / np.sqrt(den)


def _sample(quantity: str, claims: Sequence[Claim], settings: ConsensusSettings,
            bounds: tuple[float, float], *, seed: int, draws: int,
            threads: int) -> tuple[_Draws, FloatArray, FloatArray]:
    """Proposal draws, each claim's log-likelihood at them, and the log-weights.

    The run's draws are made in chunks over `threads` threads; the numbers are the same
    for any count.
    """
    centre, scale = _start(claims, settings)
    # Pilot: the wide component alone, to find the posterior's centre and spread.
    n_pilot = min(draws, BLOCK_SIZE)
    u_theta, u_tau = _stream_uniforms(seed, quantity, "pilot", ("theta", "tau"), n_pilot)
    theta, tau = _wide(u_theta, u_tau, centre, scale, settings)
    lw = (_log_prior(theta, tau, bounds, settings)
          + log_likelihood(claims, theta, tau).sum(axis=0)
          - _log_wide(theta, tau, centre, scale, settings))
    w = normalized(lw)
    fit_mean, _ = weighted_mean(theta, w)
    fit_sd = math.sqrt(max(float(np.dot(w, (theta - fit_mean) ** 2)), 0.0)) if w.any() else 0
    if not math.isfinite(fit_mean) or fit_sd <= 0:
        fit_mean, fit_sd = centre, scale / _FIT_INFLATE
    fit_scale = max(_FIT_INFLATE * fit_sd, 1e-4 * scale)
    tau_mean = float(np.dot(w, tau)) if w.any() else settings.tau_scale
    tau_sd = math.sqrt(float(np.dot(w, (tau - tau_mean) ** 2))) if w.any() else 0.0
    tau_scale = max(_FIT_INFLATE * tau_sd, 0.05 * settings.tau_scale)

    # The run: the wide component and the fitted one in equal shares; with tau estimated
    # and a central claim, a third: theta given tau near the central claims' precision-
    # weighted mean, which follows the funnel (claims that agree closely put theta within
    # a hair of their mean when tau is small, and far wider when it is large).
    u_theta, u_tau, u_pick = _stream_uniforms(seed, quantity, "run",
                                              ("theta", "tau", "component"), draws)
    central = [c for c in claims if c.kind == "central"]
    parts = 3 if settings.heterogeneity is None and central else 2
    theta, tau, log_q, lw = (np.empty(draws) for _ in range(4))
    ll = np.empty((len(claims), draws))

    def run(part: slice) -> None:
        # Every step is elementwise along the draws, so any chunking gives the same numbers.
        wide, fitted = u_pick[part] < 1 / parts, u_pick[part] < 2 / parts
        th, ta = _wide(u_theta[part], u_tau[part], centre, scale, settings)
        t = _t_ppf(u_theta[part], _FIT_DF)  # one standard t, for the fitted or the third
        fit_theta = fit_mean + fit_scale * t
        if settings.heterogeneity is None:
            fit_tau = np.abs(tau_mean + tau_scale * special.ndtri(u_tau[part]))
            ta = np.where(wide, ta, fit_tau)
        if parts == 3:
            mid, spread = _given_tau(central, ta)
            th = np.where(wide, th, np.where(fitted, fit_theta, mid + spread * t))
        else:
            th = np.where(wide, th, fit_theta)
        log_fit = _t_logpdf(th, _FIT_DF, fit_mean, fit_scale)
        if settings.heterogeneity is None:
            log_tau = _log_folded(ta, tau_mean, tau_scale)
            log_fit = log_fit + log_tau
        terms = [_log_wide(th, ta, centre, scale, settings), log_fit]
        if parts == 3:
            terms.append(_t_logpdf(th, _FIT_DF, mid, spread) + log_tau)
        theta[part], tau[part] = th, ta
        log_q[part] = np.logaddexp.reduce(np.stack(terms), axis=0) - math.log(parts)
        ll[:, part] = log_likelihood(claims, th, ta)
        lw[part] = (_log_prior(th, ta, bounds, settings) + ll[:, part].sum(axis=0)
                    - log_q[part])

    thread_map(run, chunks(draws), threads)
    return _Draws(theta, tau, log_q), ll, lw


def _intervals(values: FloatArray, weights: FloatArray, levels: Sequence[float],
               transform: Callable[[FloatArray], FloatArray] | None = None, *,
               order: NDArray[np.intp] | None = None,
               ) -> tuple[float, float, tuple[tuple[float, float], ...],
                          tuple[tuple[float, float], ...]]:
    probs = [0.5] + [p for level in levels for p in ((1 - level) / 2, (1 + level) / 2)]
    q, se = weighted_quantiles(values, weights, np.array(probs), transform=transform,
                               order=order)
    pairs = tuple((float(q[1 + 2 * i]), float(q[2 + 2 * i])) for i in range(len(levels)))
    errs = tuple((float(se[1 + 2 * i]), float(se[2 + 2 * i])) for i in range(len(levels)))
    return float(q[0]), float(se[0]), pairs, errs


def synthesize(quantity: str, claims: Sequence[Claim], settings: ConsensusSettings, *,
               seed: int, draws: int, levels: Sequence[float],
               leave_one_out: bool = False, threads: int | None = None) -> QuantityConsensus:
    """The consensus of `claims` about `quantity` (see the module docstring).

    With `leave_one_out`, each check keeps the consensus without its claim as a law.
    `threads` (None: every core) changes no number.

    Raises
    ------
    ConfigError
        At ``consensus``, naming `quantity`, when the effective sample size is below
        `ess_floor`.
    """
    stated = settings.range_of(quantity)
    values = [c.value for c in claims]
    prior = stated or (min(values) / RANGE_FACTOR, max(values) * RANGE_FACTOR)
    if not (prior[0] > 0 and math.isfinite(prior[1])):
        # a claim within RANGE_FACTOR of the float limit (or of 0): the proposal's scale
        # and weights would be inf and NaN, with numpy's warnings, before the ESS check
        raise ConfigError("consensus", (
            f"{quantity}: the prior range [{plain(prior[0])}, {plain(prior[1])}] of its "
            "true value does not stay within the floats (a claim lies within a factor "
            f"{RANGE_FACTOR:g} of their limits): set [consensus] range"))
    bounds = (math.log(prior[0]), math.log(prior[1]))
    threads = threads_for(draws, threads)  # a small synthesis stays in this thread
    sample, ll, lw = _sample(quantity, claims, settings, bounds, seed=seed, draws=draws,
                             threads=threads)
    w = normalized(lw)
    ess = effective_size(w)
    floor = ess_floor(settings, draws)
    if ess < floor:
        raise ConfigError("consensus", (
            f"{quantity}: the consensus rests on an effective sample of {ess:,.0f} draws, "
            f"below its floor {floor:,.0f} (min_ess): the claims contradict the prior range "
            f"[{plain(prior[0])}, {plain(prior[1])}] of its true value (widen [consensus] "
            "range), or each other beyond what tau's prior allows (raise [consensus] "
            "tau_scale), or the draws are too few"))
    # Two independent sorts, one per thread (numpy releases the GIL while it sorts).
    by_theta, by_tau = thread_map(np.argsort, [sample.theta, sample.tau], min(threads, 2))
    median, median_se, eti, eti_se = _intervals(sample.theta, w, levels, np.exp,
                                                order=by_theta)
    tau_median, tau_se, tau_eti, tau_eti_se = _intervals(sample.tau, w, levels, order=by_tau)
    s2 = typical_variance(claims)

    def share(t: FloatArray) -> FloatArray:
        return np.asarray(t**2 / (t**2 + s2), dtype=np.float64)

    i2_median, i2_se, i2_eti, i2_eti_se = _intervals(sample.tau, w, levels, share,
                                                     order=by_tau)
    base = _log_prior(sample.theta, sample.tau, bounds, settings) - sample.log_q
    # Each claim's check is a whole computation of its own: one per thread.
    checks = tuple(thread_map(lambda i: _check(i, claims, sample, ll, base, settings,
                                               by_theta, floor, keep=leave_one_out),
                              range(len(claims)), threads))
    return QuantityConsensus(
        quantity=quantity, claims=tuple(claims), prior_range=prior,
        range_from="config" if stated else "default", heterogeneity=settings.heterogeneity,
        tau_scale=settings.tau_scale, levels=tuple(levels), median=median,
        median_mcse=median_se, eti=eti, eti_mcse=eti_se, tau_median=tau_median,
        tau_median_mcse=tau_se, tau_eti=tau_eti, tau_eti_mcse=tau_eti_se,
        typical_variance=s2, i2_median=i2_median, i2_median_mcse=i2_se, i2_eti=i2_eti,
        i2_eti_mcse=i2_eti_se, ess=ess, draws=draws, checks=checks,
        law=WeightedLog.from_draws(sample.theta, w, ess, order=by_theta))


def _check(i: int, claims: Sequence[Claim], sample: _Draws, ll: FloatArray,
           lw_base: FloatArray, settings: ConsensusSettings,
           by_theta: NDArray[np.intp], floor: float, *, keep: bool) -> ClaimCheck:
    """Claim `i` against the synthesis of the others: the same draws, its likelihood out."""
    claim = claims[i]
    # Not lw - ll[i]: a step (a bound with tau = 0) leaves -inf - -inf where it excludes.
    w = normalized(lw_base + np.delete(ll, i, axis=0).sum(axis=0))
    h = predictive_cdf(claim, sample.theta, sample.tau)
    pct, pct_se = weighted_mean(h, w)
    low, high = settings.flag_level / 2, 1 - settings.flag_level / 2
    if claim.kind == "at_least":
        flagged = pct > high
    elif claim.kind == "at_most":
        flagged = pct < low
    else:
        flagged = pct < low or pct > high
    ess_without = effective_size(w)
    unread = ""
    if not any(c.kind == "central" for j, c in enumerate(claims) if j != i):
        unread = "the others are bounds only, which do not locate the true value"
    elif ess_without < floor:
        unread = f"too few effective draws without it ({ess_without:,.0f}, below {floor:,.0f})"
    if unread:
        return ClaimCheck(source=claim.source, kind=claim.kind, claim=claim.value,
                          percentile=math.nan, percentile_mcse=math.nan, flagged=False,
                          median_without=math.nan, median_without_mcse=math.nan,
                          ess_without=ess_without, unread=unread)
    q, se = weighted_quantiles(sample.theta, w, np.array([0.5]), transform=np.exp,
                               order=by_theta)
    return ClaimCheck(source=claim.source, kind=claim.kind, claim=claim.value,
                      percentile=pct, percentile_mcse=pct_se, flagged=bool(flagged),
                      median_without=float(q[0]), median_without_mcse=float(se[0]),
                      ess_without=ess_without,
                      law_without=WeightedLog.from_draws(sample.theta, w, ess_without,
                                                         order=by_theta) if keep else None)
