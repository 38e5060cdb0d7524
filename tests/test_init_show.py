"""`uncertainty init` (a starter config that runs as written) and `uncertainty show` (a saved
result's tables printed again, without running anything), and every command's worked
example in its ``--help``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner, Result
from test_cli_errors import VALID, assert_one_error_line, edit, write

import uncertainty
from uncertainty.cli import main
from uncertainty.config.loader import parse_config
from uncertainty.config.starter import STARTER, starter_config
from uncertainty.io.saved import read_summary
from uncertainty.report import to_json

Invoke = Callable[..., Result]

COMMANDS = ["run", "compare", "sensitivity", "validate", "init", "show"]


def table_blocks(output: str, names: list[str]) -> dict[str, list[str]]:
    """Each variable's heading line and the table lines below it, up to the next blank line."""
    lines = output.splitlines()
    blocks = {}
    for i, line in enumerate(lines):
        if not line.startswith(" ") and line.split(":", 1)[0] in names:
            block = [line]
            for following in lines[i + 1:]:
                if not following.strip():
                    break
                block.append(following)
            blocks[line.split(":", 1)[0]] = block
    return blocks


# -- init ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def starter_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result]]:
    """``init`` then ``run study.toml`` exactly as written, in a fresh folder: (folder, run)."""
    folder = tmp_path_factory.mktemp("starter")
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        made = runner.invoke(main, ["init"])
        assert made.exit_code == 0, made.output
        ran = runner.invoke(main, ["run", "study.toml"])
        assert ran.exit_code == 0, ran.output
        yield folder, ran


def test_init_writes_the_starter_and_says_what_to_run_next(cli: Invoke, workdir: Path) -> None:
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote study.toml: a starter study (two sources, one metric); its comments explain "
        "every option.\nNext: uncertainty run study.toml\n")
    text = (workdir / "study.toml").read_text(encoding="utf-8")
    assert text == starter_config("study.toml")
    assert "#     uncertainty run study.toml\n" in text
    assert "#     uncertainty show results/study\n" in text


def test_the_starter_runs_as_written(starter_run: tuple[Path, Result]) -> None:
    folder, ran = starter_run
    assert ran.stdout.startswith("Storm casualties: two sources compared\n"
                                 "100,000 draws per view, seed 2025.")
    assert "death_share: Share of casualties who died  [storm.deaths / storm.casualties]" in (
        ran.stdout)
    for view in ("agency", "ngo", "pooled", "mixed"):
        assert re.search(rf"^  {view} ", ran.stdout, re.MULTILINE), view
    assert (folder / "results" / "study" / "summary.json").is_file()


def test_the_starter_validates(cli: Invoke, workdir: Path) -> None:
    assert cli("init").exit_code == 0
    result = cli("validate", "study.toml")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "study.toml: valid. 2 sources, 4 estimates, 2 quantities, 1 metric, 1 scenario.\n")


def test_the_starter_shows_every_common_option() -> None:
    text = starter_config()
    for written in ("\ntitle = ", "\n[run]\n", "\ndraws = ", "\nseed = ", "\nlevels = ",
                    "# precision = ", '\ngrade = "B2"', "\nabout = ", "ci90 = [",
                    "\nat_least = ", "\nundercount = ", "\nthresholds = ", "\n[scenarios.",
                    "\n[correlations]\n", "\nconstraints = ", "\n[sensitivity]\n"):
        assert written in text, written
    assert all(len(line) <= 100 for line in text.splitlines())


def _option_lines(text: str) -> list[list[int]]:
    """Line numbers of each commented-out option (a ``# [table]`` with the key below it)."""
    lines = text.splitlines()
    found: list[list[int]] = []
    for i, line in enumerate(lines):
        if re.match(r"# \[\w+\]$", line):
            found.append([i, i + 1])
        elif re.match(r"# \w+ = ", line) and not (found and found[-1][-1] == i):
            found.append([i])
    return found


def test_every_commented_option_is_valid_when_uncommented() -> None:
    text = starter_config()
    options = _option_lines(text)
    assert len(options) >= 20, options
    for group in options:
        lines = text.splitlines()
        for i in group:
            lines[i] = lines[i].removeprefix("# ")
        edited = "\n".join(lines)
        try:
            parse_config(edited.encode(), file="study.toml")
        except Exception as exc:  # name the line in the failure
            pytest.fail(f"uncommenting {[text.splitlines()[i] for i in group]}: {exc}")


def test_init_refuses_to_overwrite_a_file(cli: Invoke, workdir: Path) -> None:
    mine = workdir / "study.toml"
    mine.write_text("# my study\n", encoding="utf-8")
    result = cli("init")
    assert_one_error_line(result, "Error: study.toml: exists already; use --force to "
                          "replace it, or give another path")
    assert mine.read_text(encoding="utf-8") == "# my study\n"
    forced = cli("init", "--force")
    assert forced.exit_code == 0, forced.output
    assert mine.read_text(encoding="utf-8") == starter_config("study.toml")


