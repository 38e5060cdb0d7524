"""``[counts]``: what each quantity counts, checked against the study's quantities.

``"ua.kia" = ["killed"]`` says the quantity ``ua.kia`` counts the killed in action;
``"ua.casualties" = ["killed", "wounded", "missing", "captured"]`` a total of four kinds.
The report uses these declarations to tell a share of the dead among all casualties from
the case fatality rate (`uncertainty.model.counts`).
"""

from __future__ import annotations

from uncertainty.config.validation import Node, show, unknown
from uncertainty.model.counts import COUNT_WORDS

__all__ = ["parse_counts"]


def parse_counts(node: Node,
                 quantities: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Validate ``[counts]``: each quantity a known one, each list known words, once each.

    Parameters
    ----------
    node : Node
        The ``counts`` table.
    quantities : tuple of str
        The study's quantities.

    Returns
    -------
    tuple of (str, tuple of str)
        Each declared quantity with the words it counts, in file order.

    Raises
    ------
    ConfigError
        For an unknown quantity, a value that is not an array of strings, an empty array,
        an unknown word (the known ones listed) or a word listed twice.
    """
    out: list[tuple[str, tuple[str, ...]]] = []
    for quantity, child in node.table().by_quantity():
        if quantity not in quantities:
            raise child.error(unknown("quantity", quantity, quantities, listed_as="known"))
        if any(quantity == q for q, _ in out):
            raise child.error(f"{quantity!r} is declared twice")
        items = child.array()
        if not items:
            raise child.error(f"list what {quantity} counts, one or more of: "
                              f"{', '.join(COUNT_WORDS)}")
        words: list[str] = []
        for item in items:
            word = item.string()
            if word not in COUNT_WORDS:
                raise item.error(unknown("word", word, COUNT_WORDS))
            if word in words:
                raise item.error(f"{show(word)} is listed twice")
            words.append(word)
        out.append((quantity, tuple(words)))
    return tuple(out)
