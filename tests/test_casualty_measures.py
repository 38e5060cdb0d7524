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
from uncertainty.report import build_report, render_markdown, to_json

Invoke = Callable[..., Result]

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "configs" / "seed-article-2025.toml"
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


# -- the note in every report -----------------------------------------------------------------
EXTRA = """\
share_killed = "bde.kia / bde.casualties"
share_no_captured = "bde.kia / (bde.kia + bde.wia + bde.missing)"
share_no_missing = "(bde.kia + bde.dow) / (bde.kia + bde.wia + bde.captured)"
missing_share = "bde.missing / bde.casualties"
casualties_per_kia = "bde.casualties / bde.kia"
"""
#: The metrics of the template with `EXTRA` that divide the dead by a total with the missing
#: or the captured in it.
NOTED = ["survival", "share_killed", "share_no_captured", "share_no_missing"]
NOTE = re.compile(r"Note: (\w+) is not the case fatality rate")


def sections(markdown: str) -> dict[str, str]:
    """Each metric's part of ``summary.md``: from its heading to the next heading."""
    parts = re.split(r"^### ", markdown, flags=re.MULTILINE)
    return {p.split(":", 1)[0]: p for p in parts[1:]}


@pytest.fixture(scope="module")
def extra_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result]]:
    """The casualties template with `EXTRA` metrics, run in a fresh folder: (results, run)."""
    folder = tmp_path_factory.mktemp("casualties")
    write(folder / "study.toml", starter_config("study.toml", "casualties") + EXTRA)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        ran = CliRunner().invoke(main, ["run", "study.toml", "--draws", "4000", "--no-plots",
                                        "--no-sensitivity"])
        assert ran.exit_code == 0, ran.output
        yield folder / "results" / "study", ran


def test_the_note_appears_exactly_under_the_metrics_it_concerns(
    extra_run: tuple[Path, Result]
) -> None:
    results, ran = extra_run
    markdown = (results / "summary.md").read_text("utf-8")
    by_metric = sections(markdown)
    assert {"cfr", "pct_kia", "wia_per_kia", "missing_share", *NOTED} <= set(by_metric)
    assert [m for m, text in by_metric.items() if NOTE.search(text)] == NOTED
    for metric in NOTED:  # each note names its own metric, under that metric's heading
        assert NOTE.findall(by_metric[metric]) == [metric]
    html = (results / "summary.html").read_text("utf-8")
    assert NOTE.findall(html) == NOTED
    assert NOTE.findall(ran.stdout) == NOTED
    summary = json.loads((results / "summary.json").read_text("utf-8"))
    assert [n["metric"] for n in summary["casualty_notes"]] == NOTED
    assert summary["counts"]["bde.casualties"] == ["killed", "wounded", "missing", "captured"]


def test_the_note_says_what_the_total_counts_and_why_it_matters(
    extra_run: tuple[Path, Result]
) -> None:
    results, ran = extra_run
    by_metric = sections((results / "summary.md").read_text("utf-8"))
    survival = by_metric["survival"]
    assert ("It divides `bde.kia` (killed) by `bde.casualties` (killed, wounded, missing and "
            "captured), so it counts the missing and the captured as survivors.") in survival
    assert "`CFR = (KIA + DOW) / (KIA + WIA)`" in survival
    assert "some of the missing are dead" in survival
    assert "the captured" in survival
    assert "so it counts the missing and the captured as alive." in by_metric["share_killed"]
    only_missing = next(line for line in by_metric["share_no_captured"].splitlines()
                        if line.startswith("Note: "))
    assert "counts the missing as alive" in only_missing
    assert "captured" not in only_missing.replace("share_no_captured", "")
    assert ("Note: survival is not the case fatality rate: it counts the missing and the "
            "captured in bde.casualties as survivors; summary.md says why that matters.") in (
        ran.stdout.splitlines())


def test_show_prints_the_notes_run_printed(cli: Invoke,
                                           extra_run: tuple[Path, Result]) -> None:
    results, ran = extra_run
    shown = cli("show", results)
    assert shown.exit_code == 0, shown.output
    notes = [line for line in ran.stdout.splitlines() if NOTE.match(line)]
    assert len(notes) == len(NOTED)
    assert [line for line in shown.stdout.splitlines() if NOTE.match(line)] == notes
    markdown = cli("show", results, "--format", "markdown", "--metric", "survival")
    assert NOTE.findall(markdown.stdout) == ["survival"]
    assert "`CFR = (KIA + DOW) / (KIA + WIA)`" in markdown.stdout
    document = json.loads(cli("show", results, "--format", "json", "--metric", "cfr",
                              "--metric", "survival").stdout)
    assert [n["metric"] for n in document["casualty_notes"]] == ["survival"]


def test_a_summary_from_before_the_notes_shows_without_them(
    cli: Invoke, extra_run: tuple[Path, Result], workdir: Path
) -> None:
    results, _ = extra_run
    summary = json.loads((results / "summary.json").read_text("utf-8"))
    del summary["casualty_notes"], summary["counts"]
    old = workdir / "old"
    old.mkdir()
    (old / "config.toml").write_bytes((results / "config.toml").read_bytes())
    write(old / "summary.json", json.dumps(summary))
    shown = cli("show", old)
    assert shown.exit_code == 0, shown.output
    assert not NOTE.search(shown.stdout)


