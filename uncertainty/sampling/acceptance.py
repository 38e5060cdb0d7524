"""The one acceptance rule: every view reads every candidate; a constraint masks it out.

Each view reads the same candidate index for every input (common random numbers): a
candidate that fails a view's constraints is removed from that view alone, as a mask,
instead of shifting every later draw. So an input outside every constraint has identical
draws in every view that takes it from the same source, and two views are compared on the
candidates both accept. A view's draws are the candidates it accepts: with acceptance
``a``, a run of ``n`` draws gives it about ``a n`` of them.

Both the in-memory and the streamed run count the candidates each constraint key accepts
(`count_accepted`, added up over chunks by the streamed run) and turn the counts into the
acceptance rates and the conflict check here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from uncertainty.errors import ConstraintConflict
from uncertainty.model.core import Model
from uncertainty.model.views import View
from uncertainty.sampling.kernel import Candidates
from uncertainty.sampling.plan import constraint_key

__all__ = ["MIN_ACCEPTANCE", "Accepted", "acceptance_dataset", "binomial_mcse", "check_conflicts",
           "count_accepted"]

#: A view whose draws meet the constraints less often than this stops the run.
MIN_ACCEPTANCE = 0.01


@dataclass(frozen=True)
class Accepted:
    """Candidates counted, and per constraint key those meeting all and each constraint.

    ``overall[key]`` counts the candidates meeting every constraint, ``each[key][i]``
    those meeting constraint ``i``. `merge` adds the counts of other candidates.
    """

    candidates: int
    overall: dict[str, int]
    each: dict[str, list[int]]

    def merge(self, other: Accepted) -> Accepted:
        """The counts over both sets of candidates."""
        return Accepted(self.candidates + other.candidates,
                        {k: v + other.overall[k] for k, v in self.overall.items()},
                        {k: [a + b for a, b in zip(v, other.each[k], strict=True)]
                         for k, v in self.each.items()})

    def rates(self) -> dict[str, float]:
        """Share of candidates each key accepts (an integer count over the candidates)."""
        return {k: v / self.candidates for k, v in self.overall.items()}

    def shares(self) -> dict[str, list[float]]:
        """Share of candidates meeting each constraint, per key."""
        return {k: [c / self.candidates for c in v] for k, v in self.each.items()}


def count_accepted(drawn: Candidates, part: slice | None = None) -> Accepted:
    """The acceptance counts of `drawn` (of its candidates in `part`, default all)."""
    part = slice(None) if part is None else part
    overall = {k: int(np.count_nonzero(ok[part])) for k, ok in drawn.overall.items()}
    each = {k: [int(np.count_nonzero(p[part])) for p in ps] for k, ps in drawn.passes.items()}
    first = next(iter(drawn.overall.values()), np.empty(0))
    return Accepted(len(first[part]), overall, each)


def binomial_mcse(p: np.ndarray, n: int) -> np.ndarray:
    """The Monte Carlo standard error ``sqrt(p (1 - p) / n)`` of shares `p` of `n` candidates.

    The candidates are independent draws, so the count is binomial; exactly 0 when `p` is
    0 or 1 (then the share is exact), NaN without candidates.
    """
    p = np.asarray(p, dtype=np.float64)
    return np.sqrt(p * (1 - p) / n) if n > 0 else np.full(p.shape, np.nan)


def acceptance_dataset(model: Model, views: tuple[View, ...], counts: Accepted) -> xr.Dataset:
    """``rate`` over ``(view, constraint)``, ``overall`` and ``candidates`` over ``view``.

    ``rate_mcse`` and ``overall_mcse`` are their binomial Monte Carlo standard errors
    (`binomial_mcse`): the candidates are independent draws of the model.
    """
    keys = [constraint_key(model, v) for v in views]
    shares, rates = counts.shares(), counts.rates()
    rate = np.array([shares[k] for k in keys], dtype=np.float64).reshape(len(keys), -1)
    overall = np.array([rates[k] for k in keys], dtype=np.float64)
    return xr.Dataset(
        {
            "rate": (("view", "constraint"), rate),
            "rate_mcse": (("view", "constraint"), binomial_mcse(rate, counts.candidates)),
            "overall": ("view", overall),
            "overall_mcse": ("view", binomial_mcse(overall, counts.candidates)),
            "candidates": ("view", np.full(len(views), counts.candidates)),
            "accepted": ("view", np.array([counts.overall[k] for k in keys])),
        },
        coords={"view": [v.id for v in views],
                "constraint": [c.text for c in model.constraints]},
    )


def check_conflicts(model: Model, views: tuple[View, ...], counts: Accepted) -> None:
    """Raise `ConstraintConflict` for the first view accepting under `MIN_ACCEPTANCE`."""
    rates, shares = counts.rates(), counts.shares()
    for view in views:
        key = constraint_key(model, view)
        if rates[key] >= MIN_ACCEPTANCE:
            continue
        i = int(np.argmin(shares[key]))
        constraint = model.constraints[i]
        raise ConstraintConflict(
            f"constraints[{i}]", constraint.text, view.id, rates[key],
            tuple((q, view.source_of(q)) for q in constraint.names),
        )


def accepted_mask(views: tuple[View, ...], model: Model,
                  overall: Mapping[str, np.ndarray]) -> np.ndarray:
    """The ``(view, draw)`` boolean mask of the candidates each view accepts."""
    return np.stack([overall[constraint_key(model, v)] for v in views])
