"""Determinism: identical inputs give identical draws; streams follow names, not positions.

These compare two runs in the same process, never stored numbers.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from model_builders import run_toml

from uncertainty.pipeline import simulate
from uncertainty.sampling.streams import BLOCK_SIZE, standard_normal, stream_key, uniform

BASE = """
[run]
seed = 2025
[sources.us_intel]
estimates.ua.kia = 8_000
estimates.ru.kia = 112_500
[sources.western]
estimates.ua.kia = { value = 12_000, ci90 = [9_000, 16_000] }
[sources.totals]
ci90_factor = 1.3
estimates.ua.casualties = 48_000
estimates.ru.casualties = 239_000
[metrics]
kia_ratio = "ru.kia / ua.kia"
ua_survival = "1 - ua.kia / ua.casualties"
[scenarios.article]
use = { "ua.kia" = "western", "ru.kia" = "us_intel" }
"""

REORDERED = """
[metrics]
ua_survival = "1 - ua.kia / ua.casualties"
kia_ratio = "ru.kia / ua.kia"
[scenarios.article]
use = { "ru.kia" = "us_intel", "ua.kia" = "western" }
[sources.totals]
ci90_factor = 1.3
estimates.ru.casualties = 239_000
estimates.ua.casualties = 48_000
[sources.western]
estimates.ua.kia = { value = 12_000, ci90 = [9_000, 16_000] }
[sources.us_intel]
estimates.ru.kia = 112_500
estimates.ua.kia = 8_000
[run]
seed = 2025
"""

EXTRA_SOURCE = BASE + """
[sources.newcomer]
weight = 2
estimates.ua.kia = 30_000
estimates.ru.casualties = 100_000
"""

DRAWS = 20_000


def test_same_seed_gives_identical_dataset() -> None:
    a = run_toml(BASE, draws=DRAWS).draws
    b = run_toml(BASE, draws=DRAWS).draws
    xr.testing.assert_identical(a, b)


def test_different_seed_gives_different_draws() -> None:
    a = run_toml(BASE, draws=DRAWS, seed=1).draws
    b = run_toml(BASE, draws=DRAWS, seed=2).draws
    for name in a.data_vars:
        assert not np.array_equal(a[name].values, b[name].values), name


def test_reordering_the_file_changes_no_number() -> None:
    a = run_toml(BASE, draws=DRAWS).draws
    b = run_toml(REORDERED, draws=DRAWS).draws
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        for view in a["view"].values:
            np.testing.assert_array_equal(
                a[name].sel(view=view).values, b[name].sel(view=view).values,
                err_msg=f"{name} in view {view}",
            )


def test_adding_a_source_leaves_other_sources_draws_unchanged() -> None:
    a = run_toml(BASE, draws=DRAWS).draws
    b = run_toml(EXTRA_SOURCE, draws=DRAWS).draws
    own = {
        "us_intel": ["ua.kia", "ru.kia"],
        "western": ["ua.kia"],
        "totals": ["ua.casualties", "ru.casualties"],
    }
    for source, quantities in own.items():
        for q in quantities:
            np.testing.assert_array_equal(
                a[q].sel(view=source).values, b[q].sel(view=source).values
            )
    # a metric whose inputs all come from untouched sources is untouched too
    np.testing.assert_array_equal(
        a["kia_ratio"].sel(view="us_intel").values, b["kia_ratio"].sel(view="us_intel").values
    )
    # ...while the pool of ua.kia, which gained a member, did change
    assert not np.array_equal(a["ua.kia"].sel(view="pooled"), b["ua.kia"].sel(view="pooled"))


@pytest.mark.parametrize("n", [1_000, BLOCK_SIZE, BLOCK_SIZE + 17, 3 * BLOCK_SIZE - 1])
def test_a_shorter_run_is_a_prefix_of_a_longer_one(n: int) -> None:
    long_run = run_toml(BASE, draws=2 * n + 5)
    long = long_run.draws
    # The consensus view draws from a law made from min(draws, MAX_DRAWS) importance draws:
    # given that law (the long run's), the shorter run is a prefix in every view...
    model = replace(long_run.model, run=replace(long_run.model.run, draws=n))
    short = simulate(model).draws
    # identical values and coordinates; only the recorded draw count differs
    assert "consensus" in short["view"].values
    xr.testing.assert_equal(short, long.isel(draw=slice(0, n)))
    assert short.attrs["draws"] == n
    # ...and without it, in every view but the consensus, whose law is then its own.
    alone = run_toml(BASE, draws=n).draws
    others = [v for v in alone["view"].values if v != "consensus"]
    xr.testing.assert_equal(alone.sel(view=others), long.isel(draw=slice(0, n)).sel(view=others))


def test_views_share_draws_common_random_numbers() -> None:
    d = run_toml(BASE, draws=DRAWS).draws
    # the article scenario takes ua.kia from western and ru.kia from us_intel
    np.testing.assert_array_equal(d["ua.kia"].sel(view="article"), d["ua.kia"].sel(view="western"))
    np.testing.assert_array_equal(d["ru.kia"].sel(view="article"), d["ru.kia"].sel(view="us_intel"))
    ratio = d["ru.kia"].sel(view="article") / d["ua.kia"].sel(view="article")
    np.testing.assert_array_equal(d["kia_ratio"].sel(view="article"), ratio)
    # every pooled ua.kia draw is one of its members' draws at the same index
    pooled = d["ua.kia"].sel(view="pooled").values
    member = (pooled == d["ua.kia"].sel(view="us_intel").values) | (
        pooled == d["ua.kia"].sel(view="western").values
    )
    assert member.all()


@settings(max_examples=50, deadline=None)
@given(
    a=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3),
    b=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3),
)
def test_different_names_give_different_streams(a: list[str], b: list[str]) -> None:
    x = standard_normal(5, tuple(a), 8)
    y = standard_normal(5, tuple(b), 8)
    assert np.array_equal(x, y) == (tuple(a) == tuple(b))


def test_stream_key_separates_name_boundaries() -> None:
    assert stream_key(("ab", "c")) != stream_key(("a", "bc"))


def test_streams_are_prefix_stable_within_and_across_blocks() -> None:
    for sampler in (standard_normal, uniform):
        long = sampler(3, ("x",), 2 * BLOCK_SIZE + 10)
        for n in (1, 10, BLOCK_SIZE, BLOCK_SIZE + 1, 2 * BLOCK_SIZE + 3):
            np.testing.assert_array_equal(sampler(3, ("x",), n), long[:n])
