"""Errors that suggest the fix: an unknown name gets the closest valid one, when one is close.

Each message is checked word for word, through the command line (exit status 2, one line);
a name far from every valid one gets the list alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st
from test_cli_errors import KNOWN, VALID, assert_input_error, assert_one_error_line, edit, write

from uncertainty.config.validation import closest, did_you_mean, unknown

Invoke = Callable[..., Result]

SOURCES = "us_intel, western, totals"


def validate_bad(cli: Invoke, workdir: Path, text: str) -> Result:
    write(workdir / "bad.toml", text)
    return cli("validate", "bad.toml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            '"ru.kia / ua.kia"', '"ru.kia / ua.kai"',
            "Error: bad.toml: metrics.kia_ratio.expr: in 'ru.kia / ua.kai': unknown quantity "
            f"'ua.kai'; did you mean 'ua.kia'? (known: {KNOWN})",
            id="quantity-in-metric",
        ),
        pytest.param(
            'title = "Test model"', 'title = "Test model"\nconstraints = ["ua.kai <= 1e6"]',
            "Error: bad.toml: constraints[0]: in 'ua.kai <= 1e6': unknown quantity 'ua.kai'; "
            f"did you mean 'ua.kia'? (known: {KNOWN})",
            id="quantity-in-constraint",
        ),
        pytest.param(
            '"ru.kia / ua.kia"', '"sqr(ru.kia) / ua.kia"',
            "Error: bad.toml: metrics.kia_ratio.expr: in 'sqr(ru.kia) / ua.kia': unknown "
            "function 'sqr'; did you mean 'sqrt'? (allowed: abs, exp, log, max, min, sqrt)",
            id="function",
        ),
        pytest.param(
            "[sources.totals]", '[sources.totals]\nlable = "Totals"',
            "Error: bad.toml: sources.totals.lable: unknown key in a source; did you mean "
            "'label'? (expected one of: ci90_factor, estimates, grade, label, weight)",
            id="key-in-source",
        ),
        pytest.param(
            '"ru.kia" = "us_intel" }', '"ru.kia" = "us_intl" }',
            "Error: bad.toml: scenarios.article.use.ru.kia: unknown source 'us_intl'; did you "
            "mean 'us_intel'? (expected one of: totals, us_intel, western, or 'pooled')",
            id="source-in-scenario",
        ),
        pytest.param(
            '"ru.kia" = "us_intel" }', '"ru.kai" = "us_intel" }',
            "Error: bad.toml: scenarios.article.use.ru.kai: unknown quantity 'ru.kai'; did you "
            "mean 'ru.kia'? (known: ru.kia, ua.casualties, ua.kia)",
            id="quantity-in-scenario",
        ),
        pytest.param(
            "[metrics]",
            '[correlations]\nc = { between = ["ua.kia", "ru.kia"], rho = 0.3, '
            'source = "us_intl" }\n\n[metrics]',
            "Error: bad.toml: correlations.c.source: unknown source 'us_intl'; did you mean "
            f"'us_intel'? (expected one of: {SOURCES})",
            id="source-in-correlation",
        ),
        pytest.param(
            "[metrics]",
            '[correlations]\nc = { between = ["us_intl:ua.kia", "western:ua.kia"], rho = 0.3 '
            '}\n\n[metrics]',
            "Error: bad.toml: correlations.c.between[0]: unknown source 'us_intl'; did you "
            f"mean 'us_intel'? (expected one of: {SOURCES})",
            id="source-in-correlation-pair",
        ),
        pytest.param(
            "[metrics]",
            '[correlations]\nc = { between = ["ua.kai", "ru.kia"], rho = 0.3, '
            'source = "us_intel" }\n\n[metrics]',
            "Error: bad.toml: correlations.c.between[0]: source 'us_intel' gives no estimate "
            "of 'ua.kai'; did you mean 'ua.kia'? (it gives: ua.kia, ru.kia)",
            id="quantity-in-correlation",
        ),
        pytest.param(
            "estimates.ua.casualties = 48000",
            'estimates.ua.casualties = { dist = "lognormall", median = 48000, sigma = 0.3 }',
            "Error: bad.toml: sources.totals.estimates.ua.casualties.dist: unknown "
            "distribution 'lognormall'; did you mean 'lognormal'? (expected one of: beta, "
            "gamma, lognormal, normal, pert, point, triangular, truncnormal, uniform)",
            id="family",
        ),
        pytest.param(
            "estimates.ua.casualties = 48000",
            'estimates.ua.casualties = { mixture = [40000, { dist = "normall", mean = 50000, '
            "sd = 1000 }] }",
            "Error: bad.toml: sources.totals.estimates.ua.casualties.mixture[1].dist: unknown "
            "distribution 'normall'; did you mean 'normal'? (expected one of: beta, gamma, "
            "lognormal, normal, pert, point, triangular, truncnormal, uniform)",
            id="family-in-mixture",
        ),
        pytest.param(
            "ci90_factor = 1.5", 'ci90_factor = 1.5\npool = "linaer"',
            "Error: bad.toml: run.pool: unknown pooling method 'linaer'; did you mean "
            "'linear'? (expected one of: linear, log, envelope)",
            id="pool",
        ),
        pytest.param(
            "[sources.totals]", '[sources.totals]\ngrade = "b2"',
            "Error: bad.toml: sources.totals.grade: grade 'b2' is not valid; did you mean "
            "'B2'? (a reliability letter A/B/C/D/E/F then a credibility digit 1/2/3/4/5/6)",
            id="grade-case",
        ),
        pytest.param(
            "[sources.totals]", '[sources.totals]\ngrade = "2C"',
            "Error: bad.toml: sources.totals.grade: grade '2C' is not valid; did you mean "
            "'C2'? (a reliability letter A/B/C/D/E/F then a credibility digit 1/2/3/4/5/6)",
            id="grade-reversed",
        ),
    ],
)
def test_a_misspelling_gets_the_name_meant(cli: Invoke, workdir: Path, old: str, new: str,
                                           message: str) -> None:
    assert_input_error(validate_bad(cli, workdir, edit(old, new)), workdir, message)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            '"ru.kia / ua.kia"', '"ru.kia / wounded"',
            "Error: bad.toml: metrics.kia_ratio.expr: in 'ru.kia / wounded': unknown quantity "
            f"'wounded' (known: {KNOWN})",
            id="quantity",
        ),
        pytest.param(
            '"ru.kia / ua.kia"', '"median(ru.kia) / ua.kia"',
            "Error: bad.toml: metrics.kia_ratio.expr: in 'median(ru.kia) / ua.kia': unknown "
            "function 'median' (allowed: abs, exp, log, max, min, sqrt)",
            id="function-median-is-not-min",
        ),
        pytest.param(
            "[sources.totals]", '[sources.totals]\ncolour = "red"',
            "Error: bad.toml: sources.totals.colour: unknown key in a source (expected one "
            "of: ci90_factor, estimates, grade, label, weight)",
            id="key",
        ),
        pytest.param(
            '"ru.kia" = "us_intel" }', '"ru.kia" = "nato" }',
            "Error: bad.toml: scenarios.article.use.ru.kia: unknown source 'nato' (expected "
            "one of: totals, us_intel, western, or 'pooled')",
            id="source",
        ),
        pytest.param(
            "estimates.ua.casualties = 48000",
            'estimates.ua.casualties = { dist = "weibull", shape = 2 }',
            "Error: bad.toml: sources.totals.estimates.ua.casualties.dist: unknown "
            "distribution 'weibull' (expected one of: beta, gamma, lognormal, normal, pert, "
            "point, triangular, truncnormal, uniform)",
            id="family",
        ),
        pytest.param(
            "[sources.totals]", '[sources.totals]\ngrade = "Z9"',
            "Error: bad.toml: sources.totals.grade: grade 'Z9' is not valid: a reliability "
            "letter A/B/C/D/E/F then a credibility digit 1/2/3/4/5/6, e.g. \"B2\"",
            id="grade",
        ),
    ],
)
def test_a_far_off_name_gets_the_list_alone(cli: Invoke, workdir: Path, old: str, new: str,
                                            message: str) -> None:
    line = assert_input_error(validate_bad(cli, workdir, edit(old, new)), workdir, message)
    assert "did you mean" not in line


@pytest.mark.parametrize("command", ["compare", "sensitivity"])
def test_an_unknown_metric_option_gets_the_metric_meant(cli: Invoke, workdir: Path,
                                                        command: str) -> None:
    write(workdir / "study.toml", VALID)
    assert_input_error(
        cli(command, "study.toml", "--metric", "kia_ration"), workdir,
        "Error: --metric: unknown metric 'kia_ration'; did you mean 'kia_ratio'? (expected "
        "one of: kia_ratio)")
    assert_input_error(
        cli(command, "study.toml", "--metric", "deaths"), workdir,
        "Error: --metric: unknown metric 'deaths' (expected one of: kia_ratio)")


def test_show_suggests_the_metric_meant(cli: Invoke, workdir: Path) -> None:
    write(workdir / "study.toml", VALID)
    assert cli("run", "study.toml", "--no-plots", "--no-sensitivity").exit_code == 0
    result = cli("show", "results/study", "--metric", "kia_ration")
    assert_one_error_line(
        result, "Error: --metric: unknown metric 'kia_ration'; did you mean 'kia_ratio'? "
        "(expected one of: kia_ratio)")


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("ua.kai", ["ru.kia", "ua.casualties", "ua.kia"], "ua.kia"),
        ("lable", ["ci90_factor", "estimates", "grade", "label", "weight"], "label"),
        ("us_intl", ["us_intel", "western", "article_totals"], "us_intel"),
        ("kia_ration", ["kia_ratio", "casualty_ratio", "ua_survival"], "kia_ratio"),
        ("lognormall", ["beta", "lognormal", "normal", "truncnormal"], "lognormal"),
        ("wounded", ["ru.kia", "ua.casualties", "ua.kia"], None),
        ("ua.kia", ["ua.kia"], None),  # a valid name needs no suggestion
        ("anything", [], None),
    ],
)
def test_closest(name: str, options: list[str], expected: str | None) -> None:
    assert closest(name, options) == expected
    assert did_you_mean(name, options) == ("" if expected is None
                                           else f"; did you mean {expected!r}?")


def test_unknown_keeps_the_list_and_adds_the_suggestion_before_it() -> None:
    assert unknown("source", "us_intl", ["us_intel", "western"]) == (
        "unknown source 'us_intl'; did you mean 'us_intel'? (expected one of: us_intel, "
        "western)")
    assert unknown("quantity", "x", [], listed_as="known", listing="none") == (
        "unknown quantity 'x' (known: none)")


NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz._", max_size=12)


@given(name=NAMES, options=st.lists(NAMES, max_size=8))
def test_a_suggestion_is_one_of_the_valid_names(name: str, options: list[str]) -> None:
    match = closest(name, options)
    assert match is None or (match in options and match != name)
    message = unknown("key", name, options)
    assert ("did you mean" in message) == (match is not None)
    assert message.endswith(f"(expected one of: {', '.join(options)})")
