"""The Dask engine: the same blocks as Dask tasks give the local engine's numbers exactly.

Determinism tests only, comparing runs made in this process. They need the optional
``dask[distributed]`` packages and start real worker processes.

The runs are the seed config streamed in small pieces (`SIZES`): what the default sizes give
it only from about 300,000 draws on (a prefix shorter than the draws, several chunks per
pass, refining passes), here at 20,000, so that each run on the cluster costs a few
seconds instead of ten. The engine's part (the tasks, their order, the tallies gathered
and reduced on the client) does not depend on the sizes; that the default sizes give the
in-memory numbers is tested in test_streaming.py.
"""

from __future__ import annotations

import contextlib
import functools
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import xarray as xr

import uncertainty.pipeline as pipeline
from uncertainty import load_config
from uncertainty.engines import open_engine
from uncertainty.pipeline import Run, simulate
from uncertainty.sampling.streams import BLOCK_SIZE
from uncertainty.streaming import stream

distributed = pytest.importorskip("distributed")

#: In one process, so that the cluster and the local run (module fixtures) are made once.
pytestmark = pytest.mark.xdist_group("dask")

SEED_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "seed-article-2025.toml"
DRAWS = 20_000
#: The prefix and chunk of every streamed run here: 3 chunks of draws per pass.
SIZES = {"prefix": 2_000, "chunk": BLOCK_SIZE // 8}


def assert_identical_runs(a: Run, b: Run) -> None:
    xr.testing.assert_identical(a.summary, b.summary)
    xr.testing.assert_identical(a.draws, b.draws)
    assert a.acceptance is not None and b.acceptance is not None
    xr.testing.assert_identical(a.acceptance, b.acceptance)
    assert a.comparison is not None and b.comparison is not None
    xr.testing.assert_identical(a.comparison.pairs, b.comparison.pairs)
    for name in a.comparison.claims:
        xr.testing.assert_identical(a.comparison.claims[name], b.comparison.claims[name])
    for name in a.comparison.thresholds:
        xr.testing.assert_identical(a.comparison.thresholds[name],
                                    b.comparison.thresholds[name])


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """`simulate` streams in `SIZES` (on any engine) in these tests."""
    monkeypatch.setattr(pipeline, "stream_run", functools.partial(stream, **SIZES))


@pytest.fixture(scope="module")
def local() -> Run:
    """The seed config at `DRAWS` draws streamed by the local engine, on two threads."""
    model = load_config(SEED_CONFIG).model
    model = replace(model, run=replace(model.run, draws=DRAWS, precision=None))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "stream_run", functools.partial(stream, **SIZES))
        run = simulate(model, threads=2, stream=True)
    info = run.provenance["streaming"]
    # what the default sizes give a run of 300,000 draws: the engines differ in all of it
    assert info["engine"] == "local"
    assert info["prefix_draws"] == SIZES["prefix"] < DRAWS
    assert DRAWS > 2 * SIZES["chunk"] == 2 * info["chunk_draws"]
    assert info["passes"] > 2
    return run


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    # ":0": the scheduler's HTTP server on a free port. With None it still takes 8787, and
    # warns (an error in this suite) when another process on the machine holds that port.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as running:
        yield running


@contextlib.contextmanager
def port_taken(port: int) -> Iterator[None]:
    """`port` held by someone else meanwhile (as by another cluster's dashboard)."""
    with socket.socket() as held:
        try:
            held.bind(("127.0.0.1", port))
            held.listen()
        except OSError:  # taken already, which is the point
            pass
        yield


def test_local_cluster_gives_the_local_engines_numbers(local: Run) -> None:
    # engine="dask" with no scheduler starts its own LocalCluster of 2 processes, and says
    # nothing (a warning is an error here) when another one's dashboard holds port 8787.
    with port_taken(8787):
        run = simulate(local.model, engine="dask")
    assert run.provenance["streaming"]["engine"] == "dask"
    assert run.provenance["streaming"]["workers"] == 2
    assert_identical_runs(local, run)


def test_a_scheduler_address_gives_the_local_engines_numbers(local: Run,
                                                             cluster: object) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    run = simulate(local.model, engine="dask", scheduler=address)
    assert_identical_runs(local, run)


def test_an_open_engine_is_reused_across_runs(local: Run, cluster: object) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    with open_engine("dask", scheduler=address) as engine:
        first = simulate(local.model, engine=engine)
        second = simulate(local.model, engine=engine)
    assert_identical_runs(first, second)
    assert_identical_runs(local, first)
