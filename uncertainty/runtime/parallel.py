"""Independent pieces of work in threads, with results that cannot depend on how many.

numpy releases the GIL while it sorts, draws random numbers and runs ufuncs on large
arrays, so threads give real parallelism for the heavy parts of a run. Two rules keep every
number independent of the thread count:

- only *independent* items run concurrently, each writing its own output (a block of a
  random stream, a chunk of draws, a whole row to summarize); nothing is accumulated across
  items, so the order in which they finish cannot matter;
- work split along the draw axis (`chunks`) is *elementwise* only (transforms, metric
  arithmetic, constraint tests, copies), which gives identical results under any chunking.
  Reductions (sums, means, sorts) are never split: each stays whole, on one row.

==================  =========================================================
``threads``         meaning
==================  =========================================================
None                every core: ``os.cpu_count()``
1                   a plain loop in the calling thread, no pool
n > 1               a pool of n threads, made once and shared
below 1             ``ValueError``
==================  =========================================================
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["CHUNK_SIZE", "chunks", "resolve_threads", "thread_map", "threads_for"]

T = TypeVar("T")
R = TypeVar("R")

#: Draws per chunk of elementwise work: 2**16, small enough to stay in cache, large enough
#: that Python's per-chunk overhead is negligible. Any value gives the same numbers.
CHUNK_SIZE = 1 << 16


def resolve_threads(threads: int | None) -> int:
    """The thread count to use: `threads`, or every core when None."""
    if threads is None:
        return os.cpu_count() or 1
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    return threads


def threads_for(draws: int, threads: int | None) -> int:
    """Threads worth using on items of `draws` draws each: one below `CHUNK_SIZE`.

    Starting a pool costs more than a small item's work, and the numbers are the same for
    any count, so small runs (tests, fuzzing, previews) stay in the calling thread.
    """
    return resolve_threads(threads) if draws >= CHUNK_SIZE else 1


#: True inside a call `thread_map` runs in a pool thread: a `thread_map` there makes a pool
#: of its own, since waiting on the shared pool from one of its threads could deadlock.
_IN_POOL: contextvars.ContextVar[bool] = contextvars.ContextVar("in_pool", default=False)
#: The shared pools, by size: made on first use and kept, so a run starts its threads once
#: instead of at every stage (a pool's start costs about 1 ms a thread). Idle threads hold
#: no work; Python joins them at exit.
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _shared_pool(size: int) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = ThreadPoolExecutor(max_workers=size,
                                              thread_name_prefix=f"uncertainty-{size}")
        return _POOLS[size]


def thread_map(func: Callable[[T], R], items: Iterable[T], threads: int) -> list[R]:
    """``[func(item) for item in items]``, the calls spread over `threads` threads.

    Results come back in input order. On an error, or an interrupt, the calls not yet
    started are cancelled, the running ones are waited for, and the exception of the first
    failing item in input order is raised, as the plain loop would. Each call runs in a
    copy of the caller's `contextvars` context, so numpy's error state (``np.errstate``)
    is the caller's in every thread. With ``threads == 1``, or a single item, no pool is
    used. Otherwise the calls go to a pool of `threads` threads shared by every call of
    this size (made once per process); a call from inside a pool thread gets a pool of its
    own for the call, so nested maps cannot wait on each other.
    """
    work = list(items)
    if threads == 1 or len(work) <= 1:
        return [func(item) for item in work]
    context = contextvars.copy_context()

    def call(item: T) -> R:
        inner = context.copy()
        inner.run(_IN_POOL.set, True)
        return inner.run(func, item)

    nested = _IN_POOL.get()
    pool = (ThreadPoolExecutor(max_workers=min(threads, len(work))) if nested
            else _shared_pool(threads))
    futures = []
    try:
        futures = [pool.submit(call, item) for item in work]
        return [f.result() for f in futures]
    finally:
        if nested:
            pool.shutdown(wait=True, cancel_futures=True)
        else:  # the pool stays: cancel what has not started, wait for what has
            for f in futures:
                f.cancel()
            wait(futures)


def chunks(n: int, size: int = CHUNK_SIZE) -> list[slice]:
    """Consecutive slices of at most `size` covering ``range(n)`` (none when n is 0)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
