"""The consensus of a quantity's sources against closed forms and numerical integration.

Correctness checks compare with the truth within `mc.K` Monte Carlo standard errors (the
MCSE the synthesis reports, itself checked by a calibration test); coverage checks use a
binomial tolerance.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from mc import K
from numpy.typing import NDArray
from scipy import integrate, special, stats

import uncertainty
from uncertainty.analysis.consensus import QuantityConsensus, synthesize
from uncertainty.analysis.consensus_claims import Claim, claim_of
from uncertainty.distributions import Normal
from uncertainty.model.core import ConsensusSettings

Invoke = Callable[..., Result]
FloatArray = NDArray[np.float64]

LEVELS = (0.5, 0.9, 0.95)
#: Lognormal claims: (median, log-sd).
CLAIMS = ((9_000.0, 0.3), (12_000.0, 0.2), (15_000.0, 0.5), (10_500.0, 0.25))
WIDE = (("", (1.0, 1e9)),)


def _claims(pairs: tuple[tuple[float, float], ...] = CLAIMS) -> list[Claim]:
    return [Claim(f"s{i}", "central", m, s) for i, (m, s) in enumerate(pairs)]


def _run(claims: list[Claim], *, tau: float | None, seed: int = 1,
         draws: int = 100_000) -> QuantityConsensus:
    settings = ConsensusSettings(ranges=WIDE, heterogeneity=tau, min_ess=100)
    return synthesize("q", claims, settings, seed=seed, draws=draws, levels=LEVELS)


def _normal_posterior(pairs: tuple[tuple[float, float], ...], tau: float) -> tuple[float, float]:
    w = np.array([1 / (s**2 + tau**2) for _, s in pairs])
    mu = np.array([math.log(m) for m, _ in pairs])
    return float((w * mu).sum() / w.sum()), float(1 / w.sum())


def _check_quantiles(found: QuantityConsensus, ppf: Callable[[float], float]) -> None:
    """Median and every ETI end of T within K MCSE of the true quantiles."""
    assert abs(found.median - ppf(0.5)) <= K * found.median_mcse, (found.median, ppf(0.5))
    for level, ends, errors in zip(found.levels, found.eti, found.eti_mcse, strict=True):
        for p, end, err in zip(((1 - level) / 2, (1 + level) / 2), ends, errors, strict=True):
            assert err > 0
            assert abs(end - ppf(p)) <= K * err, (level, p, end, ppf(p), err)


@pytest.mark.parametrize("tau", [0.0, 0.35])
def test_lognormal_claims_with_tau_fixed_give_the_precision_weighted_mean(tau: float) -> None:
    found = _run(_claims(), tau=tau)
    m, v = _normal_posterior(CLAIMS, tau)
    _check_quantiles(found, lambda p: math.exp(m + math.sqrt(v) * stats.norm.ppf(p)))
    assert found.tau_median == tau and found.tau_median_mcse == 0
    assert found.ess > 0.2 * found.draws  # the fitted proposal is efficient


def test_reading_the_wrong_variance_fails_the_closed_form() -> None:
    # The check can fail: tau = 0.35 is not the fixed-effect answer.
    found = _run(_claims(), tau=0.35)
    m, v = _normal_posterior(CLAIMS, 0.0)
    with pytest.raises(AssertionError):
        _check_quantiles(found, lambda p: math.exp(m + math.sqrt(v) * stats.norm.ppf(p)))


def _quantile_of(density: Callable[[FloatArray], FloatArray], lo: float, hi: float,
                 ) -> Callable[[float], float]:
    """The quantile function of ``exp(theta)`` for an unnormalized density of theta.

    The CDF by the trapezoid rule on a fine grid (its error is O(h^2), far below the MCSE).
    """
    grid = np.linspace(lo, hi, 40_001)
    cdf = integrate.cumulative_trapezoid(density(grid), grid, initial=0.0)
    cdf /= cdf[-1]
    return lambda p: math.exp(float(np.interp(p, cdf, grid)))


@pytest.mark.parametrize("tau", [0.0, 0.3, None])
def test_a_floor_is_a_censored_observation(tau: float | None) -> None:
    """One lognormal claim and one ``at_least``: the posterior by numerical integration."""
    median, sigma, floor = 10_000.0, 0.3, 12_000.0
    claims = [Claim("c", "central", median, sigma), Claim("f", "at_least", floor, math.nan)]
    found = _run(claims, tau=tau)
    mu, lf = math.log(median), math.log(floor)

    def joint(theta: FloatArray, t: FloatArray) -> FloatArray:
        # the normal density and CDF written out (special.ndtr is what stats.norm.cdf
        # calls): the same numbers without scipy.stats' argument handling, which cost
        # seconds over the 40,001 x 1,601 grid of the tau = None case
        s = np.sqrt(sigma**2 + t**2)
        like = np.exp(-0.5 * ((theta - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        with np.errstate(divide="ignore", invalid="ignore"):
            censored = np.where(t > 0, special.ndtr((theta - lf) / np.where(t > 0, t, 1)),
                                (theta >= lf).astype(float))
        return np.asarray(like * censored)

    if tau is not None:
        def density(theta: FloatArray) -> FloatArray:
            return joint(theta, np.full_like(theta, tau))
    else:
        taus = np.linspace(0.0, 4.0, 1601)
        prior = stats.halfnorm.pdf(taus, scale=0.5)

        def density(theta: FloatArray) -> FloatArray:
            return np.concatenate([
                integrate.trapezoid(joint(chunk[:, None], taus[None, :]) * prior, taus, axis=1)
                for chunk in np.array_split(theta, 40)])

    lo = lf if tau == 0 else mu - 8 * sigma - 6
    _check_quantiles(found, _quantile_of(density, lo, mu + 10 * sigma + 4))


def test_a_central_claim_of_another_family_is_integrated_by_quadrature() -> None:
    """A normal claim's likelihood is the density of log X, convolved with the tau error."""
    dist = Normal(11_000.0, 2_500.0)
    claims = [Claim("c", "central", 9_000.0, 0.3), claim_of("n", dist)]
    assert claims[1] is not None and claims[1].distribution is not None
    tau = 0.2
    found = _run(claims, tau=tau)  # type: ignore[arg-type]
    errors = np.linspace(-9.0, 9.0, 1201)

    def density(theta: FloatArray) -> FloatArray:
        out = []
        for chunk in np.array_split(theta, 40):
            y = np.exp(chunk[:, None] + tau * errors[None, :])
            inner = integrate.trapezoid(dist.pdf(y) * y * stats.norm.pdf(errors), errors, axis=1)
            out.append(stats.norm.pdf(chunk, math.log(9_000.0), math.sqrt(0.09 + tau**2))
                       * inner)
        return np.concatenate(out)

    _check_quantiles(found, _quantile_of(density, math.log(9_000.0) - 4, math.log(9_000) + 4))


