"""Flows from cumulative tables: a source's increment between ``from`` and ``as_of``.

The increment's law is checked against an independent numerical integration (scipy's
``quad`` over the density of the difference of two correlated lognormals), by the rank
window of the Monte Carlo draws the whole pipeline makes (tests/mc.py).
"""

from __future__ import annotations

import json
import math
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from mc import assert_quantile
from scipy import integrate, optimize, special

from uncertainty import build_model, simulate
from uncertainty.config.tables import UNPAIRED
from uncertainty.distributions import LogNormal
from uncertainty.distributions.increment import Increment

Invoke = Callable[..., Result]
CONFIGS = Path(__file__).parents[1] / "configs"
Z90 = float(special.ndtri(0.95))

TABLE = """
[run]
draws = 1000
seed = 7
[tables.t]
file = "t.csv"
columns = {{ source = "who", date = "date", value = "value", low = "low", high = "high" }}
quantity = {{ columns = ["kind"], map = {{ deaths = "x.deaths", wounded = "x.wounded" }} }}
{extra}
"""

# Agency A: a 90% range on each date; Agency B: one row only; Agency C: a row near as_of
# only, for wounded; Agency D: a row outside both windows.
CSV = ("date,who,kind,value,low,high\n"
       "2025-01-01,Agency A,deaths,,800,1200\n"
       "2025-07-01,Agency A,deaths,,1000,1800\n"
       "2025-01-01,Agency B,deaths,,900,1100\n"
       "2025-06-20,Agency C,wounded,3000,,\n"
       "2025-06-25,Agency A,wounded,2500,,\n"
       "2025-01-03,Agency A,wounded,1000,,\n"
       "2023-01-01,Agency D,deaths,500,,\n")

FLOW = "from = 2025-01-01\nas_of = 2025-07-01\nwindow = [-30, 30]"


def _model(extra: str = FLOW, csv: str = CSV):  # type: ignore[no-untyped-def]
    data = tomllib.loads(TABLE.format(extra=extra))
    return build_model(data, default_title="t", tables={"t": csv.encode("utf-8")})


def _log_params(low: float, high: float) -> tuple[float, float]:
    """The normal (mean, sd) of log X for a lognormal with 90% interval [low, high]."""
    return (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z90)


def _truth(a: tuple[float, float], b: tuple[float, float], rho: float,
           probabilities: tuple[float, ...]) -> tuple[float, list[float]]:
    """P(B >= A) in closed form, and quantiles of B - A given B >= A by ``scipy.integrate``.

    The density of D = B - A at d >= 0 is the integral over t = log A of the bivariate
    normal density of (log A, log B) at (t, log(e^t + d)), divided by e^t + d.
    """
    (ma, sa), (mb, sb) = a, b
    # the bivariate normal density written out: quad calls it tens of thousands of times,
    # and stats.multivariate_normal.pdf spends most of each call checking its arguments
    norm = 2 * math.pi * sa * sb * math.sqrt(1 - rho * rho)

    def joint(t: float, y: float) -> float:
        u, v = (t - ma) / sa, (y - mb) / sb
        return math.exp(-(u * u - 2 * rho * u * v + v * v) / (2 * (1 - rho * rho))) / norm

    def density(d: float) -> float:
        def inner(t: float) -> float:
            x = math.exp(t) + d
            return joint(t, math.log(x)) / x
        return float(integrate.quad(inner, ma - 12 * sa, ma + 12 * sa, limit=200)[0])

    p0 = float(special.ndtr((mb - ma) / math.sqrt(sa * sa + sb * sb - 2 * rho * sa * sb)))
    scale = math.exp(mb)

    def cdf(d: float) -> float:
        return float(integrate.quad(density, 0.0, d, limit=200)[0]) / p0

    found = [float(optimize.brentq(lambda d, p=p: cdf(d) - p, 1e-9 * scale, 3 * scale,
                                   xtol=1e-6 * scale)) for p in probabilities]
    return p0, found


