"""The whole computation, with no files involved: model in, draws and summary out."""

from __future__ import annotations

import datetime as _dt
import functools
import secrets
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import scipy
import xarray as xr

from uncertainty.analysis.comparison import Comparison, compare_run
from uncertainty.analysis.consensus import Consensus, consensus, with_laws
from uncertainty.analysis.consensus_claims import claims_of
from uncertainty.analysis.consensus_view import error_factors, widen
from uncertainty.engines import Engine, EngineName, open_engine
from uncertainty.engines.dask import LOCAL_WORKERS
from uncertainty.model.core import Model
from uncertainty.model.views import View, build_views
from uncertainty.runtime.blas import blas_in_use, one_blas_thread
from uncertainty.runtime.parallel import resolve_threads
from uncertainty.runtime.resources import choose_mode, default_memory_budget
from uncertainty.sampling import draw_dataset
from uncertainty.sampling.derive import Kept
from uncertainty.streaming import memory_bound
from uncertainty.streaming import stream as stream_run
from uncertainty.summary import summarize

__all__ = ["Run", "memory_needed", "rebuild", "simulate", "versions", "view_count"]

def versions() -> dict[str, str]:
    """Versions of this package and the libraries that determine its numbers."""
    return {"uncertainty": _own_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "xarray": xr.__version__}


@functools.cache
def _own_version() -> str:
    """The installed version of this package, looked up once (a scan of sys.path)."""
    try:
        return metadata.version("uncertainty")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


@dataclass(frozen=True)
class Run:
    """The outcome of one simulation.

    Parameters
    ----------
    model : Model
        What was simulated.
    views : tuple of View
        The views, in report order.
    draws : xarray.Dataset
        Dims ``(view, draw)``, provenance in ``attrs``. For a streamed run (``"streaming"``
        in `provenance`), only the first draws of each view (``attrs["prefix_of"]`` gives
        how many were summarized): exactly those of an in-memory run of that size.
    summary : xarray.Dataset
        From `uncertainty.stats.summarize`.
    provenance : dict
        Seed, draws, config hash, creation time and versions.
    acceptance : xarray.Dataset or None
        With constraints, the acceptance rates (see `uncertainty.sampling.Drawn`).
    comparison : Comparison or None
        How the views compare (see `uncertainty.analysis.comparison`).
    consensus : Consensus or None
        What the sources of each quantity jointly imply, computed before drawing (its laws
        are the consensus view's); None when no quantity has two sources' claims.
    kept : Kept or None
        A run in memory simulated with ``keep=True``: its candidates and the streams behind
        them, which the sensitivity analysis derives its variants from
        (`uncertainty.sampling.Rerun`) instead of drawing the run again.

    The study layer (`uncertainty.study.Result`) adds what later stages make of it.
    """

    model: Model
    views: tuple[View, ...]
    draws: xr.Dataset
    summary: xr.Dataset
    provenance: dict[str, Any] = field(default_factory=dict)
    acceptance: xr.Dataset | None = None
    comparison: Comparison | None = None
    consensus: Consensus | None = None
    kept: Kept | None = field(default=None, repr=False, compare=False)


def view_count(model: Model) -> int:
    """How many views a run of `model` draws.

    `build_views`, and the consensus view when the run will compute one (some quantity has
    two or more claims the consensus reads).
    """
    pending = model.consensus_laws is None and any(
        len(claims_of(model, q)) >= 2 for q in model.quantities)
    return len(build_views(model)) + pending


def memory_needed(model: Model, views: int, draws: int, threads: int = 1) -> int:
    """Bytes a run needs at its peak, roughly: every (view, variable) row plus the inputs.

    Each thread summarizing rows sorts a copy of one; the copies beyond the first count
    too.
    """
    rows = views * (len(model.quantities) + len(model.metrics))
    streams = sum(len(s.estimates) for s in model.sources) + len(model.quantities)
    sorting = max(min(threads, rows) - 1, 0)
    return 8 * draws * (rows + 2 * streams + sorting)


