"""Table rows: CSV text in, usable rows and the estimates they become out, every row listed.

Pure computation on the file's text (the loader reads it). Each row becomes one source's
estimate of one quantity, or is listed as skipped with the reason:

=========================================  ================================================
the row gives                              the estimate
=========================================  ================================================
a value                                    ``value`` (the source's spread, as a bare number)
a low and a high                           ``between = [low, high]`` (at ``range_level``)
a value, a low and a high                  ``value`` with ``ci = [low, high]``
a low only / a high only                   ``at_least = low`` / ``at_most = high``
a value and one end                        ``value``; the lone end is noted, not used
nothing                                    skipped: no figure
=========================================  ================================================

Numbers may carry thousands separators (``"750,000"``) and spaces. With ``as_of`` each
(source, quantity) contributes its row nearest to that date inside the window (earlier
rows win ties); other rows are listed as outside the window or superseded. A ``carry``
rate moves a figure to ``as_of`` (``figure + rate × days``) and widens its interval by
``1 + widen × years`` on each side (and a bare value's spread factor by the same).

A row of a source named in ``floors`` (its figures are floors, e.g. counts of named dead)
becomes ``{ at_least = F, undercount = { ci90 = [lo, hi] } }`` instead:

=========================================  ================================================
the row gives                              the floor ``F``
=========================================  ================================================
a low (with or without a value, a high)    the low; the value and high are noted, not used
a value (no low)                           the value; a high is noted, not used
a high only                                skipped: a ceiling is not a floor
=========================================  ================================================

Carried, the floor moves like any figure (``F + rate × days``) and the undercount's excess
over 1 (its lognormal part, ``V`` in ``1 + V``) widens by ``1 + widen × years`` on each
side: ``[1 + (lo - 1) / w, 1 + (hi - 1) × w]``, so the factor stays above 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from uncertainty.config.tables.spec import Flag, RowOutcome, TableSpec, source_id

__all__ = ["TableRow", "estimate_spec", "number", "read_rows", "select",
           "source_id"]

_URL = re.compile(r"https?://\S+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class TableRow:
    """A usable row: one source's estimate of one quantity, before the date selection."""

    row: int
    source: str
    quantity: str
    date: dt.date
    value: float | None
    low: float | None
    high: float | None
    cite: str
    note: str
    flags: tuple[Flag, ...]

    def figure(self) -> str:
        """The row's numbers as written in the report."""
        parts = [f"{_plain(self.value)}" if self.value is not None else ""]
        if self.low is not None or self.high is not None:
            parts.append(f"[{_plain(self.low) if self.low is not None else '…'}, "
                         f"{_plain(self.high) if self.high is not None else '…'}]")
        return " ".join(p for p in parts if p)


def _plain(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:,.0f}" if abs(x) >= 1000 and x == int(x) else f"{x:g}"


def number(cell: str) -> float | None:
    """A cell as a number: None when blank; thousands separators and spaces dropped.

    Raises
    ------
    ValueError
        When the cell holds something else (the message quotes it).
    """
    text = cell.strip().replace("\u00a0", "").replace(" ", "").replace("_", "")
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"{cell.strip()!r} is not a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{cell.strip()!r} is not a finite number")
    return value


def _cite(cell: str) -> tuple[str, str]:
    """A citation cell as (URL, the rest): a note written where a URL belongs is kept."""
    text = cell.strip()
    match = _URL.search(text)
    if match is None:
        return "", text
    rest = (text[: match.start()] + text[match.end():]).strip(" ()")
    return match.group(0), rest


def _outcome(row: int, cells: Mapping[str, str], spec: TableSpec, status: str,
             reason: str) -> RowOutcome:
    quantity = " ".join(cells.get(c, "").strip() for c in spec.quantity)
    figure = " ".join(f"{k}={cells[c].strip()}" for k, c in
                      (("value", spec.value), ("low", spec.low), ("high", spec.high))
                      if c is not None and cells.get(c, "").strip())
    return RowOutcome(row, cells.get(spec.source, "").strip(), quantity,
                      cells.get(spec.date, "").strip(), figure, status, reason)


