"""Sensitivity analysis: variance shares, tornado, leave one source out, spread sweep.

Correctness tests compare with closed forms within ``K`` standard errors (`mc.K`): the
shares' own standard errors, and the medians' MCSE. Determinism tests compare two runs.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from mc import K
from model_builders import analyze_run, model_from, run_toml
from scipy import special

from uncertainty import build_model, simulate
from uncertainty.analysis.sensitivity import Sensitivity, without
from uncertainty.errors import ConfigError
from uncertainty.report.blocks import BulletList, Num
from uncertainty.report.sensitivity import sensitivity_blocks, sensitivity_document

N = 100_000
Z05 = float(special.ndtri(0.05))


def _analyze(toml: str, *, draws: int = N, seed: int = 11, threads: int | None = None,
             rescale: bool = False) -> tuple[Sensitivity, xr.Dataset]:
    run = run_toml(toml, draws=draws, seed=seed)
    data = tomllib.loads(toml)

    def rebuilt(scale: float):  # type: ignore[no-untyped-def]
        return build_model(data, default_title="test", spread_scale=scale)

    sens = analyze_run(run, rescale=rebuilt if rescale else None, threads=threads)
    return sens, run.summary


RATIO = """
[sources.a]
estimates.x = {{ dist = "lognormal", median = 100, sigma = {s1} }}
estimates.y = {{ dist = "lognormal", median = 10, sigma = {s2} }}
[metrics]
r = {{ expr = "x / y" }}
"""


@pytest.mark.parametrize(("s1", "s2"), [(0.3, 0.2), (0.5, 0.05), (0.1, 0.4)])
def test_ratio_of_independent_lognormals_splits_the_log_variance(s1: float, s2: float) -> None:
    sens, _ = _analyze(RATIO.format(s1=s1, s2=s2))
    ins = sens.inputs.sel(metric="r", view="a")
    assert str(sens.inputs["scale"].sel(metric="r").values) == "log"
    for name, truth in (("x@a", s1**2 / (s1**2 + s2**2)), ("y@a", s2**2 / (s1**2 + s2**2))):
        share, se = float(ins["share"].sel(input=name)), float(ins["share_se"].sel(input=name))
        assert abs(share - truth) <= K * se, (name, share, truth, se)
    assert str(ins["dependence"].values) == ""


def test_tornado_of_a_ratio_is_the_ratio_at_the_held_percentile() -> None:
    s1, s2 = 0.3, 0.2
    sens, _ = _analyze(RATIO.format(s1=s1, s2=s2))
    ins = sens.inputs.sel(metric="r", view="a")
    # r = x / y with x held at exp(log 100 + z s1): its median is that over y's median 10.
    for end, z in (("low", Z05), ("high", -Z05)):
        for name, truth in (("x@a", 100 * math.exp(z * s1) / 10),
                            ("y@a", 100 / (10 * math.exp(z * s2)))):
            cell = ins.sel(input=name, end=end)
            assert abs(float(cell["median"]) - truth) <= K * float(cell["median_mcse"]), (
                name, end, float(cell["median"]), truth)
    held = ins["held"].sel(input="x@a").values.tolist()
    assert held == [f"{100 * math.exp(Z05 * s1):.4g}", f"{100 * math.exp(-Z05 * s1):.4g}"]


def test_holding_an_input_moves_its_correlated_partner_to_its_conditional_law() -> None:
    s1, s2, rho = 0.3, 0.2, 0.6
    toml = RATIO.format(s1=s1, s2=s2) + f"""
