"""Bad input in the new estimate forms and families, through the command line.

The contract of `test_cli_errors.py`, for every new form: exit status 2, stderr exactly one
line ``Error: bad.toml: <key path>: <message>`` (asserted word for word), stdout empty, no
traceback, no results folder. The helpers are replicated here so this file stands alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Invoke = Callable[..., Result]

#: A small valid config; every bad config below is this one with one estimate replaced.
VALID = """\
title = "Test model"

[run]
draws = 1000
seed = 1

[sources.us_intel]
estimates.ua.kia = 8000
estimates.ru.kia = 112500

[sources.western]
estimates.ua.kia = { value = 12000, ci90 = [9000, 16000] }

[metrics]
kia_ratio = "ru.kia / ua.kia"
"""

OLD = "estimates.ua.kia = { value = 12000, ci90 = [9000, 16000] }"
WHERE = "Error: bad.toml: sources.western.estimates.ua.kia"


def with_estimate(estimate: str) -> str:
    """`VALID` with the western source's estimate of ua.kia replaced by `estimate`."""
    assert VALID.count(OLD) == 1
    return VALID.replace(OLD, f"estimates.ua.kia = {estimate}")


def run_bad(cli: Invoke, workdir: Path, text: str) -> Result:
    (workdir / "bad.toml").write_text(text, encoding="utf-8")
    return cli("run", "bad.toml")


