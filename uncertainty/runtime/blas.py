"""BLAS on one thread while a run computes: numbers that do not depend on the machine.

numpy and scipy each load an OpenBLAS (or another BLAS) that by default starts one thread
per core and splits a long dot product between them: ``np.dot(u, u)`` over 100,000 draws
is then the sum of one partial sum per core, whose last bits depend on how many cores the
machine has. A run's own threads (`uncertainty.runtime.parallel`) give the same numbers
for any count; BLAS's threads would not, and they also compete with ours for the cores:
with both, the comparison stage took as long on two threads as on one.

`one_blas_thread` holds every BLAS library loaded in the process to one thread for as long
as any computation of a run is inside it, and then gives back the limits it found. The
run's numbers are then those of a one-core machine, whatever the machine's core count (a
processor of another kind may still have BLAS kernels that sum in another order). The
libraries are
found by `threadpoolctl` (the joblib and scikit-learn project's tool for this), once, at
the first run: numpy's and scipy's, which `uncertainty` imports before any run.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["blas_in_use", "call_with_one_blas_thread", "one_blas_thread"]

R = TypeVar("R")

_LOCK = threading.Lock()
#: How many computations are inside `one_blas_thread` now (in any thread), and the limiter
#: that restores what the first of them found.
_DEPTH = 0
_LIMITER: Any = None


@functools.cache
def _controller() -> Any:
    """The BLAS libraries of the process, found once: numpy's and scipy's loaded first."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@functools.cache
def _control_thread(pid: int) -> ThreadPoolExecutor:
    """The one thread (of process `pid`) that sets and restores the limits.

    threadpoolctl lets one thread at a time change OpenBLAS's process-wide limit (others
    are ignored until it is done), and a limit is lifted by the thread that set it. Here
    the first computation to start sets it and the last to end lifts it, from any threads:
    both are done in this thread.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="uncertainty-blas")


def _in_control_thread(func: Callable[[], R]) -> R:
    return _control_thread(os.getpid()).submit(func).result()


def _limit() -> Any:
    limiter = _controller().limit(limits=1, user_api="blas")
    limiter.__enter__()  # what `with` does: this thread holds OpenBLAS until __exit__
    return limiter


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Every BLAS library on one thread inside the block.

    Nested or concurrent blocks share one limit, which the last to leave lifts. Also a
    decorator: ``@one_blas_thread()``. A limit the caller set with threadpoolctl and is
    still inside of is the caller's: threadpoolctl keeps it (and the numbers are then
    those of that many BLAS threads).
    """
    global _DEPTH, _LIMITER
    with _LOCK:
        if _DEPTH == 0:
            _LIMITER = _in_control_thread(_limit)
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                limiter, _LIMITER = _LIMITER, None
                _in_control_thread(lambda: limiter.__exit__(None, None, None))


def call_with_one_blas_thread(func: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``func(*args, **kwargs)`` inside `one_blas_thread`.

    For work sent to other processes (a Dask worker's BLAS is its own), as
    ``functools.partial(call_with_one_blas_thread, func)``, which pickles where a closure
    would not.
    """
    with one_blas_thread():
        return func(*args, **kwargs)


def blas_in_use() -> str:
    """The BLAS libraries of this process and their thread counts now, in words.

    For a run's provenance (read inside `one_blas_thread`, so normally "1 thread"): e.g.
    ``"openblas 0.3.30 SkylakeX, 1 thread; openblas 0.3.31 SkylakeX, 1 thread"``, one
    entry per library, sorted. The version and the processor architecture are what choose
    a BLAS's kernels, hence the order of its sums; the thread count, how a long dot product
    is split. ``"none found"`` where threadpoolctl finds no BLAS.
    """
    found = sorted({
        f"{lib.get('internal_api', '?')} {lib.get('version') or '?'}"
        + (f" {lib['architecture']}" if lib.get("architecture") else "")
        + f", {lib.get('num_threads')} thread{'s' if lib.get('num_threads') != 1 else ''}"
        for lib in _controller().info() if lib.get("user_api") == "blas"})
    return "; ".join(found) if found else "none found"
