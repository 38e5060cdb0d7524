"""Comparing sources end to end: point claims, compare on a config or a folder, plots."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from matplotlib import image
from mc import K

from uncertainty import load_config, simulate
from uncertainty.analysis.comparison import point_claims

Invoke = Callable[..., Result]
CONFIGS = Path(__file__).parents[1] / "configs"
FACE_VALUE = CONFIGS / "examples" / "article-face-value.toml"
SEED = CONFIGS / "seed-article-2025.toml"


def test_point_claims_are_the_metric_at_the_stated_figures() -> None:
    # A point claim is the metric at the stated figures: no draw enters it, so a short run
    # (instead of the config's precision target) gives the model and views it reads.
    model = load_config(SEED).model
    run = simulate(replace(model, run=replace(model.run, draws=2_000, precision=None)))
    kia = next(m for m in run.model.metrics if m.name == "kia_ratio")
    claims = point_claims(run.model, run.views, kia)
    # us_intel states both figures; the article scenario takes 12,000 from western;
    # western and article_totals lack a KIA figure for one side and claim nothing
    assert claims == {"us_intel": 112_500 / 8_000, "article": 112_500 / 12_000}


def test_a_face_value_claim_sits_at_its_own_views_median() -> None:
    # Taken at face value, every figure is its distribution's median and the ratio of
    # independent lognormals has median = ratio of medians: the claim's percentile is 0.5.
    run = simulate(load_config(FACE_VALUE).model)
    assert run.comparison is not None
    claims = run.comparison.claims["kia_ratio"]
    q = float(claims["percentile"].sel(claim="us_intel", view="us_intel"))
    se = float(claims["mcse"].sel(claim="us_intel", view="us_intel"))
    assert abs(q - 0.5) <= K * se


def test_compare_on_a_config_and_on_its_results_folder_agree(
    cli: Invoke, workdir: Path
) -> None:
    config = workdir / "study.toml"
    shutil.copy(SEED, config)
    # equal to the last digit at any draw count: a short run
    assert cli("run", config, "--draws", "2000", "--save-draws", "--no-plots").exit_code == 0
    from_folder = cli("compare", "results/study", "--format", "json")
    assert from_folder.exit_code == 0, from_folder.output
    text = config.read_text(encoding="utf-8")
    assert "\nprecision = 0.005" in text
    text = text.replace("\nprecision = 0.005", "\ndraws = 2_000")
    config.write_text(text, encoding="utf-8")
    from_config = cli("compare", config, "--format", "json")
    assert from_config.exit_code == 0, from_config.output
    assert json.loads(from_folder.stdout) == json.loads(from_config.stdout)
    document = json.loads(from_folder.stdout)
    assert set(document["comparisons"]) == {"kia_ratio", "casualty_ratio", "ua_survival",
                                            "ru_survival"}
    assert [t["threshold"] for t in document["thresholds"]["kia_ratio"]][:1] == [5.0]


def test_compare_without_saved_draws_says_how_to_get_them(cli: Invoke, workdir: Path) -> None:
    shutil.copy(FACE_VALUE, workdir / "fv.toml")
    assert cli("run", "fv.toml", "--draws", "2000", "--no-plots").exit_code == 0
    result = cli("compare", "results/fv")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: results/fv: has no saved draws (draws.nc); rerun with `uncertainty run "
        "CONFIG --save-draws`, or compare the config\n")


def test_compare_rejects_an_unknown_metric(cli: Invoke, workdir: Path) -> None:
    result = cli("compare", FACE_VALUE, "--metric", "kia")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --metric: unknown metric 'kia' (expected one of: ")


def test_run_writes_plots_that_are_real_images_and_embeds_them(
    cli: Invoke, workdir: Path
) -> None:
    shutil.copy(FACE_VALUE, workdir / "fv.toml")
    assert cli("run", "fv.toml", "--draws", "20000", "--png").exit_code == 0
    folder = workdir / "results" / "fv"
    markdown = (folder / "summary.md").read_text(encoding="utf-8")
    for kind in ("forest", "density"):
        png = folder / f"{kind}-kia_ratio.png"
        pixels = image.imread(io.BytesIO(png.read_bytes()), format="png")
        assert pixels.shape[0] > 300 and pixels.shape[1] > 600
        gray = pixels[..., :3].mean(axis=2)
        assert float(np.std(gray)) > 0.05          # not blank
        assert float(np.mean(gray < 0.9)) > 0.01   # some ink
        assert (folder / f"{kind}-kia_ratio.svg").read_bytes().startswith(b"<?xml")
        assert f"]({kind}-kia_ratio.svg)" in markdown
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    claims = summary["comparisons"]["kia_ratio"]["claims"]
    us = next(c for c in claims if c["claimant"] == "us_intel")
    assert us["value"] == pytest.approx(14.0625)
    assert set(us["percentiles"]) == {"us_intel", "western", "article_totals", "pooled",
                                      "consensus", "article"}


def test_a_claim_that_is_not_a_number_is_null_in_json(cli: Invoke, workdir: Path) -> None:
    # At the US figures log(112,500 / 8,000 - 20) is the log of a negative number: NaN.
    text = FACE_VALUE.read_text("utf-8")
    assert '"ru.kia / ua.kia"' in text
    (workdir / "nan.toml").write_text(
        text.replace('"ru.kia / ua.kia"', '"log(ru.kia / ua.kia - 20)"'), encoding="utf-8")
    result = cli("run", "nan.toml", "--draws", "2000", "--no-plots", "--no-sensitivity")
    assert result.exit_code == 0, result.output
    summary = json.loads((workdir / "results" / "nan" / "summary.json").read_text("utf-8"))
    values = [c["value"] for c in summary["comparisons"]["kia_ratio"]["claims"]]
    assert None in values