def assert_input_error(result: Result, workdir: Path, message: str) -> None:
    """Exit status 2, one stderr line equal to `message`, nothing else, nothing written."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.endswith("\n")
    assert result.stderr.splitlines() == [message]
    assert not (workdir / "results").exists()


CASES = [
    # about
    pytest.param("{ about = -5 }",
                 ".about: 'about' reads a positive count and must be positive, got -5",
                 id="about-negative"),
    pytest.param("{ about = 12_000, unit = 30_000 }",
                 ".unit: the rounding unit 30000 must be below twice the number 12000",
                 id="about-unit"),
    pytest.param("{ about = 12_000, ci90 = [9000, 16000] }",
                 ".ci90: unknown key in an about estimate (expected one of: about, "
                 "ci90_factor, unit)",
                 id="about-unknown-key"),
    # at least / at most
    pytest.param("{ at_least = 8000, undercount = { ci90 = [0.9, 2] } }",
                 ".undercount.ci90: lower bound 0.9 must be above 1 (a factor on the stated "
                 "number: 1.2 means 20% more)",
                 id="undercount-below-one"),
    pytest.param("{ at_least = 8000, undercount = [1.2, 2] }",
                 ".undercount: expected a table, got an array [1.2, 2]",
                 id="undercount-not-a-table"),
    pytest.param("{ at_least = 0 }", ".at_least: must be positive, got 0", id="floor-zero"),
    pytest.param("{ at_most = 8000, undercount = { ci90 = [1.2, 2] } }",
                 ".undercount: unknown key in an at_most estimate; did you mean 'overcount'? "
                 "(expected one of: at_most, ci90_factor, overcount)",
                 id="at-most-with-undercount"),
    pytest.param("{ at_most = 8000, overcount = { ci90 = [1.5, 1.2] } }",
                 ".overcount.ci90: lower bound 1.5 must be below upper bound 1.2",
                 id="overcount-reversed"),
    # between
    pytest.param("{ between = [16000, 9000] }",
                 ".between: lower bound 16000 must be below upper bound 9000",
                 id="between-reversed"),
    pytest.param("{ between = [9000, 16000], level = 90 }",
                 ".level: must be between 0 and 1 (exclusive), got 90",
                 id="between-level-percent"),
    # quantiles
    pytest.param('{ quantiles = { "0.5" = 12_000, "0.95" = 11_000 } }',
                 '.quantiles."0.95": value 11000 must be above the value 12000 at 0.5',
                 id="quantiles-decreasing"),
    pytest.param('{ quantiles = { "0.5" = 12_000, "0.50" = 13_000 } }',
                 '.quantiles."0.50": probability 0.50 is listed twice (also as "0.5")',
                 id="quantiles-duplicate"),
    pytest.param('{ quantiles = { "5%" = 9_000, "0.5" = 12_000 } }',
                 '.quantiles."5%": key "5%" is not a probability; write each quantile as '
                 '"probability" = value, e.g. "0.05" = 9000',
                 id="quantiles-percent-key"),
    pytest.param('{ quantiles = { "0.5" = 12_000, "1" = 20_000 } }',
                 '.quantiles."1": probability 1 must be strictly between 0 and 1',
                 id="quantiles-probability-one"),
    pytest.param('{ quantiles = { "0.5" = 12_000 } }',
                 '.quantiles: give at least 2 quantiles, e.g. { "0.05" = 9000, "0.95" = 17000 }',
                 id="quantiles-one"),
    pytest.param('{ quantiles = { "0.05" = -1, "0.5" = 12_000 }, bounded = "zero" }',
                 '.quantiles."0.05": value -1 must be positive with bounded = "zero"',
                 id="quantiles-bounded-zero"),
    # mixtures
    pytest.param("{ mixture = [8000, { value = 8000, ci90 = [9000, 16000] }] }",
                 ".mixture[1].ci90: lower bound 9000 must be below the value 8000",
                 id="mixture-component"),
    pytest.param("{ mixture = [8000, 12000], weights = [0.3] }",
                 ".weights: expected an array of 2 numbers, got 1",
                 id="mixture-weights-count"),
    pytest.param("{ mixture = [8000] }",
                 ".mixture: a mixture needs at least 2 estimates, got 1",
                 id="mixture-one"),
    # truncation
    pytest.param("{ value = 12000, ci90 = [9000, 16000], lower = 16000, upper = 9000 }",
                 ".upper: upper 9000 must be above lower 16000",
                 id="truncation-reversed"),
    pytest.param("{ value = 12000, ci90 = [9000, 16000], lower = 1_000_000 }",
                 ": truncating to [1000000, inf) keeps only 2.16e-141 of the lognormal's "
                 "probability (at least 1e-09 is needed); what the estimate states describes "
                 "it before truncation",
                 id="truncation-no-mass"),
    pytest.param("{ lower = 0 }",
                 ": an estimate needs one of the keys: dist, value, about, at_least, at_most, "
                 "between, quantiles, mixture",
                 id="truncation-alone"),
    # families
    pytest.param('{ dist = "pert", min = 1000, mode = 20000, max = 16000 }',
                 ".mode: mode 20000 must be between min 1000 and max 16000",
                 id="pert-mode"),
    pytest.param('{ dist = "triangular", min = 16000, mode = 12000, max = 9000 }',
                 ": min 16000 must be below max 9000",
                 id="triangular-reversed"),
    pytest.param('{ dist = "gamma", shape = 2 }',
                 ": a gamma needs shape with scale or rate, or mean with sd",
                 id="gamma-incomplete"),
    pytest.param('{ dist = "gamma", shape = 2, scale = 1000, rate = 0.001 }',
                 ".rate: give either scale or rate, not both",
                 id="gamma-scale-and-rate"),
    pytest.param('{ dist = "truncnormal", mean = 12000, sd = 2000 }',
                 ': a truncnormal needs low, high or both; without bounds use dist = "normal"',
                 id="truncnormal-unbounded"),
    pytest.param('{ dist = "weibull", shape = 2 }',
                 ".dist: unknown distribution 'weibull' (expected one of: beta, gamma, "
                 "lognormal, normal, pert, point, triangular, truncnormal, uniform)",
                 id="unknown-family"),
]


@pytest.mark.parametrize(("estimate", "message"), CASES)
def test_bad_estimate_form(cli: Invoke, workdir: Path, estimate: str, message: str) -> None:
    assert_input_error(run_bad(cli, workdir, with_estimate(estimate)), workdir,
                       WHERE + message)


def test_validate_reports_the_same_line(cli: Invoke, workdir: Path) -> None:
    (workdir / "bad.toml").write_text(
        with_estimate('{ quantiles = { "0.5" = 12_000, "0.95" = 11_000 } }'), encoding="utf-8"
    )
    assert_input_error(
        cli("validate", "bad.toml"), workdir,
        f'{WHERE}.quantiles."0.95": value 11000 must be above the value 12000 at 0.5',
    )


GOOD = [
    "{ about = 12_000 }",
    "{ at_least = 8000, undercount = { ci90 = [1.2, 2] } }",
    "{ at_most = 20000 }",
    "{ between = [9000, 16000], level = 0.8 }",
    '{ quantiles = { "0.05" = 9_000, "0.5" = 12_000, "0.95" = 17_000 } }',
    "{ mixture = [8000, { value = 12000, ci90 = [9000, 16000] }], weights = [0.3, 0.7] }",
    '{ dist = "pert", min = 5000, mode = 12000, max = 20000, upper = 15000 }',
    '{ dist = "gamma", mean = 12000, sd = 3000 }',
    '{ dist = "truncnormal", mean = 12000, sd = 5000, low = 0 }',
]


@pytest.mark.parametrize("estimate", GOOD)
def test_good_estimate_forms_run(cli: Invoke, workdir: Path, estimate: str) -> None:
    (workdir / "good.toml").write_text(with_estimate(estimate), encoding="utf-8")
    result = cli("run", "good.toml")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert (workdir / "results" / "good" / "summary.json").is_file()
