"""Casualty measures (issue 18, part 3): what a quantity counts, and the note on a metric
that is not the case fatality rate.

The note is decided from the metric's parsed expression and the study's ``[counts]``
declarations, never from quantity names: these tests hold the expressions fixed and vary the
declarations, and the other way round. The `uncertainty init --template casualties` study
is run exactly as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from test_cli_errors import assert_input_error, edit, write
from test_unchanged_numbers import differences

import uncertainty
from uncertainty.cli import main
from uncertainty.config.loader import parse_config
from uncertainty.config.starter import CASUALTIES, TEMPLATES, starter_config
from uncertainty.model.core import Metric
from uncertainty.model.counts import COUNT_WORDS, casualty_notes
from uncertainty.model.expr import Division, parse_expression
from uncertainty.report import to_json

Invoke = Callable[..., Result]

SEED = Path(__file__).resolve().parents[1] / "configs" / "seed-article-2025.toml"
NAMES = ["k", "d", "w", "m", "c", "t", "x", "y"]


# -- the divisions of an expression ----------------------------------------------------------
@pytest.mark.parametrize(("text", "found"), [
    ("k / t", [Division(("k",), ("t",), False)]),
    ("1 - k / t", [Division(("k",), ("t",), True)]),
    ("100 - 100 * k / t", [Division(("k",), ("t",), True)]),
    ("100 * (1 - k / t)", [Division(("k",), ("t",), True)]),
    ("(k + d) / (k + w)", [Division(("k", "d"), ("k", "w"), False)]),
    ("k / 1000 / (t / 1000)", [Division(("k",), ("t",), False)]),
    ("2 * k / t", [Division(("k",), ("t",), False)]),
    ("x - k / t", [Division(("k",), ("t",), False)]),  # not from a number: no complement
    ("max(k / t, 0.1)", [Division(("k",), ("t",), False)]),
    ("k / t - w / t", [Division(("k",), ("t",), False), Division(("w",), ("t",), False)]),
    ("k * w / t", []),
    ("log(k) / t", []),
    ("-2 * k / t", []),
    ("k / (t - m)", []),
    ("k - t", []),
])
def test_divisions_are_read_from_the_parsed_tree(text: str, found: list[Division]) -> None:
    assert list(parse_expression(text, NAMES).divisions()) == found


# -- exactly when a metric gets the note ------------------------------------------------------
ALL = ("killed", "wounded", "missing", "captured")


def noted(expr: str, counts: dict[str, tuple[str, ...]]) -> bool:
    metric = Metric("share", "share", parse_expression(expr, NAMES))
    return bool(casualty_notes([metric], counts))


@pytest.mark.parametrize(("expr", "counts", "note"), [
    # a share of the killed in a total with the missing or the captured: noted
    ("1 - k / t", {"k": ("killed",), "t": ALL}, True),
    ("k / t", {"k": ("killed",), "t": ALL}, True),
    ("k / t", {"k": ("killed",), "t": ("killed", "wounded", "missing")}, True),
    ("k / t", {"k": ("killed",), "t": ("killed", "wounded", "captured")}, True),
    ("(k + d) / t", {"k": ("killed",), "d": ("died_of_wounds",),
                     "t": ("killed", "died_of_wounds", "wounded", "missing")}, True),
    ("d / t", {"d": ("died_of_wounds",), "t": ("died_of_wounds", "wounded", "captured")}, True),
    ("k / (k + w + m)", {"k": ("killed",), "w": ("wounded",), "m": ("missing",)}, True),
    ("100 * k / (k + w + c)", {"k": ("killed",), "w": ("wounded",), "c": ("captured",)}, True),
    # names mean nothing: x and y declared as the killed and a total with the missing
    ("x / y", {"x": ("killed",), "y": ("killed", "missing")}, True),
    # the standard measures: never noted
    ("(k + d) / (k + w)", {"k": ("killed",), "d": ("died_of_wounds",), "w": ("wounded",)},
     False),
    ("k / (k + w)", {"k": ("killed",), "w": ("wounded",)}, False),
    ("w / k", {"k": ("killed",), "w": ("wounded",)}, False),
    # a total without the missing and the captured
    ("k / t", {"k": ("killed",), "t": ("killed", "wounded")}, False),
    # not a share of the dead
    ("t / y", {"t": ALL, "y": ALL}, False),
    ("(k + m) / t", {"k": ("killed",), "m": ("missing",), "t": ALL}, False),
    ("w / t", {"w": ("wounded",), "t": ALL}, False),
    ("k / (m + c)", {"k": ("killed",), "m": ("missing",), "c": ("captured",)}, False),
    # undeclared: no note, whatever the names suggest
    ("k / t", {"k": ("killed",)}, False),
    ("k / t", {"t": ALL}, False),
    ("k / t", {}, False),
    # not a division of sums of quantities
    ("log(k) / t", {"k": ("killed",), "t": ALL}, False),
    ("k * w / t", {"k": ("killed",), "w": ("wounded",), "t": ALL}, False),
    ("k / (t - m)", {"k": ("killed",), "t": ALL, "m": ("missing",)}, False),
])
def test_the_note_marks_exactly_a_share_of_the_dead_in_a_total_with_the_missing(
    expr: str, counts: dict[str, tuple[str, ...]], note: bool
) -> None:
    assert noted(expr, counts) is note


def test_quantity_names_alone_never_give_the_note() -> None:
    text = edit("[metrics]\n", '[metrics]\nua_survival = "1 - ua.kia / ua.casualties"\n')
    assert parse_config(text.encode()).model.counts == ()
    assert casualty_notes(parse_config(text.encode()).model.metrics, {}) == ()


# -- [counts] in the config ---------------------------------------------------------------------
COUNTED = '[counts]\n"ua.kia" = ["killed"]\n"ua.casualties" = ["killed", "missing"]\n\n[metrics]\n'


def test_counts_are_read_in_file_order_quoted_or_dotted() -> None:
    for block in (COUNTED, '[counts]\nua.kia = ["killed"]\nua.casualties = ["killed", '
                  '"missing"]\n\n[metrics]\n'):
        model = parse_config(edit("[metrics]\n", block).encode()).model
        assert model.counts == (("ua.kia", ("killed",)), ("ua.casualties", ("killed", "missing")))


WORDS = ", ".join(COUNT_WORDS)


@pytest.mark.parametrize(("counts", "message"), [
    ('"ua.kia" = ["kiled"]', "counts.ua.kia[0]: unknown word 'kiled'; did you mean 'killed'? "
     f"(expected one of: {WORDS})"),
    ('"ua.kia" = ["killed", "dead"]', "counts.ua.kia[1]: unknown word 'dead' (expected one of: "
     f"{WORDS})"),
    ('"ua.kai" = ["killed"]', "counts.ua.kai: unknown quantity 'ua.kai'; did you mean "
     "'ua.kia'? (known: ru.kia, ua.casualties, ua.kia)"),
    ('"ua.kia" = []', f"counts.ua.kia: list what ua.kia counts, one or more of: {WORDS}"),
    ('"ua.kia" = "killed"', "counts.ua.kia: expected an array, got a string 'killed'"),
    ('"ua.kia" = [1]', "counts.ua.kia[0]: expected a string, got an integer 1"),
    ('"ua.kia" = ["killed", "killed"]', "counts.ua.kia[1]: 'killed' is listed twice"),
    ('"ua.kia" = ["killed"]\nua.kia = ["killed"]', "counts.ua.kia: 'ua.kia' is declared twice"),
])
def test_a_bad_declaration_is_one_line_naming_file_and_key(
    cli: Invoke, workdir: Path, counts: str, message: str
) -> None:
    write(workdir / "bad.toml", edit("[metrics]\n", f"[counts]\n{counts}\n\n[metrics]\n"))
    assert_input_error(cli("run", "bad.toml"), workdir, f"Error: bad.toml: {message}")