[correlations]
xy = {{ between = ["x", "y"], rho = {rho}, source = "a" }}
"""
    sens, _ = _analyze(toml)
    ins = sens.inputs.sel(metric="r", view="a")
    r = 2 * math.sin(math.pi * rho / 6)  # the latent Pearson correlation of the copula
    for end, z in (("low", Z05), ("high", -Z05)):
        # x held at latent z: log y | z ~ N(log 10 + r s2 z, ...), whose median is the mean
        truth = 100 * math.exp(z * s1) / (10 * math.exp(r * s2 * z))
        cell = ins.sel(input="x@a", end=end)
        assert abs(float(cell["median"]) - truth) <= K * float(cell["median_mcse"])
    assert "linked by the correlation xy" in str(ins["dependence"].values)
    # the configured rho is the rank correlation the draws have, within its MCSE
    found, mcse = (float(ins[k]) for k in ("strongest_correlation", "strongest_correlation_mcse"))
    assert 0 < mcse < 0.01 and abs(found - rho) <= K * mcse, (found, mcse)
    view = sensitivity_document(sens)["inputs"]["r"]["views"]["a"]
    assert (view["strongest_correlation"], view["strongest_correlation_mcse"]) == (found, mcse)
    # printed to the decimals its MCSE supports: those of 2 MCSE
    items = next(b for b in sensitivity_blocks(sens, "r") if isinstance(b, BulletList)).items
    decimals = -math.floor(math.log10(2 * mcse))
    assert [x for item in items for x in item if isinstance(x, Num)] == [
        Num(found, spec=f".{decimals}f")]


ADDITIVE = """
[sources.a]
estimates.u = { dist = "normal", mean = 0, sd = 1 }
estimates.v = { dist = "normal", mean = 0, sd = 2 }
estimates.w = { dist = "normal", mean = 5, sd = 3 }
[metrics]
total = { expr = "u + v" }
ignores_w = { expr = "u + 0 * w" }
"""


def test_an_additive_model_has_shares_summing_to_one_and_an_unused_input_zero() -> None:
    sens, _ = _analyze(ADDITIVE)
    ins = sens.inputs.sel(view="a")
    total = ins.sel(metric="total")
    assert str(sens.inputs["scale"].sel(metric="total").values) == "linear"
    shares = total["share"].sel(input=["u@a", "v@a"]).values
    errors = total["share_se"].sel(input=["u@a", "v@a"]).values
    for share, se, truth in zip(shares, errors, (1 / 5, 4 / 5), strict=True):
        assert abs(share - truth) <= K * se
    # The sum's error is the remainder's, from the sum of the two influence functions.
    assert abs(shares.sum() - 1) <= K * float(total["remainder_se"])
    assert abs(float(total["remainder"])) <= K * float(total["remainder_se"])
    assert math.isnan(float(total["share"].sel(input="w@a")))  # not an input of `total`
    unused = ins.sel(metric="ignores_w", input="w@a")
    assert abs(float(unused["share"])) <= K * float(unused["share_se"])
    used = ins.sel(metric="ignores_w", input="u@a")
    assert abs(float(used["share"]) - 1) <= K * float(used["share_se"])


POOL = """
[sources.a]
estimates.q = { dist = "normal", mean = 0, sd = 1 }
[sources.b]
estimates.q = { dist = "normal", mean = 3, sd = 1 }
[sources.c]
estimates.other = { dist = "point", value = 1 }
[metrics]
m = { expr = "q + 0 * other" }
"""


def test_the_remainder_is_reported_with_its_error_as_the_shares_are() -> None:
    from uncertainty.report import Document, render_markdown
    from uncertainty.report.sensitivity import sensitivity_blocks, sensitivity_document

    sens, _ = _analyze(ADDITIVE)
    total = sens.inputs.sel(metric="total", view="a")
    doc = sensitivity_document(sens)["inputs"]["total"]["views"]["a"]
    assert doc["remainder"] == float(total["remainder"])
    assert doc["remainder_se"] == float(total["remainder_se"])
    rows = [line for line in render_markdown(Document(sensitivity_blocks(sens, "total")))
            .splitlines() if "interactions" in line]
    assert len(rows) == 1 and "% ± " in rows[0], rows


def test_a_linear_pools_choice_explains_the_gap_between_its_sources() -> None:
    # Equal weights: Var(m) = 1 + 0.25 * 9 = 3.25; E[m | choice] is 0 or 3: variance 2.25;
    # E[m | x_a] = x_a / 2 + 3 / 2: variance 1 / 4.
    sens, _ = _analyze(POOL)
    ins = sens.inputs.sel(metric="m", view="pooled")
    assert str(sens.inputs["input_kind"].sel(input="q@pooled").values) == "choice"
    for name, truth in (("q@pooled", 2.25 / 3.25), ("q@a", 0.25 / 3.25), ("q@b", 0.25 / 3.25)):
        cell = ins.sel(input=name)
        assert abs(float(cell["share"]) - truth) <= K * float(cell["share_se"]), name
    # Holding the choice forces the pool to each source: medians 0 and 3.
    choice = ins.sel(input="q@pooled")
    assert choice["held"].values.tolist() == ["a", "b"]
    for end, truth in (("low", 0.0), ("high", 3.0)):
        cell = choice.sel(end=end)
        assert abs(float(cell["median"]) - truth) <= K * float(cell["median_mcse"])
    # A fixed estimate is not an input: nothing to vary.
    assert "other@c" not in sens.inputs["input"].values


def test_the_unheld_figures_are_the_runs_own() -> None:
    run = run_toml(POOL, draws=N, seed=3)
    sens = analyze_run(run)
    for view in ("a", "b", "pooled"):
        assert float(sens.inputs["base"].sel(metric="m", view=view)) == float(
            run.summary["median"].sel(variable="m", view=view))


THREE = """
[run]
draws = 50_000
[sources.a]
grade = "B2"
estimates.q = 100
[sources.b]
grade = "C3"
estimates.q = 130
estimates.k = 2
[sources.c]
estimates.q = { value = 90, ci90 = [70, 120] }
[metrics]
m = { expr = "q * k" }
n = { expr = "q" }
[scenarios.pick_a]
use = { q = "a" }
"""


def test_leaving_a_source_out_is_exactly_the_model_without_it() -> None:
    run = run_toml(THREE, seed=5)
    sens = analyze_run(run)
    assert sens.leave_out is not None
    data = tomllib.loads(THREE)
    del data["sources"]["a"]
    data["scenarios"]["pick_a"]["use"] = {"q": "pooled"}
    alone = simulate(replace(build_model(data, default_title="test"), run=run.model.run))
    loo = sens.leave_out.sel(left_out="a")
    for metric in ("m", "n"):
        for view in ("pooled", "pick_a"):
            s = alone.summary.sel(variable=metric, view=view)
            expected = [float(s["median"]), *s["eti"].sel(level=0.9).values]
            assert loo["value"].sel(metric=metric, view=view).values.tolist() == expected
    # b is the only source of k: without it, m cannot be computed, and the table says why.
    assert str(sens.leave_out["reason"].sel(metric="m", left_out="b").values) == (
        "only b estimates k")
    assert np.isnan(sens.leave_out["value"].sel(metric="m", left_out="b").values).all()


def test_without_drops_what_only_that_source_supported() -> None:
    model = model_from(THREE)
    reduced, why = without(model, "b")
    assert reduced is not None
    assert [m.name for m in reduced.metrics] == ["n"]
    assert why == {"m": "only b estimates k"}
    assert [s.id for s in reduced.sources] == ["a", "c"]


def test_one_source_has_nothing_to_leave_out() -> None:
    sens, _ = _analyze(RATIO.format(s1=0.3, s2=0.2))
    assert sens.leave_out is None


def test_the_sweep_scales_default_spreads_and_keeps_stated_ones() -> None:
    sens, summary = _analyze(THREE, rescale=True)
    assert sens.sweep is not None
    sweep = sens.sweep.sel(metric="n")
    # Scale 1 is the run itself.
    for view in ("a", "c", "pooled"):
        s = summary.sel(variable="n", view=view)
        assert sweep["value"].sel(view=view, scale=1.0).values.tolist() == [
            float(s["median"]), *s["eti"].sel(level=0.9).values]
    # a's bare 100 with grade B2 has the 90% interval [100/f, 100 f]: scaled by 2 it is
    # [100/f^2, 100 f^2]. Check each end within its MCSE.
    f = 1.3  # B2: base 1.3, multiplier 1.0
    for scale in (0.5, 2.0):
        ends = sweep["value"].sel(view="a", scale=scale).values[1:]
        errors = sweep["mcse"].sel(view="a", scale=scale).values[1:]
        for end, err, truth in zip(ends, errors, (100 / f**scale, 100 * f**scale),
                                   strict=True):
            assert abs(end - truth) <= K * err, (scale, end, truth)
    # c stated its own interval: no scale changes it.
    same = sweep["value"].sel(view="c").values  # (scale, figure)
    assert (same == same[list(sweep["scale"].values).index(1.0)]).all()


def test_analysis_is_the_same_for_any_thread_count_and_repeatable() -> None:
    """Shares, tornado, sources left out and spreads swept: sources and factors run at once."""
    one, _ = _analyze(THREE, threads=1, rescale=True)
    for threads in (2, 3):
        other, _ = _analyze(THREE, threads=threads, rescale=True)
        xr.testing.assert_identical(one.inputs, other.inputs)
        assert one.leave_out is not None and other.leave_out is not None
        xr.testing.assert_identical(one.leave_out, other.leave_out)
        assert one.sweep is not None and other.sweep is not None
        xr.testing.assert_identical(one.sweep, other.sweep)
        assert one.notes == other.notes


def test_a_hold_that_breaks_the_constraints_is_noted_not_fatal() -> None:
    toml = """
