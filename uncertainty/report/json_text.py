"""JSON with two-space indents, as ``json.dumps(obj, indent=2, allow_nan=False)`` writes it.

CPython 3.11 writes indented JSON in pure Python: every token passes up a chain of
generators as deep as its nesting, and a small run's ``summary.json`` (a few thousand
numbers, five levels deep) took 4.4 of its 50 ms. `dumps` writes the same text in 2.6 ms
(`benchmarks/bench_small_pieces.py`) with one recursive walk that joins each container's
items once, using the standard library's own C string encoder and ``float.__repr__``, as
``json`` does. Anything it does not write the standard way (a key that is not a string, a
non-finite number, an unknown type, a cycle) is handed to ``json.dumps`` itself, which
writes it or raises exactly as before.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from math import isfinite
from typing import Any

__all__ = ["dumps"]


class _Unusual(Exception):
    """A value `dumps` leaves to ``json.dumps``."""


def dumps(obj: Any) -> str:
    """``json.dumps(obj, indent=2, allow_nan=False)``, the same text, faster."""
    try:
        return _value(obj, "\n")
    except (_Unusual, RecursionError):
        return json.dumps(obj, indent=2, allow_nan=False)


def _scalar(o: Any) -> str | None:
    """`o` as JSON if it is a plain str, float, int or None (the common leaves), else None."""
    kind = type(o)
    if kind is float:
        if not isfinite(o):
            raise _Unusual
        return float.__repr__(o)
    if kind is str:
        return encode_basestring_ascii(o)
    if kind is int:
        return int.__repr__(o)
    if o is None:
        return "null"
    return None


def _value(o: Any, newline: str) -> str:
    """`o` as JSON; `newline` starts a line at its depth.

    The tests and their order are ``json.encoder._make_iterencode``'s: a ``str`` subclass
    is a string, ``True`` is not an int, a ``float`` subclass (numpy's float64) is written
    by ``float.__repr__``, lists and tuples are arrays, dicts objects. `_scalar` takes the
    exact types first, which those tests would send the same way.
    """
    text = _scalar(o)
    if text is not None:
        return text
    if isinstance(o, str):
        return encode_basestring_ascii(o)
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        if not isfinite(o):
            raise _Unusual
        return float.__repr__(o)
    inner = newline + "  "
    if isinstance(o, (list, tuple)):
        if not o:
            return "[]"
        items = []
        for item in o:
            kind = type(item)
            if kind is float and isfinite(item):
                items.append(float.__repr__(item))
            elif kind is str:
                items.append(encode_basestring_ascii(item))
            else:
                items.append(_value(item, inner))
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    if isinstance(o, dict):
        if not o:
            return "{}"
        items = []
        for key, item in o.items():
            if not isinstance(key, str):
                raise _Unusual
            kind = type(item)
            if kind is float and isfinite(item):
                text = float.__repr__(item)
            elif kind is str:
                text = encode_basestring_ascii(item)
            else:
                text = _value(item, inner)
            items.append(encode_basestring_ascii(key) + ": " + text)
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    raise _Unusual
