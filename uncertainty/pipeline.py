"""The whole computation, with no files involved: model in, draws and summary out."""

from __future__ import annotations

import datetime as _dt
import secrets
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy
import xarray as xr

from uncertainty.comparison import Comparison, compare_run
from uncertainty.model import Model
from uncertainty.parallel import resolve_threads
from uncertainty.resources import check_memory
from uncertainty.sampling import draw_dataset
from uncertainty.stats import summarize
from uncertainty.views import View, build_views

if TYPE_CHECKING:
    from uncertainty.sensitivity import Sensitivity

__all__ = ["Run", "memory_needed", "rebuild", "simulate", "versions"]

def versions() -> dict[str, str]:
    """Versions of this package and the libraries that determine its numbers."""
    try:
        own = metadata.version("uncertainty")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        own = "unknown"
    return {"uncertainty": own, "numpy": np.__version__, "scipy": scipy.__version__,
            "xarray": xr.__version__}


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
        Dims ``(view, draw)``, provenance in ``attrs``.
    summary : xarray.Dataset
        From `uncertainty.stats.summarize`.
    provenance : dict
        Seed, draws, config hash, creation time and versions.
    acceptance : xarray.Dataset or None
        With constraints, the acceptance rates (see `uncertainty.sampling.Drawn`).
    comparison : Comparison or None
        How the views compare (see `uncertainty.comparison`).
    sensitivity : Sensitivity or None
        What drives each metric (see `uncertainty.sensitivity.analyze`), when analysed.
    """

    model: Model
    views: tuple[View, ...]
    draws: xr.Dataset
    summary: xr.Dataset
    provenance: dict[str, Any] = field(default_factory=dict)
    acceptance: xr.Dataset | None = None
    comparison: Comparison | None = None
    sensitivity: Sensitivity | None = None


def memory_needed(model: Model, views: int, draws: int, threads: int = 1) -> int:
    """Bytes a run needs at its peak, roughly: every (view, variable) row plus the inputs.

    Each thread summarizing rows sorts a copy of one; the copies beyond the first count
    too.
    """
    rows = views * (len(model.quantities) + len(model.metrics))
    streams = sum(len(s.estimates) for s in model.sources) + len(model.quantities)
    sorting = max(min(threads, rows) - 1, 0)
    return 8 * draws * (rows + 2 * streams + sorting)


def simulate(model: Model, *, config_sha256: str = "", compare: bool = True,
             threads: int | None = None) -> Run:
    """Draw, evaluate and summarize `model` under every view.

    Parameters
    ----------
    model : Model
        Validated model; ``model.run`` gives draws, seed and levels. A missing seed is
        drawn from the operating system and recorded in the provenance.
    config_sha256 : str
        Hash of the config text, recorded in the provenance.
    compare : bool
        Also compare the views (`uncertainty.comparison`); off, ``Run.comparison`` is None.
    threads : int or None
        Threads for the drawing and the summary; None: every core (``os.cpu_count()``).
        Every number is the same for any count (see `uncertainty.parallel`), so the count
        is not recorded.

    Returns
    -------
    Run

    Raises
    ------
    ResourceError
        When the requested draws would not fit in memory (checked before allocating).
    ConstraintConflict
        When a constraint holds in under 1% of some view's draws.
    """
    threads = resolve_threads(threads)
    settings = model.run
    seed = settings.seed if settings.seed is not None else secrets.randbits(32)
    views = build_views(model)
    check_memory(memory_needed(model, len(views), settings.draws, threads),
                 f"{settings.draws:,} draws for {len(views)} views")
    provenance: dict[str, Any] = {
        "config_sha256": config_sha256,
        "seed": seed,
        "seed_from": "config" if settings.seed is not None else "random",
        "draws": settings.draws,
        "created_utc": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(),
    }
    drawn = draw_dataset(model, views, seed=seed, draws=settings.draws, threads=threads)
    draws = drawn.draws
    draws.attrs.update(
        title=model.title, seed=seed, draws=settings.draws, config_sha256=config_sha256,
        **{f"version_{k}": v for k, v in provenance["versions"].items()},
    )
    summary = summarize(draws, settings.levels, threads=threads)
    comparison = compare_run(model, views, draws) if compare else None
    return Run(model, views, draws, summary, provenance, drawn.acceptance, comparison)


def rebuild(model: Model, draws: xr.Dataset, provenance: dict[str, Any],
            metrics: list[str] | None = None, *, threads: int | None = None) -> Run:
    """A `Run` from saved draws: the summary and comparison recomputed, nothing redrawn."""
    views = build_views(model)
    summary = summarize(draws, model.run.levels, threads=threads)
    return Run(model, views, draws, summary, provenance, None,
               compare_run(model, views, draws, metrics))
