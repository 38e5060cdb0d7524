"""The C allocator's settings for a process that does nothing but a run (glibc only).

A run allocates and frees arrays of a few MiB to a few hundred MiB, one per row, chunk and
temporary. glibc's malloc maps each array above its threshold afresh (128 KiB at first,
rising to the largest freed so far), gives back to the system any free memory over its trim
threshold at the top of the heap, and gives each thread an arena of its own. A fresh page
costs a page fault on first touch: at 10^6 draws a lean run of the seed study took 100,000
to 179,000 of them and 0.9 to 5.9 s of system time on this 2-core machine, with both threads
faulting the same memory in again and again.

`tune_allocator` sets what the adaptive threshold reaches on its own (32 MiB; arrays up to
that size come from the heap and are reused), keeps up to 64 MiB free before giving it
back, and has every thread share one arena, so that one thread's freed array is the next
one's. The command line calls it once, at its start; nothing is computed differently, so
no number can change. Dask's worker processes get the same two thresholds through their
environment (`uncertainty.engines.dask.WORKER_ENVIRON`). A library user's process is left
as it is.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "tune_allocator"]

#: Arrays larger than this are mapped afresh: glibc's own ceiling for its adaptive threshold.
MMAP_THRESHOLD = 32 << 20
#: Free memory kept at the top of the heap before it is given back (twice the threshold).
TRIM_THRESHOLD = 64 << 20
# mallopt's parameter numbers, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def tune_allocator() -> bool:
    """Set glibc malloc's thresholds and arena count for a run; whether it could.

    False (and nothing done) where the C library is not glibc: macOS, Windows, musl.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (only glibc has it)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = [mallopt(param, value) for param, value in (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        (_M_ARENA_MAX, 1))]
    return all(ok == 1 for ok in done)