def test_init_names_the_file_in_its_comments_and_writes_into_a_folder(
    cli: Invoke, workdir: Path
) -> None:
    (workdir / "studies").mkdir()
    result = cli("init", "studies/flood.toml")
    assert result.exit_code == 0, result.output
    text = (workdir / "studies" / "flood.toml").read_text(encoding="utf-8")
    assert "#     uncertainty run studies/flood.toml\n" in text
    assert "#     uncertainty show results/flood\n" in text
    assert cli("init", "studies").exit_code == 0
    assert (workdir / "studies" / "study.toml").read_text(encoding="utf-8") == (
        starter_config("studies/study.toml"))


def test_init_into_a_missing_folder_is_one_line(cli: Invoke, workdir: Path) -> None:
    result = cli("init", "nowhere/study.toml")
    assert_one_error_line(result, "Error: nowhere/study.toml: cannot write: No such file or "
                          "directory")


def test_the_template_constant_is_the_default_starter() -> None:
    assert starter_config() == STARTER.replace("$config", "study.toml").replace(
        "$results", "results/study")


# -- show ------------------------------------------------------------------------------------
def test_show_prints_the_tables_run_printed(cli: Invoke,
                                            starter_run: tuple[Path, Result]) -> None:
    folder, ran = starter_run
    shown = cli("show", folder / "results" / "study")
    assert shown.exit_code == 0, shown.output
    blocks = table_blocks(shown.stdout, ["death_share"])
    assert blocks == table_blocks(ran.stdout, ["death_share"])
    assert len(blocks["death_share"]) == 7  # heading, header, 5 views (one the consensus)
    summary = json.loads((folder / "results" / "study" / "summary.json").read_text())
    p = summary["provenance"]
    assert shown.stdout.splitlines()[:2] == [
        "Storm casualties: two sources compared",
        f"100,000 draws per view, seed 2025; created {p['created_utc']}; config sha256 "
        f"{p['config_sha256'][:16]}. Equal-tailed credible intervals.",
    ]


def forbid_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any simulation or random draw fail the test from here on."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("show must not draw or simulate")

    import uncertainty.pipeline
    import uncertainty.summary.dataset

    monkeypatch.setattr(uncertainty.pipeline, "simulate", refuse)
    monkeypatch.setattr(uncertainty.pipeline, "draw_dataset", refuse)
    monkeypatch.setattr(uncertainty.summary.dataset, "summarize", refuse)
    monkeypatch.setattr(np.random, "default_rng", refuse)
    monkeypatch.setattr(np.random, "SeedSequence", refuse)


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        pytest.param("seed = 1", "seed = 1", ["kia_ratio"], id="linear-pool"),
        pytest.param("ci90_factor = 1.5", 'ci90_factor = 1.5\npool = "envelope"',
                     ["kia_ratio"], id="envelope"),
        # NaN where the ratio is below 8; the sources' own point figures stay above it
        pytest.param('"ru.kia / ua.kia"', '"log(ru.kia / ua.kia - 8)"', ["kia_ratio"],
                     id="invalid-draws"),
        pytest.param(
            '[metrics]\nkia_ratio = { expr = "ru.kia / ua.kia", label = "Russian KIA per '
            'Ukrainian KIA" }\n', "", ["ru.kia", "ua.casualties", "ua.kia"], id="no-metrics"),
    ],
)
def test_show_matches_run_without_the_config_and_without_drawing(
    cli: Invoke, workdir: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str,
    names: list[str],
) -> None:
    text = edit(old, new)
    if "[metrics]" not in text:  # a scenario needs no metric; keep the file valid
        text = text.replace('[scenarios.article]\nuse = { "ua.kia" = "western", "ru.kia" = '
                            '"us_intel" }\n', "")
    write(workdir / "study.toml", text)
    ran = cli("run", "study.toml", "--no-plots", "--no-sensitivity")
    assert ran.exit_code == 0, ran.output
    (workdir / "study.toml").unlink()
    forbid_simulation(monkeypatch)
    shown = cli("show", "results/study")
    assert shown.exit_code == 0, shown.output
    blocks = table_blocks(shown.stdout, names)
    assert set(blocks) == set(names)
    assert blocks == table_blocks(ran.stdout, names)
    notes = [line for line in ran.stdout.splitlines() if line.startswith("Note:")]
    assert notes == [line for line in shown.stdout.splitlines() if line.startswith("Note:")]
    if "envelope" in new:
        assert "  pooled (envelope)" in shown.stdout
    if "log(" in new:
        assert notes and "invalid draws" in blocks["kia_ratio"][1]


