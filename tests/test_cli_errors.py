"""Bad input through the command line: exit status 2, one line on stderr, nothing written.

Every error test checks the same contract (see `assert_input_error`): exit status 2, stderr
is exactly one line ``Error: <file>: <place>: <what is wrong>``, stdout is empty, no
traceback, and no results folder appeared. Expression safety is checked both through the
command line and directly against `uncertainty.model.expr.parse_expression`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result

from uncertainty.config.validation import show
from uncertainty.errors import ExpressionError
from uncertainty.model.expr import MAX_DEPTH, MAX_LENGTH, parse_expression

Invoke = Callable[..., Result]

#: A small valid config; every bad config below is this one with one edit.
VALID = """\
title = "Test model"

[run]
draws = 1000
seed = 1
ci90_factor = 1.5

[sources.us_intel]
estimates.ua.kia = 8000
estimates.ru.kia = 112500

[sources.western]
estimates.ua.kia = { value = 12000, ci90 = [9000, 16000] }

[sources.totals]
estimates.ua.casualties = 48000

[metrics]
kia_ratio = { expr = "ru.kia / ua.kia", label = "Russian KIA per Ukrainian KIA" }

[scenarios.article]
use = { "ua.kia" = "western", "ru.kia" = "us_intel" }
"""

KNOWN = "ru.kia, ua.casualties, ua.kia"


def edit(old: str, new: str, text: str = VALID) -> str:
    """`text` with its single occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def with_metric(expression: str) -> str:
    """`VALID` with the metric's expression replaced (as a TOML basic string)."""
    return edit('"ru.kia / ua.kia"', json.dumps(expression))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) below `folder`, hidden ones included."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def assert_one_error_line(
    result: Result, message: str | None = None, *, prefix: str | None = None
) -> str:
    """Exit status 2 and exactly one stderr line ``Error: ...``; returns that line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr.endswith("\n")
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("Error: ")
    if message is not None:
        assert line == message
    if prefix is not None:
        assert line.startswith(prefix), line
    return line


def assert_input_error(
    result: Result,
    workdir: Path,
    message: str | None = None,
    *,
    prefix: str | None = None,
) -> str:
    """`assert_one_error_line`, and no results folder was created."""
    line = assert_one_error_line(result, message, prefix=prefix)
    assert not (workdir / "results").exists()
    return line


def run_bad(cli: Invoke, workdir: Path, text: str, *extra: str) -> Result:
    write(workdir / "bad.toml", text)
    return cli("run", "bad.toml", *extra)


# -- reading the file ------------------------------------------------------------------------
def test_missing_file(cli: Invoke, workdir: Path) -> None:
    result = cli("run", "missing.toml")
    assert_input_error(result, workdir, "Error: missing.toml: file not found")


def test_config_path_is_a_folder(cli: Invoke, workdir: Path) -> None:
    (workdir / "configs.toml").mkdir()
    result = cli("run", "configs.toml")
    assert_input_error(result, workdir, "Error: configs.toml: is a folder, not a config file")


def test_toml_syntax_error_names_line_and_column(cli: Invoke, workdir: Path) -> None:
    result = run_bad(cli, workdir, edit("draws = 1000", "draws = = 1000"))
    assert_input_error(
        result, workdir, "Error: bad.toml: line 4, column 9: TOML syntax: Invalid value"
    )


def test_validate_reports_the_same_one_line_error(cli: Invoke, workdir: Path) -> None:
    write(workdir / "bad.toml", edit("draws = 1000", "draws = = 1000"))
    result = cli("validate", "bad.toml")
    assert_input_error(
        result, workdir, "Error: bad.toml: line 4, column 9: TOML syntax: Invalid value"
    )


# -- schema ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            'title = "Test model"', 'title = "Test model"\ntitel = "typo"',
            "Error: bad.toml: titel: unknown key; did you mean 'title'? "
            "(expected one of: consensus, constraints, correlations, counts, grades, metrics, run, "
            "scenarios, sensitivity, sources, tables, title)",
            id="top-level",
        ),
        pytest.param(
            "seed = 1", "seed = 1\nsed = 2",
            "Error: bad.toml: run.sed: unknown key; did you mean 'seed'? "
            "(expected one of: ci90_factor, draws, levels, max_draws, pool, precision, seed)",
            id="run",
        ),
        pytest.param(
            "[sources.totals]", '[sources.totals]\nlable = "typo"',
            "Error: bad.toml: sources.totals.lable: unknown key in a source; did you mean "
            "'label'? (expected one of: ci90_factor, estimates, grade, label, weight)",
            id="source",
        ),
        pytest.param(
            "ci90 = [9000, 16000] }", "ci90 = [9000, 16000], confidence = 0.9 }",
            "Error: bad.toml: sources.western.estimates.ua.kia.confidence: unknown key in an "
            "estimate with a value (expected one of: ci, ci90, ci90_factor, level, value)",
            id="estimate-value",
        ),
        pytest.param(
            "estimates.ua.casualties = 48000",
            'estimates.ua.casualties = { dist = "normal", mean = 48000, sd = 5000, sigma = 1 }',
            "Error: bad.toml: sources.totals.estimates.ua.casualties.sigma: unknown key in a "
            "normal (expected one of: dist, mean, sd)",
            id="estimate-dist",
        ),
    ],
)
def test_unknown_key(cli: Invoke, workdir: Path, old: str, new: str, message: str) -> None:
    assert_input_error(run_bad(cli, workdir, edit(old, new)), workdir, message)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "estimates.ua.kia = 8000", 'estimates.ua.kia = "8000"',
            "Error: bad.toml: sources.us_intel.estimates.ua.kia: "
            "expected a number, got a string '8000'",
            id="string-for-number",
        ),
        pytest.param(
            "estimates.ua.kia = 8000", "estimates.ua.kia = true",
            # TOML spells the boolean `true`; the message should show what the user wrote.
            "Error: bad.toml: sources.us_intel.estimates.ua.kia: "
            "expected a number, got a boolean true",
            id="boolean-for-number",
        ),
        pytest.param(
            "draws = 1000", "draws = false",
            "Error: bad.toml: run.draws: expected an integer, got a boolean false",
            id="boolean-for-integer",
        ),
        pytest.param(
            "ci90 = [9000, 16000]", 'ci90 = [9000, "16000"]',
            "Error: bad.toml: sources.western.estimates.ua.kia.ci90[1]: "
            "expected a number, got a string '16000'",
            id="string-in-interval",
        ),
        pytest.param(
            "draws = 1000", "draws = 1000.5",
            "Error: bad.toml: run.draws: expected an integer, got a number 1000.5",
            id="fraction-for-integer",
        ),
    ],
)
def test_wrong_type(cli: Invoke, workdir: Path, old: str, new: str, message: str) -> None:
    assert_input_error(run_bad(cli, workdir, edit(old, new)), workdir, message)


@pytest.mark.parametrize(
    ("old", "new", "prefix"),
    [
        pytest.param(
            "estimates.ua.kia = 8000", "estimates.ua.kia = 1" + "0" * 400,
            "Error: bad.toml: sources.us_intel.estimates.ua.kia: ", id="estimate",
        ),
        pytest.param(
            "ci90 = [9000, 16000]", "ci90 = [9000, 1" + "0" * 400 + "]",
            "Error: bad.toml: sources.western.estimates.ua.kia.ci90[1]: ", id="interval",
        ),
        pytest.param(
            '"ru.kia / ua.kia"', '"ru.kia / ua.kia * 1' + "0" * 400 + '"',
            "Error: bad.toml: metrics.kia_ratio.expr: ", id="expression-constant",
        ),
    ],
)
def test_integer_too_large_for_a_float(
    cli: Invoke, workdir: Path, old: str, new: str, prefix: str
) -> None:
    # TOML integers have no size limit in tomllib; float() of a 401-digit one overflows.
    assert_input_error(run_bad(cli, workdir, edit(old, new)), workdir, prefix=prefix)


def test_extreme_estimate_runs_or_fails_cleanly(cli: Invoke, workdir: Path) -> None:
    # 1e300 is a finite positive number the schema accepts; the run must not crash on it
    # (exit 1 with a traceback): either results, or a one-line error naming the estimate
    # (or the quantity whose consensus it contradicts).
    result = run_bad(cli, workdir, edit("estimates.ua.kia = 8000", "estimates.ua.kia = 1e300"))
    assert result.exit_code in (0, 2), (result.exit_code, repr(result.exception))
    if result.exit_code == 2:
        # the estimate itself, or the consensus of ua.kia its claim contradicts
        place = "sources.us_intel.estimates.ua.kia" if "consensus" not in result.stderr else (
            "consensus: ua.kia")
        assert_input_error(result, workdir, prefix=f"Error: bad.toml: {place}: ")
    else:
        assert (workdir / "results" / "bad" / "summary.json").is_file()


# -- counts ----------------------------------------------------------------------------------
_BARE_HINT = (
    '; write { dist = "normal", mean = ..., sd = ... } or { dist = "point", value = ... } '
    "for other quantities"
)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "estimates.ua.kia = 8000", "estimates.ua.kia = 0",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia: a bare number is read as a "
            "positive count and must be positive, got 0" + _BARE_HINT,
            id="bare-zero",
        ),
        pytest.param(
            "estimates.ua.kia = 8000", "estimates.ua.kia = -8000",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia: a bare number is read as a "
            "positive count and must be positive, got -8000" + _BARE_HINT,
            id="bare-negative",
        ),
        pytest.param(
            "draws = 1000", "draws = 0",
            "Error: bad.toml: run.draws: must be at least 1, got 0", id="draws-zero",
        ),
        pytest.param(
            "draws = 1000", "draws = -5",
            "Error: bad.toml: run.draws: must be at least 1, got -5", id="draws-negative",
        ),
        pytest.param(
            "[sources.totals]", "[sources.totals]\nweight = 0",
            "Error: bad.toml: sources.totals.weight: must be positive, got 0", id="weight-zero",
        ),
    ],
)
def test_non_positive_count(
    cli: Invoke, workdir: Path, old: str, new: str, message: str
) -> None:
    assert_input_error(run_bad(cli, workdir, edit(old, new)), workdir, message)


@pytest.mark.parametrize("draws", ["0", "-3"])
def test_draws_option_not_positive(cli: Invoke, workdir: Path, draws: str) -> None:
    result = run_bad(cli, workdir, VALID, "--draws", draws)
    assert_input_error(result, workdir, f"Error: --draws: must be at least 1, got {draws}")


def test_seed_option_negative(cli: Invoke, workdir: Path) -> None:
    result = run_bad(cli, workdir, VALID, "--seed", "-1")
    assert_input_error(result, workdir, "Error: --seed: must be at least 0, got -1")


@pytest.mark.parametrize(
    ("text", "args", "prefix"),
    [
        pytest.param(
            edit("draws = 1000", "draws = 1" + "0" * 30), (),
            "Error: bad.toml: run.draws: ", id="config-draws",
        ),
        pytest.param(VALID, ("--draws", "1" + "0" * 30), "Error: --draws: ", id="option-draws"),
    ],
)
def test_too_many_draws_for_memory(
    cli: Invoke, workdir: Path, text: str, args: tuple[str, ...], prefix: str
) -> None:
    line = assert_input_error(run_bad(cli, workdir, text, *args), workdir, prefix=prefix)
    assert line.endswith("use fewer draws")


# -- estimates -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("new", "message"),
    [
        pytest.param(
            "estimates.ua.kia = { value = 8000, ci90 = [9000, 16000] }",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia.ci90: "
            "lower bound 9000 must be below the value 8000",
            id="lo-above-value",
        ),
        pytest.param(
            "estimates.ua.kia = { value = 8000, ci90 = [8000, 16000] }",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia.ci90: "
            "lower bound 8000 must be below the value 8000",
            id="lo-equals-value",
        ),
        pytest.param(
            "estimates.ua.kia = { value = 8000, ci90 = [5000, 7000] }",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia.ci90: "
            "upper bound 7000 must be above the value 8000",
            id="hi-below-value",
        ),
        pytest.param(
            "estimates.ua.kia = { value = 8000, ci90 = [5000, 8000] }",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia.ci90: "
            "upper bound 8000 must be above the value 8000",
            id="hi-equals-value",
        ),
    ],
)
def test_ci90_bounds_around_value(cli: Invoke, workdir: Path, new: str, message: str) -> None:
    text = edit("estimates.ua.kia = 8000", new)
    assert_input_error(run_bad(cli, workdir, text), workdir, message)


def test_unknown_distribution(cli: Invoke, workdir: Path) -> None:
    text = edit(
        "estimates.ua.casualties = 48000",
        'estimates.ua.casualties = { dist = "weibull", shape = 2 }',
    )
    assert_input_error(
        run_bad(cli, workdir, text), workdir,
        "Error: bad.toml: sources.totals.estimates.ua.casualties.dist: unknown distribution "
        "'weibull' (expected one of: beta, gamma, lognormal, normal, pert, point, triangular, "
        "truncnormal, uniform)",
    )


@pytest.mark.parametrize(
    ("where", "old", "new", "message"),
    [
        pytest.param(
            "run", "ci90_factor = 1.5", "ci90_factor = 1",
            "Error: bad.toml: run.ci90_factor: must be greater than 1 "
            "(a 90% interval [x/f, x*f]), got 1",
            id="run-equal-one",
        ),
        pytest.param(
            "source", "[sources.totals]", "[sources.totals]\nci90_factor = 0.5",
            "Error: bad.toml: sources.totals.ci90_factor: must be greater than 1 "
            "(a 90% interval [x/f, x*f]), got 0.5",
            id="source-below-one",
        ),
        pytest.param(
            "estimate", "estimates.ua.kia = 8000",
            "estimates.ua.kia = { value = 8000, ci90_factor = 0.9 }",
            "Error: bad.toml: sources.us_intel.estimates.ua.kia.ci90_factor: must be greater "
            "than 1 (a 90% interval [x/f, x*f]), got 0.9",
            id="estimate-below-one",
        ),
    ],
)
def test_ci90_factor_not_above_one(
    cli: Invoke, workdir: Path, where: str, old: str, new: str, message: str
) -> None:
    assert_input_error(run_bad(cli, workdir, edit(old, new)), workdir, message)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ("[0, 0.5]", "Error: bad.toml: run.levels[0]: a credible level must be between 0 and 1 "
                     "(exclusive), got 0"),
        ("[0.5, 1]", "Error: bad.toml: run.levels[1]: a credible level must be between 0 and 1 "
                     "(exclusive), got 1"),
        ("[0.5, 1.5]", "Error: bad.toml: run.levels[1]: a credible level must be between 0 and "
                       "1 (exclusive), got 1.5"),
        ("[-0.9]", "Error: bad.toml: run.levels[0]: a credible level must be between 0 and 1 "
                   "(exclusive), got -0.9"),
    ],
)
def test_levels_outside_zero_one(cli: Invoke, workdir: Path, levels: str, message: str) -> None:
    text = edit("seed = 1", f"seed = 1\nlevels = {levels}")
    assert_input_error(run_bad(cli, workdir, text), workdir, message)


# -- scenarios and view ids ------------------------------------------------------------------
_USE = '"ru.kia" = "us_intel" }'


def test_scenario_unknown_source(cli: Invoke, workdir: Path) -> None:
    text = edit(_USE, '"ru.kia" = "nato" }')
    assert_input_error(
        run_bad(cli, workdir, text), workdir,
        "Error: bad.toml: scenarios.article.use.ru.kia: unknown source 'nato' "
        "(expected one of: totals, us_intel, western, or 'pooled')",
    )


def test_scenario_source_without_that_quantity(cli: Invoke, workdir: Path) -> None:
    text = edit(_USE, '"ru.kia" = "western" }')
    assert_input_error(
        run_bad(cli, workdir, text), workdir,
        "Error: bad.toml: scenarios.article.use.ru.kia: source 'western' gives no estimate "
        "of 'ru.kia' (sources that do: us_intel, or 'pooled')",
    )


def test_scenario_unknown_quantity(cli: Invoke, workdir: Path) -> None:
    text = edit(_USE, '"ru.kia" = "us_intel", "ru.wounded" = "us_intel" }')
    assert_input_error(
        run_bad(cli, workdir, text), workdir,
        "Error: bad.toml: scenarios.article.use.ru.wounded: unknown quantity 'ru.wounded' "
        f"(known: {KNOWN})",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "[scenarios.article]", "[scenarios.western]",
            "Error: bad.toml: scenarios.western: view id 'western' is already used by a source",
            id="scenario-named-like-source",
        ),
        pytest.param(
            "[sources.totals]", "[sources.pooled]",
            "Error: bad.toml: sources.pooled: source id 'pooled' is reserved for the pooled view",
            id="source-named-pooled",
        ),
        pytest.param(
            "[scenarios.article]", "[scenarios.pooled]",
            "Error: bad.toml: scenarios.pooled: scenario id 'pooled' is reserved for the "
            "pooled view",
            id="scenario-named-pooled",
        ),
    ],
)
def test_view_id_collision(cli: Invoke, workdir: Path, old: str, new: str, message: str) -> None:
    assert_input_error(run_bad(cli, workdir, edit(old, new)), workdir, message)


# -- expressions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        pytest.param(
            "ru.kia +* 2",
            "Error: bad.toml: metrics.kia_ratio.expr: in 'ru.kia +* 2': not a valid expression at "
            "column 9: invalid syntax",
            id="syntax",
        ),
        pytest.param(
            "ru.kia / ua.kai",
            "Error: bad.toml: metrics.kia_ratio.expr: in 'ru.kia / ua.kai': unknown quantity "
            f"'ua.kai'; did you mean 'ua.kia'? (known: {KNOWN})",
            id="unknown-quantity-close",
        ),
        pytest.param(
            "ru.kia / wounded",
            "Error: bad.toml: metrics.kia_ratio.expr: in 'ru.kia / wounded': unknown quantity "
            f"'wounded' (known: {KNOWN})",
            id="unknown-quantity",
        ),
        pytest.param(
            "median(ru.kia)",
            "Error: bad.toml: metrics.kia_ratio.expr: in 'median(ru.kia)': unknown function "
            "'median' (allowed: abs, exp, log, max, min, sqrt)",
            id="unknown-function",
        ),
    ],
)
def test_bad_expression(cli: Invoke, workdir: Path, expression: str, message: str) -> None:
    assert_input_error(run_bad(cli, workdir, with_metric(expression)), workdir, message)


#: Expressions that must be rejected before anything runs, with a part of the reason.
UNSAFE = [
    pytest.param("__import__('os').system('touch pwned')", "unknown function", id="import"),
    pytest.param("open('pwned', 'w')", "unknown function 'open'", id="open-sentinel"),
    pytest.param("__import__('pathlib').Path('pwned').touch()", "unknown function",
                 id="pathlib-sentinel"),
    pytest.param("ua.kia.real", "unknown quantity 'ua.kia.real'", id="attribute"),
    pytest.param("(ua.kia).__class__", "unknown quantity 'ua.kia.__class__'",
                 id="dunder-attribute"),
    pytest.param("(ua.kia + 1).real", "attribute access not allowed", id="attribute-of-expr"),
    pytest.param("ua.kia[0]", "subscripts not allowed", id="subscript"),
    pytest.param("lambda: 1", "lambda not allowed", id="lambda"),
    pytest.param("[x for x in ua.kia]", "comprehensions not allowed", id="list-comprehension"),
    pytest.param("(x for x in ua.kia)", "comprehensions not allowed", id="generator"),
    pytest.param("open('x')", "unknown function 'open'", id="open"),
    pytest.param("eval('1')", "unknown function 'eval'", id="eval"),
    pytest.param("getattr(ua.kia, 'x')", "unknown function 'getattr'", id="getattr"),
    pytest.param("log(x=1)", "log() takes plain arguments only", id="keyword-argument"),
    pytest.param("ua.kia < ru.kia", "comparisons not allowed", id="comparison"),
    pytest.param("'ua.kia'", "constant 'ua.kia' not allowed (only numbers)", id="string"),
    pytest.param("ua.kia if 1 else 2", "if/else not allowed", id="if-else"),
    pytest.param("(y := ua.kia)", "assignment (:=) not allowed", id="walrus"),
    pytest.param("+".join(["ua.kia"] * 300), f"longer than {MAX_LENGTH} characters",
                 id="too-long"),
    pytest.param("(" * 300 + "ua.kia" + ")" * 300, "not a valid expression",
                 id="deep-parentheses"),
    pytest.param("-" * 500 + "ua.kia", f"nested more than {MAX_DEPTH} levels deep",
                 id="deep-unary-minus"),
    pytest.param("ua.kia * 1" + "0" * 400, "", id="huge-integer-constant"),
]


@pytest.mark.parametrize(("expression", "reason"), UNSAFE)
def test_unsafe_expression_rejected_by_cli(
    cli: Invoke, workdir: Path, expression: str, reason: str
) -> None:
    text = edit('"ru.kia / ua.kia"', json.dumps(expression))
    line = assert_input_error(
        run_bad(cli, workdir, text), workdir,
        prefix=f"Error: bad.toml: metrics.kia_ratio.expr: in {show(expression)}: ",
    )
    assert reason in line
    assert not (workdir / "pwned").exists()


@pytest.mark.parametrize(("expression", "reason"), UNSAFE)
def test_unsafe_expression_rejected_by_parser(
    workdir: Path, expression: str, reason: str
) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(expression, ["ua.kia", "ru.kia"])
    assert reason in info.value.message
    assert not (workdir / "pwned").exists()


def test_syntax_error_column_counts_from_the_text_as_written() -> None:
    # The '*' is the 11th character of the text as written; leading spaces count.
    with pytest.raises(ExpressionError) as info:
        parse_expression("  ru.kia +* 2", ["ru.kia"])
    assert info.value.message == "not a valid expression at column 11: invalid syntax"


def test_length_limit_boundary() -> None:
    core = "min(" + ", ".join(["ua.kia"] * 200) + ")"
    assert len(core) < MAX_LENGTH
    assert parse_expression(core.ljust(MAX_LENGTH), ["ua.kia"]).names == ("ua.kia",)
    with pytest.raises(ExpressionError, match=f"longer than {MAX_LENGTH} characters"):
        parse_expression(core.ljust(MAX_LENGTH + 1), ["ua.kia"])


def test_depth_limit_boundary() -> None:
    x = np.array([1.0, 2.0])
    accepted = parse_expression("-" * MAX_DEPTH + "ua.kia", ["ua.kia"])
    np.testing.assert_array_equal(accepted.evaluate({"ua.kia": x}), x)  # an even count
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse_expression("-" * (MAX_DEPTH + 1) + "ua.kia", ["ua.kia"])


_ENV = {
    "ua.kia": np.array([1.0, 2.0, 4.0, 0.5]),
    "ru.kia": np.array([3.0, 0.5, 8.0, 2.0]),
}
_A, _B = _ENV["ua.kia"], _ENV["ru.kia"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("min(ua.kia, ru.kia, 2)", np.minimum(np.minimum(_A, _B), 2.0)),
        ("max(ua.kia, ru.kia, 2)", np.maximum(np.maximum(_A, _B), 2.0)),
        ("min(ru.kia, 3, ua.kia, 1.5)", np.minimum.reduce([_B, np.full(4, 3.0), _A,
                                                           np.full(4, 1.5)])),
        ("ua.kia ** 2", _A**2),
        ("2 ** ua.kia", 2.0**_A),
        ("2 ** ua.kia ** 2", 2.0 ** (_A**2)),
        ("-ua.kia", -_A),
        ("--ua.kia", _A),
        ("+ua.kia", _A),
        ("-ua.kia ** 2", -(_A**2)),
        ("log(ua.kia)", np.log(_A)),
        ("exp(ru.kia)", np.exp(_B)),
        ("sqrt(ru.kia)", np.sqrt(_B)),
        ("abs(ua.kia - ru.kia)", np.abs(_A - _B)),
        ("1 - ua.kia / ru.kia", 1 - _A / _B),
        ("ua.kia + ru.kia * 2 - 1", _A + _B * 2 - 1),
        ("(ua.kia + ru.kia) * 2", (_A + _B) * 2),
        ("ua.kia - ua.kia + 3", np.full(4, 3.0)),
        ("log(exp(ua.kia)) / sqrt(ua.kia ** 2)", np.log(np.exp(_A)) / np.sqrt(_A**2)),
    ],
)
def test_allowed_grammar_evaluates_like_numpy(expression: str, expected: np.ndarray) -> None:
    parsed = parse_expression(expression, ["ua.kia", "ru.kia", "unused"])
    out = parsed.evaluate(_ENV)
    assert out.shape == (4,)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert "unused" not in parsed.names


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("ua.kia / ru.kia", [np.inf, np.nan, -np.inf]),
        ("ua.kia / 0", [np.inf, np.nan, -np.inf]),
        ("ua.kia + 1 / 0", [np.inf, np.inf, np.inf]),
        ("log(ua.kia)", [0.0, -np.inf, np.nan]),
        ("sqrt(ua.kia)", [1.0, 0.0, np.nan]),
        ("ru.kia ** -1", [np.inf, np.inf, np.inf]),
        ("exp(ua.kia * 1000)", [np.inf, 1.0, 0.0]),
    ],
)
def test_invalid_arithmetic_gives_inf_or_nan_without_warning(
    expression: str, expected: list[float]
) -> None:
    env = {"ua.kia": np.array([1.0, 0.0, -1.0]), "ru.kia": np.zeros(3)}
    out = parse_expression(expression, ["ua.kia", "ru.kia"]).evaluate(env)
    np.testing.assert_array_equal(out, np.array(expected))


# -- command line ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        pytest.param(("--draws", "many"), "--draws", id="draws-not-integer"),
        pytest.param(("--format", "xml"), "--format", id="unknown-format"),
        pytest.param(("--drawz", "10"), "--drawz", id="unknown-option"),
    ],
)
def test_malformed_command_line(
    cli: Invoke, workdir: Path, args: tuple[str, ...], mentions: str
) -> None:
    # The module's contract covers arguments too: one line, not click's usage block.
    line = assert_input_error(run_bad(cli, workdir, VALID, *args), workdir)
    assert mentions in line


# -- results folders -------------------------------------------------------------------------
def test_bad_config_leaves_earlier_results_of_same_stem_untouched(
    cli: Invoke, workdir: Path
) -> None:
    good = write(workdir / "first" / "model.toml", VALID)
    assert cli("run", good).exit_code == 0
    results = workdir / "results"
    before = snapshot(results)
    assert "model/summary.json" in before

    bad = write(workdir / "second" / "model.toml", edit("draws = 1000", "draws = 0"))
    result = cli("run", bad)
    assert_one_error_line(result, f"Error: {bad}: run.draws: must be at least 1, got 0")
    assert snapshot(results) == before


def test_results_of_a_different_config_need_force(cli: Invoke, workdir: Path) -> None:
    first = write(workdir / "first" / "model.toml", VALID)
    assert cli("run", first).exit_code == 0
    results = workdir / "results"
    before = snapshot(results)
    first_sha = json.loads(before["model/summary.json"] or b"")["provenance"]["config_sha256"]

    second = write(workdir / "second" / "model.toml", edit("seed = 1", "seed = 2"))
    result = cli("run", second)
    assert_one_error_line(
        result,
        f"Error: results/model: holds results of a different config (sha256 {first_sha[:12]}); "
        "use --force to replace them, or --out to write elsewhere",
    )
    assert snapshot(results) == before


def test_force_replaces_results_of_a_different_config(cli: Invoke, workdir: Path) -> None:
    first = write(workdir / "first" / "model.toml", VALID)
    assert cli("run", first).exit_code == 0
    (workdir / "results" / "model" / "stale.txt").write_text("from the first run")

    second = write(workdir / "second" / "model.toml", edit("seed = 1", "seed = 2"))
    result = cli("run", second, "--force", "--no-plots")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    folder = workdir / "results" / "model"
    assert sorted(p.name for p in folder.iterdir()) == ["config.toml", "summary.html",
                                                       "summary.json", "summary.md"]
    assert (folder / "config.toml").read_bytes() == second.read_bytes()
    assert json.loads((folder / "summary.json").read_text())["provenance"]["seed"] == 2
    assert sorted(p.name for p in (workdir / "results").iterdir()) == ["model"]


def test_folder_of_foreign_files_needs_force(cli: Invoke, workdir: Path) -> None:
    folder = workdir / "results" / "bad"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    before = snapshot(workdir / "results")
    result = run_bad(cli, workdir, VALID)
    assert_one_error_line(
        result,
        "Error: results/bad: holds files that are not results of this tool; use --force to "
        "replace them, or --out to write elsewhere",
    )
    assert snapshot(workdir / "results") == before
