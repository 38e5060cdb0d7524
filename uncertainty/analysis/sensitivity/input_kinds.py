"""What the sensitivity analysis varies and holds: the inputs of a view's draws.

An *input* is one thing a view's draws of a metric depend on:

=====================  ==================  ==================================================
input id               kind                what it is
=====================  ==================  ==================================================
``ua.kia@us_intel``    ``estimate``        that source's estimate of the quantity
``ua.kia@pooled``      ``choice``          which source a linear pool takes, draw by draw
``ua.kia@pooled``      ``log pool``        a logarithmic pool's own draw
``ua.kia@consensus``   ``consensus``       the consensus's own draw (its view's)
=====================  ==================  ==================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from uncertainty.model.core import CONSENSUS, POOLED, Model
from uncertainty.model.views import View

__all__ = ["Input", "Kind", "inputs_of"]

Kind = Literal["estimate", "choice", "log pool", "consensus"]


@dataclass(frozen=True)
class Input:
    """One input of a view's draws (see the module docstring)."""

    quantity: str
    source: str
    kind: Kind

    @property
    def id(self) -> str:
        """``quantity@source``, or ``quantity@pooled`` for a pool's own input."""
        return f"{self.quantity}@{self.source}"

    @property
    def label(self) -> str:
        """What the input is, in words."""
        if self.kind == "estimate":
            return f"{self.quantity} from {self.source}"
        if self.kind == "choice":
            return f"{self.quantity}: which source the pool takes"
        if self.kind == "consensus":
            return f"{self.quantity}: the consensus"
        return f"{self.quantity}: log pool"


def inputs_of(model: Model, view: View, names: tuple[str, ...]) -> list[Input]:
    """The inputs behind quantities `names` in `view`, leaving out fixed (point) estimates."""
    found = []
    for q in names:
        src = view.source_of(q)
        if src == CONSENSUS:
            found.append(Input(q, CONSENSUS, "consensus"))
        elif src != POOLED:
            found.append(Input(q, src, "estimate"))
        elif model.run.pool == "log":
            found.append(Input(q, POOLED, "log pool"))
        else:
            found += [Input(q, s.id, "estimate") for s in model.estimators(q)]
            found.append(Input(q, POOLED, "choice"))
    return [i for i in found if i.kind != "estimate" or _varies(model, i)]


def _varies(model: Model, item: Input) -> bool:
    estimate = model.source(item.source).estimate(item.quantity)
    assert estimate is not None  # views only name sources that estimate the quantity
    lo, hi = estimate.distribution.ppf(np.array([0.01, 0.99]))
    return bool(hi > lo)