constraints = ["part <= whole"]
[sources.a]
estimates.part = { dist = "lognormal", median = 50, sigma = 0.8 }
estimates.whole = { dist = "lognormal", median = 400, sigma = 0.05 }
[metrics]
share = { expr = "part / whole" }
"""
    # part's 95th percentile is 50 e^(1.645 * 0.8) = 186 < 400: fine. Its 99.9th is 593.
    sens, _ = _analyze(toml.replace("[metrics]", "[sensitivity]\ntornado = [0.05, 0.999]\n"
                                                 "[metrics]"), draws=20_000)
    high = sens.inputs.sel(metric="share", view="a", input="part@a", end="high")
    assert math.isnan(float(high["median"]))
    assert any("part from a at its 100% point" in note and "part <= whole" in note
               for note in sens.notes), sens.notes


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("tornado = [0.95, 0.05]", "sensitivity.tornado: lower bound 0.95 must be below upper "
                                   "bound 0.05"),
        ("tornado = [0, 0.9]", "sensitivity.tornado: give two percentiles 0 < low < high < 1, "
                               "e.g. [0.05, 0.95], got [0.0, 0.9]"),
        ("spread_scales = []", "sensitivity.spread_scales: give at least one scale, "
                               "e.g. [0.5, 2]"),
        ("spread_scales = [2, 2]", "sensitivity.spread_scales: scale 2 is listed twice"),
        ("spread_scales = [-1]", "sensitivity.spread_scales[0]: must be positive, got -1"),
        ("tornadoes = 1", "sensitivity.tornadoes: unknown key in [sensitivity]"),
    ],
)
def test_sensitivity_settings_are_validated(table: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        model_from(RATIO.format(s1=0.3, s2=0.2) + f"[sensitivity]\n{table}\n")
    assert str(info.value).startswith(message), str(info.value)


LOG_POOL = """
[run]
pool = "log"
[sources.a]
estimates.q = { dist = "lognormal", median = 100, sigma = 0.3 }
[sources.b]
estimates.q = { dist = "lognormal", median = 150, sigma = 0.4 }
estimates.k = { dist = "lognormal", median = 2, sigma = 0.25 }
[metrics]
m = { expr = "q * k" }
"""


def test_a_log_pool_is_one_input_held_at_its_own_percentiles() -> None:
    from uncertainty.model.pooling import log_pool

    run = run_toml(LOG_POOL, draws=N, seed=2)
    sens = analyze_run(run)
    pool = log_pool(run.model, "q")
    s_pool = float(np.log(pool.ppf(np.array([0.95]))[0] / pool.median)) / -Z05
    ins = sens.inputs.sel(metric="m", view="pooled")
    assert str(sens.inputs["input_kind"].sel(input="q@pooled").values) == "log pool"
    for name, truth in (("q@pooled", s_pool**2 / (s_pool**2 + 0.25**2)),
                        ("k@b", 0.25**2 / (s_pool**2 + 0.25**2))):
        cell = ins.sel(input=name)
        assert abs(float(cell["share"]) - truth) <= K * float(cell["share_se"]), name
    low = ins.sel(input="q@pooled", end="low")
    truth = float(pool.ppf(np.array([0.05]))[0]) * 2  # times k's median
    assert abs(float(low["median"]) - truth) <= K * float(low["median_mcse"])


def test_an_envelope_is_analysed_member_by_member() -> None:
    toml = THREE.replace("[run]\n", '[run]\npool = "envelope"\n')
    run = run_toml(toml, draws=20_000, seed=4)
    sens = analyze_run(run)
    views = list(sens.inputs["view"].values)
    assert "pooled[q=a]" in views and "pooled" not in views
    assert "choice" not in set(sens.inputs["input_kind"].values)
    assert sens.leave_out is not None
    base = sens.leave_out["base"].sel(metric="n", view="pooled").values
    assert math.isnan(base[0]) and np.isfinite(base[1:]).all()  # a range, no single median
    from uncertainty.report import Document, render_markdown

    text = render_markdown(Document(sensitivity_blocks(sens, "n")))
    assert "| pooled | (all sources) | — |" in text  # the envelope's median: none