def read_rows(spec: TableSpec, text: str) -> tuple[list[TableRow], list[RowOutcome]]:
    """Parse the table's text: the usable rows, and the skipped ones with their reasons.

    Raises
    ------
    ValueError
        When the header lacks a configured column (the message names it); every problem
        with a single row is a skipped row instead.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader, None)
    if header is None:
        raise ValueError("the file is empty: no header row")
    header = [h.strip() for h in header]
    for role, column in spec.columns().items():
        if column not in header:
            raise ValueError(f"{role}: column {column!r} is not in the file's header "
                             f"(columns: {', '.join(repr(h) for h in header)})")
    usable, skipped = [], []
    for line, cells_list in enumerate(reader, start=2):
        if not any(c.strip() for c in cells_list):
            continue  # a blank line is not a row
        cells = dict(zip(header, cells_list, strict=False))
        if len(cells_list) != len(header):
            skipped.append(_outcome(line, cells, spec, "skipped",
                                    f"has {len(cells_list)} cells, the header {len(header)}"))
            continue
        try:
            usable.append(_row(line, cells, spec))
        except ValueError as exc:
            skipped.append(_outcome(line, cells, spec, "skipped", str(exc)))
    return usable, skipped


def _row(line: int, cells: Mapping[str, str], spec: TableSpec) -> TableRow:
    """One row read, or ValueError saying why it cannot be used."""
    for flag in spec.flags:
        if flag.skip and cells[flag.column].strip().lower() == flag.value.lower():
            raise ValueError(f"flagged {flag.column!r} = {flag.value!r}, which skips the row")
    name = cells[spec.source].strip()
    if not name:
        raise ValueError("no source")
    name = spec.aliases.get(name, name)
    key = " ".join(cells[c].strip() for c in spec.quantity)
    if key not in spec.quantities:
        raise ValueError(f"{key!r} is not in the quantity map "
                         f"(mapped: {', '.join(repr(k) for k in spec.quantities)})")
    raw_date = cells[spec.date].strip()
    if not raw_date:
        raise ValueError("no date")
    try:
        date = dt.datetime.strptime(raw_date, spec.date_format).date()
    except ValueError:
        raise ValueError(f"date {raw_date!r} does not match the format "
                         f"{spec.date_format!r}") from None
    values = {}
    for role in ("value", "low", "high"):
        column = getattr(spec, role)
        try:
            values[role] = None if column is None else number(cells[column])
        except ValueError as exc:
            raise ValueError(f"{role} ({column!r}): {exc}") from None
        if values[role] is not None and values[role] <= 0:  # type: ignore[operator]
            raise ValueError(f"{role} ({column!r}) {cells[column].strip()!r} is not positive")
    value, low, high = values["value"], values["low"], values["high"]
    if value is None and low is None and high is None:
        raise ValueError("no figure: value, low and high are all blank")
    if low is not None and high is not None and not low < high:
        raise ValueError(f"low {_plain(low)} is not below high {_plain(high)}")
    if value is not None and low is not None and high is not None and not low < value < high:
        raise ValueError(f"value {_plain(value)} is not inside [{_plain(low)}, {_plain(high)}]")
    cite, note = _cite(cells[spec.cite]) if spec.cite else ("", "")
    flags = tuple(f for f in spec.flags if not f.skip
                  and cells[f.column].strip().lower() == f.value.lower())
    return TableRow(line, name, spec.quantities[key], date, value, low, high, cite, note, flags)


def select(spec: TableSpec, rows: list[TableRow]) -> tuple[list[TableRow], list[RowOutcome]]:
    """Each (source, quantity)'s row nearest to ``as_of`` in the window; the rest, and why.

    Without ``as_of``, each (source, quantity) keeps its latest row.
    """
    kept, dropped = [], []
    groups: dict[tuple[str, str], list[TableRow]] = {}
    for r in rows:  # names that differ only in case or punctuation are one source
        groups.setdefault((source_id(r.source), r.quantity), []).append(r)
    lo, hi = spec.window
    for group in groups.values():
        if spec.as_of is None:
            best = max(group, key=lambda r: (r.date, -r.row))
        else:
            inside = []
            for r in group:
                days = (r.date - spec.as_of).days
                if lo <= days <= hi:
                    inside.append(r)
                else:
                    dropped.append(_listed(r, "outside window",
                                           f"{_days(days)} as_of {spec.as_of.isoformat()} "
                                           f"(window: {_days(lo)} to {_days(hi)})"))
            if not inside:
                continue
            assert spec.as_of is not None
            as_of = spec.as_of
            best = min(inside, key=lambda r: (abs((r.date - as_of).days), r.date > as_of,
                                              r.row))
            group = inside
        kept.append(best)
        for r in group:
            if r is not best:
                why = ("nearer to as_of" if spec.as_of is not None else "more recent")
                dropped.append(_listed(r, "superseded",
                                       f"row {best.row} of the same source and quantity is "
                                       f"{why}"))
    return sorted(kept, key=lambda r: r.row), dropped


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def _days(days: int) -> str:
    if days == 0:
        return "on"
    return f"{abs(days)} days {'before' if days < 0 else 'after'}"


def _listed(r: TableRow, status: str, reason: str) -> RowOutcome:
    return RowOutcome(r.row, r.source, r.quantity, r.date.isoformat(), r.figure(), status,
                      reason)


def estimate_spec(spec: TableSpec, r: TableRow, spread: float, *,
                  to: str = "as_of") -> tuple[dict[str, Any], str]:
    """The estimate a row becomes (as a config table) and how it was carried, in words.

    `spread` is the source's default ci90_factor, used only to widen a carried bare value.
    `to` names the date the figure is carried to: ``"as_of"``, or ``"from"`` for the
    earlier figure of an increment.
    """
    value, low, high = r.value, r.low, r.high
    undercount = spec.undercount(r.source)
    unused = ""
    if undercount is not None:  # a floor: its lowest figure, times an undercount
        floor = low if low is not None else value
        if floor is None:
            raise ValueError("its source is in floors, but the row gives only a high: a "
                             "ceiling is no floor")
        left = [f"{k} {_plain(x)}" for k, x in (("value", value), ("high", high))
                if x is not None and x != floor]
        unused = (f"a floor (floors): {' and '.join(left)} not used" if left
                  else "a floor (floors)")
        value, low, high = None, floor, None
    how = ""
    widen = 1.0
    target = spec.start if to == "from" else spec.as_of
    if target is not None and spec.carry is not None and r.date != target:
        days = (target - r.date).days
        rate = spec.carry.rates.get(r.quantity)
        if rate is None:
            how = f"not carried to {to}: no rate for {r.quantity}"
        else:
            shift = rate * days
            value, low, high = (None if x is None else x + shift for x in (value, low, high))
            widen = 1 + spec.carry.widen * abs(days) / 365.25
            direction = "forward" if days > 0 else "back"
            how = (f"carried {abs(days)} days {direction} to {to} at {_plain(rate)} a day "
                   f"({'+' if shift >= 0 else '-'}{_plain(abs(round(shift)))}), interval "
                   f"widened ×{widen:.3g}")
            if any(x is not None and x <= 0 for x in (value, low, high)):
                raise ValueError(f"carried to {to} the figure is not positive ({how})")
    level = spec.range_level
    # Six significant digits keep carried figures readable in the report.
    value, low, high = (None if x is None else _sig(x) for x in (value, low, high))
    factor = _sig(spread * widen)
    if low is not None and high is not None:  # a two-sided range widens at both ends
        low, high = _sig(low / widen), _sig(high * widen)
        out: dict[str, Any] = ({"between": [low, high], "level": level} if value is None
                               else {"value": value, "ci": [low, high], "level": level})
    elif value is not None:
        out = {"value": value} if widen == 1 else {"value": value, "ci90_factor": factor}
        if low is not None or high is not None:
            how = "; ".join(p for p in (how, "a lone range end is not used") if p)
    elif undercount is not None:  # a floor: its undercount's excess widens on each side
        lo, hi = undercount
        if widen != 1:
            lo, hi = _sig(1 + (lo - 1) / widen), _sig(1 + (hi - 1) * widen)
        out = {"at_least": low, "undercount": {"ci90": [lo, hi]}}
        how = "; ".join(p for p in (how, unused) if p)
    else:  # one end only: the bound stays, the spread beyond it widens
        key, bound = ("at_least", low) if low is not None else ("at_most", high)
        out = {key: bound} if widen == 1 else {key: bound, "ci90_factor": factor}
    return out, how
