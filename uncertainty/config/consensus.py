"""``[consensus]``: how the sources of each quantity are synthesized, checked.

=================  ===========================================  =========================
key                value                                        default
=================  ===========================================  =========================
``range``          ``[low, high]`` (every quantity), or a       smallest claim / 1000 to
                   table ``{ "ru.deaths" = [low, high] }``      largest claim * 1000
``heterogeneity``  ``"estimate"``, or a number >= 0 (fixed;     ``"estimate"``
                   0: fixed effect)
``tau_scale``      scale of tau's half-normal prior (> 0)       0.5
``min_ess``        least effective sample size (integer >= 2;   1000
                   5% of the draws when less)
``flag_level``     two-sided level of the out-of-line flag      0.05
=================  ===========================================  =========================
"""

from __future__ import annotations

from uncertainty.config.validation import Node, show, unknown
from uncertainty.model.core import ConsensusSettings

__all__ = ["parse_consensus"]

_KEYS = {"range", "heterogeneity", "tau_scale", "min_ess", "flag_level"}


def _range(node: Node) -> tuple[float, float]:
    lo, hi = node.pair()
    if lo <= 0:
        raise node.error(f"a prior range of a true value is positive: [low, high] with "
                         f"0 < low < high, got {show([lo, hi])}")
    return lo, hi


def _ranges(node: Node, quantities: tuple[str, ...]) -> tuple[tuple[str, tuple[float, float]],
                                                              ...]:
    if not node.is_table():
        return (("", _range(node)),)
    out = []
    for name, child in node.by_quantity():
        if name not in quantities:
            raise Node(None, child.path).error(unknown("quantity", name, quantities))
        out.append((name, _range(child)))
    return tuple(out)


def parse_consensus(node: Node, quantities: tuple[str, ...]) -> ConsensusSettings:
    """Validate ``[consensus]`` (see the module docstring for its keys).

    Raises
    ------
    ConfigError
        Naming the key: an unknown key, a quantity the study does not have, a value out
        of range.
    """
    node.table().only(_KEYS, "[consensus]")
    settings = ConsensusSettings()
    range_node = node.get("range")
    ranges = () if range_node is None else _ranges(range_node, quantities)
    heterogeneity = settings.heterogeneity
    het = node.get("heterogeneity")
    if het is not None:
        if isinstance(het.value, str):
            if het.value != "estimate":
                raise het.error(f'expected "estimate" or a number >= 0, got {show(het.value)}')
        else:
            heterogeneity = het.number()
            if heterogeneity < 0:
                raise het.error(f"a between-source scale is at least 0, got {show(het.value)}")
    scale_node = node.get("tau_scale")
    scale = settings.tau_scale if scale_node is None else scale_node.positive()
    ess_node = node.get("min_ess")
    min_ess = settings.min_ess if ess_node is None else ess_node.integer(minimum=2)
    flag_node = node.get("flag_level")
    flag = settings.flag_level
    if flag_node is not None:
        flag = flag_node.number()
        if not 0 < flag < 1:
            raise flag_node.error(f"a two-sided level is between 0 and 1 (e.g. 0.05), "
                                  f"got {show(flag_node.value)}")
    return ConsensusSettings(ranges=ranges, heterogeneity=heterogeneity, tau_scale=scale,
                             min_ess=min_ess, flag_level=flag)
