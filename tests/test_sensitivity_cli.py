"""Sensitivity end to end: the run report's section, the charts, and `uncertainty sensitivity`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Invoke = Callable[..., Result]
CONFIGS = Path(__file__).parents[1] / "configs"
SEED = CONFIGS / "seed-article-2025.toml"
METRICS = ("kia_ratio", "casualty_ratio", "ua_survival", "ru_survival")


def _seed_with_draws(workdir: Path, draws: int) -> Path:
    config = workdir / "study.toml"
    text = SEED.read_text(encoding="utf-8")
    assert "\nprecision = 0.005" in text
    config.write_text(text.replace("\nprecision = 0.005", f"\ndraws = {draws}"),
                      encoding="utf-8")
    return config


def test_the_seed_report_names_what_drives_each_metric_with_its_chart(
    cli: Invoke, workdir: Path
) -> None:
    config = _seed_with_draws(workdir, 20_000)
    result = cli("run", config)
    assert result.exit_code == 0, result.output
    folder = workdir / "results" / "study"
    markdown = (folder / "summary.md").read_text(encoding="utf-8")
    assert "## Sensitivity: what drives each metric" in markdown
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    inputs = summary["sensitivity"]["inputs"]
    for metric in METRICS:
        assert f"![tornado chart of {metric}](tornado-{metric}.svg)" in markdown
        assert not (folder / f"tornado-{metric}.png").exists()  # PNG only with --png
        assert (folder / f"tornado-{metric}.svg").read_bytes().startswith(b"<?xml")
        pooled = inputs[metric]["views"]["pooled"]["inputs"]
        top = max(pooled.values(), key=lambda i: i["share"])
        # the driver table names it, with its share
        assert f"| {metric} | pooled | {top['label']} ({top['share']:.0%}) |" in markdown
    assert "What drives each metric" in result.stdout
    assert summary["sensitivity"]["leave_out"]["level"] == 0.9
    assert summary["sensitivity"]["spread_sweep"]["scales"] == [0.5, 1.0, 2.0]


def test_no_sensitivity_skips_the_section_and_the_charts(cli: Invoke, workdir: Path) -> None:
    config = _seed_with_draws(workdir, 5_000)
    assert cli("run", config, "--no-sensitivity").exit_code == 0
    folder = workdir / "results" / "study"
    assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))[
        "sensitivity"] is None
    assert not list(folder.glob("tornado-*"))
    assert "Sensitivity" not in (folder / "summary.md").read_text(encoding="utf-8")


def test_sensitivity_of_a_config_and_of_its_results_folder_agree(
    cli: Invoke, workdir: Path
) -> None:
    config = _seed_with_draws(workdir, 10_000)
    assert cli("run", config, "--no-plots").exit_code == 0
    from_folder = cli("sensitivity", "results/study", "--format", "json")
    assert from_folder.exit_code == 0, from_folder.output
    from_config = cli("sensitivity", config, "--format", "json")
    assert from_config.exit_code == 0, from_config.output
    document = json.loads(from_folder.stdout)
    assert document == json.loads(from_config.stdout)
    saved = json.loads((workdir / "results" / "study" / "summary.json").read_text("utf-8"))
    assert document == saved["sensitivity"]  # the run's own numbers


def test_sensitivity_prints_tables_for_the_chosen_metric(cli: Invoke, workdir: Path) -> None:
    config = _seed_with_draws(workdir, 5_000)
    result = cli("sensitivity", config, "--metric", "kia_ratio")
    assert result.exit_code == 0, result.output
    assert "kia_ratio: Russian KIA per Ukrainian KIA" in result.stdout
    assert "casualty_ratio" not in result.stdout
    for part in ("share of variance", "Leave one source out", "ru.kia from us_intel",
                 "×0.5", "×2"):
        assert part in result.stdout
    markdown = cli("sensitivity", config, "--metric", "kia_ratio", "--format", "markdown")
    assert "## kia_ratio: Russian KIA per Ukrainian KIA" in markdown.stdout
    assert "| view | input | share of variance |" in markdown.stdout


def test_sensitivity_needs_a_metric(cli: Invoke, workdir: Path) -> None:
    (workdir / "bare.toml").write_text("[sources.a]\nestimates.x = 5\n", encoding="utf-8")
    result = cli("sensitivity", "bare.toml")
    assert result.exit_code == 2
    assert result.stderr == "Error: bare.toml: metrics: no metrics to analyse\n"


def test_sensitivity_rejects_an_unknown_metric(cli: Invoke, workdir: Path) -> None:
    result = cli("sensitivity", SEED, "--metric", "kia")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --metric: unknown metric 'kia' (expected one of: ")


def test_sensitivity_of_a_folder_that_is_not_results(cli: Invoke, workdir: Path) -> None:
    (workdir / "empty").mkdir()
    result = cli("sensitivity", "empty")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: empty: is not a results folder of this tool")


def test_sensitivity_of_results_without_provenance(cli: Invoke, workdir: Path) -> None:
    folder = workdir / "r"
    folder.mkdir()
    shutil.copy(SEED, folder / "config.toml")
    (folder / "summary.json").write_text("{}", encoding="utf-8")
    result = cli("sensitivity", "r")
    assert result.exit_code == 2
    assert result.stderr == ("Error: r/summary.json: provenance: no recorded seed and draw "
                             "count to analyse again\n")


CONSTANT_METRIC = """
[run]
seed = 1
draws = 2000
ci90_factor = 2
[sources.a]
estimates.x = 100
estimates.y = { dist = "lognormal", median = 10, ci90 = [5, 20] }
[metrics]
none = "x - x"
r = "x / y"
"""


def _runs_quietly(cli: Invoke, workdir: Path, stem: str, text: str) -> Path:
    """Run `text` as ``<stem>.toml``: exit 0 and nothing on stderr. Its results folder.

    pytest turns any warning into an error here, so a numpy warning fails the run.
    """
    (workdir / f"{stem}.toml").write_text(text, encoding="utf-8")
    result = cli("run", f"{stem}.toml", "--no-plots")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return workdir / "results" / stem


def test_a_metric_that_does_not_vary_has_no_width_ratio_and_no_warning(
        cli: Invoke, workdir: Path) -> None:
    # A 0 / 0 width ratio would warn.
    report = (_runs_quietly(cli, workdir, "constant", CONSTANT_METRIC) / "summary.md").read_text(
        "utf-8")
    none = report[report.index("### Sensitivity of none"):report.index("### Sensitivity of r")]
    table = none[none.index("| view | ×0.5"):].split("\n\n")[0].splitlines()
    rows = table[2:]  # after the header and its rule
    assert rows and all("[0" in row for row in rows)
    assert not any("(" in row for row in rows)  # no width ratio of a zero-width interval


ONLY_CONSTANT = """
[run]
seed = 1
draws = 2000
[sources.a]
estimates.y = { dist = "lognormal", median = 10, ci90 = [5, 20] }
[metrics]
none = "y - y"
"""


def test_a_study_whose_only_metric_does_not_vary_runs_without_a_warning(
        cli: Invoke, workdir: Path) -> None:
    # Every share of every input is then NaN (0 / 0): the tornado still picks its inputs.
    folder = _runs_quietly(cli, workdir, "only", ONLY_CONSTANT)
    document = json.loads((folder / "summary.json").read_text("utf-8"))
    assert [r["median"] for r in document["records"] if r["name"] == "none"] == [0.0, 0.0]


NEVER_FINITE = """
[run]
seed = 1
draws = 300
[sources.a]
estimates.y = { dist = "uniform", low = 10, high = 16 }
[metrics]
huge = "exp(exp(y))"
square = "y * y"
"""


def test_a_metric_with_too_few_finite_draws_has_no_shares_and_says_so(
        cli: Invoke, workdir: Path) -> None:
    # exp(exp(y)) overflows in every draw: none is left for its variance shares, which
    # need 4. The analysis goes on (it had stopped with an internal error) and says why.
    folder = _runs_quietly(cli, workdir, "overflow", NEVER_FINITE)
    report = (folder / "summary.md").read_text("utf-8")
    assert ("- huge in a: no variance shares, because only 0 of its draws are finite (they "
            "need 4)") in report
    # The other metric's shares are there: y alone explains nearly all of y * y.
    square = report[report.index("### Sensitivity of square"):]
    assert "| y from a | 99." in square
