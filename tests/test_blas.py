"""A run's numbers do not depend on how many threads BLAS has (the machine's core count).

OpenBLAS splits a dot product of more than 10,000 terms between its threads, one partial
sum each, so its last bits depend on the thread count; numpy and scipy start one thread per
core. `uncertainty.runtime.blas.one_blas_thread` holds BLAS to one thread while a run
computes. Here BLAS is given 1 and 3 threads before whole runs: every number must be the
same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy  # noqa: F401  (numpy and scipy each load a BLAS: both are limited)
import pytest
import scipy.linalg  # noqa: F401
from threadpoolctl import threadpool_info, threadpool_limits

import uncertainty
from uncertainty.runtime.blas import one_blas_thread

SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def _set_blas_threads(n: int) -> None:
    """Give BLAS `n` threads, as a machine with `n` cores would by default.

    Set from a thread that then ends: threadpoolctl lets one thread at a time hold
    OpenBLAS's limit, and a thread that has ended holds nothing.
    """
    setter = threading.Thread(target=lambda: threadpool_limits(limits=n, user_api="blas"))
    setter.start()
    setter.join()
    assert _blas_threads() == {n}


@pytest.fixture
def blas_threads() -> Iterator[Callable[[int], None]]:
    """`_set_blas_threads`, and BLAS given back as it was after the test."""
    before = max(_blas_threads())
    yield _set_blas_threads
    _set_blas_threads(before)


def test_blas_is_on_one_thread_inside_and_as_it_was_after(
        blas_threads: Callable[[int], None]) -> None:
    blas_threads(3)
    with one_blas_thread():
        assert _blas_threads() == {1}
        with one_blas_thread():  # nested: still one, and not lifted by the inner exit
            pass
        assert _blas_threads() == {1}
    assert _blas_threads() == {3}


def test_the_limit_holds_until_the_last_concurrent_block_leaves(
        blas_threads: Callable[[int], None]) -> None:
    blas_threads(3)
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with one_blas_thread():
            inside.set()
            leave.wait(10)

    worker = threading.Thread(target=other)
    worker.start()
    try:
        assert inside.wait(10)
        with one_blas_thread():
            pass  # this block leaves first; the other thread is still computing
        assert _blas_threads() == {1}
    finally:
        leave.set()
        worker.join(10)
    assert _blas_threads() == {3}


@pytest.mark.parametrize("engine_threads", [1, 2])
def test_a_run_is_the_same_whatever_blas_threads_it_finds(
        engine_threads: int, blas_threads: Callable[[int], None]) -> None:
    # 20,000 draws: past the 10,000 terms at which OpenBLAS splits a dot product.
    study = uncertainty.load(SEED)
    found = []
    for n in (1, 3):
        blas_threads(n)
        result = study.run(draws=20_000, seed=11, threads=engine_threads)
        assert _blas_threads() == {n}  # given back
        document = json.loads(result.summary_json)
        del document["provenance"]["created_utc"]
        found.append(document)
    assert found[0] == found[1]


def test_the_provenance_names_the_blas_threads_the_run_used(
        blas_threads: Callable[[int], None]) -> None:
    blas_threads(3)
    study = uncertainty.load(SEED)

    def recorded() -> list[str]:
        run = study.run(draws=2_000, seed=11, threads=1, sensitivity=False)
        return run.provenance["blas"].split("; ")

    # numpy's BLAS and scipy's, each on the one thread a run holds it to
    found = recorded()
    assert len(found) >= 2 and all(lib.endswith(", 1 thread") for lib in found), found
    # inside a limit of the caller's own, the run keeps it, and its record says so
    with threadpool_limits(limits=2, user_api="blas"):
        found = recorded()
    assert all(lib.endswith(", 2 threads") for lib in found), found
