"""The consensus as a view: drawn like any view, compared, plotted and left out of.

Closed forms: two lognormal sources with tau fixed at 0 and a flat prior give a lognormal
consensus whose log-median is the precision-weighted mean of the log medians (variance the
inverse of the summed precisions). The view's figures are compared with it within `mc.K`
of the MCSE the view reports (its draws' error and its law's, `consensus_view`), and that
MCSE is itself checked against the spread of the figures over seeds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from mc import K
from scipy import stats

import uncertainty
from uncertainty.analysis.consensus import consensus, with_laws
from uncertainty.analysis.sensitivity.leave_out import without
from uncertainty.distributions.weighted import SORTED_LOOKUP, WeightedLog
from uncertainty.model.core import CONSENSUS
from uncertainty.model.views import build_views
from uncertainty.pipeline import simulate
from uncertainty.report import RENDERERS

#: (median, 90% interval factor) of two sources of `x`; both lognormal.
A, B = (10_000.0, 2.0), (16_000.0, 1.5)
Z90 = stats.norm.ppf(0.95)


def _text(tau: str = "0", extra: str = "") -> str:
    return f"""
title = "two sources"
[run]
seed = 5
draws = 20_000
[consensus]
heterogeneity = {tau}
range = [1, 1e9]
[sources.a.estimates.x]
dist = "lognormal"
ci90 = [{A[0] / A[1]}, {A[0] * A[1]}]
[sources.b.estimates.x]
dist = "lognormal"
ci90 = [{B[0] / B[1]}, {B[0] * B[1]}]
[sources.b.estimates.y]
value = 3
[metrics]
x_per_y = {{ expr = "x / y" }}
x_only = {{ expr = "x" }}
{extra}
"""


def _closed_form() -> tuple[float, float]:
    """Mean and sd of log T with tau 0: the precision-weighted mean of the log medians."""
    sig = [math.log(f) / Z90 for _, f in (A, B)]
    w = [1 / s**2 for s in sig]
    mu = sum(wi * math.log(m) for wi, (m, _) in zip(w, (A, B), strict=True)) / sum(w)
    return mu, math.sqrt(1 / sum(w))


def test_the_consensus_view_draws_the_closed_form_within_its_mcse() -> None:
    result = uncertainty.parse(_text()).run(draws=40_000, seed=3, sensitivity=False)
    assert [v.id for v in result.views] == ["a", "b", "pooled", CONSENSUS]
    mu, sd = _closed_form()
    s = result.summary.sel(view=CONSENSUS)
    for name in ("x", "x_only"):
        row = s.sel(variable=name)
        truth = math.exp(mu)
        assert abs(float(row["median"]) - truth) <= K * float(row["mcse_median"])
        for i, level in enumerate(result.model.run.levels):
            for j, p in enumerate(((1 - level) / 2, (1 + level) / 2)):
                end = float(row["eti"][i, j])
                q = math.exp(mu + sd * stats.norm.ppf(p))
                assert abs(end - q) <= K * float(row["mcse_eti"][i, j]), (name, level, p)
    # y has one source: the consensus view takes its draws, as the pool does, with no
    # widening of their errors.
    pooled = result.summary.sel(view="pooled", variable="y")
    for k in ("median", "mcse_median", "eti", "mcse_eti"):
        np.testing.assert_array_equal(s.sel(variable="y")[k].values, pooled[k].values)


def test_the_check_can_fail_the_pooled_view_is_not_the_consensus() -> None:
    result = uncertainty.parse(_text()).run(draws=40_000, seed=3, sensitivity=False)
    mu, _ = _closed_form()
    row = result.summary.sel(view="pooled", variable="x")
    assert abs(float(row["median"]) - math.exp(mu)) > K * float(row["mcse_median"])


def test_its_mcse_counts_the_law_and_is_calibrated_over_seeds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The view's median over 40 seeds: its z-scores against the truth are not understated.

    The law is made from 500 importance draws (`MAX_DRAWS` lowered) and drawn 4,000 times,
    so its error dominates: with the draws' error alone the mean z² is about 1 + N / ess
    (~14) and fails the upper bound. The factor is conservative (Kish's effective size
    understates this sampler's efficiency for a median), so the lower bound allows an MCSE
    up to twice too large: chi-square bounds at 99.9% on 40 seeds, divided by 4 below.
    """
    monkeypatch.setattr("uncertainty.analysis.consensus.MAX_DRAWS", 500)
    mu, _ = _closed_form()
    study = uncertainty.parse(_text())
    z, plain = [], []
    for seed in range(40):
        r = study.run(draws=4_000, seed=100 + seed, sensitivity=False)
        row = r.summary.sel(view=CONSENSUS, variable="x")
        assert r.consensus is not None and r.consensus.quantities[0].draws == 500
        law = (r.model.consensus_laws or ())[0]
        factor = math.sqrt(1 + 4_000 / law.ess)
        err = float(row["median"]) - math.exp(mu)
        z.append(err / float(row["mcse_median"]))
        plain.append(err / (float(row["mcse_median"]) / factor))
    n = len(z)
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], n) / n
    assert lo / 4 <= float(np.mean(np.square(z))) <= hi, np.mean(np.square(z))
    assert float(np.mean(np.square(plain))) > hi  # the draws' error alone understates


