"""The Dask engine: the same blocks as Dask tasks give the local engine's numbers exactly.

Determinism tests only, comparing runs made in this process. They need the optional
``dask[distributed]`` packages and start real worker processes.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
import xarray as xr

from uncertainty.engines import open_engine
from uncertainty.pipeline import Run, simulate

distributed = pytest.importorskip("distributed")

DRAWS = 300_000


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


#: The tests reading conftest.py's `seed_streamed`: in one process, so it is made once.
SEED_STREAMED = pytest.mark.xdist_group("seed_streamed")


@pytest.fixture(scope="module")
def local(seed_streamed: Run) -> Run:
    """The seed config at `DRAWS` draws streamed by the local engine (conftest.py's)."""
    assert seed_streamed.model.run.draws == DRAWS
    return seed_streamed


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


@SEED_STREAMED
def test_local_cluster_gives_the_local_engines_numbers(local: Run) -> None:
    # engine="dask" with no scheduler starts its own LocalCluster of 2 processes, and says
    # nothing (a warning is an error here) when another one's dashboard holds port 8787.
    with port_taken(8787):
        run = simulate(local.model, engine="dask")
    assert run.provenance["streaming"]["engine"] == "dask"
    assert run.provenance["streaming"]["workers"] == 2
    assert_identical_runs(local, run)


@SEED_STREAMED
def test_a_scheduler_address_gives_the_local_engines_numbers(local: Run,
                                                             cluster: object) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    run = simulate(local.model, engine="dask", scheduler=address)
    assert_identical_runs(local, run)


@SEED_STREAMED
def test_an_open_engine_is_reused_across_runs(local: Run, cluster: object) -> None:
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    with open_engine("dask", scheduler=address) as engine:
        first = simulate(local.model, engine=engine)
        second = simulate(local.model, engine=engine)
    assert_identical_runs(first, second)
    assert_identical_runs(local, first)
