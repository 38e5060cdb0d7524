"""The command line on valid input: what `run` prints and writes, `validate`, `--version`."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy
import xarray as xr
from click.testing import CliRunner, Result

from uncertainty.cli import main

Invoke = Callable[..., Result]

SEED_CONFIG = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"
FACE_VALUE = SEED_CONFIG.parent / "examples" / "article-face-value.toml"
STEM = "seed-article-2025"
METRICS = ["kia_ratio", "casualty_ratio", "ua_survival", "ru_survival"]
QUANTITIES = ["ru.casualties", "ru.kia", "ua.casualties", "ua.kia"]
VIEWS = ["us_intel", "western", "article_totals", "pooled", "consensus", "article"]
#: What a run writes: the summary, the exact config, and three plots per metric as SVG
#: (PNG only with --png).
RESULT_FILES = sorted(["config.toml", "summary.html", "summary.json", "summary.md"] + [
    f"{kind}-{metric}.svg" for kind in ("forest", "density", "tornado") for metric in METRICS])
LEVEL_KEYS = {"0.5", "0.9", "0.95"}
DRAWS = 20_000
ENTRY_POINT = Path(sys.executable).parent / "uncertainty"


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def without_created(document: dict[str, Any]) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    del copy["provenance"]["created_utc"]
    return copy


def run_ok(cli: Invoke, *args: str | Path) -> Result:
    result = cli("run", *args)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert result.stderr == ""
    return result


#: The readers of `seed_run`, in one process (``--dist loadgroup``): it is made once.
SEED_RUN = pytest.mark.xdist_group("cli_seed_run")


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """The seed config run once at `DRAWS` draws, in its own working directory: the result
    and its results folder. Shared by the tests that only read them."""
    workdir = tmp_path_factory.mktemp("seed-run")
    previous = Path.cwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(main, ["run", str(SEED_CONFIG), "--draws", str(DRAWS)])
    finally:
        os.chdir(previous)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result, workdir / "results" / STEM


@SEED_RUN
def test_run_prints_every_metric_and_view(seed_run: tuple[Result, Path]) -> None:
    result, _ = seed_run
    out = result.stdout
    assert out.startswith("Russian and Ukrainian military casualties since 2025-01-01\n")
    assert f"{DRAWS:,} draws per view, seed 2025." in out
    assert f"Results: results/{STEM}\n" in out
    for metric in METRICS:
        assert f"\n{metric}: " in out
    # each metric table: a header line "  view  median ..." then one row per view
    blocks = re.findall(r"^  view +median.*\n((?:  \S.*\n)+)", out, flags=re.MULTILINE)
    assert len(blocks) == len(METRICS)
    for block in blocks:
        assert [line.split()[0] for line in block.splitlines()] == VIEWS
    assert "\nConstraints: share of candidate draws that meet them, by view\n" in out


@SEED_RUN
def test_run_writes_the_results_folder(seed_run: tuple[Result, Path]) -> None:
    _, folder = seed_run
    assert sorted(p.name for p in folder.parent.iterdir()) == [STEM]
    assert sorted(p.name for p in folder.iterdir()) == RESULT_FILES
    assert (folder / "config.toml").read_bytes() == SEED_CONFIG.read_bytes()
    markdown = (folder / "summary.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Russian and Ukrainian military casualties since 2025-01-01\n")
    for metric in METRICS:
        assert f"### {metric}: " in markdown


@SEED_RUN
def test_summary_json_provenance(seed_run: tuple[Result, Path]) -> None:
    _, folder = seed_run
    document = read_summary(folder)
    assert document["schema_version"] == 1
    provenance = document["provenance"]
    assert {"config_sha256", "seed", "draws", "created_utc", "versions", "blas"} <= set(provenance)
    assert provenance["config_sha256"] == hashlib.sha256(SEED_CONFIG.read_bytes()).hexdigest()
    assert provenance["seed"] == 2025
    assert provenance["draws"] == DRAWS
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", provenance["created_utc"])
    assert provenance["versions"] == {
        "uncertainty": metadata.version("uncertainty"),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "xarray": xr.__version__,
    }
    # numpy's and scipy's BLAS, held to one thread while the run computed
    libraries = provenance["blas"].split("; ")
    assert len(libraries) >= 2 and all(b.endswith(", 1 thread") for b in libraries)


@SEED_RUN
def test_summary_json_records(seed_run: tuple[Result, Path]) -> None:
    _, folder = seed_run
    document = read_summary(folder)
    assert document["levels"] == [0.5, 0.9, 0.95]
    records = document["records"]
    assert len(records) == (len(METRICS) + len(QUANTITIES)) * len(VIEWS) == 48
    pairs = {(r["name"], r["view"]) for r in records}
    assert pairs == set(itertools.product(METRICS + QUANTITIES, VIEWS))
    acceptance = document["constraints"]["acceptance"]
    for record in records:
        assert {"median", "mean", "sd", "eti", "hdi", "draws", "invalid"} <= set(record)
        assert set(record["eti"]) == LEVEL_KEYS
        assert set(record["hdi"]) == LEVEL_KEYS
        # every view reads all DRAWS candidates and keeps those its constraints accept
        assert acceptance[record["view"]]["candidates"] == DRAWS
        assert record["draws"] + record["invalid"] == acceptance[record["view"]]["accepted"]
        assert record["invalid"] == 0
        assert record["sd"] > 0
        lo, hi = record["eti"]["0.9"]
        assert lo < record["median"] < hi
        assert record["eti"]["0.5"][0] >= lo
        assert record["eti"]["0.95"][1] >= hi


def test_format_json_prints_the_summary(cli: Invoke, workdir: Path) -> None:
    # what is printed is what is written, at any size and with or without figures
    result = run_ok(cli, SEED_CONFIG, "--draws", "2000", "--no-plots", "--format", "json")
    printed = json.loads(result.stdout)
    written = read_summary(workdir / "results" / STEM)
    assert without_created(printed) == without_created(written)
    assert len(printed["records"]) == 48


def test_format_markdown_prints_the_report(cli: Invoke, workdir: Path) -> None:
    # with the figures, so that the printed report's figure references are compared too
    result = run_ok(cli, SEED_CONFIG, "--draws", "2000", "--format", "markdown")
    markdown = (workdir / "results" / STEM / "summary.md").read_text(encoding="utf-8")
    assert result.stdout == markdown
    assert result.stdout.startswith("# Russian and Ukrainian military casualties")
    assert "## Metrics" in result.stdout


def test_rerun_of_same_config_replaces_results_without_force(
    cli: Invoke, workdir: Path
) -> None:
    folder = workdir / "results" / STEM
    # the first results need only be this config's: no figures or sensitivity to replace
    run_ok(cli, SEED_CONFIG, "--draws", "2000", "--seed", "1", "--no-plots",
           "--no-sensitivity")
    (folder / "stale.txt").write_text("left by hand")
    run_ok(cli, SEED_CONFIG, "--draws", "3000", "--seed", "2")
    assert sorted(p.name for p in folder.iterdir()) == RESULT_FILES
    provenance = read_summary(folder)["provenance"]
    assert (provenance["seed"], provenance["draws"]) == (2, 3000)
    assert sorted(p.name for p in (workdir / "results").iterdir()) == [STEM]


def test_seed_option_changes_the_numbers(cli: Invoke, workdir: Path) -> None:
    run_ok(cli, SEED_CONFIG, "--draws", "5000", "--out", "default", "--no-plots",
           "--no-sensitivity")
    run_ok(cli, SEED_CONFIG, "--draws", "5000", "--out", "seven", "--seed", "7",
           "--no-plots", "--no-sensitivity")
    default, seven = read_summary(workdir / "default"), read_summary(workdir / "seven")
    assert default["provenance"]["seed"] == 2025
    assert seven["provenance"]["seed"] == 7
    medians = [(a["median"], b["median"])
               for a, b in zip(default["records"], seven["records"], strict=True)]
    assert all(a != b for a, b in medians)


def test_same_seed_gives_identical_records(cli: Invoke, workdir: Path) -> None:
    run_ok(cli, SEED_CONFIG, "--draws", "5000", "--seed", "7", "--out", "a", "--no-plots")
    run_ok(cli, SEED_CONFIG, "--draws", "5000", "--seed", "7", "--out", "b", "--no-plots")
    a, b = read_summary(workdir / "a"), read_summary(workdir / "b")
    assert a["records"] == b["records"]
    assert without_created(a) == without_created(b)


def test_config_file_name_sets_the_results_folder(cli: Invoke, workdir: Path) -> None:
    config = workdir / "my run.toml"
    shutil.copyfile(SEED_CONFIG, config)
    run_ok(cli, config.name, "--draws", "2000", "--no-plots", "--no-sensitivity")
    folder = workdir / "results" / "my run"
    assert (folder / "config.toml").read_bytes() == SEED_CONFIG.read_bytes()


def test_validate_lists_the_model_and_writes_nothing(cli: Invoke, workdir: Path) -> None:
    result = cli("validate", SEED_CONFIG)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    out = result.stdout
    first = out.splitlines()[0]
    assert first.startswith(f"{SEED_CONFIG}: valid. 3 sources, 5 estimates")
    assert "4 quantities" in first
    assert "4 metrics" in first
    # one line per estimate, naming the distribution and where its spread came from
    for estimate in ("us_intel.ua.kia: at least 8,000", "us_intel.ru.kia: lognormal",
                     "western.ua.kia: lognormal, median 12,000",
                     "article_totals.ua.casualties: lognormal, median 48,000",
                     "article_totals.ru.casualties: lognormal, median 239,000"):
        assert f"\n  {estimate}" in out, estimate
    for metric in METRICS:
        assert f"  metric {metric} = " in out
    assert list(workdir.iterdir()) == []


def test_version_option(cli: Invoke) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"uncertainty, version {metadata.version('uncertainty')}\n"


def test_python_dash_m_version(workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "uncertainty", "--version"],
        capture_output=True, text=True, cwd=workdir, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"uncertainty, version {metadata.version('uncertainty')}\n"


def test_installed_entry_point_runs(workdir: Path) -> None:
    out = workdir / "out"
    done = subprocess.run(
        # with the figures (matplotlib in a fresh process); the sensitivity analysis is
        # the same in or out of process (tested in-process)
        [ENTRY_POINT, "run", SEED_CONFIG, "--draws", "2000", "--no-sensitivity", "--out", out],
        capture_output=True, text=True, cwd=workdir, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"Results: {out}" in done.stdout
    assert read_summary(out)["provenance"]["draws"] == 2000
    assert (out / "forest-kia_ratio.svg").exists()
    assert (out / "config.toml").read_bytes() == SEED_CONFIG.read_bytes()
    assert not (workdir / "results").exists()


def test_installed_entry_point_bad_config(workdir: Path) -> None:
    bad = workdir / "bad.toml"
    bad.write_text(FACE_VALUE.read_text(encoding="utf-8").replace(
        "ci90 = [9_000, 16_000]", "ci90 = [13_000, 16_000]"), encoding="utf-8")
    done = subprocess.run(
        [ENTRY_POINT, "run", "bad.toml", "--draws", "5000"],
        capture_output=True, text=True, cwd=workdir, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr == (
        "Error: bad.toml: sources.western.estimates.ua.kia.ci90: "
        "lower bound 13000 must be below the value 12000\n"
    )
    assert not (workdir / "results").exists()


def test_help_and_version_do_not_import_the_numerical_stack() -> None:
    # What --help costs is what it imports: check the modules, not the time.
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from uncertainty.cli import main\n"
        "for args in (['--help'], ['--version'], ['run', '--help']):\n"
        "    assert CliRunner().invoke(main, args).exit_code == 0\n"
        "heavy = [m for m in ('numpy', 'scipy', 'xarray', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_validate_does_not_import_xarray_or_matplotlib() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from uncertainty.cli import main\n"
        f"assert CliRunner().invoke(main, ['validate', {str(SEED_CONFIG)!r}]).exit_code == 0\n"
        "print(','.join(m for m in ('xarray', 'matplotlib') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""