@one_blas_thread()
def simulate(model: Model, *, config_sha256: str = "", compare: bool = True,
             threads: int | None = None, engine: EngineName | Engine = "local",
             scheduler: str | None = None, memory_budget: int | None = None,
             stream: bool | None = None, keep: bool = False) -> Run:
    """Draw, evaluate and summarize `model` under every view.

    Parameters
    ----------
    model : Model
        Validated model; ``model.run`` gives draws, seed and levels. A missing seed is
        drawn from the operating system and recorded in the provenance.
    config_sha256 : str
        Hash of the config text, recorded in the provenance.
    compare : bool
        Also compare the views (`uncertainty.analysis.comparison`); off, ``Run.comparison`` is None
        for a run in memory. A streamed run counts the comparison in its summing pass and
        always returns it.
    threads : int or None
        Threads for the drawing and the summary (the local engine's); None: every core
        (``os.cpu_count()``). Every number is the same for any count (see
        `uncertainty.runtime.parallel`), so the count is not recorded.
    engine : {"local", "dask"} or Engine
        Where a streamed run's passes run (`uncertainty.engines.open_engine`). ``"dask"``
        always streams; an open engine is used and left open (to reuse one cluster).
    scheduler : str or None
        With ``engine="dask"``: a scheduler's address; None starts a local cluster of 2
        worker processes for the run.
    memory_budget : int or None
        Bytes the run may use; None: half the memory available
        (`uncertainty.runtime.resources.default_memory_budget`).
    stream : bool or None
        None: stream when the run would not fit in `memory_budget` in memory; True:
        always; False: never (refused when it would not fit, e.g. to save the draws).
    keep : bool
        A run in memory keeps its candidates and streams (``Run.kept``) for a sensitivity
        analysis to derive its variants from; no number changes.

    Returns
    -------
    Run
        A streamed run (``"streaming"`` in its provenance) has the same summary and
        comparison as the run in memory (see `uncertainty.streaming` for what is exact);
        its ``draws`` are the first `uncertainty.streaming.PREFIX_DRAWS` draws per view,
        and no sensitivity analysis has been run on it.

    Raises
    ------
    ResourceError
        When the run does not fit in `memory_budget` in the form allowed (checked before
        allocating); the message gives the size it would need.
    ConstraintConflict
        When a constraint holds in under 1% of some view's draws.
    """
    threads = resolve_threads(threads)
    settings = model.run
    seed = settings.seed if settings.seed is not None else secrets.randbits(32)
    name = engine if isinstance(engine, str) else engine.name
    if stream is None and name != "local":
        stream = True  # the Dask engine runs the blocks of a streamed run
    workers = (threads if name == "local" else
               LOCAL_WORKERS if isinstance(engine, str) else engine.workers)
    # The consensus is computed once the mode is known (a streamed run keeps no leave-one-out
    # laws); its view is counted in the size first.
    views = build_views(model)
    n_views = view_count(model)
    mode = choose_mode(memory_needed(model, n_views, settings.draws, threads),
                       memory_bound(model, views, workers, settings.draws),
                       f"{settings.draws:,} draws for {n_views} views",
                       budget=memory_budget, stream=stream)
    found = None
    if model.consensus_laws is None:
        found = consensus(model, seed=seed, draws=settings.draws,
                          leave_one_out=mode == "memory", threads=threads)
        model = with_laws(model, found)
        views = build_views(model)
    provenance: dict[str, Any] = {
        "config_sha256": config_sha256,
        "seed": seed,
        "seed_from": "config" if settings.seed is not None else "random",
        "draws": settings.draws,
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(),
        # what a rerun on another machine or BLAS build needs to explain last-bit changes
        "blas": blas_in_use(),
    }
    attrs = {"title": model.title, "seed": seed, "draws": settings.draws,
             "config_sha256": config_sha256,
             **{f"version_{k}": v for k, v in provenance["versions"].items()}}
    if mode == "memory":
        drawn = draw_dataset(model, views, seed=seed, draws=settings.draws, threads=threads,
                             keep=keep)
        draws = drawn.draws
        draws.attrs.update(attrs)
        summary = widen(summarize(draws, settings.levels, threads=threads),
                        error_factors(model, settings.draws))
        comparison = (compare_run(model, views, draws, summary=summary, threads=threads)
                      if compare else None)
        return Run(model, views, draws, summary, provenance, drawn.acceptance, comparison,
                   found, drawn.kept)
    with open_engine(engine, scheduler=scheduler, threads=threads) as opened:
        streamed = stream_run(model, views, seed=seed, draws=settings.draws, engine=opened,
                              attrs=attrs)
        provenance["streaming"] = {
            "engine": opened.name, "workers": opened.workers,
            "memory_budget": memory_budget if memory_budget is not None
            else default_memory_budget(),
            "in_memory_bytes": memory_needed(model, len(views), settings.draws, threads),
            "streaming_bytes": memory_bound(model, views, workers, settings.draws),
            **streamed.info,
            "overlap_draws": streamed.info["prefix_draws"],
            "sensitivity": "not run on a streamed run",
        }
    return Run(model, views, streamed.draws, streamed.summary, provenance,
               streamed.acceptance, streamed.comparison, found)


@one_blas_thread()
def rebuild(model: Model, draws: xr.Dataset, provenance: dict[str, Any],
            metrics: list[str] | None = None, *, threads: int | None = None) -> Run:
    """A `Run` from saved draws: the summary and comparison recomputed, nothing redrawn."""
    found = None
    if model.consensus_laws is None:
        found = consensus(model, seed=int(provenance["seed"]), draws=draws.sizes["draw"],
                          threads=threads)
        model = with_laws(model, found)
    views = build_views(model)
    summary = widen(summarize(draws, model.run.levels, threads=threads),
                    error_factors(model, draws.sizes["draw"]))
    return Run(model, views, draws, summary, provenance, None,
               compare_run(model, views, draws, metrics, summary=summary, threads=threads),
               found)
