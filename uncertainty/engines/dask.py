"""The Dask engine: the pieces of a streamed run as tasks on a Dask cluster.

Needs the optional ``dask[distributed]`` packages (``pip install 'uncertainty[dask]'``).
The context of a pass (the model, the views, the plan of the passes: kilobytes) is
scattered to every worker once; each task computes one range of draws and returns its
small tally (counts, sums, histograms, the few draws collected), never the draws; the
tallies are gathered in item order and reduced on the client. Workers must import the same
version of this package as the client: a `distributed.LocalCluster` started here does.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar

from uncertainty.runtime.allocator import MMAP_THRESHOLD, TRIM_THRESHOLD
from uncertainty.runtime.blas import call_with_one_blas_thread

__all__ = ["LOCAL_WORKERS", "WORKER_ENVIRON", "DaskEngine", "dask_engine"]

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

#: Worker processes of the local cluster started when no scheduler is given.
LOCAL_WORKERS = 2
#: Allocator settings of the local cluster's workers. Dask sets
#: ``MALLOC_TRIM_THRESHOLD_=65536`` for its workers, which turns off glibc's adaptive mmap
#: threshold: every array of more than 128 KiB is then mapped afresh and page-faulted in,
#: and a chunk of work (hundreds of MiB of short-lived arrays) runs 2-3 times slower than in
#: a thread of the client. These are the limits the adaptive threshold reaches on its own.
WORKER_ENVIRON = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
                  "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD)}


class DaskEngine:
    """Runs the pieces of a pass as tasks of a `distributed.Client`.

    Parameters
    ----------
    client : distributed.Client
        Connected to the cluster to use.
    """

    name = "dask"

    def __init__(self, client: Any) -> None:
        self.client = client

    @property
    def workers(self) -> int:
        """Threads across the cluster's workers (at least 1)."""
        try:  # recent versions list only a few workers unless asked for all
            info = self.client.scheduler_info(n_workers=-1)["workers"]
        except TypeError:  # pragma: no cover - distributed before 2025
            info = self.client.scheduler_info()["workers"]
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))

    def map(self, func: Callable[[C, T], R], context: C,
            items: Sequence[T]) -> Iterator[R]:
        """``func(context, item)`` for each item as a task; results yielded in item order.

        Every task is submitted at once (the scheduler balances them); each result is
        released from the cluster as soon as it is read.
        """
        # In a list: scatter would send a tuple's items one by one.
        [shared] = self.client.scatter([context], broadcast=True, hash=False)
        # A worker's BLAS threads are its own: held to one there too (`one_blas_thread`).
        task = functools.partial(call_with_one_blas_thread, func)
        futures = [self.client.submit(task, shared, item, pure=False) for item in items]
        try:
            for future in futures:
                result: R = future.result()
                future.release()
                yield result
        finally:
            self.client.cancel([f for f in futures if not f.done()])
            shared.release()


@contextmanager
def dask_engine(scheduler: str | None = None, *,
                workers: int = LOCAL_WORKERS) -> Iterator[DaskEngine]:
    """A `DaskEngine` for the block: on `scheduler`, or on a local cluster started for it.

    Parameters
    ----------
    scheduler : str or None
        Address of a running scheduler (``tcp://host:8786``). None starts a
        `distributed.LocalCluster` of `workers` processes with one thread each (with
        `WORKER_ENVIRON`), and stops it on leaving. Workers started elsewhere run faster
        with the same allocator settings in their environment.
    workers : int
        Worker processes of the local cluster.

    Raises
    ------
    ImportError
        When ``distributed`` is not installed, with how to install it.
    """
    try:
        # Imported by name, untyped: the package is optional, and type-checked without it.
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the dask engine needs dask[distributed]: "
                          "pip install 'uncertainty[dask]'") from exc
    with ExitStack() as stack:
        if scheduler is None:
            config: Any = importlib.import_module("dask").config
            environ = dict(config.get("distributed.nanny.pre-spawn-environ", default={}))
            stack.enter_context(config.set(
                {"distributed.nanny.pre-spawn-environ": environ | WORKER_ENVIRON}))
            # The dashboard (which nothing shows) on a free port: with None it still takes
            # 8787, and warns on stderr when another cluster or notebook holds that port.
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0"))
            client = stack.enter_context(distributed.Client(cluster))
        else:
            client = stack.enter_context(distributed.Client(scheduler))
        yield DaskEngine(client)
