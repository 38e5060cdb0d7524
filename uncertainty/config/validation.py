"""Typed reads from parsed TOML that know where they are, so every error names its place.

A `Node` wraps one value of the parsed document together with its dotted key path. Its
methods return plain Python values or raise `ConfigError` with that path; nothing here
reads files.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from uncertainty.errors import ConfigError

__all__ = ["SUGGESTION_CUTOFF", "Node", "closest", "did_you_mean", "show", "unknown"]

#: How alike a misspelling and a valid name must be for a suggestion (difflib's ratio,
#: twice the matched characters over the total): ``ua.kai`` -> ``ua.kia`` scores 0.83,
#: ``lable`` -> ``label`` 0.8, ``wounded`` -> ``ua.kia`` 0.15.
SUGGESTION_CUTOFF = 0.6


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def show(value: Any) -> str:
    """A short rendering of a user's value for an error message (``9000.0 -> "9000"``)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    text = f"{value:.15g}" if isinstance(value, float) and math.isfinite(value) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def closest(name: str, options: Iterable[str], *,
            cutoff: float = SUGGESTION_CUTOFF) -> str | None:
    """The valid name most like `name`, or None when none is close enough.

    Parameters
    ----------
    name : str
        What the user wrote.
    options : iterable of str
        The names that would have been accepted.
    cutoff : float
        The least similarity (difflib's ratio, 0 to 1) worth suggesting.

    Returns
    -------
    str or None
        The best match scoring at least `cutoff` (`difflib.get_close_matches`); None
        otherwise, or when `name` is itself an option.

    Notes
    -----
    ==========================  ==================
    name                        result
    ==========================  ==================
    one of `options`            None
    no option close enough      None
    a tie                       difflib's choice
    ==========================  ==================
    """
    candidates = [o for o in dict.fromkeys(options) if o != name]
    found = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(name: str, options: Iterable[str], *,
                 cutoff: float = SUGGESTION_CUTOFF) -> str:
    """``"; did you mean 'label'?"`` for the closest option, or ``""`` when none is close."""
    match = closest(name, options, cutoff=cutoff)
    return f"; did you mean {match!r}?" if match is not None else ""


def unknown(what: str, name: str, options: Iterable[str], *, listing: str | None = None,
            listed_as: str = "expected one of", cutoff: float = SUGGESTION_CUTOFF) -> str:
    """The one-line message for a name that is not one of `options`.

    ``unknown source 'us_intl'; did you mean 'us_intel'? (expected one of: us_intel, ...)``:
    the suggestion appears only when an option is close (`closest`); the list always.

    Parameters
    ----------
    what : str
        What the name should have been (``"source"``, ``"metric"``).
    name : str
        What the user wrote.
    options : iterable of str
        The valid names.
    listing : str, optional
        The list to show; default: `options`, comma-separated, in the order given.
    listed_as : str
        The words before the list (``"known"``, ``"allowed"``).
    cutoff : float
        As `closest`.
    """
    options = list(options)
    shown = ", ".join(options) if listing is None else listing
    hint = did_you_mean(name, options, cutoff=cutoff)
    return f"unknown {what} {name!r}{hint} ({listed_as}: {shown})"