# -- the seed study ----------------------------------------------------------------------------
def test_the_seed_study_notes_its_survival_shares_and_no_number_changes() -> None:
    text = SEED.read_text("utf-8")
    start = text.index("[counts]\n")
    undeclared = text[:start] + text[text.index("[metrics]\n"):]
    documents, markdown = [], []
    for config in (text, undeclared):
        run = uncertainty.parse(config, file="seed.toml").run(draws=4000, sensitivity=False)
        documents.append(json.loads(to_json(run.document())))
        markdown.append(render_markdown(build_report(run)))
    declared, before = documents
    # the README quotes the note as summary.md has it
    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index("> Note: ua_survival")
    quoted = " ".join(line[2:] for line in readme[start:readme.index("\n\n", start)].splitlines())
    assert quoted in markdown[0].splitlines()
    assert NOTE.findall(markdown[0]) == ["ua_survival", "ru_survival"]
    assert NOTE.findall(markdown[1]) == []
    assert [n["metric"] for n in declared["casualty_notes"]] == ["ua_survival", "ru_survival"]
    assert all(n["complement"] and n["outside"] == ["missing", "captured"]
               for n in declared["casualty_notes"])
    assert before["casualty_notes"] == [] and before["counts"] == {}
    for document in documents:
        for key in ("counts", "casualty_notes"):
            del document[key]
        for key in ("created_utc", "config_sha256"):
            del document["provenance"][key]
    assert differences(before, declared) == []


# -- the casualties template ------------------------------------------------------------------
@pytest.fixture(scope="module")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result]]:
    """``init --template casualties x.toml`` then ``run x.toml`` exactly as written."""
    folder = tmp_path_factory.mktemp("template")
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        made = runner.invoke(main, ["init", "--template", "casualties", "x.toml"])
        assert made.exit_code == 0, made.output
        assert made.stdout == (
            "Wrote x.toml: casualty measures (case fatality rate, percentage killed, wounded "
            "per killed); its comments give each definition.\nNext: uncertainty run x.toml\n")
        assert (folder / "x.toml").read_text("utf-8") == starter_config("x.toml", "casualties")
        ran = runner.invoke(main, ["run", "x.toml"])
        assert ran.exit_code == 0, ran.output
        yield folder, ran


def test_the_casualties_template_runs_as_written(template_run: tuple[Path, Result]) -> None:
    folder, ran = template_run
    assert ran.stdout.startswith("Casualty measures of one brigade\n100,000 draws per view")
    for heading in ("cfr: Case fatality rate, CFR  [(bde.kia + bde.dow) / (bde.kia + bde.wia)]",
                    "pct_kia: Percentage killed, %KIA  [bde.kia / (bde.kia + bde.wia)]",
                    "wia_per_kia: Wounded per killed, WIA/KIA  [bde.wia / bde.kia]"):
        assert f"\n{heading}\n" in ran.stdout, heading
    assert NOTE.findall(ran.stdout) == ["survival"]
    results = folder / "results" / "x"
    assert NOTE.findall((results / "summary.md").read_text("utf-8")) == ["survival"]
    assert (results / "forest-cfr.svg").is_file()
    assert "#     uncertainty run x.toml\n" in (folder / "x.toml").read_text("utf-8")


def test_the_casualties_template_declares_every_quantity_and_defines_the_measures() -> None:
    model = parse_config(starter_config(template="casualties").encode()).model
    assert dict(model.counts).keys() == set(model.quantities)
    assert {m.name: m.expression.text for m in model.metrics if m.name != "survival"} == {
        "cfr": "(bde.kia + bde.dow) / (bde.kia + bde.wia)",
        "pct_kia": "bde.kia / (bde.kia + bde.wia)",
        "wia_per_kia": "bde.wia / bde.kia",
    }
    for words in ("killed in action (KIA)", "died of wounds (DOW)", "wounded in action (WIA)",
                  "missing", "captured", "CFR  = (KIA + DOW) / (KIA + WIA)",
                  "%KIA = KIA / (KIA + WIA)", "WIA / KIA"):
        assert words in CASUALTIES, words
    assert all(len(line) <= 100 for line in CASUALTIES.splitlines())


def test_init_offers_every_template_and_keeps_the_starter_as_default(cli: Invoke,
                                                                     workdir: Path) -> None:
    shown = cli("init", "--help")
    assert "--template [starter|casualties]" in shown.stdout
    assert list(TEMPLATES) == ["starter", "casualties"]
    assert cli("init", "--template", "starter", "a.toml").exit_code == 0
    assert cli("init", "b.toml").exit_code == 0
    assert (workdir / "a.toml").read_text("utf-8") == (workdir / "b.toml").read_text(
        "utf-8").replace("b.toml", "a.toml").replace("results/b", "results/a")
    bad = cli("init", "--template", "casualty", "c.toml")
    assert bad.exit_code == 2
    assert not (workdir / "c.toml").exists()
