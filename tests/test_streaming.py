"""Streaming: a run that never holds its draws gives the in-memory run's numbers.

Determinism tests only: each compares a streamed run with an in-memory run of the same
model, seed and draws made in this process (never stored numbers). Medians, equal-tailed
interval ends, their MCSEs, counts, acceptance and the counted comparisons must be equal
bit for bit; HDIs too, or within the resolution the run states; means and sds to rounding.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from model_builders import model_from

import uncertainty.pipeline as pipeline
from uncertainty import Model, load_config
from uncertainty.engines import LocalEngine
from uncertainty.errors import ResourceError
from uncertainty.model.views import build_views
from uncertainty.pipeline import Run, memory_needed, simulate
from uncertainty.runtime.resources import choose_mode, parse_bytes
from uncertainty.sampling.streams import BLOCK_SIZE
from uncertainty.stats.array import summarize_draws
from uncertainty.stats.paired import LIMIT
from uncertainty.streaming import PREFIX_DRAWS, Resolution, stream
from uncertainty.streaming.cells import (
    COLLECT,
    COUNT,
    SKIP,
    Partition,
    Query,
    asked_draws,
    first_query,
    next_query,
    tally_cells,
)
from uncertainty.streaming.order import attempt

ROOT = Path(__file__).resolve().parents[1]
SEED_CONFIG = ROOT / "configs" / "seed-article-2025.toml"
#: Exact statistics: equal bit for bit to the in-memory summary's.
EXACT = ("median", "mcse_median", "eti", "mcse_eti", "hdi", "mcse_hdi", "valid", "invalid")
#: Fine cells and small caps: many refining passes on few draws.
FINE = Resolution(edges=32, collect_cap=512, subcells=256, max_passes=12)

#: Constraints rejecting about half the candidates, with three constraint keys.
REJECTING = """
constraints = ["x <= y", "x + y <= 30"]
[run]
seed = 11
[sources.a]
estimates.x = { dist = "normal", mean = 10, sd = 4 }
estimates.y = { dist = "normal", mean = 12, sd = 4 }
[sources.b]
estimates.x = { dist = "gamma", mean = 11, sd = 3 }
[sources.c]
estimates.y = { value = 9, ci90 = [5, 16] }
[metrics]
gap = "y - x"
share = "x / (x + y)"
[scenarios.mix]
use = { "x" = "b", "y" = "c" }
"""

#: No constraints, a log pool, an atom at 0 and draws that divide by zero or take the
#: log of a negative number.
INVALID = """
[run]
seed = 3
pool = "log"
[sources.a]
estimates.x = { dist = "normal", mean = 0.5, sd = 1 }
estimates.k = { dist = "point", value = 2 }
[sources.b]
estimates.x = { dist = "normal", mean = 1, sd = 0.5 }
[metrics]
clipped = "max(x, 0)"
inverse = "1 / max(x, 0)"
logged = "log(x)"
constant = "k * 2"
"""


def sized(model: Model, draws: int, seed: int | None = None) -> Model:
    run = replace(model.run, draws=draws, precision=None,
                  seed=model.run.seed if seed is None else seed)
    return replace(model, run=run)


def assert_same_numbers(memory: Run, streamed: Run) -> None:
    """The summary, acceptance and counted comparisons of two runs agree."""
    a, b = memory.summary, streamed.summary
    assert a.attrs == b.attrs
    xr.testing.assert_identical(a.drop_vars(list(a.data_vars)), b.drop_vars(list(b.data_vars)))
    for name in EXACT:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    for name in ("mean", "sd", "mcse_mean", "mcse_sd"):
        np.testing.assert_allclose(b[name].values, a[name].values, rtol=1e-12, err_msg=name)
    if memory.acceptance is None:
        assert streamed.acceptance is None
    else:
        xr.testing.assert_identical(memory.acceptance, streamed.acceptance)
    assert memory.comparison is not None and streamed.comparison is not None
    pa, pb = memory.comparison.pairs, streamed.comparison.pairs
    for name in ("prob_greater", "prob_greater_mcse", "eti_overlap"):
        np.testing.assert_array_equal(pa[name].values, pb[name].values, err_msg=name)
    # From the prefix: the overlap coefficient always, the interval overlap's MCSE (its
    # correlations counted over the first LIMIT draws) when the prefix is shorter.
    prefixed = ["overlap", "ovl_resolution", "ovl_mcse"]
    if streamed.draws.sizes["draw"] < min(LIMIT, memory.draws.sizes["draw"]):
        prefixed.append("eti_overlap_mcse")
        np.testing.assert_array_equal(np.isnan(pa["eti_overlap_mcse"].values),
                                      np.isnan(pb["eti_overlap_mcse"].values))
    xr.testing.assert_identical(pa.drop_vars(prefixed), pb.drop_vars(prefixed))
    for table in ("claims", "thresholds"):
        ta, tb = getattr(memory.comparison, table), getattr(streamed.comparison, table)
        assert ta.keys() == tb.keys()
        for key in ta:
            xr.testing.assert_identical(ta[key], tb[key])


#: The tests reading conftest.py's `seed_streamed`: in one process, so it is made once.
SEED_STREAMED = pytest.mark.xdist_group("seed_streamed")


@pytest.fixture(scope="module")
def seed_runs(seed_streamed: Run) -> tuple[Run, Run]:
    """The seed config at 300,000 draws in memory, and streamed (conftest.py's, shared)."""
    model = sized(load_config(SEED_CONFIG).model, 300_000)
    assert seed_streamed.model.run.draws == model.run.draws
    return simulate(model, threads=2), seed_streamed


@SEED_STREAMED
def test_seed_config_streamed_equals_in_memory(seed_runs: tuple[Run, Run]) -> None:
    memory, streamed = seed_runs
    assert "streaming" not in memory.provenance
    info = streamed.provenance["streaming"]
    assert info["engine"] == "local"
    assert info["hdi_resolution"] == 0.0 and info["hdi_inexact"] == []
    assert_same_numbers(memory, streamed)


@SEED_STREAMED
def test_streamed_draws_are_the_in_memory_prefix(seed_runs: tuple[Run, Run]) -> None:
    memory, streamed = seed_runs
    head = streamed.draws
    assert head.sizes["draw"] == PREFIX_DRAWS
    assert head.attrs["prefix_of"] == 300_000 and head.attrs["draws"] == PREFIX_DRAWS
    xr.testing.assert_identical(memory.draws.isel(draw=slice(0, PREFIX_DRAWS)).drop_attrs(),
                                head.drop_attrs())


@SEED_STREAMED
def test_streamed_overlap_comes_from_the_prefix(seed_runs: tuple[Run, Run]) -> None:
    _, streamed = seed_runs
    assert streamed.comparison is not None
    prefix = simulate(sized(streamed.model, PREFIX_DRAWS), threads=2)
    assert prefix.comparison is not None
    for name in ("overlap", "ovl_resolution", "ovl_mcse"):
        np.testing.assert_array_equal(streamed.comparison.pairs[name].values,
                                      prefix.comparison.pairs[name].values)


def test_constraints_rejecting_half_the_candidates() -> None:
    model = sized(model_from(REJECTING), 40_000)
    memory = simulate(model, threads=2)
    assert memory.acceptance is not None
    assert float(memory.acceptance["overall"].min()) < 0.6  # a second round of candidates
    model, views = memory.model, memory.views  # with the consensus the run computed
    attrs = dict(memory.summary.attrs)
    streamed = stream(model, views, seed=11, draws=40_000, engine=LocalEngine(2), attrs=attrs,
                      prefix=3_000, resolution=FINE, chunk=BLOCK_SIZE // 4)
    run = replace(memory, draws=streamed.draws, summary=streamed.summary,
                  acceptance=streamed.acceptance, comparison=streamed.comparison)
    assert_same_numbers(memory, run)
    assert streamed.info["passes"] > 4  # the fine cells were refined, pass after pass


def test_invalid_draws_atoms_and_a_log_pool() -> None:
    model = sized(model_from(INVALID), 50_000)
    memory = simulate(model, threads=1)
    streamed = simulate(model, threads=1, stream=True)
    assert_same_numbers(memory, streamed)
    invalid = memory.summary["invalid"].sel(variable=["inverse", "logged"])
    # The consensus of x is a positive true value (it works on log x): no invalid draw there.
    assert (invalid.drop_sel(view="consensus") > 1_000).all()
    assert (invalid.sel(view="consensus") == 0).all()


def test_the_engine_thread_count_changes_nothing() -> None:
    model = sized(model_from(REJECTING), 20_000)
    views = build_views(model)
    runs = [stream(model, views, seed=5, draws=20_000, engine=LocalEngine(threads),
                   prefix=2_000, resolution=FINE, chunk=BLOCK_SIZE // 8) for threads in (1, 2)]
    xr.testing.assert_identical(runs[0].summary, runs[1].summary)
    xr.testing.assert_identical(runs[0].draws, runs[1].draws)


def test_streams_when_the_in_memory_form_exceeds_the_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = sized(model_from(INVALID), 30_000)
    need = memory_needed(model, pipeline.view_count(model), 30_000, 1)
    monkeypatch.setattr(pipeline, "memory_bound", lambda *args, **kwargs: need // 10)
    run = simulate(model, threads=1, memory_budget=need - 1)
    assert run.provenance["streaming"]["memory_budget"] == need - 1
    assert run.provenance["streaming"]["in_memory_bytes"] == need
    assert "streaming" not in simulate(model, threads=1, memory_budget=need).provenance


def test_refuses_when_even_streaming_exceeds_the_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    model = sized(model_from(INVALID), 30_000)
    monkeypatch.setattr(pipeline, "memory_bound", lambda *args, **kwargs: 3 * 2**30)
    with pytest.raises(ResourceError) as caught:
        simulate(model, threads=1, memory_budget=2**30, stream=True)
    assert str(caught.value) == (
        "run.draws: 30,000 draws for 4 views need about 3 GiB even streamed (7.78 MiB in "
        "memory), more than the memory budget of 1 GiB; use fewer draws")
    assert caught.value.needed == 3 * 2**30


def test_refusal_names_the_size_and_allocates_nothing() -> None:
    # In a fresh process, so that its peak memory is its own: 10**10 draws held in memory
    # (as saving them requires) need terabytes; the refusal comes before any allocation.
    code = textwrap.dedent(f"""
        import resource
        from dataclasses import replace
        from uncertainty import load_config
        from uncertainty.errors import ResourceError
        from uncertainty.pipeline import simulate
        model = load_config({str(SEED_CONFIG)!r}).model
        model = replace(model, run=replace(model.run, draws=10**10, precision=None))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            simulate(model, threads=1, stream=False, memory_budget=2**30)
        except ResourceError as exc:
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(exc.needed, after - before)
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    sizes, message = done.stdout.splitlines()
    needed, grown_kib = (int(v) for v in sizes.split())
    assert needed == 8 * 10**10 * (6 * 8 + 2 * 9 + 0)  # 6 views: the consensus one too
    assert grown_kib < 20 * 1024
    assert message == (
        "run.draws: 10,000,000,000 draws for 6 views need about 4.92e+03 GiB in memory, more "
        "than the memory budget of 1 GiB, and this run must hold every draw; let it stream "
        "them (without keeping the draws), or use fewer draws")


@pytest.mark.parametrize(("stream_", "in_memory", "streaming", "budget", "mode"), [
    (None, 10, 100, 50, "memory"),
    (None, 100, 10, 50, "stream"),
    (True, 10, 20, 50, "stream"),
    (False, 10, 100, 50, "memory"),
    (None, 100, 10, None, "memory"),
])
def test_choose_mode(stream_: bool | None, in_memory: int, streaming: int,
                     budget: int | None, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("uncertainty.runtime.resources.default_memory_budget", lambda: None)
    assert choose_mode(in_memory, streaming, "x", budget=budget, stream=stream_) == mode


@pytest.mark.parametrize(("text", "size"), [
    ("1500000000", 1_500_000_000), ("4GiB", 4 * 2**30), ("1.5 GB", 1_500_000_000),
    ("800M", 800 * 2**20), ("2g", 2 * 2**30), ("12kB", 12_000),
])
def test_parse_bytes(text: str, size: int) -> None:
    assert parse_bytes(text) == size


@pytest.mark.parametrize(("text", "message"), [
    ("4 GiBs", "'4 GiBs' is not a size; write bytes, or a number with K, M, G, T (binary) or "
               "kB, MB, GB, TB (decimal), e.g. 4GiB"),
    ("0", "'0' must be at least 1 byte"),
])
def test_parse_bytes_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_bytes(text)
    assert str(caught.value) == message


def _streamed_stats(x: np.ndarray, levels: tuple[float, ...], resolution: Resolution,
                    chunk: int, prefix: int) -> dict[str, np.ndarray]:
    """The order-statistic passes on an array, chunk by chunk, without the engine."""

    def tally(query: Query):  # type: ignore[no-untyped-def]
        total = None
        for start in range(0, len(x), chunk):
            part = x[start:start + chunk]
            # As a pass does it: only the draws the query asks about sorted.
            found = tally_cells(np.sort(asked_draws(part[np.isfinite(part)], query)), query)
            if total is None:
                total = found
            else:
                total.merge(found)
        return total

    head = x[:prefix]
    query = first_query(np.sort(head[np.isfinite(head)]), resolution)
    part = Partition.first(query, tally(query))
    while True:
        result = attempt(part, levels, final=part.passes > resolution.max_passes)
        if isinstance(result, dict):
            return result
        query = next_query(part, result, resolution)
        part = part.update(query, tally(query))


#: Draws and cell edges on one grid, so that draws fall on edges, with a few off it.
_GRID = st.one_of(st.sampled_from([k / 4 for k in range(-12, 37)]), st.floats(-4, 10))


@given(st.lists(_GRID, max_size=300), st.lists(_GRID, min_size=30, max_size=60),
       st.lists(st.sampled_from([SKIP, SKIP, COUNT, COLLECT]), min_size=61, max_size=61))
def test_the_asked_draws_tally_as_every_draw_does(values: list[float], edges: list[float],
                                                  modes: list[int]) -> None:
    # Draws on the edges, cells of every mode, often more runs of asked cells than
    # ASKED_RANGES: the cells a pass reads hold the same draws, in the same order.
    x = np.array(values)
    bounds = np.unique(np.array(edges, dtype=np.float64))
    query = Query(bounds, np.array(modes[:len(bounds) + 1], dtype=np.int8))
    asked = asked_draws(x, query)
    assert len(asked) <= len(x)
    want, got = tally_cells(np.sort(x), query), tally_cells(np.sort(asked), query)
    np.testing.assert_array_equal(got.count, want.count)
    np.testing.assert_array_equal(got.vmin, want.vmin)
    np.testing.assert_array_equal(got.vmax, want.vmax)
    assert len(got.collected) == len(want.collected)
    for a, b in zip(got.collected, want.collected, strict=True):
        np.testing.assert_array_equal(a, b)


_values = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, 1.0, -2.5, np.nan, np.inf]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_values, min_size=1, max_size=400), st.integers(1, 64), st.integers(1, 50))
def test_order_statistics_equal_summarize_draws(values: list[float], chunk: int,
                                                prefix: int) -> None:
    x = np.array(values)
    if not np.isfinite(x).any():
        return
    levels = (0.5, 0.9, 0.95)
    got = _streamed_stats(x, levels, Resolution(edges=4, collect_cap=8, subcells=16), chunk,
                          prefix)
    want = summarize_draws(x, levels)
    for name in ("median", "mcse_median", "eti", "mcse_eti", "hdi", "mcse_hdi"):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    assert not got["hdi_resolution"].any()


@pytest.mark.parametrize("dist", ["normal", "lognormal", "cauchy", "exponential"])
def test_order_statistics_of_continuous_draws(dist: str) -> None:
    rng = np.random.default_rng(7)
    x = getattr(rng, "lognormal" if dist == "lognormal" else f"standard_{dist}")(size=200_000)
    levels = (0.5, 0.9, 0.95)
    got = _streamed_stats(x, levels, FINE, 30_000, 5_000)
    want = summarize_draws(x, levels)
    for name in ("median", "mcse_median", "eti", "mcse_eti", "hdi", "mcse_hdi"):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def test_a_flat_density_states_its_hdi_resolution() -> None:
    # Uniform draws: nearly every window is about as narrow, so resolving the narrowest
    # exactly would mean collecting most draws. With few passes allowed the HDI found is
    # at most `hdi_resolution` wider than the narrowest.
    x = np.random.default_rng(2).random(200_000)
    levels = (0.5, 0.9)
    few = Resolution(edges=32, collect_cap=512, subcells=256, max_passes=2)
    got = _streamed_stats(x, levels, few, 50_000, 5_000)
    want = summarize_draws(x, levels)
    widths = np.diff(got["hdi"], axis=1)[:, 0]
    narrowest = np.diff(want["hdi"], axis=1)[:, 0]
    assert (got["hdi_resolution"] > 0).all()
    assert (widths >= narrowest).all()
    assert (widths <= narrowest + got["hdi_resolution"]).all()
    assert (got["hdi_resolution"] < 0.01 * narrowest).all()
    for name in ("median", "eti", "mcse_eti"):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)


#: Constraints keeping about a fifth of the candidates.
SELECTIVE = """
constraints = ["x >= y + 4"]
[run]
seed = 13
[sources.a]
estimates.x = { dist = "normal", mean = 10, sd = 4 }
estimates.y = { dist = "normal", mean = 9, sd = 2 }
[metrics]
gap = "x - y"
"""


