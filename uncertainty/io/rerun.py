"""Exact reruns: a saved ``summary.json`` against the same run made again, number by number.

Pure comparison of two JSON documents; the command line does the reading and the running.
Every number is compared exactly (a rerun with the same config, seed, draws and library
versions reproduces every bit); a difference is reported with its place and size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Difference", "compare_documents", "environment_changes"]

#: Parts of the document that describe the run rather than its numbers.
_SKIPPED = ("provenance",)


@dataclass(frozen=True)
class Difference:
    """One place where the rerun differs from the saved document."""

    path: str
    saved: Any
    fresh: Any

    def describe(self) -> str:
        """``records[3].median: saved 11.2079, now 11.2081 (difference 0.0002, ...)``."""
        a, b = self.saved, self.fresh
        if _number(a) and _number(b):
            diff = b - a
            rel = abs(diff) / abs(a) if a else math.inf
            return (f"{self.path}: saved {a!r}, now {b!r} (difference {diff:.3g}, "
                    f"{rel:.2g} relative)")
        return f"{self.path}: saved {_short(a)}, now {_short(b)}"


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def _equal(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return float(a) == float(b)
    return bool(a == b) and type(a) is type(b)


def _walk(saved: Any, fresh: Any, path: str) -> Iterator[Difference | None]:
    """Every difference below `path`; None for each number or string found equal."""
    if isinstance(saved, dict) and isinstance(fresh, dict):
        for key in sorted(set(saved) | set(fresh)):
            where = f"{path}.{key}" if path else str(key)
            if not path and key in _SKIPPED:
                continue
            if key not in saved or key not in fresh:
                yield Difference(where, saved.get(key, "(absent)"), fresh.get(key, "(absent)"))
            else:
                yield from _walk(saved[key], fresh[key], where)
    elif isinstance(saved, list) and isinstance(fresh, list):
        if len(saved) != len(fresh):
            yield Difference(f"{path} (length)", len(saved), len(fresh))
        for i, (a, b) in enumerate(zip(saved, fresh, strict=False)):
            yield from _walk(a, b, f"{path}[{i}]")
    elif _equal(saved, fresh):
        yield None
    else:
        yield Difference(path, saved, fresh)


def compare_documents(saved: dict[str, Any],
                      fresh: dict[str, Any]) -> tuple[int, list[Difference]]:
    """How many values were compared, and every difference (provenance left out)."""
    checked, found = 0, []
    for item in _walk(saved, fresh, ""):
        checked += 1
        if item is not None:
            found.append(item)
    return checked, found


def environment_changes(saved: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """The library versions, and the BLAS, that differ between the saved run and this one.

    In words. A saved run that did not record its BLAS (made before runs held BLAS to one
    thread, when a long dot product was split between one BLAS thread per core) counts as
    a different one.
    """
    was, now = saved.get("provenance") or {}, fresh.get("provenance") or {}
    old, new = was.get("versions") or {}, now.get("versions") or {}
    changes = [f"{name} {old.get(name, '?')} then, {new.get(name, '?')} now"
               for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]
    if was.get("blas") != now.get("blas"):
        changes.append(f"BLAS {was.get('blas') or 'not recorded'} then, "
                       f"{now.get('blas') or 'not recorded'} now")
    return changes
