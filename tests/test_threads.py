"""Threads: the same numbers for any thread count and any chunking of the draws.

Determinism tests only: each compares runs made in this process, never stored numbers.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import Result
from model_builders import model_from

from uncertainty import Model, load_config, simulate
from uncertainty.analysis.comparison import compare_run
from uncertainty.analysis.consensus import consensus, with_laws
from uncertainty.analysis.precision import simulate_to_precision
from uncertainty.model.copula import plan_copula
from uncertainty.model.views import build_views
from uncertainty.pipeline import Run
from uncertainty.runtime.parallel import (
    CHUNK_SIZE,
    chunks,
    resolve_threads,
    thread_map,
    threads_for,
)
from uncertainty.sampling import draw_dataset, mix
from uncertainty.sampling.streams import BLOCK_SIZE, draw_streams, standard_normal, uniform
from uncertainty.stats.array import summarize_draws

Invoke = Callable[..., Result]

ROOT = Path(__file__).resolve().parents[1]
SEED_CONFIG = ROOT / "configs" / "seed-article-2025.toml"
CLAIMS_CONFIG = ROOT / "configs" / "examples" / "claims.toml"
#: Three whole blocks and a partial one, so that blocks and chunks do not line up.
DRAWS = 3 * BLOCK_SIZE + 17

LOG_POOL = """
constraints = ["x <= y"]
[run]
seed = 5
pool = "log"
[sources.a]
estimates.x = 100
estimates.y = { dist = "lognormal", median = 200, ci90 = [125, 320] }
[sources.b]
estimates.x = { dist = "lognormal", median = 120, ci90 = [80, 180] }
estimates.y = 180
[correlations]
a = { between = ["x", "y"], rho = 0.5, source = "a" }
[metrics]
share = "x / y"
"""


def sized(model: Model, draws: int) -> Model:
    return replace(model, run=replace(model.run, draws=draws))


def config_model(path: Path, draws: int = DRAWS) -> Model:
    return sized(load_config(path).model, draws)


def with_consensus(model: Model) -> Model:
    """`model` with the consensus laws `simulate` would compute for it in memory.

    `simulate` computes the consensus only for a model without laws, so runs of one model
    at several thread counts can share it: computed once instead of once per run, which
    saves most of a run of the claims config. That the consensus is the same for any
    thread count is checked where it is cheaper and aimed at, across its chunks, a floor
    and a claim of another family (test_consensus.py,
    `test_the_consensus_is_identical_for_any_thread_count`); here, the draws and the
    summary made from it.
    """
    seed = model.run.seed
    assert seed is not None
    return with_laws(model, consensus(model, seed=seed, draws=model.run.draws,
                                      leave_one_out=True))


@functools.cache
def consensus_model(path: Path) -> Model:
    """`with_consensus` of the config at `DRAWS` draws, made once per process.

    The claims config's consensus is most of the cost of its runs here: the thread-count
    tests of whole runs and of the comparison share it (`CONSENSUS`), the latter at its
    own draw count (a model with laws keeps them; which law the consensus view draws from
    does not matter to whether the comparison depends on the threads).
    """
    return with_consensus(config_model(path))


#: The readers of `consensus_model`, in one process (``--dist loadgroup``).
CONSENSUS = pytest.mark.xdist_group("threads_consensus")


def assert_same_run(a: Run, b: Run) -> None:
    xr.testing.assert_identical(a.draws, b.draws)
    xr.testing.assert_identical(a.summary, b.summary)
    if a.acceptance is None:
        assert b.acceptance is None
    else:
        assert b.acceptance is not None
        xr.testing.assert_identical(a.acceptance, b.acceptance)


# --- whole runs ------------------------------------------------------------------------------
@CONSENSUS
@pytest.mark.parametrize("path", [SEED_CONFIG, CLAIMS_CONFIG], ids=["seed", "claims"])
def test_any_thread_count_gives_identical_draws_and_summary(path: Path) -> None:
    model = consensus_model(path)
    one = simulate(model, compare=False, threads=1)
    for threads in (2, 4):
        assert_same_run(one, simulate(model, compare=False, threads=threads))


@CONSENSUS
@pytest.mark.parametrize("path", [SEED_CONFIG, CLAIMS_CONFIG], ids=["seed", "claims"])
def test_the_comparison_is_identical_for_any_thread_count(path: Path) -> None:
    # The comparison threads over its items (pairs, claim groups), each over every draw, and
    # uses threads from CHUNK_SIZE draws on: at that size every item runs in the pool, as at
    # any larger one (the draws are not split, so the block-misaligned DRAWS adds nothing).
    run = simulate(sized(consensus_model(path), CHUNK_SIZE), compare=False, threads=1)
    assert threads_for(run.draws.sizes["draw"], 3) == 3
    # Without the summary the intervals are recomputed (sorted again): the same numbers.
    one = compare_run(run.model, run.views, run.draws, threads=1)
    assert one.claims or one.thresholds
    for threads in (2, 3):
        other = compare_run(run.model, run.views, run.draws, summary=run.summary,
                            threads=threads)
        xr.testing.assert_identical(one.pairs, other.pairs)
        for mine, theirs in ((one.claims, other.claims), (one.thresholds, other.thresholds)):
            assert mine.keys() == theirs.keys()
            for name in mine:
                xr.testing.assert_identical(mine[name], theirs[name])


def test_log_pool_with_copula_and_constraint_is_identical_across_threads() -> None:
    model = sized(model_from(LOG_POOL), DRAWS)
    one = simulate(model, compare=False, threads=1)
    assert one.acceptance is not None and float(one.acceptance["overall"].min()) < 1
    assert_same_run(one, simulate(model, compare=False, threads=3))


def test_small_items_stay_in_one_thread_and_large_ones_use_the_pool() -> None:
    assert threads_for(CHUNK_SIZE - 1, 4) == 1
    assert threads_for(CHUNK_SIZE, 4) == 4
    assert threads_for(CHUNK_SIZE, None) == resolve_threads(None)


def test_default_threads_is_every_core_and_gives_the_same_numbers() -> None:
    assert resolve_threads(None) == (os.cpu_count() or 1)
    model = config_model(SEED_CONFIG, 5_000)
    assert_same_run(simulate(model, compare=False, threads=1), simulate(model, compare=False))


@pytest.mark.parametrize("path", [SEED_CONFIG, CLAIMS_CONFIG], ids=["seed", "claims"])
def test_any_chunk_size_gives_identical_draws(path: Path) -> None:
    model = config_model(path)
    views = build_views(model)
    seed = model.run.seed
    assert seed is not None
    base = draw_dataset(model, views, seed=seed, draws=DRAWS, threads=1)
    for chunk, threads in [(1_000, 1), (4_097, 3), (BLOCK_SIZE + 1, 2), (10 * DRAWS, 2)]:
        other = draw_dataset(model, views, seed=seed, draws=DRAWS, threads=threads, chunk=chunk)
        xr.testing.assert_identical(base.draws, other.draws)
        if base.acceptance is not None:
            assert other.acceptance is not None
            xr.testing.assert_identical(base.acceptance, other.acceptance)


def test_first_n_draws_of_a_longer_threaded_run_equal_an_n_draw_run() -> None:
    n = BLOCK_SIZE + 5
    model = load_config(SEED_CONFIG).model
    long_run = simulate(sized(model, 2 * n), compare=False, threads=2)
    long = long_run.draws
    # Given the long run's consensus law (the consensus view's depends on the draw count).
    model = long_run.model
    short = simulate(sized(model, n), compare=False, threads=2).draws
    serial = simulate(sized(model, n), compare=False, threads=1).draws
    for name in short.data_vars:
        np.testing.assert_array_equal(long[name].values[:, :n], short[name].values)
        np.testing.assert_array_equal(serial[name].values, short[name].values)


def test_adaptive_run_is_identical_across_threads() -> None:
    model = replace(model_from(LOG_POOL), run=replace(model_from(LOG_POOL).run, draws=20_000))
    one, p1 = simulate_to_precision(model, 0.004, threads=1)
    two, p2 = simulate_to_precision(model, 0.004, threads=2)
    assert p1 == p2 and p1.attempts > 1
    assert_same_run(one, two)


# --- the pieces ------------------------------------------------------------------------------
def test_streams_drawn_in_threads_equal_the_serial_streams() -> None:
    n = 2 * BLOCK_SIZE + 3
    names = [("estimate", "a", "x"), ("pool", "x"), ("estimate", "b", "x")]
    threaded = draw_streams(7, [("normal", names[0]), ("uniform", names[1]),
                                ("normal", names[2])], n, threads=4)
    np.testing.assert_array_equal(threaded[0], standard_normal(7, names[0], n))
    np.testing.assert_array_equal(threaded[1], uniform(7, names[1], n))
    np.testing.assert_array_equal(threaded[2], standard_normal(7, names[2], n, threads=2))


def test_copula_rows_written_out_match_the_matrix_product() -> None:
    model = load_config(CLAIMS_CONFIG).model
    for group in plan_copula(model.correlations).groups:
        rng = np.random.default_rng(3)
        rows = [rng.standard_normal(1_000) for _ in group.members]
        expected = group.factor @ np.stack(rows)
        mix(group.factor, rows)
        np.testing.assert_allclose(np.stack(rows), expected, rtol=1e-14, atol=1e-15)


def test_thread_map_keeps_input_order_and_the_callers_error_state() -> None:
    assert thread_map(lambda x: x * x, range(50), 4) == [x * x for x in range(50)]
    # Warnings are errors in this suite: without the caller's errstate, log(0) would raise.
    with np.errstate(divide="ignore"):
        out = thread_map(lambda k: np.log(np.zeros(k + 1)), range(4), 2)
    assert all(np.all(v == -np.inf) for v in out)


def test_thread_map_raises_the_first_error_in_input_order() -> None:
    def fail(x: int) -> int:
        if x in (3, 7):
            raise KeyError(x)
        return x

    with pytest.raises(KeyError) as info:
        thread_map(fail, range(10), 3)
    assert info.value.args == (3,)


def test_chunks_cover_the_draws_in_order() -> None:
    assert chunks(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert chunks(0, 4) == []


def test_bad_thread_and_chunk_counts_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^threads must be at least 1, got 0$"):
        resolve_threads(0)
    with pytest.raises(ValueError, match=r"^chunk size must be at least 1, got 0$"):
        chunks(10, 0)
    model = config_model(SEED_CONFIG, 100)
    with pytest.raises(ValueError, match=r"^chunk must be at least 1, got 0$"):
        draw_dataset(model, build_views(model), seed=1, draws=100, chunk=0)


# --- command line ----------------------------------------------------------------------------
def test_cli_threads_zero_is_a_one_line_error(cli: Invoke, workdir: Path) -> None:
    result = cli("run", SEED_CONFIG, "--draws", "1000", "--threads", "0")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "Error: --threads: must be at least 1, got 0\n"
    assert not (workdir / "results").exists()


def test_cli_summary_is_the_same_with_one_or_two_threads(cli: Invoke, workdir: Path) -> None:
    documents = []
    for threads in ("1", "2"):
        out = workdir / f"t{threads}"
        result = cli("run", SEED_CONFIG, "--draws", "3000", "--threads", threads, "--out", out,
                     "--no-plots", "--format", "json")
        assert result.exit_code == 0, result.output
        document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        del document["provenance"]["created_utc"]
        documents.append(document)
    assert documents[0] == documents[1]


def test_summarizing_in_a_reused_buffer_gives_the_same_statistics() -> None:
    rng = np.random.default_rng(11)
    scratch = np.full(5_000, 7.0)  # longer than the draws, and holding stale numbers
    for x in (rng.lognormal(size=4_000),
              np.where(rng.random(4_000) < 0.1, np.nan, rng.normal(size=4_000)),
              np.array([np.inf, 1.0, -np.inf, 2.0]), np.array([np.nan])):
        plain = summarize_draws(x, (0.5, 0.9))
        reused = summarize_draws(x, (0.5, 0.9), scratch=scratch)
        assert plain.keys() == reused.keys()
        for key, value in plain.items():
            np.testing.assert_array_equal(reused[key], value, err_msg=key)
