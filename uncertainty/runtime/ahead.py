"""Work done ahead in a background thread, taken when needed, or redone where it failed.

A run knows early what some later stage will make: the forest and density figures of a
results folder need the draws and their summary, not the sensitivity analysis that runs
before the figures stage. `Ahead` makes such items in one background thread while the
calling thread goes on; the stage that needs an item `take`s it, which first waits for the
thread to finish. An item whose work raised (or any item, if the thread could not finish
it) is made again by `take` in the calling thread, exactly as a run without work ahead
makes it: so nothing is lost, and an error is raised where the serial run would raise it.

The background thread starts with an empty `contextvars` context, so it reports no
progress (`uncertainty.runtime.progress`) and does not change the stage a failure is
attributed to. Only pure work belongs here: an item must give the same result in any
thread and at any time, and must not share mutable state with what the calling thread
does meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

__all__ = ["Ahead"]

T = TypeVar("T")


class Ahead(Generic[T]):
    """Items made in order in one daemon thread, started at once.

    Parameters
    ----------
    work : mapping of str to callable
        Each item's name and the function (no arguments) that makes it.

    Notes
    -----
    An item is handed out once: a second `take` of a name makes it again.
    """

    def __init__(self, work: Mapping[str, Callable[[], T]]) -> None:
        self._done: dict[str, T] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._make, args=(dict(work),),
                                        name="uncertainty-ahead", daemon=True)
        self._thread.start()

    def _make(self, work: dict[str, Callable[[], T]]) -> None:
        for name, func in work.items():
            if self._stop.is_set():
                return
            try:
                self._done[name] = func()
            except Exception:  # made again by `take`, which raises it there
                continue

    def take(self, name: str, make: Callable[[], T]) -> T:
        """The item `name` as made ahead, or ``make()`` when it was not.

        Waits for the background thread first, so that the caller never runs at the same
        time as the work ahead.
        """
        self._thread.join()
        if name in self._done:
            return self._done.pop(name)
        return make()

    def made(self) -> frozenset[str]:
        """Names of the items made ahead and not yet taken (waits for the thread)."""
        self._thread.join()
        return frozenset(self._done)

    def cancel(self) -> None:
        """Make no item not yet begun, and wait for the one under way."""
        self._stop.set()
        self._thread.join()