def test_leave_one_out_percentiles_match_their_closed_form() -> None:
    found = _run(_claims(), tau=0.0)
    for i, check in enumerate(found.checks):
        others = CLAIMS[:i] + CLAIMS[i + 1:]
        m, v = _normal_posterior(others, 0.0)
        median, sigma = CLAIMS[i]
        truth = stats.norm.cdf((math.log(median) - m) / math.sqrt(v + sigma**2))
        assert check.percentile_mcse > 0
        assert abs(check.percentile - truth) <= K * check.percentile_mcse, (i, check, truth)
        assert abs(check.median_without - math.exp(m)) <= K * check.median_without_mcse


def test_a_claim_far_from_the_others_is_flagged_and_a_low_floor_is_not() -> None:
    pairs = ((10_000.0, 0.2), (11_000.0, 0.2), (9_500.0, 0.2), (60_000.0, 0.2))
    claims = [*_claims(pairs), Claim("floor", "at_least", 2_000.0, math.nan),
              Claim("ceiling", "at_most", 1_000.0, math.nan)]
    found = _run(claims, tau=None)
    flagged = {c.source for c in found.flagged}
    assert "s3" in flagged and "ceiling" in flagged
    assert "floor" not in flagged and "s0" not in flagged


def test_a_claim_whose_others_are_bounds_only_is_not_checked() -> None:
    # Without the central claim only a floor is left: it does not locate T (the synthesis
    # is the prior above the floor), so the claim gets no percentile and no flag.
    claims = [Claim("central", "central", 12_000.0, 0.3),
              Claim("floor", "at_least", 8_000.0, math.nan)]
    found = _run(claims, tau=None)
    central, floor = found.checks
    assert "bounds only" in central.unread and not central.flagged
    assert math.isnan(central.percentile) and math.isnan(central.median_without)
    assert floor.unread == "" and math.isfinite(floor.percentile)


