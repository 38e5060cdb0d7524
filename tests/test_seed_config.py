"""The shipped configs: the face-value reading reproduces the article's figures exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from mc import assert_quantile

from uncertainty import load_config, simulate

CONFIGS = Path(__file__).parents[1] / "configs"
FACE_VALUE = CONFIGS / "examples" / "article-face-value.toml"
#: In one process (``--dist loadgroup``), so that `run` (a module fixture) is made once.
pytestmark = pytest.mark.xdist_group("seed_config_run")


@pytest.fixture(scope="module")
def run():
    loaded = load_config(FACE_VALUE)
    return simulate(loaded.model, config_sha256=loaded.sha256)


# Medians of ratios of independent lognormals are ratios of medians, and 1 - X/Y is a
# decreasing function of X/Y, so every median below is exact.
ARTICLE = [
    ("kia_ratio", "us_intel", 112_500 / 8_000),          # "14 to 1"
    ("kia_ratio", "article", 112_500 / 12_000),          # "over ... nine"
    ("casualty_ratio", "article", 239_000 / 48_000),     # "five-to-one"
    ("ua_survival", "article", 1 - 12_000 / 48_000),     # "over three-quarters ... survive"
    ("ru_survival", "article", 1 - 112_500 / 239_000),   # "half ... do not"
]


@pytest.mark.parametrize(("metric", "view", "truth"), ARTICLE)
def test_medians_reproduce_the_article(run, metric: str, view: str, truth: float) -> None:
    assert_quantile(run.draws[metric].sel(view=view).values, 0.5, truth)


def test_the_face_value_config_has_the_views_the_readme_describes(run) -> None:
    assert list(run.draws["view"].values) == [
        "us_intel", "western", "article_totals", "pooled", "consensus", "article",
    ]
    assert run.provenance["seed"] == 2025
    assert run.provenance["draws"] == 200_000
