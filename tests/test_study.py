"""The study layer: the Python API and the command line are one pipeline.

`uncertainty.load(...).run(...)` honours the config's precision target, records its own
provenance, and writes the same results folder as ``uncertainty run``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

import uncertainty
from uncertainty.cli import main
from uncertainty.errors import ConfigError

ROOT = Path(__file__).parents[1]
SEED = ROOT / "configs" / "seed-article-2025.toml"
_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _without_stamps(data: bytes) -> bytes:
    return _STAMP.sub(b"<time>", data)


#: The seed study with a looser precision target of its own, reached from a small first
#: attempt: the run still has to draw more to meet it (two attempts, 131,072 draws), at a
#: quarter of the 524,288 draws the shipped target of 0.5% takes. That the adaptive size is
#: right is test_precision.py's business; this file checks that the API follows the config
#: and writes what the command line writes.
TARGET = 0.02
FIRST = 5_000


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = SEED.read_text("utf-8")
    assert "\nprecision = 0.005 " in text
    path = tmp_path_factory.mktemp("config") / SEED.name
    path.write_text(text.replace("\nprecision = 0.005 ",
                                 f"\ndraws = {FIRST}\nprecision = {TARGET} "), "utf-8")
    return path


@pytest.fixture(scope="module")
def api_and_cli(tmp_path_factory: pytest.TempPathFactory,
                config: Path) -> tuple[Path, Path, object]:
    """The study to its own precision target, once from Python and once from the CLI."""
    tmp = tmp_path_factory.mktemp("study")
    result = uncertainty.load(config).run()
    result.write(tmp / "api")
    cli = CliRunner().invoke(main, ["run", str(config), "--out", str(tmp / "cli"), "--quiet"])
    assert cli.exit_code == 0, cli.output
    return tmp / "api", tmp / "cli", result


#: The readers of `api_and_cli` (two runs of the study, about 3 s), in one process
#: (``--dist loadgroup``), so that it is made once.
API_AND_CLI = pytest.mark.xdist_group("study_api_and_cli")


@API_AND_CLI
def test_the_api_honours_the_precision_target(api_and_cli) -> None:
    _, _, result = api_and_cli
    precision = result.provenance["precision"]
    assert precision["target"] == TARGET
    assert precision["achieved"] <= TARGET
    assert result.draws.sizes["draw"] == precision["draws"] > FIRST
    assert precision["attempts"] > 1
    assert result.precision is not None and result.precision.draws == precision["draws"]


@API_AND_CLI
def test_the_api_records_its_provenance(api_and_cli, config: Path) -> None:
    _, _, result = api_and_cli
    provenance = result.provenance
    assert provenance["config_sha256"] == uncertainty.load(config).config.sha256
    assert provenance["seed"] == 2025 and provenance["seed_from"] == "config"
    assert set(provenance["versions"]) >= {"uncertainty", "numpy", "scipy", "xarray"}


@API_AND_CLI
def test_the_api_writes_the_folder_the_command_line_writes(api_and_cli) -> None:
    api, cli, _ = api_and_cli
    names = sorted(p.name for p in api.iterdir())
    assert names == sorted(p.name for p in cli.iterdir())
    assert {"summary.json", "summary.md", "summary.html", "config.toml",
            "forest-kia_ratio.svg", "tornado-kia_ratio.svg"} <= set(names)
    a = json.loads((api / "summary.json").read_bytes())
    b = json.loads((cli / "summary.json").read_bytes())
    a["provenance"].pop("created_utc")
    b["provenance"].pop("created_utc")
    assert a == b
    for name in names:
        if name.endswith((".md", ".html", ".toml", ".svg")):
            assert _without_stamps((api / name).read_bytes()) == \
                _without_stamps((cli / name).read_bytes()), name


@API_AND_CLI
def test_the_result_gives_tables_figures_and_comparisons(api_and_cli) -> None:
    _, _, result = api_and_cli
    assert set(result.draws.dims) == {"view", "draw"}
    assert isinstance(result.plot_forest("kia_ratio"), Figure)
    assert isinstance(result.plot_density("kia_ratio"), Figure)
    assert isinstance(result.plot_tornado("kia_ratio"), Figure)
    pairs = result.compare().pairs["prob_greater"].sel(variable="kia_ratio")
    # P(A > B) + P(B > A) = 1 for views with distinct draws (no ties in continuous draws)
    p = float(pairs.sel(view="us_intel", other="western"))
    q = float(pairs.sel(view="western", other="us_intel"))
    assert p + q == pytest.approx(1.0, abs=1e-12)
    html = result._repr_html_()
    assert html.count("<table") == len(result.model.metrics)
    median = float(result.summary["median"].sel(variable="kia_ratio", view="us_intel"))
    assert f"{median:.1f}" in html


def test_a_python_run_needs_no_file() -> None:
    text = """
[run]
draws = 4_000
seed = 3
[sources.a.estimates]
x = { value = 10, ci90 = [5, 20] }
[metrics]
double = "2 * x"
"""
    result = uncertainty.parse(text).run(sensitivity=False)
    x = result.draws["x"].sel(view="a").values
    np.testing.assert_array_equal(result.draws["double"].sel(view="a").values, 2 * x)
    assert result.sensitivity is None
    assert result.provenance["config_sha256"] == uncertainty.parse(text).config.sha256


def test_spread_scaling_is_a_transform_of_the_model() -> None:
    from uncertainty.config.schema import with_spread_scale

    text = """
[sources.a.estimates]
x = 100
[metrics]
y = "x"
"""
    model = uncertainty.parse(text).model
    wide = with_spread_scale(model, 2.0)
    base_sigma = model.sources[0].estimates[0].distribution.ppf(np.array([0.95]))[0] / 100
    wide_sigma = wide.sources[0].estimates[0].distribution.ppf(np.array([0.95]))[0] / 100
    # a default spread's log-spread doubles: the 95th percentile's log-ratio doubles
    assert np.log(wide_sigma) == pytest.approx(2 * np.log(base_sigma), rel=1e-10)
    assert wide.run == model.run


def test_overrides_are_checked_and_name_the_option() -> None:
    study = uncertainty.load(SEED)
    with pytest.raises(ConfigError, match=r"^--draws: "):
        study.run(draws=0)


def test_the_results_folder_never_reads_markdown_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("summary.html was made from Markdown text")

    monkeypatch.setattr("uncertainty.report.html.from_markdown", refuse)
    result = uncertainty.parse("[sources.a.estimates]\nx = 10\n[metrics]\ny = \"2 * x\"\n"
                               ).run(draws=2_000, seed=1, sensitivity=False)
    files = result.files(plots=False)
    assert b"<table" in files["summary.html"] and b"| view |" in files["summary.md"]
