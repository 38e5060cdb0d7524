"""Sources from a CSV table: messy cells, per-row reasons, dates, carry, flags, the study."""

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
from mc import K

from uncertainty import build_model, load_config, simulate
from uncertainty.config.tables import number
from uncertainty.errors import ConfigError

Invoke = Callable[..., Result]
CONFIGS = Path(__file__).parents[1] / "configs"
STUDY = CONFIGS / "economist-compiled.toml"

MESSY = (
    "\ufeffdate,low,high,value,kind,who,link,side,warring\n"
    # 2 used
    '1/12/2025,,,"750,000",casualties,Agency A,https://a.example/x,red,\n'
    # 3
    "01/12/2025,100,200,,deaths,Agency A,(note: by email) https://a.example/y,red,\n"
    # 4 used
    "15/11/2025,,,40,deaths, Agency B ,just a note,blue,\n"
    # 5 bad date
    "31/02/2025,,,5,deaths,Agency C,,red,\n"
    # 6 not a number
    "10/12/2025,,,about 5k,deaths,Agency C,,red,\n"
    # 7 not positive
    "10/12/2025,,,-5,deaths,Agency C,,red,\n"
    # 8 low >= high
    "10/12/2025,300,200,,deaths,Agency C,,red,\n"
    # 9 outside range
    "10/12/2025,10,20,30,deaths,Agency C,,red,\n"
    # 10 unmapped
    "10/12/2025,,,7,wounded,Agency C,,red,\n"
    # 11 no source
    "10/12/2025,,,7,deaths,,,red,\n"
    # 12 short row
    "10/12/2025,,,7,deaths,Agency C\n"
    # 13 blank
    "\n"
    # 14 no figure
    "10/12/2025,,,,deaths,Agency C,,red,\n"
    # 15 flagged
    "10/12/2025,,,9,deaths,Warring D,,red,yes\n"
    # 16 at least
    "10/12/2025,5,,,casualties,Agency C,,blue,\n"
    # 17 at most
    "10/12/2025,,80,,casualties,Agency E,,red,\n"
    # 18 used
    "10/12/2025,,,12,deaths,Agency E,,blue,\n"
    # 19 same id
    "10/12/2025,,,11,deaths,Agency-E,,blue,\n"
)

TABLE = """
[run]
draws = 1000
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
cite = "link"
[tables.t.quantity]
columns = ["side", "kind"]
[tables.t.quantity.map]
"red deaths" = "red.deaths"
"red casualties" = "red.casualties"
"blue deaths" = "blue.deaths"
"blue casualties" = "blue.casualties"
"""


def _model(extra: str = "", csv: str = MESSY):  # type: ignore[no-untyped-def]
    data = tomllib.loads(TABLE.format(extra=extra))
    return build_model(data, default_title="t", tables={"t": csv.encode("utf-8")})


def test_every_kind_of_messy_cell_is_read_or_reported_with_its_row() -> None:
    model = _model('flags = { warring = { yes = { skip = true } } }')
    rows = {r.row: r for r in model.tables[0].rows}
    assert sorted(rows) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19]
    reasons = {n: (r.status, r.reason) for n, r in rows.items() if r.status != "used"}
    assert reasons == {
        5: ("skipped", "date '31/02/2025' does not match the format '%d/%m/%Y'"),
        6: ("skipped", "value ('value'): 'about 5k' is not a number"),
        7: ("skipped", "value ('value') '-5' is not positive"),
        8: ("skipped", "low 300 is not below high 200"),
        9: ("skipped", "value 30 is not inside [10, 20]"),
        10: ("skipped", "'red wounded' is not in the quantity map (mapped: 'red deaths', "
                        "'red casualties', 'blue deaths', 'blue casualties')"),
        11: ("skipped", "no source"),
        12: ("skipped", "has 6 cells, the header 9"),
        14: ("skipped", "no figure: value, low and high are all blank"),
        15: ("skipped", "flagged 'warring' = 'yes', which skips the row"),
        19: ("superseded", "row 18 of the same source and quantity is more recent"),
    }
    used = {(r.row, r.estimate) for r in rows.values() if r.status == "used"}
    assert used == {
        (2, "{ value = 750000 }"),
        (3, "{ between = [100, 200], level = 0.9 }"),
        (4, "{ value = 40 }"),
        (16, "{ at_least = 5 }"),
        (17, "{ at_most = 80 }"),
        (18, "{ value = 12 }"),
    }
    by_id = {s.id: s for s in model.sources}
    assert sorted(by_id) == ["agency_a", "agency_b", "agency_c", "agency_e"]
    assert by_id["agency_b"].label == "Agency B"  # the cell's spaces are not part of a name
    a_deaths = by_id["agency_a"].estimate("red.deaths")
    assert a_deaths is not None
    assert dict(a_deaths.provenance) == {
        "cite": "https://a.example/y", "date": "2025-12-01",
        "note": "row 3 of t.csv; note: by email"}
    b_deaths = by_id["agency_b"].estimate("blue.deaths")
    assert b_deaths is not None and dict(b_deaths.provenance)["note"] == (
        "row 4 of t.csv; just a note")


