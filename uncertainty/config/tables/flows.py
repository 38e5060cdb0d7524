"""Pairs of rows for a flow: each source's figures nearest to ``from`` and to ``as_of``.

With ``from`` a table study is about the change of each quantity from ``from`` to
``as_of``. Per (source, quantity) the window is applied around each date; of the rows
inside, the pair (one around ``from``, one around ``as_of``, the first dated before the
second) is used that gives the same kind of figure at both ends (both a value, both a
range, both a floor...), if one does, and of those the one nearest to the two dates in total
days: the two figures' errors are modelled as one method's, correlated, and a floor of
named dead followed by a range of all dead are two methods. The rest are listed:

==============================================  ==========================================
the group has                                   its rows are listed as
==============================================  ==========================================
a row in neither window                         outside window
a pair, and other rows inside the windows       superseded (by the pair's rows)
no row around one of the two dates              unpaired: the increment needs both
rows around both, but none ordered in time      unpaired
==============================================  ==========================================

An unpaired source contributes nothing to that quantity's increment.
"""

from __future__ import annotations

import datetime as dt

from uncertainty.config.tables.rows import TableRow, _days, _listed
from uncertainty.config.tables.spec import RowOutcome, TableSpec, source_id

__all__ = ["UNPAIRED", "select_pairs"]

#: The status of a row whose source has no figure near the other end of the period.
UNPAIRED = "unpaired"


def _kind(r: TableRow) -> tuple[bool, bool, bool]:
    """Which of value, low and high a row gives: its kind of figure."""
    return r.value is not None, r.low is not None, r.high is not None


def _inside(r: TableRow, date: dt.date, window: tuple[int, int]) -> bool:
    return window[0] <= (r.date - date).days <= window[1]


def select_pairs(spec: TableSpec, rows: list[TableRow]
                 ) -> tuple[list[tuple[TableRow, TableRow]], list[RowOutcome]]:
    """Each (source, quantity)'s (earlier, later) rows for the flow; the rest, and why.

    Pairs of the same kind of figure come first; then the fewest total days away; ties go
    to the pair nearer to ``from``, then to rows dated on or before their date, then to
    earlier rows of the file.
    """
    start, end = spec.start, spec.as_of
    if start is None or end is None:
        raise ValueError("a flow needs from and as_of")
    lo, hi = spec.window
    groups: dict[tuple[str, str], list[TableRow]] = {}
    for r in rows:  # names that differ only in case or punctuation are one source
        groups.setdefault((source_id(r.source), r.quantity), []).append(r)
    pairs, dropped = [], []
    span = f"(window: {_days(lo)} to {_days(hi)} each)"
    for group in groups.values():
        firsts = [r for r in group if _inside(r, start, spec.window)]
        lasts = [r for r in group if _inside(r, end, spec.window)]
        for r in group:
            if r not in firsts and r not in lasts:
                dropped.append(_listed(r, "outside window",
                                       f"{_days((r.date - start).days)} from "
                                       f"{start.isoformat()} and "
                                       f"{_days((r.date - end).days)} as_of "
                                       f"{end.isoformat()} {span}"))
        candidates = [(a, b) for a in firsts for b in lasts if a.date < b.date]
        near = [r for r in group if r in firsts or r in lasts]
        if not candidates:
            if not firsts:
                why = f"no row of this source and quantity around from {start.isoformat()}"
            elif not lasts:
                why = f"no row of this source and quantity around as_of {end.isoformat()}"
            else:
                why = "no row around from is dated before one around as_of"
            why += f" {span}: an increment needs a figure at each end, so none is made"
            dropped += [_listed(r, UNPAIRED, why) for r in near]
            continue
        first, last = min(candidates, key=lambda p: (
            _kind(p[0]) != _kind(p[1]),
            abs((p[0].date - start).days) + abs((p[1].date - end).days),
            abs((p[0].date - start).days), p[0].date > start, p[1].date > end,
            p[0].row, p[1].row))
        pairs.append((first, last))
        for r in near:
            if r is not first and r is not last:
                dropped.append(_listed(r, "superseded",
                                       f"rows {first.row} and {last.row} of the same source "
                                       f"and quantity are the pair used (the same kind of "
                                       f"figure at both ends first, then nearest to from and "
                                       f"as_of)"))
    return sorted(pairs, key=lambda p: p[0].row), dropped