def test_the_law_is_the_synthesis_read_as_a_distribution() -> None:
    model = uncertainty.parse(_text()).model
    found = consensus(model, seed=9, draws=20_000).quantities[0]
    law = found.law
    assert isinstance(law, WeightedLog)
    q = law.ppf(np.array([0.5, 0.025, 0.975]))
    assert q[0] == pytest.approx(found.median, rel=1e-12)
    assert (q[1], q[2]) == pytest.approx(found.eti[2], rel=1e-12)
    # from_normal is ppf(Phi(z)), monotone, and the cdf inverts it
    zs = np.linspace(-3, 3, 13)
    drawn = law.from_normal(zs)
    assert np.all(np.diff(drawn) >= 0)
    np.testing.assert_allclose(law.cdf(drawn), stats.norm.cdf(zs), atol=1e-4)


@pytest.mark.parametrize("shape", [(SORTED_LOOKUP + 7,), (3, SORTED_LOOKUP)])
def test_a_long_laws_sorted_lookup_gives_numpys_interpolation_bit_for_bit(
        shape: tuple[int, ...]) -> None:
    """Quantiles looked up in sorted order are ``np.interp`` of the probabilities as given.

    The law has tied mid-points (weights too small to move the cumulative sum), and the
    probabilities hit exact mid-points, ties, both ends, 0, 1 and NaN, in random order.
    """
    rng = np.random.default_rng(3)
    m = 2 * SORTED_LOOKUP
    w = rng.random(m)
    w[rng.choice(m, m // 8, replace=False)] = 1e-30  # ties in the cumulative weights
    theta = np.sort(rng.normal(size=m))
    law = WeightedLog(theta, w / w.sum(), ess=100.0)
    mid = np.cumsum(law.weights) - law.weights / 2
    q = rng.random(shape)
    flat = q.reshape(-1)
    picks = rng.choice(m, 500)
    flat[:500] = mid[picks]
    flat[500:505] = [0.0, 1.0, mid[0], mid[-1], np.nan]
    rng.shuffle(flat)
    expected = np.interp(q, mid, theta)
    assert len(np.unique(mid)) < m  # the ties are there
    np.testing.assert_array_equal(law._log_ppf(q), expected)
    np.testing.assert_array_equal(law.ppf(q), np.exp(expected))


def test_a_model_with_one_source_per_quantity_has_no_consensus_view() -> None:
    text = _text().replace("[sources.b.estimates.x]", "[sources.b.estimates.w]")
    result = uncertainty.parse(text.replace('range = [1, 1e9]', '')).run(
        draws=2_000, seed=1, sensitivity=False)
    assert CONSENSUS not in [v.id for v in result.views]
    assert build_views(result.model)[-1].id == "pooled"


def test_comparisons_json_and_forest_carry_the_view(tmp_path: Path) -> None:
    result = uncertainty.parse(_text()).run(draws=20_000, seed=2, sensitivity=False)
    pairs = result.comparison.pairs if result.comparison is not None else None
    assert pairs is not None
    p = float(pairs["prob_greater"].sel(variable="x_only", view=CONSENSUS, other="a"))
    se = float(pairs["prob_greater_mcse"].sel(variable="x_only", view=CONSENSUS, other="a"))
    # P(T > X_a) with both lognormal and independent: Phi((mu - log m_a) / sqrt(sd^2 + s_a^2))
    mu, sd = _closed_form()
    s_a = math.log(A[1]) / Z90
    truth = stats.norm.cdf((mu - math.log(A[0])) / math.hypot(sd, s_a))
    assert abs(p - truth) <= K * se, (p, truth, se)
    document = json.loads(result.summary_json)
    assert CONSENSUS in [v["id"] for v in document["views"]]
    assert {r["view"] for r in document["records"]} >= {CONSENSUS}
    fig = result.plot_forest("x_only")
    gids = {a.get_gid() for a in fig.axes[0].get_children()}
    assert "median-consensus" in gids and "median" in gids


def test_leaving_a_source_out_of_the_consensus_reweights_its_draws() -> None:
    result = uncertainty.parse(_text()).run(draws=20_000, seed=4)
    assert result.sensitivity is not None
    left = result.sensitivity.leave_out
    assert left is not None and CONSENSUS in [str(v) for v in left["view"].values]
    # Without b, the consensus of x (tau 0, flat prior) is a's own lognormal. The MCSE
    # the table gives counts the reweighted law's error already (its own effective size).
    cell = left.sel(metric="x_only", view=CONSENSUS, left_out="b")
    median, err = float(cell["value"].sel(figure="median")), float(cell["mcse"].sel(
        figure="median"))
    laws = result.model.consensus_laws or ()
    assert {s: d for s, d, _ in laws[0].without}["b"] is not None  # kept, and read
    assert abs(median - A[0]) <= K * err, (median, err)
    # The tornado holds the consensus as an input of its view.
    inputs = [str(i) for i in result.sensitivity.inputs["input"].values]
    assert "x@consensus" in inputs


def test_a_streamed_run_gives_the_consensus_view_of_the_run_in_memory() -> None:
    model = uncertainty.parse(_text()).model
    memory = simulate(model, stream=False)
    streamed = simulate(model, stream=True)
    for k in ("median", "mcse_median", "eti"):
        np.testing.assert_array_equal(memory.summary[k].sel(view=CONSENSUS).values,
                                      streamed.summary[k].sel(view=CONSENSUS).values)


def test_consensus_is_a_reserved_source_id(tmp_path: Path) -> None:
    text = _text().replace("[sources.a.estimates.x]", "[sources.consensus.estimates.x]")
    with pytest.raises(uncertainty.ConfigError, match="'consensus' is reserved"):
        uncertainty.parse(text)


def test_a_precision_target_leaves_the_consensus_view_out_and_says_how_precise_it_got(
        ) -> None:
    text = _text().replace("draws = 20_000", "precision = 0.01")
    result = uncertainty.parse(text).run(sensitivity=False)
    target = result.provenance["precision"]
    assert target["worst"]["view"] != CONSENSUS and target["achieved"] <= 0.01
    found = target["consensus"]
    # what the consensus view got, computed as the run computes the others' worst
    s = result.summary.sel(view=CONSENSUS)
    scale = np.maximum(np.abs(s["median"].values), s["sd"].values)
    assert found["achieved"] >= float(np.max(s["mcse_median"].values / scale))
    assert found["achieved"] > target["achieved"]  # its law's error: why it is no target
    console = RENDERERS["table"](result.report(plots=False))
    assert f"in the consensus view, not a target, {found['achieved']:.2%}" in console


def test_without_the_claim_that_locates_it_the_consensus_view_takes_the_others_pool() -> None:
    # The seed study's ua.kia: the western figure and the US floor. Without the western
    # figure only the floor is left, which makes no consensus: the view takes the US
    # figure, as the pool of the others does.
    study = uncertainty.load(Path(__file__).parents[1] / "configs" / "seed-article-2025.toml")
    result = study.run(draws=4_000, seed=3)
    assert result.sensitivity is not None and result.sensitivity.leave_out is not None
    left = result.sensitivity.leave_out.sel(metric="kia_ratio", left_out="western")
    agreed, pooled = left.sel(view=CONSENSUS), left.sel(view="pooled")
    assert np.isfinite(agreed["value"].values).all()
    np.testing.assert_array_equal(agreed["value"].values, pooled["value"].values)


def test_a_run_that_kept_no_leave_one_out_laws_leaves_no_source_in_by_mistake() -> None:
    # A streamed run keeps none: a variant without a claim's source must not reuse the
    # consensus that counted it, but take the others' pool. The seed study's ua.kia has a
    # claim that is read (the US floor) and one that is not (western: the others are
    # bounds only), the case a partial list would get wrong.
    model = uncertainty.load(Path(__file__).parents[1] / "configs"
                             / "seed-article-2025.toml").model
    kept = with_laws(model, consensus(model, seed=1, draws=4_000, leave_one_out=True))
    bare = with_laws(model, consensus(model, seed=1, draws=4_000, leave_one_out=False))
    assert [s for s, _, _ in (kept.consensus_laws or ())[0].without] == ["us_intel",
                                                                         "western"]
    assert (bare.consensus_laws or ())[0].without == ()
    for m, expected in ((kept, True), (bare, False)):
        reduced, _ = without(m, "us_intel")
        assert reduced is not None
        assert (reduced.consensus_law("ua.kia") is not None) is expected
        assert CONSENSUS in [v.id for v in build_views(reduced)]  # the view stays


def test_a_claim_near_the_float_limit_is_refused_with_the_range_to_set(
        cli: Callable[..., Result], workdir: Path) -> None:
    # the default prior range reaches the largest claim times 1000: past the floats here
    (workdir / "far.toml").write_text('[sources.a]\nestimates.x = 1e306\n\n'
                                      '[sources.b]\nestimates.x = 7e305\n', encoding="utf-8")
    result = cli("run", "far.toml", "--draws", "500", "--no-plots")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: far.toml: consensus: x: the prior range [7e+302, inf] of its true value does "
        "not stay within the floats (a claim lies within a factor 1000 of their limits): set "
        "[consensus] range\n")
    assert not (workdir / "results").exists()  # nothing written
    # with a range set, the same claims run
    (workdir / "far.toml").write_text('[consensus]\nrange = [1e303, 1e307]\n\n' + (
        workdir / "far.toml").read_text("utf-8"), encoding="utf-8")
    assert cli("run", "far.toml", "--draws", "500", "--no-plots").exit_code == 0
