"""The tables of the distributions built last, kept by what they were built from.

A tabulated law (a mixture's quantile function, an increment's distribution) costs tens to
hundreds of milliseconds to build, and a study builds the same one again: a study loaded
twice, a model rebuilt for another run, each variant of the sensitivity analysis that keeps
the figures. Equal inputs give the same table, bit for bit, so the last few are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Kept"]

V = TypeVar("V")


class Kept(Generic[V]):
    """The values made for the `size` keys used last (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: dict[Hashable, V] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for `key`, else ``make()`` (then kept).

        A key that cannot be hashed (it holds an array) is never kept: ``make()`` each time.
        Two threads asking for a new key at once may both make it; either value is kept.
        """
        try:
            with self._lock:
                value = self._values.pop(key, None)
        except TypeError:
            return make()
        if value is None:
            value = make()
        with self._lock:
            self._values[key] = value  # most recently used last
            while len(self._values) > self.size:
                del self._values[next(iter(self._values))]
        return value
