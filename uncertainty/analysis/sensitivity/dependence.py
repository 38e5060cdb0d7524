"""Which of a metric's inputs are linked, so that their variance shares overlap.

A correlation links its two estimates; a constraint links every input of every quantity it
names. `dependence_of` says which links join a metric's inputs, in words;
`strongest_correlation` measures how strongly linked inputs move together in a view's
draws, with its Monte Carlo standard error (`rank_correlation_mcse`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from uncertainty.analysis.sensitivity.input_kinds import Input, inputs_of
from uncertainty.model.core import Metric, Model
from uncertainty.model.views import View

__all__ = ["SUBSAMPLE", "dependence_of", "rank_correlation_mcse", "rank_influence",
           "strongest_correlation"]


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


def strongest_correlation(orders: list[NDArray[np.intp]]) -> tuple[float, float]:
    """The largest absolute rank correlation between two inputs, and its MCSE.

    Given each input's sort order (ties broken by it), the Spearman correlation of each
    pair is the Pearson correlation of their ranks; the largest in absolute value is
    returned with the MCSE of that pair's (`rank_correlation_mcse`). NaN, NaN with fewer
    than two inputs.
    """
    if len(orders) < 2:
        return np.nan, np.nan
    ranks = np.empty((len(orders), len(orders[0])), dtype=np.float64)
    for row, order in zip(ranks, orders, strict=True):
        row[order] = np.arange(len(order), dtype=np.float64)
    corr = np.atleast_2d(np.corrcoef(ranks))
    upper = np.triu_indices(len(orders), 1)
    found = np.abs(corr[upper])
    value = float(np.max(found))
    if math.isnan(value):
        return value, math.nan
    k = int(np.argmax(found))
    return value, rank_correlation_mcse(orders[upper[0][k]], orders[upper[1][k]])


def rank_correlation_mcse(order_x: NDArray[np.intp], order_y: NDArray[np.intp]) -> float:
    """Monte Carlo standard error of the Spearman correlation of two inputs' draws.

    From the influence function of ``rho = 12 E[F(X) G(Y)] - 3``: with ``u_i``, ``v_i``
    the ranks (1 to n, from the sort orders) over ``n + 1``,
    ``IF_i = u_i v_i + g1(u_i) + g2(v_i)``, where ``g1(u_i) = mean_j(v_j [u_j >= u_i])``
    and ``g2(v_i) = mean_j(u_j [v_j >= v_i])`` are how ``theta = E[F(X) G(Y)]`` moves
    with the draw's share of ``F`` and ``G``; ``MCSE = 12 sd(IF) / sqrt(n)``. Each ``g`` is
    a reverse cumulative sum in the other input's order: O(n) after the sorts. Beyond
    `SUBSAMPLE` draws, ``sd(IF)`` is estimated from the first `SUBSAMPLE` (ranked among
    themselves): its own relative error, ``sqrt((kurtosis - 1) / (4 SUBSAMPLE))``, is
    under 1% for Gaussian copulas up to rho 0.95 (kurtosis of the influence values 3.2 at
    rho 0, 8.9 at 0.95), and the random gathers over every draw were a sixth of the
    sensitivity stage at 10**6 draws.
    Calibrated in ``benchmarks/calibrate_mcse.py`` (part ``rank``). NaN with fewer than
    3 draws.
    """
    n = len(order_x)
    if n < 3:
        return math.nan
    m = min(n, SUBSAMPLE)
    # The first m draws' order among themselves, which a stable sort of their ranks
    # gives: the whole order with the later draws taken out (ranks are distinct).
    firsts = [order if m == n else order[order < m] for order in (order_x, order_y)]
    return 12 * float(np.std(_influence(*firsts), ddof=1)) / math.sqrt(n)


#: Draws over which the influence function's sd is estimated (see `rank_correlation_mcse`).
SUBSAMPLE = 1 << 15


def rank_influence(rank_x: NDArray[np.float64],
                   rank_y: NDArray[np.float64]) -> NDArray[np.float64]:
    """The influence values ``u v + g1(u) + g2(v)`` of the first `SUBSAMPLE` draws.

    Ranked among themselves, from the draws' ranks (any values in the same order); see
    `rank_correlation_mcse`.
    """
    m = min(len(rank_x), SUBSAMPLE)
    return _influence(np.argsort(rank_x[:m], kind="stable"),
                      np.argsort(rank_y[:m], kind="stable"))


def _influence(order_x: NDArray[np.intp], order_y: NDArray[np.intp]) -> NDArray[np.float64]:
    """`rank_influence` of draws given their two sort orders (ties broken by them)."""
    m = len(order_x)
    scaled = np.arange(1, m + 1, dtype=np.float64) / (m + 1)
    u, v = np.empty(m), np.empty(m)
    u[order_x] = scaled
    v[order_y] = scaled
    influence = u * v
    for other, order in ((v, order_x), (u, order_y)):
        # the other input's scaled ranks summed over the draws at or above each one
        influence[order] += np.cumsum(other[order][::-1])[::-1] / m
    return influence
