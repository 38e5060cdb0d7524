"""What to draw for some views: the streams, the copula groups, the pools, the constraint keys.

A `Plan` is built once per set of views and reused for any range of draws: the in-memory
run draws it whole, the streamed run regenerates it block by block.
"""

from __future__ import annotations

from dataclasses import dataclass

from uncertainty.distributions import Distribution
from uncertainty.model.copula import CopulaGroup, plan_copula
from uncertainty.model.core import CONSENSUS, POOLED, Estimate, Model, Source
from uncertainty.model.pooling import log_pool
from uncertainty.model.views import View
from uncertainty.sampling.streams import Kind

__all__ = ["Plan", "constraint_key", "make_plan"]


@dataclass(frozen=True)
class Plan:
    """What to draw for some views, and how to turn the random streams into candidates.

    Parameters
    ----------
    estimates : tuple of (str, Estimate)
        The (source id, estimate) pairs some view uses.
    groups : tuple of CopulaGroup
        The copula groups among them.
    requests : tuple of (kind, names)
        The streams to draw: the estimates' latent normals first, then one per pooled
        quantity, then one latent normal per quantity drawn from its consensus.
    pooled : tuple of str
        Quantities some view takes from the pool.
    log : bool
        Whether the pool is logarithmic (drawn from its closed form) or linear (a choice
        of source per draw).
    pools : dict of str to Distribution
        Each log pool's distribution.
    members : dict of str to list of Source
        Each linear pool's sources, sorted by id.
    tested : dict of str to View
        Each constraint key and the first view having it.
    agreed : dict of str to Distribution
        Each quantity some view draws from its consensus, and the consensus's law.
    """

    estimates: tuple[tuple[str, Estimate], ...]
    groups: tuple[CopulaGroup, ...]
    requests: tuple[tuple[Kind, tuple[str, ...]], ...]
    pooled: tuple[str, ...]
    log: bool
    pools: dict[str, Distribution]
    members: dict[str, list[Source]]
    tested: dict[str, View]
    agreed: dict[str, Distribution]


def constraint_key(model: Model, view: View) -> str:
    """Views with equal keys see the same constrained quantities, so the same acceptance.

    "" without constraints.
    """
    names = sorted({q for c in model.constraints for q in c.names})
    return ",".join(f"{q}={view.source_of(q)}" for q in names)


def make_plan(model: Model, views: tuple[View, ...]) -> Plan:
    """The `Plan` of `views`.

    What can fail (a correlation matrix, a log pool without closed form) fails here,
    before anything is drawn.
    """
    pooled = [q for q in model.quantities if any(v.source_of(q) == POOLED for v in views)]
    agreed = {c.quantity: c.law for c in model.consensus_laws or ()
              if c.law is not None and any(v.source_of(c.quantity) == CONSENSUS for v in views)}
    log = model.run.pool == "log"
    groups = plan_copula(model.correlations, repair=model.repair_correlations).groups
    used = _used_estimates(model, views, groups, pooled if not log else [])
    estimates = [(s.id, e) for s in model.sources for e in s.estimates
                 if (s.id, e.quantity) in used]
    groups = tuple(g for g in groups if g.members[0] in used)
    requests: list[tuple[Kind, tuple[str, ...]]] = [
        ("normal", ("estimate", sid, e.quantity)) for sid, e in estimates]
    requests += [("normal", ("pool", "log", q)) if log else ("uniform", ("pool", q))
                 for q in pooled]
    requests += [("normal", ("consensus", q)) for q in agreed]
    pools = {q: log_pool(model, q) for q in pooled} if log else {}
    # Sorted by id so that the order of sources in the file cannot change a draw.
    members = {q: sorted(model.estimators(q), key=lambda s: s.id) for q in pooled}
    tested: dict[str, View] = {}
    for view in views if model.constraints else ():
        tested.setdefault(constraint_key(model, view), view)
    return Plan(tuple(estimates), groups, tuple(requests), tuple(pooled), log, pools,
                members, tested, agreed)


def _used_estimates(model: Model, views: tuple[View, ...], groups: tuple[CopulaGroup, ...],
                    linear: list[str]) -> set[tuple[str, str]]:
    """The (source, quantity) estimates the views draw from.

    Those a view names, the members of a linear pool a view takes, and every estimate
    correlated with one of those. Streams are keyed by names, so leaving the others
    undrawn changes no draw.
    """
    used = {(v.source_of(q), q) for v in views for q in model.quantities
            if v.source_of(q) not in (POOLED, CONSENSUS)}
    used |= {(s.id, q) for q in linear for s in model.estimators(q)}
    for group in groups:
        if used.intersection(group.members):
            used.update(group.members)
    return used
