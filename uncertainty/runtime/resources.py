"""The memory budget: run in memory, stream, or refuse, decided before allocating anything.

A run's *in-memory form* holds every draw of every (view, variable) row at once. When that
would exceed the memory budget, a run that may stream (`uncertainty.streaming`) keeps only
a few blocks of draws at a time and never holds all of them; one that may not (it must keep
every draw, e.g. to save them) is refused up front, with a message giving the size it would
need, rather than being killed by the operating system halfway.

==========================  ======================================================
budget                      meaning
==========================  ======================================================
None                        `DEFAULT_SHARE` of the memory available now
                            (``MemAvailable`` in ``/proc/meminfo``; elsewhere, of
                            physical memory); no limit where neither is known
an int                      that many bytes
==========================  ======================================================
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from uncertainty.errors import ResourceError

__all__ = ["DEFAULT_SHARE", "available_memory", "check_memory", "choose_mode",
           "default_memory_budget", "format_bytes", "parse_bytes", "physical_memory"]

#: Share of the available memory a run may plan to use by default.
DEFAULT_SHARE = 0.5

_MEMINFO = Path("/proc/meminfo")


def physical_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


def available_memory() -> int | None:
    """Bytes of memory available to new work now: ``MemAvailable`` from ``/proc/meminfo``.

    Falls back to physical memory where the kernel does not say (non-Linux), and to None
    where neither is known.
    """
    try:
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):  # pragma: no cover - no procfs
        pass
    return physical_memory()  # pragma: no cover - no MemAvailable line


def default_memory_budget() -> int | None:
    """`DEFAULT_SHARE` of `available_memory`, in bytes; None when it is unknown."""
    have = available_memory()
    return None if have is None else int(DEFAULT_SHARE * have)


def format_bytes(n: float) -> str:
    """``"4.1 GiB"``, ``"310 MiB"``: bytes in the largest binary unit below them."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= size:
            return f"{n / size:,.3g} {unit}"
    return f"{n:,.0f} B"


_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6,
          "mib": 2**20, "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12,
          "tib": 2**40}


def parse_bytes(text: str) -> int:
    """Bytes from a size as a person writes it: ``"1500000000"``, ``"4GiB"``, ``"1.5 GB"``.

    ==============================  ===============================
    written                         bytes
    ==============================  ===============================
    a number                        that many
    ``K``, ``M``, ``G``, ``T``      binary: 2**10, 2**20, 2**30, 2**40
    ``KiB``, ``MiB``, ``GiB``...    binary, the same
    ``kB``, ``MB``, ``GB``, ``TB``  decimal: 10**3, 10**6, 10**9, 10**12
    ==============================  ===============================

    Case and spaces do not matter. Raises `ValueError`, with the forms accepted, for
    anything else or a size below 1 byte.
    """
    cleaned = text.strip().lower().replace(" ", "").replace("_", "")
    number = cleaned.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = cleaned[len(number):]
    try:
        value = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise ValueError(f"{text!r} is not a size; write bytes, or a number with K, M, G, T "
                         "(binary) or kB, MB, GB, TB (decimal), e.g. 4GiB") from None
    if not value >= 1 or value == float("inf"):
        raise ValueError(f"{text!r} must be at least 1 byte")
    return int(value)


def _budget_words(budget: int, given: bool) -> str:
    if given:
        return f"the memory budget of {format_bytes(budget)}"
    return (f"the memory budget of {format_bytes(budget)} ({DEFAULT_SHARE:.0%} of the memory "
            "available)")


def check_memory(needed: int, what: str, path: str = "run.draws", *,
                 budget: int | None = None) -> None:
    """Raise `ResourceError` when `needed` bytes exceed the memory budget.

    Parameters
    ----------
    needed : int
        Bytes the request needs at its peak.
    what : str
        The request in words, e.g. ``"200,000 draws for 5 views"``.
    path : str
        Where the size was set.
    budget : int or None
        Bytes allowed; None: `default_memory_budget` (no check when that is unknown).
    """
    limit = budget if budget is not None else default_memory_budget()
    if limit is not None and needed > limit:
        raise ResourceError(
            path,
            f"{what} need about {format_bytes(needed)}, more than "
            f"{_budget_words(limit, budget is not None)}; use fewer draws",
            needed=needed,
        )


def choose_mode(in_memory: int, streaming: int, what: str, *, budget: int | None = None,
                stream: bool | None = None,
                path: str = "run.draws") -> Literal["memory", "stream"]:
    """Run in memory, stream, or refuse, before allocating anything.

    Parameters
    ----------
    in_memory : int
        Bytes the run needs at its peak holding every draw.
    streaming : int
        Bytes it needs at its peak streaming (a bound that does not grow with the draws).
    what : str
        The request in words, e.g. ``"100,000,000 draws for 5 views"``.
    budget : int or None
        Bytes allowed; None: `default_memory_budget` (unlimited when unknown).
    stream : bool or None
        None: stream only when the in-memory form exceeds the budget; True: always stream;
        False: never (the caller needs every draw in memory).
    path : str
        Where the size was set, for the error.

    Returns
    -------
    {"memory", "stream"}

    Raises
    ------
    ResourceError
        When the chosen form does not fit: its message gives the bytes needed and the
        budget, and `needed` carries the bytes.

    Notes
    -----
    ======================  ===================  ====================================
    ``stream``              in-memory fits       result
    ======================  ===================  ====================================
    None                    yes                  ``"memory"``
    None                    no                   ``"stream"`` if streaming fits
    True                    either               ``"stream"`` if streaming fits
    False                   yes                  ``"memory"``
    False                   no                   refused: the size it would need
    ======================  ===================  ====================================
    """
    limit = budget if budget is not None else default_memory_budget()
    fits = limit is None or in_memory <= limit
    if stream is False or (stream is None and fits):
        if limit is not None and not fits:
            raise ResourceError(
                path,
                f"{what} need about {format_bytes(in_memory)} in memory, more than "
                f"{_budget_words(limit, budget is not None)}, and this run must hold every "
                "draw; let it stream them (without keeping the draws), or use fewer draws",
                needed=in_memory,
            )
        return "memory"
    if limit is not None and streaming > limit:
        raise ResourceError(
            path,
            f"{what} need about {format_bytes(streaming)} even streamed "
            f"({format_bytes(in_memory)} in memory), more than "
            f"{_budget_words(limit, budget is not None)}; use fewer draws",
            needed=streaming,
        )
    return "stream"
