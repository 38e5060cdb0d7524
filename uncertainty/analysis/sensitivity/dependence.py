"""Which of a metric's inputs are linked, so that their variance shares overlap.

A correlation links its two estimates; a constraint links every input of every quantity it
names. `dependence_of` says which links join a metric's inputs, in words;
`strongest_correlation` measures how strongly linked inputs move together in a view's
draws.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from uncertainty.analysis.sensitivity.input_kinds import Input, inputs_of
from uncertainty.model.core import Metric, Model
from uncertainty.model.views import View

__all__ = ["dependence_of", "strongest_correlation"]


def dependence_of(model: Model, view: View, metric: Metric, inputs: list[Input]) -> str:
    """Which of the metric's inputs are linked by correlations or constraints, in words.

    Inputs are nodes; a correlation links its two estimates; a constraint links every
    input of every quantity it names. Two of the metric's inputs in one connected
    component are dependent, and their shares overlap. Empty when none are.
    """
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            a = parent[a]
        return a

    links: list[tuple[list[str], str]] = []
    for corr in model.correlations:
        links.append(([f"{corr.a[1]}@{corr.a[0]}", f"{corr.b[1]}@{corr.b[0]}"],
                      f"the correlation {corr.name}"))
    for c in model.constraints:
        links.append(([i.id for i in inputs_of(model, view, c.names)],
                      f"the constraint {c.text!r}"))
    for ids, _ in links:
        first, *rest = [find(i) for i in ids] or [""]
        for r in rest:
            if r != first:
                parent[r] = first
    labels = {i.id: i.label for i in inputs}
    groups: dict[str, list[str]] = {}
    for i in labels:
        groups.setdefault(find(i), []).append(i)
    parts = []
    for root, members in groups.items():
        if len(members) > 1:
            how = [why for ids, why in links if ids and find(ids[0]) == root]
            parts.append(f"{' and '.join(labels[m] for m in members)} are linked by "
                         f"{' and '.join(how)}")
    return "; ".join(parts)


def strongest_correlation(orders: list[NDArray[np.intp]]) -> float:
    """The largest absolute rank correlation between two inputs, given each one's sort order.

    NaN with fewer than two.
    """
    if len(orders) < 2:
        return np.nan
    ranks = np.empty((len(orders), len(orders[0])), dtype=np.float64)
    for row, order in zip(ranks, orders, strict=True):
        row[order] = np.arange(len(order), dtype=np.float64)
    corr = np.atleast_2d(np.corrcoef(ranks))
    return float(np.max(np.abs(corr[np.triu_indices(len(orders), 1)])))
