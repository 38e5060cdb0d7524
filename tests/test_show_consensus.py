"""`uncertainty show` prints each quantity's consensus line from the saved summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from test_cli_errors import VALID, assert_one_error_line, edit, write
from test_init_show import forbid_simulation, table_blocks

import uncertainty.analysis.consensus
import uncertainty.pipeline

Invoke = Callable[..., Result]

#: Three sources of ua.kia, one far out of line (so the line names it); one of ru.kia.
STUDY = edit("estimates.ua.casualties = 48000\n",
             "estimates.ua.casualties = 48000\nestimates.ua.kia = 90000\n")


def _consensus_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Consensus ")]


@pytest.fixture
def ran(cli: Invoke, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`STUDY` run into results/study; then simulating or computing a consensus fails."""
    write(workdir / "study.toml", STUDY)
    result = cli("run", "study.toml", "--no-plots", "--no-sensitivity")
    assert result.exit_code == 0, result.output
    (workdir / "study.toml").unlink()
    forbid_simulation(monkeypatch)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("show must not compute the consensus")

    monkeypatch.setattr(uncertainty.analysis.consensus, "consensus", refuse)
    monkeypatch.setattr(uncertainty.pipeline, "consensus", refuse)
    return result


def test_show_prints_the_consensus_lines_run_printed(cli: Invoke, ran: Result) -> None:
    lines = _consensus_lines(ran.stdout)
    assert len(lines) == 1 and lines[0].startswith("Consensus ua.kia: ")
    assert "Out of line: totals (90,000, at the " in lines[0]  # the saved checks, read back
    shown = cli("show", "results/study")
    assert shown.exit_code == 0, shown.output
    assert _consensus_lines(shown.stdout) == lines
    out = shown.stdout.splitlines()
    assert out.index(lines[0]) > out.index(table_blocks(shown.stdout, ["kia_ratio"])
                                           ["kia_ratio"][-1])  # after the tables
    assert out[out.index(lines[0]) - 1] == ""
    # --metric chooses tables, not quantities: the consensus line stays
    only = cli("show", "results/study", "--metric", "kia_ratio")
    assert _consensus_lines(only.stdout) == lines


def test_show_prints_the_consensus_of_two_sources(cli: Invoke, workdir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    write(workdir / "study.toml", VALID)  # two sources of ua.kia, one a bare 8,000
    ran = cli("run", "study.toml", "--no-plots", "--no-sensitivity")
    assert ran.exit_code == 0, ran.output
    lines = _consensus_lines(ran.stdout)
    assert len(lines) == 1 and lines[0].startswith("Consensus ua.kia: ")
    forbid_simulation(monkeypatch)
    shown = cli("show", "results/study")
    assert shown.exit_code == 0, shown.output
    assert _consensus_lines(shown.stdout) == lines


def test_show_formats_the_consensus(cli: Invoke, ran: Result, workdir: Path) -> None:
    line = _consensus_lines(ran.stdout)[0]
    markdown = cli("show", "results/study", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert f"## What the sources jointly imply\n\n{line}\n" in markdown.stdout
    as_json = cli("show", "results/study", "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads((workdir / "results" / "study" / "summary.json").read_text("utf-8"))
    assert json.loads(as_json.stdout)["consensus"] == summary["consensus"]


def test_results_without_a_consensus_show_none(cli: Invoke, ran: Result,
                                               workdir: Path) -> None:
    summary_file = workdir / "results" / "study" / "summary.json"
    summary = json.loads(summary_file.read_text("utf-8"))
    del summary["consensus"]  # as results written before the consensus existed
    summary_file.write_text(json.dumps(summary), encoding="utf-8")
    shown = cli("show", "results/study")
    assert shown.exit_code == 0, shown.output
    assert _consensus_lines(shown.stdout) == []
    assert table_blocks(shown.stdout, ["kia_ratio"]) == table_blocks(ran.stdout, ["kia_ratio"])
    markdown = cli("show", "results/study", "--format", "markdown")
    assert "jointly imply" not in markdown.stdout
    assert json.loads(cli("show", "results/study", "--format", "json").stdout)[
        "consensus"] is None


def test_a_broken_consensus_section_is_one_line_error(cli: Invoke, ran: Result,
                                                      workdir: Path) -> None:
    summary_file = workdir / "results" / "study" / "summary.json"
    summary = json.loads(summary_file.read_text("utf-8"))
    del summary["consensus"]["quantities"]["ua.kia"]["tau"]["median"]
    summary_file.write_text(json.dumps(summary), encoding="utf-8")
    assert_one_error_line(cli("show", "results/study"),
                          "Error: results/study/summary.json: consensus.quantities.ua.kia: "
                          "no 'median', which run always writes")
