"""The Dask engine: the same blocks as Dask tasks give the local engine's numbers exactly.

Determinism tests only, comparing runs made in this process. They need the optional
``dask[distributed]`` packages and start real worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import xarray as xr

from uncertainty import load_config
from uncertainty.engines import open_engine
from uncertainty.pipeline import Run, simulate

distributed = pytest.importorskip("distributed")

SEED_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "seed-article-2025.toml"
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


@pytest.fixture(scope="module")
def local() -> Run:
    model = load_config(SEED_CONFIG).model
    model = replace(model, run=replace(model.run, draws=DRAWS, precision=None))
    return simulate(model, threads=2, stream=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as running:
        yield running


def test_local_cluster_gives_the_local_engines_numbers(local: Run) -> None:
    # engine="dask" with no scheduler starts its own LocalCluster of 2 processes.
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
