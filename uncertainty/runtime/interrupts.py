"""Ctrl-C that no finalizer can swallow: a latch the command line holds while it works.

Python turns SIGINT into `KeyboardInterrupt` in the main thread, raised in whatever Python
code runs there when the signal is handled. When that code is a finalizer (an object's
``__del__``, a weakref callback, a generator closed by the garbage collector), Python
prints "Exception ignored" and drops the exception: the run would go on as if no Ctrl-C
had come, and write its results. Inside `latched`, each SIGINT is recorded before it is
raised, and `check` raises it again if it was dropped; `uncertainty.io.results` checks
before it puts new results in place, so an interrupted run never replaces earlier ones.

A Ctrl-C can also come once new results are in place (while the old ones are deleted, or
the report is printed): `uncertainty.io.results` records each folder it has written with
`wrote`, and `written` tells the command line which, so that it says so instead of
"no results were written".
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["check", "latched", "written", "wrote"]

_received = threading.Event()
#: Folders whose new results are in place, since `latched` began; None outside it.
_written: list[str] | None = None


def _handler(signum: int, frame: FrameType | None) -> None:
    _received.set()
    signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt, as by default


@contextmanager
def latched() -> Iterator[None]:
    """Record every SIGINT inside the block (each still raises `KeyboardInterrupt`).

    Only in the main thread, and only where SIGINT has Python's default handler: a process
    started with SIGINT ignored (a background job of a shell) keeps ignoring it, and a
    handler of the caller's own stays. The previous handler is back after the block. The
    folders written inside it (`wrote`) are recorded in any case.
    """
    global _written
    _written = []
    try:
        if (threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
            yield
            return
        _received.clear()
        signal.signal(signal.SIGINT, _handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            _received.clear()
    finally:
        _written = None


def check() -> None:
    """Raise `KeyboardInterrupt` if a SIGINT came inside `latched`, even one swallowed."""
    if _received.is_set():
        raise KeyboardInterrupt


def wrote(folder: str) -> None:
    """Record that `folder` now holds new results, inside `latched` (else nothing)."""
    if _written is not None and folder not in _written:
        _written.append(folder)


def written() -> list[str]:
    """The folders given to `wrote` since `latched` began (none outside it)."""
    return list(_written or [])
