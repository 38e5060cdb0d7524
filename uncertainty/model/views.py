"""Views: complete sets of inputs, each saying where every quantity's draws come from.

========================  =================================================================
view                      where quantity ``q`` comes from
========================  =================================================================
one per source            that source, if it estimates ``q``; else the pool of those that do
``pooled``                the pool of every source that estimates ``q``
``consensus``             what the sources of ``q`` jointly imply, when the run has a
                          consensus of ``q`` (`uncertainty.analysis.consensus`); else as
                          ``pooled``
one per scenario          the source the scenario names for ``q``, or the pool if it names
                          ``"pooled"`` or does not mention ``q``
========================  =================================================================

A pool over a single source *is* that source, so the assignment names the source: views
that assign the same sources share identical draws (common random numbers).

With ``pool = "envelope"`` nothing is pooled: a view that would pool some quantities becomes
one *member* view per combination of their sources (``pooled[ua.kia=us_intel]``), and the
reports give the parent view as the envelope (lowest to highest) of its members.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Literal

from uncertainty.errors import ConfigError
from uncertainty.model.core import CONSENSUS, POOLED, Model

__all__ = ["MAX_ENVELOPE_MEMBERS", "View", "build_views"]

#: Most member views one envelope may expand into.
MAX_ENVELOPE_MEMBERS = 64


@dataclass(frozen=True)
class View:
    """One complete set of inputs.

    Parameters
    ----------
    id, label : str
        Identifier (a source id, ``"pooled"`` or a scenario id) and readable name.
    kind : {"source", "pooled", "consensus", "scenario"}
        What defines the view.
    assignment : tuple of (quantity, source id or "pooled")
        Where each quantity's draws come from, for every quantity of the model.
    envelope_of : str
        For a member of an envelope, the id of the view it belongs to; else empty.
    """

    id: str
    label: str
    kind: Literal["source", "pooled", "consensus", "scenario"]
    assignment: tuple[tuple[str, str], ...]
    envelope_of: str = ""

    def source_of(self, quantity: str) -> str:
        """The source id (or ``"pooled"``) giving `quantity` in this view."""
        return dict(self.assignment)[quantity]


def build_views(model: Model) -> tuple[View, ...]:
    """The views of `model`: sources in file order, pool, consensus, then scenarios.

    The consensus view is there when the model carries consensus laws (a run's model with
    a quantity that two or more sources give, or a variant of it without a source, where
    a law may be None: the view takes the pool there).
    """

    def choose(quantity: str, wanted: str) -> str:
        estimators = model.estimators(quantity)
        if wanted == POOLED:
            return estimators[0].id if len(estimators) == 1 else POOLED
        return wanted

    views = []
    for source in model.sources:
        own = {e.quantity for e in source.estimates}
        assignment = tuple(
            (q, source.id if q in own else choose(q, POOLED)) for q in model.quantities
        )
        views.append(View(source.id, source.label, "source", assignment))
    pooled = tuple((q, choose(q, POOLED)) for q in model.quantities)
    weights = ", ".join(f"{s.id} {s.weight:.3g}" for s in model.sources)
    label = {
        "linear": f"Linear pool of all sources (weights: {weights})",
        "log": f"Logarithmic pool of all sources (weights: {weights})",
        "envelope": "Envelope of all sources: lowest to highest",
    }[model.run.pool]
    views.append(View(POOLED, label, "pooled", pooled))
    if model.consensus_laws:
        agreed = tuple((q, CONSENSUS if model.consensus_law(q) is not None else choose(q, POOLED))
                       for q in model.quantities)
        views.append(View(CONSENSUS, "Consensus: what the sources jointly imply (random "
                          "effects)", "consensus", agreed))
    for scenario in model.scenarios:
        use = dict(scenario.use)
        assignment = tuple((q, choose(q, use.get(q, POOLED))) for q in model.quantities)
        views.append(View(scenario.id, scenario.label, "scenario", assignment))
    if model.run.pool == "envelope":
        return tuple(member for view in views for member in _envelope(model, view))
    return tuple(views)


def _envelope(model: Model, view: View) -> list[View]:
    """`view` itself if it pools nothing, else one member view per choice of sources."""
    pooled = [q for q, s in view.assignment if s == POOLED]
    if not pooled:
        return [view]
    options = [[s.id for s in model.estimators(q)] for q in pooled]
    combos = list(itertools.islice(itertools.product(*options), MAX_ENVELOPE_MEMBERS + 1))
    if len(combos) > MAX_ENVELOPE_MEMBERS:
        raise ConfigError(
            "run.pool", f"the envelope of view {view.id!r} would need more than "
            f"{MAX_ENVELOPE_MEMBERS} combinations of sources; use pool = \"linear\"")
    members = []
    for combo in combos:
        chosen = dict(zip(pooled, combo, strict=True))
        tag = ",".join(f"{q}={s}" for q, s in chosen.items())
        assignment = tuple((q, chosen.get(q, s)) for q, s in view.assignment)
        members.append(replace(view, id=f"{view.id}[{tag}]", assignment=assignment,
                               envelope_of=view.id))
    return members