@pytest.mark.parametrize(("cell", "value"), [
    ("750,000", 750_000.0), (" 1,200,000 ", 1_200_000.0), ("12 000", 12_000.0),
    ("3.5", 3.5), ("", None), ("  ", None), ("1e3", 1000.0),
])
def test_numbers_with_separators_and_blanks(cell: str, value: float | None) -> None:
    assert number(cell) == value


@pytest.mark.parametrize("cell", ["1,20", "12,0000", "n/a", "5k", "inf", "1,000,00"])
def test_cells_that_are_not_numbers(cell: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        number(cell)


DATED = (
    "date,low,high,value,kind,who,link,side,warring\n"
    "01/01/2025,,,100,deaths,A,,red,\n"     # 2: 364 days before: in the window
    "01/12/2025,,,150,deaths,A,,red,\n"     # 3: 30 days before: nearest
    "15/01/2026,,,170,deaths,A,,red,\n"     # 4: 15 days after: nearer, but after the window
    "30/12/2024,,,90,deaths,B,,red,\n"      # 5: 366 days before: outside
    "21/12/2025,,,10,deaths,C,,blue,\n"     # 6: 10 days before
    "10/01/2026,,,11,deaths,C,,blue,\n"     # 7: 10 days after: a tie, the earlier wins
)


def test_nearest_row_to_as_of_inside_the_window_and_the_rest_listed() -> None:
    model = _model("as_of = 2025-12-31\nwindow = [-365, 10]", DATED)
    rows = {r.row: (r.status, r.reason) for r in model.tables[0].rows}
    assert rows == {
        2: ("superseded", "row 3 of the same source and quantity is nearer to as_of"),
        3: ("used", ""),
        4: ("outside window", "15 days after as_of 2025-12-31 (window: 365 days before to "
                              "10 days after)"),
        5: ("outside window", "366 days before as_of 2025-12-31 (window: 365 days before to "
                              "10 days after)"),
        6: ("used", ""),
        7: ("superseded", "row 6 of the same source and quantity is nearer to as_of"),
    }
    assert [s.id for s in model.sources] == ["a", "c"]  # B has nothing in the window


def test_a_rate_carries_a_figure_to_as_of_and_widens_it() -> None:
    extra = ('as_of = 2025-12-31\nwindow = [-365, 30]\ngrade = "B2"\n'
             'carry = { rates = { "red.deaths" = 2 }, widen = 0.5 }')
    model = _model(extra, DATED)
    rows = {r.row: r for r in model.tables[0].rows}
    # Row 4 (15 days after) is now nearest: moved back 15 days at 2 a day: 170 - 30.
    widen = 1 + 0.5 * 15 / 365.25
    assert rows[4].status == "used"
    assert rows[4].reason == (f"carried 15 days back to as_of at 2 a day (-30), interval "
                              f"widened ×{widen:.3g}")
    estimate = model.source("a").estimate("red.deaths")
    assert estimate is not None
    assert estimate.stated == 140
    f = 1.3  # B2
    q05, q95 = estimate.distribution.ppf(np.array([0.05, 0.95]))
    assert math.isclose(q95 / 140, f * widen, rel_tol=1e-5)  # six significant digits
    assert math.isclose(140 / q05, f * widen, rel_tol=1e-5)
    # blue.deaths has no rate: used as it is, and the row says so
    assert rows[6].reason == "not carried to as_of: no rate for blue.deaths"


def test_flags_and_names_set_grades_and_weights() -> None:
    extra = ('grade = "C3"\ngrades = { "Agency A" = "A1" }\n'
             'flags = { warring = { yes = { grade = "E5", weight = 0.05 } } }')
    model = _model(extra)
    by_id = {s.id: s for s in model.sources}
    assert by_id["agency_a"].grade is not None and by_id["agency_a"].grade.code == "A1"
    assert by_id["agency_b"].grade is not None and by_id["agency_b"].grade.code == "C3"
    warring = by_id["warring_d"]
    assert warring.grade is not None and warring.grade.code == "E5"
    assert (warring.weight, warring.weight_from) == (0.05, "a flag on its row")


@pytest.mark.parametrize(("extra", "csv", "message"), [
    ("", "date,who\n1/1/2025,A\n",
     "tables.t.columns: t.csv: value: column 'value' is not in the file's header "
     "(columns: 'date', 'who')"),
    ("", "", "tables.t.columns: t.csv: the file is empty: no header row"),
    ("as_of = 2025-13-01", MESSY, None),
    ('as_of = "soon"', MESSY,
     "tables.t.as_of: expected a date such as 2025-12-31, got 'soon'"),
    ("window = [10, -10]", MESSY, "tables.t.window: the window [10, -10] must start before "
                                  "it ends"),
    ('carry = { rates = { "green.deaths" = 1 } }', MESSY,
     "tables.t.carry.rates.green.deaths: 'green.deaths' is not a quantity the table maps to "
     "(mapped: blue.casualties, blue.deaths, red.casualties, red.deaths)"),
    ('flags = { warring = { yes = { colour = "red" } } }', MESSY,
     "tables.t.flags.warring.yes.colour: unknown key in a flag (expected one of: grade, "
     "skip, weight)"),
    ('grades = { "Agency A" = "Z9" }', MESSY, None),
])
def test_table_errors_name_the_place(extra: str, csv: str, message: str | None) -> None:
    if extra.startswith("as_of = 2025-13"):
        with pytest.raises(tomllib.TOMLDecodeError):
            _model(extra, csv)
        return
    with pytest.raises(ConfigError) as info:
        _model(extra, csv)
    if message is not None:
        assert str(info.value) == message
    else:
        assert str(info.value).startswith("tables.t.grades.Agency A: grade 'Z9' is not valid")


def test_a_table_source_cannot_take_a_config_sources_id() -> None:
    data = tomllib.loads(TABLE.format(extra="") + "[sources.agency_a]\nestimates.x = 5\n")
    with pytest.raises(ConfigError, match="source 'Agency A' of the table has id 'agency_a'"):
        build_model(data, tables={"t": MESSY.encode()})


def test_a_missing_table_file_is_one_clear_error(cli: Invoke, workdir: Path) -> None:
    (workdir / "s.toml").write_text(TABLE.format(extra=""), encoding="utf-8")
    result = cli("run", "s.toml")
    assert result.exit_code == 2
    assert result.stderr == "Error: s.toml: tables.t.file: 't.csv': file not found\n"
    assert not (workdir / "results").exists()


# -- the compiled study ----------------------------------------------------------------------
def test_the_compiled_study_lists_every_row_of_the_unmodified_file() -> None:
    loaded = load_config(STUDY)
    report = loaded.model.tables[0]
    csv_lines = (CONFIGS / "data" / "economist_estimates.csv").read_text("utf-8").splitlines()
    data_lines = [n for n, line in enumerate(csv_lines, start=1) if n > 1 and line.strip()]
    assert [r.row for r in report.rows] == data_lines  # every row, once, in file order
    assert {r.status for r in report.rows} <= {"used", "skipped", "outside window",
                                               "superseded"}
    assert all(r.reason for r in report.rows if r.status != "used")
    used = [r for r in report.rows if r.status == "used"]
    n_estimates = sum(len(s.estimates) for s in loaded.model.sources)
    assert len(used) == n_estimates


def test_per_source_medians_are_the_rows_own_figures() -> None:
    # Where a source gave a point for every quantity of a metric, its view's median is the
    # metric at those points (each a lognormal's median; ratios of independent lognormals
    # have the ratio of medians as median). The constraints would shift the medians
    # slightly, so this reading check drops them.
    data = tomllib.loads(STUDY.read_text("utf-8"))
    loaded = load_config(STUDY)
    assert data.pop("constraints")
    model = build_model(data, default_title="study", tables=loaded.tables)
    run = simulate(replace(model, run=replace(model.run, draws=100_000)), compare=False)
    checked = 0
    for source in model.sources:
        for metric in model.metrics:
            points = {}
            for q in metric.expression.names:
                estimate = source.estimate(q)
                if estimate is None or not estimate.written.startswith("{ value ="):
                    break
                points[q] = np.array([estimate.stated])
            else:
                truth = float(metric.expression.evaluate(points)[0])
                cell = run.summary.sel(variable=metric.name, view=source.id)
                assert abs(float(cell["median"]) - truth) <= K * float(cell["mcse_median"]), (
                    source.id, metric.name, float(cell["median"]), truth)
                checked += 1
    assert checked >= 2  # the Dutch MIVD casualty ratio, the UK MoD dead share


def test_the_study_runs_and_keeps_its_table(cli: Invoke, workdir: Path) -> None:
    shutil.copytree(CONFIGS, workdir / "configs")
    config = workdir / "configs" / "economist-compiled.toml"
    text = config.read_text("utf-8").replace("draws = 200_000", "draws = 4_000")
    config.write_text(text, encoding="utf-8")
    result = cli("run", config, "--no-plots", "--no-sensitivity", "--save-draws")
    assert result.exit_code == 0, result.output
    assert ("Table economist (data/economist_estimates.csv): 124 rows: 18 used, 97 outside "
            "window, 9 superseded; every row and why is listed in summary.md.") in result.stdout
    folder = workdir / "results" / "economist-compiled"
    assert (folder / "table-economist.csv").read_bytes() == (
        CONFIGS / "data" / "economist_estimates.csv").read_bytes()
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    table = summary["tables"][0]
    assert table["counts"] == {"used": 18, "outside window": 97, "superseded": 9}
    assert len(table["rows"]) == 124
    markdown = (folder / "summary.md").read_text("utf-8")
    assert "## Table rows: economist" in markdown
    # the saved folder is enough: compare rebuilds from its own copy of the table
    (workdir / "configs" / "data" / "economist_estimates.csv").unlink()
    compared = cli("compare", folder, "--metric", "death_ratio", "--format", "json")
    assert compared.exit_code == 0, compared.output