def test_show_chooses_metrics_and_formats(cli: Invoke, workdir: Path) -> None:
    text = edit('[metrics]\n', '[metrics]\nua_share = "ua.kia / ua.casualties"\n')
    write(workdir / "study.toml", text)
    assert cli("run", "study.toml", "--no-plots", "--no-sensitivity").exit_code == 0
    only = cli("show", "results/study", "--metric", "kia_ratio")
    assert set(table_blocks(only.stdout, ["kia_ratio", "ua_share"])) == {"kia_ratio"}
    both = cli("show", "results/study")
    assert set(table_blocks(both.stdout, ["kia_ratio", "ua_share"])) == {"kia_ratio",
                                                                          "ua_share"}

    markdown = cli("show", "results/study", "--format", "markdown", "--metric", "ua_share")
    assert markdown.exit_code == 0, markdown.output
    assert "## ua_share: ua_share\n\n`ua.kia / ua.casualties`\n\n| view | median | 50% ETI" in (
        markdown.stdout)
    assert "kia_ratio" not in markdown.stdout

    shown = cli("show", "results/study", "--format", "json", "--metric", "ua_share")
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    summary = json.loads((workdir / "results" / "study" / "summary.json").read_text())
    assert document["records"] == [r for r in summary["records"] if r["name"] == "ua_share"]
    assert [m["name"] for m in document["metrics"]] == ["ua_share"]
    assert document["provenance"] == summary["provenance"]


def test_show_rebuilds_the_summary_run_made() -> None:
    # The Dataset `show` rounds is the one `run` rounded, to the last bit.
    for text in (VALID, edit("ci90_factor = 1.5", 'ci90_factor = 1.5\npool = "envelope"')):
        run = uncertainty.parse(text, file="study.toml").run(sensitivity=False)
        document = json.loads(to_json(run.document()))
        saved = read_summary(document, "summary.json")
        xr.testing.assert_identical(saved.summary, run.summary)


def test_show_reads_a_summary_written_before_the_sd_had_an_mcse() -> None:
    run = uncertainty.parse(VALID, file="study.toml").run(sensitivity=False)
    document = json.loads(to_json(run.document()))
    for record in document["records"]:
        del record["mcse"]["sd"]
    saved = read_summary(document, "summary.json").summary
    assert np.isnan(saved["mcse_sd"].values).all()
    xr.testing.assert_identical(saved.drop_vars("mcse_sd"), run.summary.drop_vars("mcse_sd"))


def test_show_refuses_what_is_not_a_result(cli: Invoke, workdir: Path) -> None:
    (workdir / "empty").mkdir()
    assert_one_error_line(cli("show", "empty"), "Error: empty: is not a results folder of "
                          "this tool (no readable config.toml and summary.json)")
    write(workdir / "study.toml", VALID)
    assert_one_error_line(cli("show", "study.toml"), "Error: study.toml: is a file, not a "
                          "results folder; `uncertainty run` it first, then show the folder "
                          "it writes")
    assert cli("run", "study.toml", "--no-plots", "--no-sensitivity").exit_code == 0
    summary_file = workdir / "results" / "study" / "summary.json"
    summary = json.loads(summary_file.read_text())
    summary_file.write_text(json.dumps(summary | {"schema_version": 99}))
    assert_one_error_line(cli("show", "results/study"), "Error: results/study/summary.json: "
                          "schema_version: 99 is not one this version reads (it reads 1); "
                          "show it with the version of uncertainty that wrote it")
    broken = summary | {"records": [{**summary["records"][0], "eti": {"0.5": [1]}}]}
    summary_file.write_text(json.dumps(broken))
    assert_one_error_line(cli("show", "results/study"), "Error: results/study/summary.json: "
                          "records[0].eti.0.5: expected [lower, upper]")
    summary_file.write_text(json.dumps(summary | {"records": [{"name": "x"}]}))
    assert_one_error_line(cli("show", "results/study"), "Error: results/study/summary.json: "
                          "records[0]: no 'view', which run always writes")


def test_show_does_not_import_matplotlib(cli: Invoke, workdir: Path) -> None:
    write(workdir / "study.toml", VALID)
    assert cli("run", "study.toml", "--no-plots", "--no-sensitivity").exit_code == 0
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from uncertainty.cli import main\n"
        f"result = CliRunner().invoke(main, ['show', {str(workdir / 'results/study')!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- every command's --help ends with a worked example --------------------------------------
@pytest.mark.parametrize("command", COMMANDS)
def test_help_ends_with_a_worked_example(cli: Invoke, command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0, result.output
    tail = result.stdout[result.stdout.index("Example"):]
    assert f"uncertainty {command} " in tail
    # \b keeps the example's lines apart instead of rewrapping them into one paragraph
    assert all(line.startswith("    uncertainty ") for line in tail.splitlines()[1:] if line)
