"""Refusing requests that would not fit in memory, before allocating anything."""

from __future__ import annotations

import os

from uncertainty.errors import ResourceError

__all__ = ["MEMORY_SHARE", "check_memory", "physical_memory"]

#: Share of physical memory a run may plan to use before it is refused.
MEMORY_SHARE = 0.75


def physical_memory() -> int | None:
    """Bytes of physical memory, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


def check_memory(needed: int, what: str, path: str = "run.draws") -> None:
    """Raise `ResourceError` when `needed` bytes exceed `MEMORY_SHARE` of memory.

    Parameters
    ----------
    needed : int
        Bytes the request needs at its peak.
    what : str
        The request in words, e.g. ``"200,000 draws for 5 views"``.
    path : str
        Where the size was set.
    """
    have = physical_memory()
    if have is not None and needed > MEMORY_SHARE * have:
        raise ResourceError(
            path,
            f"{what} need about {needed / 2**30:,.3g} GiB, more than {MEMORY_SHARE:.0%} of "
            f"this machine's {have / 2**30:,.1f} GiB; use fewer draws",
            needed=needed,
        )
