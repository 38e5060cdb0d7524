"""Pools that are distributions of their own (the linear pool is a mixture of draws).

The logarithmic pool of sources with normalized weights ``w_i`` is the normalized product
``prod f_i(x) ** w_i``. For normal estimates it is normal with precision
``sum w_i / sd_i**2`` and the precision-weighted mean; for lognormal estimates the same
holds for ``log x`` (the weights sum to 1, so the Jacobians cancel). Other families have no
closed form and are refused with a message naming the source and family.
"""

from __future__ import annotations

import math

from uncertainty.distributions import Distribution, LogNormal, Normal
from uncertainty.errors import ConfigError
from uncertainty.model.core import Model

__all__ = ["log_pool"]


def log_pool(model: Model, quantity: str) -> Distribution:
    """The logarithmic pool of every source's estimate of `quantity`.

    Raises
    ------
    ConfigError
        At ``run.pool`` when the estimates are not all lognormal or all normal.
    """
    members = [(s.weight, s.estimate(quantity)) for s in model.estimators(quantity)]
    total = sum(w for w, _ in members)
    dists = [e.distribution for _, e in members if e is not None]
    if all(isinstance(d, LogNormal) for d in dists):
        locs = [math.log(d.median_value) for d in dists]  # type: ignore[attr-defined]
        scales = [d.sigma for d in dists]  # type: ignore[attr-defined]
    elif all(isinstance(d, Normal) for d in dists):
        locs = [d.mean for d in dists]  # type: ignore[attr-defined]
        scales = [d.sd for d in dists]  # type: ignore[attr-defined]
    else:
        odd = next(
            (s.id, d.family) for s, d in zip(model.estimators(quantity), dists, strict=True)
            if not isinstance(d, LogNormal | Normal)
        ) if any(not isinstance(d, LogNormal | Normal) for d in dists) else None
        detail = (f"{odd[0]!r} gives a {odd[1]}" if odd
                  else "it mixes lognormal and normal estimates")
        raise ConfigError(
            "run.pool",
            f"the log pool of {quantity!r} has a closed form only when every estimate is "
            f"lognormal, or every one normal; {detail}. Use pool = \"linear\"",
        )
    precisions = [(w / total) / s**2 for (w, _), s in zip(members, scales, strict=True)]
    precision = sum(precisions)
    loc = sum(p * m for p, m in zip(precisions, locs, strict=True)) / precision
    scale = 1 / math.sqrt(precision)
    if isinstance(dists[0], LogNormal):
        return LogNormal(math.exp(loc), scale)
    return Normal(loc, scale)
