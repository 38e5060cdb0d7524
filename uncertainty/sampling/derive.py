"""Variants of a run from its own random streams: a change redraws only what it touches.

Streams are keyed by names, so a variant of the model run with the same seed and draw
count (an input held at a value, a source left out, a spread rescaled) reads the very
numbers the run read: its draws are a transform of the run's latent normals and
uniforms. `Rerun` keeps the run's candidates and the streams behind them, and draws a
variant by running the kernel (`make_candidates`) on only what differs:

=============================  ==========================================================
what differs                   redrawn from the kept streams
=============================  ==========================================================
an estimate's distribution     that estimate (and its copula group)
(not the same object)
a copula group (members or     every member: mixed again, then through its distribution
factor), or one gone           (or not mixed, when the group is gone)
a held input (`Hold`)          that estimate and its copula group; a held log pool
a linear pool's members or     the pool's choice from its uniforms, and its draws
weights
a linear pool's member above   the pool's draws where it chose that member (its
                               choices are the run's)
a log pool                     its draws, unless the model is the run's own
a consensus (not the same law  its draws
object), or one held
constraints                    every test of every view asked for
=============================  ==========================================================

Everything else is read from the run's candidates (the ``given`` arrays of
`make_candidates`). The kernel is elementwise along the draw axis and runs in the same
chunks, so a variant's numbers are **identical** to a full redraw of it
(`uncertainty.sampling.draw_view`, `uncertainty.sampling.draw_dataset`), not an
approximation: the tests compare the two bit for bit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from uncertainty.model.copula import CopulaGroup
from uncertainty.model.core import CONSENSUS, POOLED, Model
from uncertainty.model.views import View
from uncertainty.runtime.parallel import CHUNK_SIZE, resolve_threads
from uncertainty.sampling.acceptance import check_conflicts, count_accepted
from uncertainty.sampling.kernel import Candidates, FloatArray, Hold, make_candidates
from uncertainty.sampling.plan import Plan, make_plan
from uncertainty.sampling.streams import Kind, draw_streams

__all__ = ["Kept", "Rerun", "draw_kept"]

Names = tuple[str, ...]


def _group_id(group: CopulaGroup) -> tuple[object, ...]:
    return (group.members, group.factor.shape, group.factor.tobytes())


@dataclass(frozen=True)
class Kept:
    """A run's candidates, and the streams behind them as drawn (before the kernel).

    What `Rerun` derives variants from; a run that will be analysed keeps it
    (`uncertainty.sampling.draw_dataset` with ``keep=True``) so that the analysis does not
    draw the run again.

    Parameters
    ----------
    plan : Plan
        The run's plan (`uncertainty.sampling.plan.make_plan` of its model and views).
    streams : dict of tuple of str to ndarray
        Each stream of the plan, by its names, as `draw_streams` drew it. Only read.
    base : Candidates
        What the kernel made of them.
    """

    plan: Plan
    streams: dict[Names, FloatArray]
    base: Candidates


def draw_kept(model: Model, views: tuple[View, ...], *, seed: int, draws: int, threads: int,
              chunk: int, hold: Hold | None = None, report: bool = True,
              streams: bool = True) -> Kept:
    """Draw the candidates of `views` (with `hold`), keeping a copy of the streams behind them.

    Without `streams`, no copy is kept (``Kept.streams`` is empty). The candidates are the
    same either way. `hold` and `report` as for `make_candidates`.
    """
    plan = make_plan(model, views)
    buffers = draw_streams(seed, plan.requests, draws, threads=threads)
    # The streams a variant may read again: kept before the kernel transforms them.
    copies = ({names: buf.copy() for (_, names), buf in zip(plan.requests, buffers, strict=True)}
              if streams else {})
    base = make_candidates(model, plan, buffers, threads=threads, chunk=chunk, hold=hold,
                           report=report)
    return Kept(plan, copies, base)


class Rerun:
    """A run's candidates and streams, to draw variants of its model from.

    Parameters
    ----------
    model : Model
        As run.
    views : tuple of View
        The run's views: the candidates every one of them reads are drawn once, here.
    seed, draws : int
        The run's seed and draw count.
    threads : int or None
        Threads; every number is the same for any count.
    chunk : int
        Draws per chunk of elementwise work, as for `uncertainty.sampling.draw_dataset`.
    kept : Kept or None
        The run's own candidates and streams, when it kept them (of `model` and `views`
        with this seed, draw count and chunk, checked against the constraints): read
        instead of drawn again.

    Raises
    ------
    ConstraintConflict
        As the run would.
    """

    def __init__(self, model: Model, views: tuple[View, ...], *, seed: int, draws: int,
                 threads: int | None = None, chunk: int = CHUNK_SIZE,
                 kept: Kept | None = None) -> None:
        self.model, self.views, self.seed, self.draws = model, views, seed, draws
        self.threads, self.chunk = resolve_threads(threads), chunk
        if kept is None:
            kept = draw_kept(model, views, seed=seed, draws=draws, threads=self.threads,
                             chunk=chunk, report=False)
            if model.constraints:  # (a run that kept its candidates checked them)
                check_conflicts(model, views, count_accepted(kept.base))
        self.plan, self.base = kept.plan, kept.base
        self._streams: dict[Names, FloatArray] = dict(kept.streams)  # more may be added

    def _stream(self, kind: Kind, names: Names) -> FloatArray:
        """A fresh copy of the stream `names` (drawn now if the run did not draw it)."""
        if names not in self._streams:
            self._streams[names] = draw_streams(self.seed, [(kind, names)], self.draws,
                                                threads=self.threads)[0]
        return self._streams[names].copy()

    def _changes(self, plan: Plan, hold: Hold | None, *,
                 same: bool) -> tuple[Plan, dict[str, list[int]]]:
        """The part of `plan` that differs from the run's: what must be redrawn.

        And the linear pools to patch: those whose sources, weights and uniforms are the
        run's (so its choices too) but some of whose sources' draws changed, with the
        index of each such source. `same`: the model is the run's own, so its log pools
        are the run's too.
        """
        base = self.plan
        dists = {(sid, e.quantity): e.distribution for sid, e in base.estimates}
        changed = {(sid, e.quantity) for sid, e in plan.estimates
                   if dists.get((sid, e.quantity)) is not e.distribution}
        if hold is not None and hold.key[0] not in (POOLED, CONSENSUS):
            changed.add(hold.key)
        # A group of the run's that the variant lacks (a correlation dropped with a source)
        # leaves its members' latents unmixed: redrawn. A view's plan lacks only the groups
        # none of whose members it reads.
        kept = {_group_id(g) for g in plan.groups}
        for g in base.groups:
            if _group_id(g) not in kept:
                changed.update(g.members)
        known = {_group_id(g) for g in base.groups}
        groups = [g for g in plan.groups if _group_id(g) not in known
                  or changed.intersection(g.members)]
        for g in groups:
            changed.update(g.members)
        pooled, patched = [], {}
        for q in plan.pooled:
            if plan.log:
                if q not in base.pooled or not same or (hold is not None
                                                         and hold.key == (POOLED, q)):
                    pooled.append(q)
                continue
            members = [(s.id, s.weight) for s in plan.members[q]]
            touched = [k for k, (sid, _) in enumerate(members) if (sid, q) in changed]
            if (q not in base.pooled or base.log
                    or members != [(s.id, s.weight) for s in base.members[q]]):
                pooled.append(q)
            elif touched:
                patched[q] = touched
        agreed = {q: law for q, law in plan.agreed.items()
                  if base.agreed.get(q) is not law
                  or (hold is not None and hold.key == (CONSENSUS, q))}
        # The plan's own streams: estimates', pools', consensus's (see `make_plan`).
        wanted = [(sid, e.quantity) in changed for sid, e in plan.estimates]
        wanted += [q in pooled for q in plan.pooled]
        wanted += [q in agreed for q in plan.agreed]
        requests = [r for r, w in zip(plan.requests, wanted, strict=True) if w]
        estimates = tuple((sid, e) for sid, e in plan.estimates if (sid, e.quantity) in changed)
        return Plan(estimates, tuple(groups), tuple(requests), tuple(pooled), plan.log,
                    plan.pools, plan.members, plan.tested, agreed), patched

    def draw(self, model: Model, views: tuple[View, ...], *, hold: Hold | None = None,
             threads: int | None = None) -> Candidates:
        """The candidates of `model` under `views`, with `hold`: exactly a redraw's.

        `threads` (default the rerun's) changes no number.

        `model` must be a variant of the run's model (the same names for the same
        streams), run with the run's seed and draw count.

        Raises
        ------
        ConstraintConflict
            When some view of `views` meets the constraints less than `MIN_ACCEPTANCE`
            of the time, as the redraw would.
        """
        plan = make_plan(model, views)
        changes, patched = self._changes(plan, hold, same=model is self.model)
        redrawn = {(e.quantity, sid) for sid, e in changes.estimates}
        redrawn |= {(q, POOLED) for q in [*changes.pooled, *patched]}
        redrawn |= {(q, CONSENSUS) for q in changes.agreed}
        given = {k: v for k, v in self.base.arrays.items() if k not in redrawn}
        buffers = [self._stream(kind, names) for kind, names in changes.requests]
        threads = self.threads if threads is None else threads
        run = functools.partial(make_candidates, model, threads=threads, chunk=self.chunk,
                                report=False, n=self.draws)
        if not patched:
            drawn = run(changes, buffers, hold=hold, given=given)
        else:
            # A pool whose choices are the run's takes the run's draws but where it chose
            # a changed source (the kernel's `_linear_pool` gathers exactly so): the new
            # estimates first, then the pools patched, then the constraint tests.
            drawn = run(replace(changes, tested={}), buffers, hold=hold, given=given)
            arrays = dict(drawn.arrays)
            for q, touched in patched.items():
                pool, choice = self.base.arrays[q, POOLED].copy(), self.base.choices[q]
                for k in touched:
                    np.copyto(pool, arrays[q, plan.members[q][k].id], where=choice == k)
                arrays[q, POOLED] = pool
            tests = run(replace(changes, estimates=(), groups=(), requests=(), pooled=(),
                                agreed={}), [], given=arrays)
            drawn = Candidates(tests.arrays, tests.passes, tests.overall, drawn.choices)
        if model.constraints:
            check_conflicts(model, views, count_accepted(drawn))
        # Only the arrays a redraw of `views` would make: the views' own estimates, pools
        # and choices.
        keys = [(e.quantity, sid) for sid, e in plan.estimates]
        keys += [(q, POOLED) for q in plan.pooled]
        keys += [(q, CONSENSUS) for q in plan.agreed]
        choices = {q: drawn.choices[q] if q in drawn.choices else self.base.choices[q]
                   for q in ([] if plan.log else plan.pooled)}
        return Candidates({k: drawn.arrays[k] for k in keys}, drawn.passes, drawn.overall,
                          choices)