def test_tau_is_recovered_at_its_nominal_coverage() -> None:
    """Claims simulated from the model (tau from its prior): the 90% interval covers tau."""
    rng = np.random.default_rng(17)
    reps, k, sigma, covered = 150, 6, 0.25, 0
    for r in range(reps):
        tau = abs(rng.normal(0, 0.5))
        theta = math.log(20_000.0)
        logs = theta + tau * rng.standard_normal(k) + sigma * rng.standard_normal(k)
        claims = [Claim(f"s{i}", "central", math.exp(x), sigma) for i, x in enumerate(logs)]
        settings = ConsensusSettings(heterogeneity=None, min_ess=100)
        found = synthesize("q", claims, settings, seed=r, draws=8_000, levels=(0.9,))
        lo, hi = found.tau_eti[0]
        covered += lo <= tau <= hi
    se = math.sqrt(0.9 * 0.1 / reps)
    assert abs(covered / reps - 0.9) <= K * se, covered


def test_the_quantile_mcse_is_calibrated() -> None:
    """Over many seeds, |estimate - truth| <= 2 MCSE about 95.4% of the time.

    For the median and both ends of the 95% interval: a wrong MCSE formula (the unweighted
    one, or the weights' variance left out) misses this rate.
    """
    m, v = _normal_posterior(CLAIMS, 0.0)
    truth = [math.exp(m + math.sqrt(v) * stats.norm.ppf(p)) for p in (0.5, 0.025, 0.975)]
    reps, inside = 200, np.zeros(3)
    for seed in range(reps):
        found = _run(_claims(), tau=0.0, seed=seed, draws=4_000)
        estimates = (found.median, *found.eti[-1])
        errors = (found.median_mcse, *found.eti_mcse[-1])
        inside += [abs(e - t) <= 2 * err for e, t, err in zip(estimates, truth, errors,
                                                               strict=True)]
    p = 2 * stats.norm.cdf(2) - 1
    assert np.all(np.abs(inside / reps - p) <= K * math.sqrt(p * (1 - p) / reps)), inside


SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"


def test_the_same_seed_gives_the_same_consensus_and_another_seed_another() -> None:
    study = uncertainty.load(SEED)
    a = study.run(draws=20_000, seed=3, sensitivity=False).consensus
    b = study.run(draws=20_000, seed=3, sensitivity=False).consensus
    c = study.run(draws=20_000, seed=4, sensitivity=False).consensus
    assert a is not None and c is not None
    assert a == b
    assert a.quantities[0].median != c.quantities[0].median


def test_the_consensus_is_identical_for_any_thread_count() -> None:
    # The proposal's draws are made in chunks (65,536 each) over the threads, and the
    # claims' checks one per thread: three chunks, a floor and a claim of another family.
    claims = [*_claims(), Claim("floor", "at_least", 8_000.0, 0.0),
              claim_of("n", Normal(11_000.0, 2_000.0))]
    assert claims[-1] is not None
    settings = ConsensusSettings(ranges=WIDE, min_ess=100)
    found = [synthesize("q", claims, settings, seed=4, draws=150_000, levels=LEVELS,
                        leave_one_out=True, threads=t) for t in (1, 2, 3)]
    laws = [(f.law, *(c.law_without for c in f.checks)) for f in found]
    for other, its_laws in zip(found[1:], laws[1:], strict=True):
        assert other == found[0]  # every figure and check (laws are not compared by ==)
        for law, first in zip(its_laws, laws[0], strict=True):
            assert law is not None and first is not None
            np.testing.assert_array_equal(law.theta, first.theta)
            np.testing.assert_array_equal(law.weights, first.weights)


