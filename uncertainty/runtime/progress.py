"""Progress of a long run, reported on a terminal and nowhere else.

Computation reports what it has done through `stage` and `advance`, which do nothing unless
a reporter is installed with `reporting` (the command line installs one when stderr is a
terminal and ``--quiet`` is not given). The reporter lives in a context variable, so work
running in `uncertainty.runtime.parallel` threads reports to it too, and library users never see
output they did not ask for.

`TerminalProgress` draws one line on stderr, rewritten in place, once the run has taken
more than `DELAY` seconds: the stage, a bar, what is done of what, a note (the worst Monte
Carlo error of a precision-targeted run) and the time left in the stage. It never writes to
stdout, so ``--format json`` output stays valid.

`tracking` records the name of the stage under way (reporter or not), so that the command
line can say where an unexpected error happened.
"""

from __future__ import annotations

import contextvars
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

__all__ = ["DELAY", "Reporter", "Stage", "TerminalProgress", "advance", "note", "reporting",
           "stage", "tracking", "within"]

#: Seconds a run must have lasted before its progress line appears.
DELAY = 1.0


class Reporter(Protocol):
    """What computation reports to (see `TerminalProgress`)."""

    def start(self, name: str, total: int, unit: str) -> None:
        """A stage of `total` units begins."""

    def advance(self, count: int) -> None:
        """`count` more units of the current stage are done."""

    def note(self, text: str) -> None:
        """A short note shown beside the bar until replaced."""

    def finish(self) -> None:
        """The run is over: clear the line."""


_current: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar(
    "uncertainty_progress", default=None)


class Stage:
    """The name of the stage under way (None before the first), as `tracking` records it."""

    def __init__(self) -> None:
        self.name: str | None = None


_stage: contextvars.ContextVar[Stage | None] = contextvars.ContextVar(
    "uncertainty_stage", default=None)
#: True inside `within`: the stages of nested work are not the stage a user sees.
_nested: contextvars.ContextVar[bool] = contextvars.ContextVar("uncertainty_nested",
                                                               default=False)


@contextmanager
def tracking() -> Iterator[Stage]:
    """Record in the yielded `Stage` the name of each stage begun inside the block.

    The record is one shared object, so stages begun in `uncertainty.runtime.parallel` threads
    (which copy the context) update it too; it keeps its last name after the block exits,
    an exception included.
    """
    where = Stage()
    token = _stage.set(where)
    try:
        yield where
    finally:
        _stage.reset(token)


def _record(name: str) -> None:
    where = _stage.get()
    if where is not None and not _nested.get():
        where.name = name


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Install `reporter` (None: none) for the work done inside the block."""
    token = _current.set(reporter)
    try:
        yield
    finally:
        if reporter is not None:
            reporter.finish()
        _current.reset(token)


class _Muted:
    """Passes notes on but hides the stages of work nested inside an outer stage."""

    def __init__(self, outer: Reporter) -> None:
        self.outer = outer

    def start(self, name: str, total: int, unit: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def note(self, text: str) -> None:
        pass

    def finish(self) -> None:
        pass


def _ignore(count: int) -> None:
    pass


@contextmanager
def within(name: str, total: int, unit: str = "") -> Iterator[Callable[[int], None]]:
    """A stage whose inner work (simulations with stages of their own) is not shown.

    Yields a function that counts units of this stage as done.
    """
    _record(name)
    nested = _nested.set(True)
    try:
        reporter = _current.get()
        if reporter is None or isinstance(reporter, _Muted):
            yield _ignore
            return
        reporter.start(name, total, unit)
        token = _current.set(_Muted(reporter))
        try:
            yield reporter.advance
        finally:
            _current.reset(token)
    finally:
        _nested.reset(nested)


def stage(name: str, total: int, unit: str = "") -> None:
    """Begin a stage of `total` units (``"draws"``, ``"rows"``...)."""
    _record(name)
    reporter = _current.get()
    if reporter is not None:
        reporter.start(name, total, unit)


def advance(count: int = 1) -> None:
    """Count `count` more units of the current stage as done."""
    reporter = _current.get()
    if reporter is not None:
        reporter.advance(count)


def note(text: str) -> None:
    """Show `text` beside the bar (e.g. the worst Monte Carlo error so far)."""
    reporter = _current.get()
    if reporter is not None:
        reporter.note(text)


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class TerminalProgress:
    """One progress line on a terminal stream, redrawn at most ten times a second.

    A stage's start, its completion and a new note are drawn at once; other counts wait
    for the next tenth of a second.

    Parameters
    ----------
    stream : text stream
        Where to draw (stderr); it should be a terminal.
    width : int
        Characters of the bar.
    clock : callable
        Seconds, monotonic (a parameter so tests can drive it).
    """

    def __init__(self, stream: TextIO, *, width: int = 24,
                 clock: Callable[[], float] | None = None) -> None:
        self._stream, self._width = stream, width
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._began = self._clock()
        self._stage, self._unit, self._total, self._done = "", "", 0, 0
        self._stage_began = self._began
        self._note = ""
        self._drawn_at = -1.0
        self._shown = False

    def start(self, name: str, total: int, unit: str) -> None:  # noqa: D102
        with self._lock:
            self._stage, self._total, self._unit, self._done = name, max(total, 0), unit, 0
            self._stage_began = self._clock()
            self._draw(force=True)

    def advance(self, count: int) -> None:  # noqa: D102
        with self._lock:
            self._done = min(self._done + count, self._total)
            self._draw(force=self._done == self._total)  # a finished stage is always shown

    def note(self, text: str) -> None:  # noqa: D102
        with self._lock:
            self._note = text
            self._draw(force=True)

    def finish(self) -> None:  # noqa: D102
        with self._lock:
            if self._shown:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
                self._shown = False

    def line(self) -> str:
        """The text of the progress line as it stands."""
        parts = [self._stage]
        if self._total:
            share = self._done / self._total
            filled = int(share * self._width)
            bar = "#" * filled + "." * (self._width - filled)
            unit = f" {self._unit}" if self._unit else ""
            parts.append(f"[{bar}] {share:4.0%} {self._done:,}/{self._total:,}{unit}")
            elapsed = self._clock() - self._stage_began
            if 0 < self._done < self._total and elapsed > 0.5:
                left = elapsed * (self._total - self._done) / self._done
                parts.append(f"{_duration(left)} left")
        if self._note:
            parts.append(self._note)
        return " · ".join(p for p in parts if p)

    def _draw(self, force: bool = False) -> None:
        now = self._clock()
        if now - self._began < DELAY:
            return
        if not force and now - self._drawn_at < 0.1:
            return
        self._drawn_at = now
        columns = shutil.get_terminal_size((100, 24)).columns
        self._stream.write("\r\x1b[K" + self.line()[: max(columns - 1, 20)])
        self._stream.flush()
        self._shown = True