@pytest.mark.parametrize("rho", [0.8, 0.3])
def test_the_increment_matches_the_integrated_law_and_is_never_negative(rho: float) -> None:
    model = _model(FLOW + f"\nflow_correlation = {rho}")
    estimate = model.source("agency_a").estimate("x.deaths")
    assert estimate is not None
    increment = estimate.distribution
    assert isinstance(increment, Increment)
    a, b = _log_params(800, 1200), _log_params(1000, 1800)
    probabilities = (0.1, 0.5, 0.9)
    p0, quantiles = _truth(a, b, rho, probabilities)
    # the trapezoid rule on an integrand smooth on the scale sqrt(1 - rho^2) >> its step:
    # its error is far below the 1e-9 allowed here, which catches a wrong formula
    assert abs(increment.p_ordered - p0) <= 1e-9
    draws = 200_000
    run = simulate(replace(model, run=replace(model.run, draws=draws)), compare=False)
    x = run.draws["x.deaths"].sel(view="agency_a").values
    assert x.min() >= 0
    for p, truth in zip(probabilities, quantiles, strict=True):
        assert_quantile(x, p, truth)


def test_a_wrong_correlation_is_caught() -> None:
    # the check above can fail: the law at rho = 0.8 is not the one at rho = 0
    a, b = _log_params(800, 1200), _log_params(1000, 1800)
    _, (median_independent,) = _truth(a, b, 0.0, (0.5,))
    model = _model(FLOW)
    estimate = model.source("agency_a").estimate("x.deaths")
    assert estimate is not None
    rng = np.random.default_rng(3)
    x = estimate.distribution.from_normal(rng.standard_normal(200_000))
    with pytest.raises(AssertionError):
        assert_quantile(x, 0.5, median_independent)


def test_figures_in_lockstep_give_their_difference() -> None:
    # rho = 1 with equal log-sds: B - A = (median_B - median_A) e^(sigma z), a lognormal
    increment = Increment(LogNormal(1000.0, 0.2), LogNormal(1500.0, 0.2), 1.0)
    x = increment.from_normal(np.random.default_rng(5).standard_normal(200_000))
    for p in (0.05, 0.5, 0.95):
        assert_quantile(x, p, 500.0 * math.exp(0.2 * float(special.ndtri(p))))


def test_a_source_with_one_row_gives_no_increment_and_says_why() -> None:
    model = _model()
    rows = {r.row: r for r in model.tables[0].rows}
    assert [s.id for s in model.estimators("x.deaths")] == ["agency_a"]
    assert [s.id for s in model.estimators("x.wounded")] == ["agency_a"]
    assert rows[4].status == UNPAIRED  # Agency B, deaths on 1 January only
    assert rows[4].reason == (
        "no row of this source and quantity around as_of 2025-07-01 (window: 30 days before "
        "to 30 days after each): an increment needs a figure at each end, so none is made")
    assert rows[5].status == UNPAIRED  # Agency C, wounded near 1 July only
    assert "around from 2025-01-01" in rows[5].reason
    assert rows[8].status == "outside window"
    assert [rows[n].status for n in (2, 3, 6, 7)] == ["used"] * 4
    assert "earlier figure of the increment with row 3, at from" in rows[2].reason
    assert "carried" not in rows[2].reason  # no carry rates: used as they are


def test_each_end_is_carried_to_its_own_date() -> None:
    model = _model(FLOW + '\ncarry = { rates = { "x.wounded" = 10 }, widen = 0.25 }')
    rows = {r.row: r for r in model.tables[0].rows}
    assert "carried 6 days forward to as_of at 10 a day (+60)" in rows[6].reason
    assert "carried 2 days back to from at 10 a day (-20)" in rows[7].reason
    estimate = model.source("agency_a").estimate("x.wounded")
    assert estimate is not None
    assert estimate.stated == (2500 + 60) - (1000 - 20)


TOML_ERRORS = [
    ("from = 2025-08-01\nas_of = 2025-07-01",
     "tables.t.from: from 2025-08-01 must be before as_of 2025-07-01"),
    ('from = "soon"\nas_of = 2025-07-01',
     "tables.t.from: expected a date such as 2025-12-31, got 'soon'"),
    ("from = 5\nas_of = 2025-07-01",
     "tables.t.from: expected a date such as 2025-12-31, got 5"),
    ("from = 2025-01-01",
     "tables.t.from: from needs as_of (the end of the period)"),
    ("from = 2025-01-01\nas_of = 2025-07-01\nflow_correlation = 1.5",
     "tables.t.flow_correlation: a correlation is between -1 and 1, got 1.5"),
    ("from = 2025-01-01\nas_of = 2025-07-01\nflow_correlation = \"high\"",
     "tables.t.flow_correlation: expected a number, got a string 'high'"),
    ("as_of = 2025-07-01\nflow_correlation = 0.5",
     "tables.t.flow_correlation: flow_correlation needs from (the start of the period)"),
]


