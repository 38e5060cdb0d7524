"""What every estimate builder returns, and the helpers builders share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special

from uncertainty.config.validation import Node, show
from uncertainty.distributions.base import Distribution

__all__ = [
    "MAX_CI90_FACTOR",
    "RTOL",
    "Builder",
    "Built",
    "Check",
    "Spread",
    "ci90_factor",
    "level_of",
    "quantile_checks",
]

#: Relative tolerance for a built distribution to count as reproducing what was written.
RTOL = 1e-9

#: ``(what, achieved, wanted)``: one thing the user stated, and what the distribution has.
Check = tuple[str, float, float]


@dataclass(frozen=True)
class Spread:
    """The default spread for a bare number, and where it was set.

    Parameters
    ----------
    factor : float
        ``ci90_factor`` f > 1: a bare ``x`` gets the 90% interval ``[x/f, x*f]``.
    origin : str
        Where `factor` came from, for the report (``"source ci90_factor"``).
    """

    factor: float
    origin: str


@dataclass(frozen=True)
class Built:
    """A distribution built from an estimate, and how.

    Parameters
    ----------
    distribution : Distribution
        The result.
    spread : str
        Where its spread came from, in words, for the report.
    checks : tuple of (str, float, float)
        ``(what, achieved, wanted)`` for each thing the user stated.
    scale : float
        For location families, the spread against which an absolute error is judged
        (a check wanting 0 can only be met absolutely); 0 means checks are purely relative.
    """

    distribution: Distribution
    spread: str
    checks: tuple[Check, ...] = ()
    scale: float = 0.0


Builder = Callable[[Node, Spread], Built]


def quantile_checks(dist: Distribution, wanted: Mapping[float, float]) -> tuple[Check, ...]:
    """One check per stated quantile: ``dist.ppf(p)`` should be ``wanted[p]``."""
    probs = list(wanted)
    achieved = dist.ppf(np.asarray(probs))
    return tuple(
        (f"{p:.4g} quantile", float(a), wanted[p]) for p, a in zip(probs, achieved, strict=True)
    )


#: Largest ``ci90_factor`` accepted: a 90% interval spanning twelve orders of magnitude
#: already says nothing, and wider ones overflow floating point in the tails.
MAX_CI90_FACTOR = 1e6


def ci90_factor(node: Node) -> float:
    """A ``ci90_factor``: a number greater than 1, at most `MAX_CI90_FACTOR`."""
    f = node.number()
    if not f > 1:
        raise node.error(f"must be greater than 1 (a 90% interval [x/f, x*f]), got {show(f)}")
    if f > MAX_CI90_FACTOR:
        raise node.error(f"must be at most {MAX_CI90_FACTOR:,.0f} (a 90% interval spanning "
                         f"a factor of 10^12), got {show(f)}")
    return f


def level_of(node: Node | None, default: float = 0.9) -> float:
    """A credible level strictly between 0 and 1, or `default` when absent."""
    if node is None:
        return default
    level = node.number()
    if not 0 < level < 1:
        raise node.error(f"must be between 0 and 1 (exclusive), got {show(level)}")
    if not special.ndtri(0.5 + level / 2) > 0:  # 0.5 + level / 2 rounds to 0.5
        raise node.error(f"level {show(level)} is too small to tell its interval from a point")
    return level