def _config(tmp: Path, consensus: str) -> Path:
    text = SEED.read_text("utf-8").replace("\n[run]\n", f"\n[consensus]\n{consensus}\n[run]\n")
    path = tmp / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_prior_range_the_claims_contradict_stops_the_run(cli: Invoke, workdir: Path) -> None:
    path = _config(workdir, "range = [1, 10]")
    result = cli("run", path, "--draws", "4000", "--no-plots", "--out", workdir / "out")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert re.fullmatch(rf"Error: {re.escape(str(path))}: consensus: ua\.kia: the consensus "
                        r"rests on an effective sample of \d draws, below its floor 200 "
                        r"\(min_ess\): the claims contradict the prior range \[1, 10\] .*",
                        lines[0]), lines[0]
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(("consensus", "place", "words"), [
    ("ranges = [1, 10]", "consensus.ranges", "unknown key in [consensus]"),
    ('heterogeneity = "guess"', "consensus.heterogeneity", 'expected "estimate"'),
    ("heterogeneity = -1", "consensus.heterogeneity", "at least 0"),
    ("range = [0, 10]", "consensus.range", "0 < low < high"),
    ('range = { "xx.kia" = [1, 10] }', "consensus.range.xx.kia", "unknown quantity"),
    ("min_ess = 1", "consensus.min_ess", "at least 2"),
    ("flag_level = 1.5", "consensus.flag_level", "between 0 and 1"),
    ("tau_scale = 0", "consensus.tau_scale", "positive"),
])
def test_a_bad_consensus_setting_is_one_line_naming_the_key(
        cli: Invoke, workdir: Path, consensus: str, place: str, words: str) -> None:
    path = _config(workdir, consensus)
    result = cli("run", path, "--draws", "2000", "--no-plots", "--out", workdir / "out")
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and f"{path}: {place}: " in line and words in line, line
    assert not (workdir / "out").exists()


def test_the_outputs_carry_the_consensus(cli: Invoke, workdir: Path) -> None:
    path = _config(workdir, "heterogeneity = 0.2\nrange = { ua.kia = [100, 1e6] }")
    result = cli("run", path, "--draws", "20000", "--no-plots", "--no-sensitivity",
                 "--out", workdir / "out")
    assert result.exit_code == 0, result.output
    assert "Consensus ua.kia: " in result.stdout
    document = json.loads((workdir / "out" / "summary.json").read_text("utf-8"))
    q = document["consensus"]["quantities"]["ua.kia"]
    assert q["prior"]["range"] == [100, 1e6] and q["prior"]["tau_fixed"] == 0.2
    assert [c["source"] for c in q["claims"]] == ["us_intel", "western"]
    assert q["claims"][0]["kind"] == "at_least" and q["claims"][0]["claim"] == 8000
    markdown = (workdir / "out" / "summary.md").read_text("utf-8")
    assert "## What the sources jointly imply" in markdown
    assert "| us_intel | at least 8,000 |" in markdown
    assert "What the sources jointly imply" in (workdir / "out" / "summary.html").read_text(
        "utf-8")


@pytest.mark.parametrize("points", [None, 24, 700])
def test_a_claims_quadrature_is_summed_node_by_node_whatever_the_slices(
        points: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The density and the CDF are evaluated for every node of a slice of draws per call;
    # the sums must be those of one call per node, in node order, bit for bit, however the
    # draws are sliced (the default, one draw a call, slices that do not divide them).
    from uncertainty.analysis import consensus_claims as cc
    from uncertainty.distributions import Gamma, Pert, SplitLogNormal, Triangular

    if points is not None:
        monkeypatch.setattr(cc, "NODE_POINTS", points)
    n = 3 * (cc.NODE_POINTS // cc.QUADRATURE_NODES) + 17
    rng = np.random.default_rng(3)
    for dist in (Gamma(3.0, 2000.0), Triangular(1000.0, 4000.0, 9000.0),
                 SplitLogNormal(100.0, 0.2, 0.9), Pert(1.0, 2.0, 10.0), Normal(50.0, 10.0)):
        claim = claim_of("s", dist)
        assert claim is not None and claim.distribution is not None
        theta = math.log(claim.value) + rng.normal(0.0, 1.5, n)
        tau = np.abs(rng.normal(0.0, 0.7, n)) * rng.choice([0.0, 0.3, 3.0], size=n)
        dens, cdf = np.zeros(n), np.zeros(n)
        for node, weight in zip(cc._NODES, cc._WEIGHTS, strict=True):
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                x = np.exp(theta + tau * node)
                f = claim.distribution.pdf(x) * x
                dens += weight * np.where(np.isfinite(f), f, 0.0)
                cdf += weight * np.nan_to_num(claim.distribution.cdf(
                    np.exp(2 * math.log(claim.value) - theta - tau * node)))
        with np.errstate(divide="ignore"):
            want = np.log(dens)
        assert cc.log_likelihood([claim], theta, tau)[0].tobytes() == want.tobytes()
        assert cc.predictive_cdf(claim, theta, tau).tobytes() == cdf.tobytes()
