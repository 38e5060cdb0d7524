"""What a quantity counts, and which metrics divide the dead by a total with the missing in it.

A study may declare, for any quantity, which kinds of casualty it counts (``[counts]`` in the
config, read by `uncertainty.config.counts`). A metric is then told apart from the case
fatality rate by its parsed expression (`uncertainty.model.expr.Expression.divisions`),
never by the names of its quantities: a quantity nobody declared counts nothing we know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from uncertainty.model.core import Metric

__all__ = ["COUNT_WORDS", "DEAD", "OUTSIDE_CFR", "CasualtyNote", "casualty_notes"]

#: The kinds of casualty a quantity may count, in the order they are listed.
COUNT_WORDS = ("killed", "died_of_wounds", "wounded", "missing", "captured")
#: The words that count the dead.
DEAD = frozenset({"killed", "died_of_wounds"})
#: The words a total may count that the case fatality rate leaves out.
OUTSIDE_CFR = ("missing", "captured")


@dataclass(frozen=True)
class CasualtyNote:
    """A metric that divides the dead by a total counting the missing or the captured.

    Parameters
    ----------
    metric : str
        The metric's name.
    numerator, denominator : tuple of str
        The quantities summed above and below the division.
    numerator_counts, denominator_counts : tuple of str
        What each side counts, in `COUNT_WORDS` order.
    complement : bool
        Whether the metric is one minus the division (``1 - a / b``, a survival share).
    """

    metric: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    numerator_counts: tuple[str, ...]
    denominator_counts: tuple[str, ...]
    complement: bool

    @property
    def outside(self) -> tuple[str, ...]:
        """The words of the denominator that the case fatality rate leaves out."""
        return tuple(w for w in OUTSIDE_CFR if w in self.denominator_counts)



def _counted(names: Iterable[str], counts: Mapping[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """What a sum of `names` counts, in `COUNT_WORDS` order; None if one is undeclared."""
    words: set[str] = set()
    for name in names:
        if name not in counts:
            return None
        words.update(counts[name])
    return tuple(w for w in COUNT_WORDS if w in words)


def _share_of_dead(above: tuple[str, ...], below: tuple[str, ...]) -> bool:
    """Whether the dead (`above`) are divided by a total of them and the missing or captured.

    The wounded in action include those who later died of wounds, so a total that counts the
    wounded counts them too.
    """
    total = set(below) | ({"died_of_wounds"} if "wounded" in below else set())
    return (bool(above) and DEAD.issuperset(above) and set(above) <= total
            and any(w in below for w in OUTSIDE_CFR))


def casualty_notes(metrics: Iterable[Metric],
                   counts: Mapping[str, tuple[str, ...]]) -> tuple[CasualtyNote, ...]:
    """The metrics that divide the dead by a total counting the missing or the captured.

    Parameters
    ----------
    metrics : iterable of Metric
        The study's metrics.
    counts : mapping of str to tuple of str
        What each declared quantity counts (words of `COUNT_WORDS`).

    Returns
    -------
    tuple of CasualtyNote
        At most one per metric (its first such division), in the metrics' order.

    Notes
    -----
    A note marks a share of the dead in a total that also counts the missing or the
    captured: a division whose numerator counts only the dead and whose denominator counts
    what the numerator counts and the missing or the captured.

    =====================================================  ===========================
    a division in the metric                                note
    =====================================================  ===========================
    killed / (killed, wounded, missing, captured)           yes
    1 - killed / (killed, wounded, missing)                 yes (a survival share)
    (killed + died_of_wounds) / (killed, wounded, captured) yes (the wounded include DOW)
    (killed + died_of_wounds) / (killed, wounded)           no: the case fatality rate
    all casualties / all casualties (a ratio of totals)     no: not a share of the dead
    (killed, missing) / (killed, wounded, missing)          no: not only the dead above
    killed / (missing, captured)                            no: the killed not in the total
    a side with a quantity nobody declared                  no
    a side that is not a sum of quantities (``a * b``)      no
    =====================================================  ===========================
    """
    out = []
    for metric in metrics:
        for division in metric.expression.divisions():
            above = _counted(division.numerator, counts)
            below = _counted(division.denominator, counts)
            if above is None or below is None:
                continue
            if not _share_of_dead(above, below):
                continue
            out.append(CasualtyNote(metric.name, division.numerator, division.denominator,
                                    above, below, division.complement))
            break
    return tuple(out)
