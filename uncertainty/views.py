"""Views: complete sets of inputs, each saying where every quantity's draws come from.

========================  =================================================================
view                      where quantity ``q`` comes from
========================  =================================================================
one per source            that source, if it estimates ``q``; else the pool of those that do
``pooled``                the pool of every source that estimates ``q``
one per scenario          the source the scenario names for ``q``, or the pool if it names
                          ``"pooled"`` or does not mention ``q``
========================  =================================================================

A pool over a single source *is* that source, so the assignment names the source: views
that assign the same sources share identical draws (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from uncertainty.model import POOLED, Model

__all__ = ["View", "build_views"]


@dataclass(frozen=True)
class View:
    """One complete set of inputs.

    Parameters
    ----------
    id, label : str
        Identifier (a source id, ``"pooled"`` or a scenario id) and readable name.
    kind : {"source", "pooled", "scenario"}
        What defines the view.
    assignment : tuple of (quantity, source id or "pooled")
        Where each quantity's draws come from, for every quantity of the model.
    """

    id: str
    label: str
    kind: Literal["source", "pooled", "scenario"]
    assignment: tuple[tuple[str, str], ...]

    def source_of(self, quantity: str) -> str:
        """The source id (or ``"pooled"``) giving `quantity` in this view."""
        return dict(self.assignment)[quantity]


def build_views(model: Model) -> tuple[View, ...]:
    """The views of `model`: its sources in file order, the pool, then its scenarios."""

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
    weights = ", ".join(f"{s.id} {s.weight:g}" for s in model.sources)
    views.append(View(POOLED, f"Linear pool of all sources (weights: {weights})", "pooled",
                      pooled))
    for scenario in model.scenarios:
        use = dict(scenario.use)
        assignment = tuple((q, choose(q, use.get(q, POOLED))) for q in model.quantities)
        views.append(View(scenario.id, scenario.label, "scenario", assignment))
    return tuple(views)
