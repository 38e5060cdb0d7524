"""A table's ``floors``: a source's rows read as ``at_least`` times a stated undercount."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from mc import K
from test_cli_errors import assert_one_error_line

from uncertainty import build_model, simulate
from uncertainty.analysis.consensus_claims import claims_of
from uncertainty.distributions import OneSided
from uncertainty.model.core import Model

Invoke = Callable[..., Result]

CSV = (
    "date,low,high,value,kind,who,side\n"
    "01/12/2025,100,200,,deaths,Counter,red\n"  # 2: a range: the low is the floor
    "01/12/2025,,,150,deaths,Agency,red\n"  # 3: a central figure
    "01/12/2025,,,40,deaths,Counter,blue\n"  # 4: a value only: the value is the floor
    "01/12/2025,,60,,casualties,Counter,blue\n"  # 5: a high only: no floor
    "01/12/2025,30,50,35,casualties,Counter,red\n"  # 6: a value in a range: the low
)

TABLE = """
[run]
draws = 2000
seed = 1
[tables.t]
file = "t.csv"
date_format = "%d/%m/%Y"
{extra}
[tables.t.columns]
source = "who"
date = "date"
value = "value"
low = "low"
high = "high"
[tables.t.quantity]
columns = ["side", "kind"]
[tables.t.quantity.map]
"red deaths" = "red.deaths"
"red casualties" = "red.casualties"
"blue deaths" = "blue.deaths"
"blue casualties" = "blue.casualties"
"""

#: The undercount's 90% interval the tests give the counting source.
LO, HI = 1.3, 2.5
FLOORS = f'floors = {{ "Counter" = [{LO}, {HI}] }}'


def _model(extra: str = FLOORS, csv: str = CSV) -> Model:
    data = tomllib.loads(TABLE.format(extra=extra))
    return build_model(data, default_title="t", tables={"t": csv.encode("utf-8")})


def _median(floor: float, lo: float, hi: float) -> float:
    """The median of ``floor * (1 + V)``, ``V`` lognormal with 90% interval [lo-1, hi-1]."""
    return floor * (1 + math.sqrt((lo - 1) * (hi - 1)))


def test_a_floor_sources_rows_become_at_least_with_its_undercount() -> None:
    model = _model()
    rows = {r.row: r for r in model.tables[0].rows}
    assert {n: (r.status, r.estimate, r.reason) for n, r in rows.items()} == {
        2: ("used", "{ at_least = 100, undercount = { ci90 = [1.3, 2.5] } }",
            "a floor (floors): high 200 not used"),
        3: ("used", "{ value = 150 }", ""),
        4: ("used", "{ at_least = 40, undercount = { ci90 = [1.3, 2.5] } }",
            "a floor (floors)"),
        5: ("skipped", "", "its source is in floors, but the row gives only a high: a "
                           "ceiling is no floor"),
        6: ("used", "{ at_least = 30, undercount = { ci90 = [1.3, 2.5] } }",
            "a floor (floors): value 35 and high 50 not used"),
    }
    # Without floors the same rows are central figures.
    plain = {r.row: r.estimate for r in _model("").tables[0].rows}
    assert plain[2] == "{ between = [100, 200], level = 0.9 }"
    assert plain[4] == "{ value = 40 }"


def test_a_floor_is_its_figure_times_the_undercount_exactly() -> None:
    # No sampling: the distribution's quantiles are the closed form's.
    estimate = _model().source("counter").estimate("red.deaths")
    assert estimate is not None
    dist = estimate.distribution
    assert isinstance(dist, OneSided) and dist.floor
    assert estimate.stated == 100
    got = dist.ppf(np.array([0.0, 0.05, 0.5, 0.95]))
    want = [100, 100 * LO, _median(100, LO, HI), 100 * HI]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_a_floor_sources_view_draws_the_floor_times_the_undercount() -> None:
    model = _model()
    model = replace(model, run=replace(model.run, draws=40_000))
    run = simulate(model, compare=False)
    for quantity, floor in (("red.deaths", 100), ("blue.deaths", 40)):
        cell = run.summary.sel(variable=quantity, view="counter")
        truth = _median(floor, LO, HI)
        assert abs(float(cell["median"]) - truth) <= K * float(cell["mcse_median"]), (
            quantity, float(cell["median"]), truth)
        assert float(run.summary.sel(variable=quantity, view="counter",
                                     level=0.9, ci_bound="lower")["eti"]) >= floor


def test_a_carried_floor_moves_and_its_undercount_widens_on_each_side() -> None:
    extra = (f'{FLOORS}\nas_of = 2025-12-31\n'
             'carry = { rates = { "red.deaths" = 2 }, widen = 0.5 }')
    model = _model(extra)
    rows = {r.row: r for r in model.tables[0].rows}
    w = 1 + 0.5 * 30 / 365.25
    assert rows[2].reason == (f"carried 30 days forward to as_of at 2 a day (+60), interval "
                              f"widened ×{w:.3g}; a floor (floors): high 200 not used")
    estimate = model.source("counter").estimate("red.deaths")
    assert estimate is not None
    assert estimate.stated == 160  # 100 + 2 a day for 30 days
    lo, hi = 1 + (LO - 1) / w, 1 + (HI - 1) * w
    got = estimate.distribution.ppf(np.array([0.0, 0.05, 0.95]))
    np.testing.assert_allclose(got, [160, 160 * lo, 160 * hi], rtol=1e-5)  # 6 digits kept


def test_the_consensus_reads_a_floor_as_a_censored_claim() -> None:
    claims = {c.source: c for c in claims_of(_model(), "red.deaths")}
    assert (claims["counter"].kind, claims["counter"].value) == ("at_least", 100)
    assert math.isnan(claims["counter"].sigma)
    assert (claims["agency"].kind, claims["agency"].value) == ("central", 150)
    unfloored = {c.source: c for c in claims_of(_model(""), "red.deaths")}
    assert unfloored["counter"].kind == "central"


@pytest.mark.parametrize(("extra", "message"), [
    ('floors = { "Counter" = [1.3] }',
     "tables.t.floors.Counter: expected an array of 2 numbers, got 1"),
    ('floors = { "Counter" = [2.5, 1.3] }',
     "tables.t.floors.Counter: lower bound 2.5 must be below upper bound 1.3"),
    ('floors = { "Counter" = [1, 2] }',
     "tables.t.floors.Counter: lower bound 1 must be above 1 (the 90% interval of an "
     "undercount factor: the true value is the count times it; 1.2 means 20% more)"),
    ('floors = { "Counter" = [0.5, 2] }',
     "tables.t.floors.Counter: lower bound 0.5 must be above 1 (the 90% interval of an "
     "undercount factor: the true value is the count times it; 1.2 means 20% more)"),
    ('floors = { "Counter" = [1.3, "x"] }',
     "tables.t.floors.Counter[1]: expected a number, got a string 'x'"),
    ('floors = { "Counter" = 2 }', "tables.t.floors.Counter: expected an array, got an integer 2"),
    ("floors = [1.3, 2]", "tables.t.floors: expected a table, got an array [1.3, 2]"),
    ('floors = { "Countr" = [1.3, 2] }',
     "tables.t.floors.Countr: unknown source in t.csv 'Countr'; did you mean 'Counter'? "
     "(its sources: Counter, Agency)"),
    (f'{FLOORS}\nas_of = 2025-12-31\nfrom = 2025-06-01',
     "tables.t.floors: cannot be used with from: the increment of two undercounted counts "
     "is no floor (read the table without from, or drop floors)"),
])
def test_bad_floors_are_one_line_errors_and_nothing_is_written(
        cli: Invoke, workdir: Path, extra: str, message: str) -> None:
    (workdir / "t.csv").write_text(CSV, encoding="utf-8")
    (workdir / "s.toml").write_text(TABLE.format(extra=extra), encoding="utf-8")
    assert_one_error_line(cli("run", "s.toml"), f"Error: s.toml: {message}")
    assert not (workdir / "results").exists()


def test_a_floor_is_named_after_aliases_and_as_rows_are_grouped() -> None:
    extra = 'aliases = { "Counter" = "Named count" }\nfloors = { "named count" = [1.3, 2.5] }'
    model = _model(extra)
    estimate = model.source("named_count").estimate("red.deaths")
    assert estimate is not None and estimate.written.startswith("{ at_least = 100,")


def test_a_runs_consensus_section_lists_the_floor_as_at_least(cli: Invoke,
                                                              workdir: Path) -> None:
    (workdir / "t.csv").write_text(CSV, encoding="utf-8")
    (workdir / "s.toml").write_text(TABLE.format(extra=FLOORS), encoding="utf-8")
    result = cli("run", "s.toml", "--no-plots", "--no-sensitivity", "--format", "json")
    assert result.exit_code == 0, result.output
    section = json.loads(result.stdout)["consensus"]["quantities"]
    assert list(section) == ["red.deaths"]  # the only quantity two sources give
    claims = {c["source"]: (c["kind"], c["claim"]) for c in section["red.deaths"]["claims"]}
    assert claims == {"counter": ("at_least", 100), "agency": ("central", 150)}
