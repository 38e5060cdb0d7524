"""Drawing in memory: a model's views in, the ``(view, draw)`` Dataset of every draw out."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from uncertainty.model.core import CONSENSUS, POOLED, Model
from uncertainty.model.views import View
from uncertainty.runtime import progress
from uncertainty.runtime.parallel import CHUNK_SIZE, chunks, resolve_threads, thread_map
from uncertainty.sampling.acceptance import (
    acceptance_dataset,
    accepted_mask,
    check_conflicts,
    count_accepted,
)
from uncertainty.sampling.derive import Kept, draw_kept
from uncertainty.sampling.kernel import Candidates, Hold
from uncertainty.sampling.plan import constraint_key
from uncertainty.sampling.rows import draws_dataset, row_groups, view_keys

__all__ = ["Drawn", "ViewDraws", "draw_dataset", "draw_view", "view_draws"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Drawn:
    """The draws, and how the constraints filtered them.

    Parameters
    ----------
    draws : xarray.Dataset
        Dims ``(view, draw)``.
    acceptance : xarray.Dataset or None
        With constraints: ``rate`` over ``(view, constraint)`` (share of candidate draws
        meeting each constraint), ``overall``, ``accepted`` and ``candidates`` over
        ``view``.
    kept : Kept or None
        With ``keep=True``: the candidates and the streams behind them, for
        `uncertainty.sampling.Rerun` to derive variants from.
    """

    draws: xr.Dataset
    acceptance: xr.Dataset | None = None
    kept: Kept | None = None


def _candidates(model: Model, views: tuple[View, ...], seed: int, n: int, *, threads: int,
                chunk: int, hold: Hold | None = None, keep: bool = False) -> Kept:
    """Draws of every (quantity, source id or "pooled") some view uses, and their tests.

    With `keep`, a copy of the streams behind them too (`draw_kept`).
    """
    kept = draw_kept(model, views, seed=seed, draws=n, threads=threads, chunk=chunk,
                     hold=hold, streams=keep)
    if model.constraints:
        check_conflicts(model, views, count_accepted(kept.base))
    return kept


def draw_dataset(model: Model, views: tuple[View, ...], *, seed: int, draws: int,
                 threads: int | None = None, chunk: int = CHUNK_SIZE,
                 keep: bool = False) -> Drawn:
    """Draw every input and metric under every view.

    Parameters
    ----------
    model : Model
        The validated model.
    views : tuple of View
        From `uncertainty.model.views.build_views`.
    seed : int
        Run seed (non-negative).
    draws : int
        Number of candidate draws, the same for every view (see
        `uncertainty.sampling.acceptance` for what a constraint does to them).
    threads : int or None
        Threads to use (see `uncertainty.runtime.parallel`); None: every core.
    chunk : int
        Draws per chunk of elementwise work (at least 1).
    keep : bool
        Also return the candidates and a copy of the streams behind them (``kept``), so
        that a sensitivity analysis derives its variants without drawing the run again.
        The draws are the same either way.

    Returns
    -------
    Drawn
        The ``(view, draw)`` Dataset (coordinates ``view``, ``view_label``,
        ``envelope_of`` and, with constraints, ``accepted``) and, with constraints, the
        acceptance rates. The same for any `threads` and `chunk`.

    Raises
    ------
    ConstraintConflict
        When some view's draws meet the constraints less than `MIN_ACCEPTANCE` of the time.
    """
    threads = resolve_threads(threads)
    if chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    found = _candidates(model, views, seed, draws, threads=threads, chunk=chunk, keep=keep)
    drawn, kept = found.base, found if keep else None
    arrays, overall = drawn.arrays, drawn.overall
    ckeys, keys = view_keys(model, views)
    variables = [*model.quantities, *(m.name for m in model.metrics)]
    data = {name: np.empty((len(views), draws), dtype=np.float64) for name in variables}
    groups = {name: row_groups(keys[name]) for name in variables}

    def fill(part: slice) -> None:
        # Each distinct row is gathered (or evaluated) once; with constraints, the
        # candidates its view rejects become NaN in it; then it is copied to the views that
        # share it (which share its constraint key too): each row written once. A metric
        # reads its view's candidates as drawn, which its rows of the quantities copy
        # (before the masking), so it evaluates the same numbers.
        rejected = ({key: ~overall[key][part] for key in set(ckeys)} if model.constraints
                    else None)

        def share(rows: FloatArray, j: int, same: list[int]) -> None:
            if rejected is not None:
                np.copyto(rows[j, part], np.nan, where=rejected[ckeys[j]])
            for d in same:
                rows[d, part] = rows[j, part]

        for q in model.quantities:
            for j, same in groups[q]:
                data[q][j, part] = arrays[q, views[j].source_of(q)][part]
                share(data[q], j, same)
        for metric in model.metrics:
            rows = data[metric.name]
            for j, same in groups[metric.name]:
                env = {q: arrays[q, views[j].source_of(q)][part]
                       for q in metric.expression.names}
                rows[j, part] = metric.expression.evaluate(env)
                share(rows, j, same)

    def counted(part: slice) -> None:
        fill(part)
        progress.advance(part.stop - part.start)

    progress.stage("evaluating metrics", draws, "draws")
    thread_map(counted, chunks(draws, chunk), threads)
    if not model.constraints:
        return Drawn(draws_dataset(model, views, data, keys), kept=kept)
    mask = accepted_mask(views, model, overall)
    return Drawn(draws_dataset(model, views, data, keys, mask),
                 acceptance_dataset(model, views, count_accepted(drawn)), kept)


@dataclass(frozen=True)
class ViewDraws:
    """One view's draws with the inputs behind them, for sensitivity analysis.

    Parameters
    ----------
    quantities : dict of str to ndarray
        The view's draws of every quantity: the candidates it accepts.
    estimates : dict of (source id, quantity) to ndarray
        The draws of every estimate the view uses (directly, through a linear pool or a
        correlation), aligned with `quantities` (the same accepted candidates).
    choices : dict of str to (tuple of str, ndarray)
        For each quantity the view takes from a linear pool: the pool's sources (sorted
        by id) and, per draw, the index of the one taken.
    acceptance : float
        Share of candidate draws meeting the constraints (1 without constraints).
    """

    quantities: dict[str, FloatArray]
    estimates: dict[tuple[str, str], FloatArray]
    choices: dict[str, tuple[tuple[str, ...], NDArray[np.int16]]]
    acceptance: float


def draw_view(model: Model, view: View, *, seed: int, draws: int, hold: Hold | None = None,
              threads: int | None = None, chunk: int = CHUNK_SIZE) -> ViewDraws:
    """Draw one view and keep the inputs behind it.

    Without `hold`, ``quantities`` equal the view's accepted draws of
    ``draw_dataset(model, views, seed=seed, draws=draws)`` exactly, whatever the other
    views: streams are keyed by names and every view reads the same candidates.

    Raises
    ------
    ConstraintConflict
        When the view's draws (with `hold`) meet the constraints less than
        `MIN_ACCEPTANCE` of the time.
    """
    threads = resolve_threads(threads)
    drawn = _candidates(model, (view,), seed, draws, threads=threads, chunk=chunk,
                        hold=hold).base
    return view_draws(model, view, drawn, draws)


def view_draws(model: Model, view: View, drawn: Candidates, draws: int, *,
               names: Collection[str] | None = None, inputs: bool = True) -> ViewDraws:
    """The `ViewDraws` of `view` among candidates `drawn` (of `draws` candidates each).

    Every estimate in ``drawn.arrays`` is kept (aligned with the view's accepted draws),
    and every quantity; with `names`, only those quantities; without `inputs`, no
    estimate and no pool choice (only the quantities).
    """
    keep: slice | NDArray[np.intp] = slice(None)
    rate = 1.0
    if model.constraints:
        ok = drawn.overall[constraint_key(model, view)]
        keep = np.flatnonzero(ok)
        rate = len(keep) / draws
    estimates = {(s.id, e.quantity): drawn.arrays[e.quantity, s.id][keep]
                 for s in model.sources for e in s.estimates
                 if (e.quantity, s.id) in drawn.arrays} if inputs else {}
    if inputs:  # a consensus is an input of the view that draws it, like an estimate
        estimates |= {(CONSENSUS, q): drawn.arrays[q, CONSENSUS][keep]
                      for q in model.quantities if (q, CONSENSUS) in drawn.arrays}
    wanted = model.quantities if names is None else [q for q in model.quantities if q in names]
    quantities = {q: (estimates[view.source_of(q), q] if inputs
                      else drawn.arrays[q, view.source_of(q)][keep])
                  if view.source_of(q) != POOLED
                  else drawn.arrays[q, POOLED][keep] for q in wanted}
    choices = {q: (tuple(sorted(s.id for s in model.estimators(q))), chosen[keep])
               for q, chosen in drawn.choices.items()} if inputs else {}
    return ViewDraws(quantities, estimates, choices, rate)