@dataclass(frozen=True)
class Node:
    """A value from the config and the key path that leads to it."""

    value: Any
    path: str = ""

    def error(self, message: str) -> ConfigError:
        """A `ConfigError` at this node's path."""
        return ConfigError(self.path, message)

    def child_path(self, key: str) -> str:
        """The dotted path of `key` below this node."""
        return f"{self.path}.{key}" if self.path else key

    # -- tables -----------------------------------------------------------------------------
    def is_table(self) -> bool:
        """Whether this node holds a table."""
        return isinstance(self.value, Mapping)

    def table(self) -> Node:
        """Return the node itself, checked to be a table."""
        if not self.is_table():
            raise self.error(f"expected a table, got {_type_name(self.value)} {show(self.value)}")
        return self

    def keys(self) -> list[str]:
        """The table's keys, in file order."""
        return list(self.table().value)

    def items(self) -> Iterator[tuple[str, Node]]:
        """(key, child node) pairs, in file order."""
        for key, value in self.table().value.items():
            yield key, Node(value, self.child_path(key))

    def by_quantity(self) -> Iterator[tuple[str, Node]]:
        """(quantity, value node) for a table keyed by quantity names, in file order.

        ``"ua.kia" = v`` and ``ua.kia = v`` (TOML's nested tables) alike: a table below a
        key is a further part of the name, anything else the value.
        """
        for key, child in self.items():
            if child.is_table():
                for rest, leaf in child.by_quantity():
                    yield f"{key}.{rest}", leaf
            else:
                yield key, child

    def has(self, key: str) -> bool:
        """Whether the table has `key`."""
        return key in self.table().value

    def get(self, key: str) -> Node | None:
        """The child at `key`, or None when absent."""
        table = self.table().value
        return Node(table[key], self.child_path(key)) if key in table else None

    def require(self, key: str) -> Node:
        """The child at `key`; an error naming the missing key otherwise."""
        node = self.get(key)
        if node is None:
            raise ConfigError(self.child_path(key), "required key is missing")
        return node

    def only(self, allowed: set[str] | frozenset[str], what: str = "") -> None:
        """Reject keys outside `allowed`, listing the accepted ones.

        The message suggests the closest accepted key when one is close
        (``unknown key in a source; did you mean 'label'? (expected one of: ...)``).
        """
        for key in self.keys():
            if key not in allowed:
                listing = ", ".join(sorted(allowed))
                where = f" in {what}" if what else ""
                raise ConfigError(
                    self.child_path(key),
                    f"unknown key{where}{did_you_mean(key, allowed)} (expected one of: "
                    f"{listing})",
                )

    # -- scalars ----------------------------------------------------------------------------
    def string(self) -> str:
        """A string."""
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, got {_type_name(self.value)} {show(self.value)}")
        return self.value

    def number(self) -> float:
        """A finite number (integer or float; booleans are not numbers)."""
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.error(f"expected a number, got {_type_name(v)} {show(v)}")
        try:
            x = float(v)
        except OverflowError:
            raise self.error(f"must be a finite number, got {show(v)}") from None
        if not math.isfinite(x):
            raise self.error(f"must be a finite number, got {v}")
        return x

    def boolean(self) -> bool:
        """``true`` or ``false``."""
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, got {_type_name(self.value)} "
                             f"{show(self.value)}")
        return self.value

    def positive(self) -> float:
        """A finite number > 0."""
        x = self.number()
        if x <= 0:
            raise self.error(f"must be positive, got {show(self.value)}")
        return x

    def integer(self, minimum: int | None = None) -> int:
        """An integer, at least `minimum` when given."""
        v = self.value
        if isinstance(v, float) and v.is_integer() and math.isfinite(v):
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(f"expected an integer, got {_type_name(self.value)} {show(v)}")
        if minimum is not None and v < minimum:
            raise self.error(f"must be at least {minimum}, got {v}")
        return v

    def array(self, length: int | None = None) -> list[Node]:
        """An array of nodes (paths ``key[0]``, ``key[1]``...), of `length` when given."""
        if not isinstance(self.value, list):
            raise self.error(f"expected an array, got {_type_name(self.value)} {show(self.value)}")
        if length is not None and len(self.value) != length:
            raise self.error(f"expected an array of {length} numbers, got {len(self.value)}")
        return [Node(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def pair(self) -> tuple[float, float]:
        """Two finite numbers ``[lo, hi]`` with ``lo < hi``."""
        lo, hi = (n.number() for n in self.array(2))
        if not lo < hi:
            raise self.error(f"lower bound {show(lo)} must be below upper bound {show(hi)}")
        return lo, hi
