"""Engines: where the independent pieces of a streamed run are computed.

A streamed run (`uncertainty.streaming`) is a few passes, each a map of one function over
ranges of draws followed by an exact reduction on the caller's side. An engine runs the
map: `LocalEngine` in this process's threads, `uncertainty.engines.dask.DaskEngine` as
Dask tasks on a local cluster or a scheduler's workers. The function and its context must
pickle for Dask; the results come back in item order, and every reduction is exact (integer
counts, minima, maxima, `math.fsum`), so every engine gives identical numbers.

=============  ===================================================================
``engine``     where the pieces run
=============  ===================================================================
``"local"``    threads of this process (``threads``, default every core)
``"dask"``     Dask tasks: a ``LocalCluster`` of 2 processes, or ``scheduler``
=============  ===================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Literal, Protocol, TypeVar

from uncertainty.runtime.parallel import resolve_threads, thread_map

__all__ = ["ENGINES", "Engine", "EngineName", "LocalEngine", "open_engine"]

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")

EngineName = Literal["local", "dask"]
#: The engines `open_engine` knows.
ENGINES: tuple[EngineName, ...] = ("local", "dask")


class Engine(Protocol):
    """Runs ``func(context, item)`` for every item; see the module docstring."""

    @property
    def name(self) -> str:
        """``"local"`` or ``"dask"``, recorded in a run's provenance."""

    @property
    def workers(self) -> int:
        """How many items run at once."""

    def map(self, func: Callable[[C, T], R], context: C,
            items: Sequence[T]) -> Iterator[R]:
        """``func(context, item)`` for each item, yielded in item order."""


class LocalEngine:
    """Runs the items in threads of this process (see `uncertainty.runtime.parallel`).

    Items run `threads` at a time, in batches, so that no more results are held than
    threads before the caller reduces them.
    """

    name = "local"

    def __init__(self, threads: int | None = None) -> None:
        self._threads = resolve_threads(threads)

    @property
    def workers(self) -> int:
        """The thread count."""
        return self._threads

    def map(self, func: Callable[[C, T], R], context: C,
            items: Sequence[T]) -> Iterator[R]:
        """``func(context, item)`` for each item, yielded in item order."""
        batch = self._threads
        for start in range(0, len(items), batch):
            yield from thread_map(lambda item: func(context, item),
                                  items[start:start + batch], self._threads)


@contextmanager
def open_engine(engine: EngineName | Engine = "local", *, scheduler: str | None = None,
                threads: int | None = None) -> Iterator[Engine]:
    """The engine named `engine`, closed on leaving the block (an `Engine` passes through).

    Parameters
    ----------
    engine : {"local", "dask"} or Engine
        Which engine; an engine already open is used as it is and left open.
    scheduler : str or None
        With ``"dask"``: the address of a running scheduler (``tcp://host:8786``); None
        starts a `distributed.LocalCluster` of 2 worker processes for the block.
    threads : int or None
        With ``"local"``: threads (None: every core).

    Raises
    ------
    ValueError
        For an unknown engine name, or a scheduler without ``"dask"``.
    ImportError
        For ``"dask"`` without the ``dask[distributed]`` packages
        (``pip install 'uncertainty[dask]'``).
    """
    if not isinstance(engine, str):
        yield engine
        return
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise ValueError("a scheduler address needs the dask engine")
    if engine == "local":
        yield LocalEngine(threads)
        return
    from uncertainty.engines.dask import dask_engine

    with dask_engine(scheduler) as opened:
        yield opened