@pytest.mark.parametrize(("extra", "message"), TOML_ERRORS)
def test_a_bad_period_is_one_line_and_exit_2(cli: Invoke, workdir: Path, extra: str,
                                             message: str) -> None:
    (workdir / "s.toml").write_text(TABLE.format(extra=extra), encoding="utf-8")
    (workdir / "t.csv").write_text(CSV, encoding="utf-8")
    result = cli("run", "s.toml", "--draws", "100", "--no-plots", "--no-sensitivity")
    assert result.exit_code == 2
    assert result.stderr == f"Error: s.toml: {message}\n"
    assert not (workdir / "results").exists()


def test_the_article_against_the_compiled_table_runs(cli: Invoke, workdir: Path) -> None:
    shutil.copytree(CONFIGS, workdir / "configs")
    config = workdir / "configs" / "article-vs-compiled-2025.toml"
    result = cli("run", config, "--draws", "4000", "--no-plots", "--no-sensitivity")
    assert result.exit_code == 0, result.output
    folder = workdir / "results" / "article-vs-compiled-2025"
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    table = summary["tables"][0]
    assert table["from"] == "2025-01-01" and table["as_of"] == "2025-07-01"
    csv_lines = (CONFIGS / "data" / "economist_estimates.csv").read_text("utf-8").splitlines()
    data_lines = [n for n, line in enumerate(csv_lines, start=1) if n > 1 and line.strip()]
    assert [r["row"] for r in table["rows"]] == data_lines  # every row, once
    assert all(r["reason"] for r in table["rows"] if r["status"] != "used")
    assert table["counts"][UNPAIRED] > 0
    assert (folder / "table-economist.csv").read_bytes() == (
        CONFIGS / "data" / "economist_estimates.csv").read_bytes()
    markdown = (folder / "summary.md").read_text("utf-8")
    assert "P(≥ 112,500)" in markdown and "P(≥ 239,000)" in markdown
    assert "an increment needs a figure at each end" in markdown
    assert "kept only where the later is at least the earlier" in markdown  # assumptions


def test_a_later_total_almost_surely_below_the_earlier_is_skipped_with_the_reason() -> None:
    csv = ("date,who,kind,value,low,high\n"
           "2025-01-01,Agency A,deaths,,800,1200\n"
           "2025-07-01,Agency A,deaths,,100,150\n"
           "2025-01-01,Agency B,deaths,,800,1200\n"
           "2025-07-01,Agency B,deaths,,1000,1800\n")
    model = _model(csv=csv)
    assert [s.id for s in model.estimators("x.deaths")] == ["agency_b"]
    rows = {r.row: r for r in model.tables[0].rows}
    assert [rows[n].status for n in (2, 3)] == ["skipped", "skipped"]
    assert rows[2].reason.startswith("increment with row 3: the later figure is at least the "
                                     "earlier one with probability")
    assert rows[3].reason.startswith("increment with row 2: ")


def test_a_pair_of_the_same_kind_of_figure_comes_first() -> None:
    # a floor 2 days from 1 January and a range 20 days from it: the range pairs with the
    # range near 1 July, the floor is listed as superseded
    csv = ("date,who,kind,value,low,high\n"
           "2025-01-03,Agency A,deaths,,700,\n"
           "2025-01-21,Agency A,deaths,,800,1200\n"
           "2025-07-01,Agency A,deaths,,1000,1800\n")
    rows = {r.row: r for r in _model(csv=csv).tables[0].rows}
    assert [rows[n].status for n in (2, 3, 4)] == ["superseded", "used", "used"]
    assert rows[2].reason.startswith("rows 3 and 4 of the same source and quantity are the "
                                     "pair used (the same kind of figure at both ends first")
