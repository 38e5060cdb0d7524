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
n > 1               a pool of n threads
below 1             ``ValueError``
==================  =========================================================
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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


def thread_map(func: Callable[[T], R], items: Iterable[T], threads: int) -> list[R]:
    """``[func(item) for item in items]``, the calls spread over `threads` threads.

    Results come back in input order. On an error, or an interrupt, the calls not yet
    started are cancelled, the running ones are waited for, and the exception of the first
    failing item in input order is raised, as the plain loop would. Each call runs in a
    copy of the caller's `contextvars` context, so numpy's error state (``np.errstate``)
    is the caller's in every thread. With ``threads == 1``, or a single item, no pool is
    made; otherwise a pool lives for this call only, so no thread outlives it.
    """
    work = list(items)
    if threads == 1 or len(work) <= 1:
        return [func(item) for item in work]
    context = contextvars.copy_context()

    def call(item: T) -> R:
        return context.copy().run(func, item)

    pool = ThreadPoolExecutor(max_workers=min(threads, len(work)))
    try:
        futures = [pool.submit(call, item) for item in work]
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def chunks(n: int, size: int = CHUNK_SIZE) -> list[slice]:
    """Consecutive slices of at most `size` covering ``range(n)`` (none when n is 0)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
