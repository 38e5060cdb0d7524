"""The rows of every source table: what became of each, in ``summary.md`` and ``summary.json``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from uncertainty.config.tables import UNPAIRED, TableReport
from uncertainty.model.core import Model
from uncertainty.report.blocks import (
    Block,
    Code,
    Content,
    Heading,
    Inline,
    Num,
    Paragraph,
    Table,
    Text,
    cell,
    columns,
    prose,
)

__all__ = ["STATUSES", "row_counts", "rows_blocks", "tables_document"]

#: Every status a row can have, in the order the counts are given.
STATUSES = ("used", "skipped", "outside window", "superseded", UNPAIRED)


def row_counts(report: TableReport) -> Content:
    """``124 rows: 18 used, 97 outside window, 9 superseded``."""
    counts = Counter(r.status for r in report.rows)
    out: list[Inline] = [Num(len(report.rows)), Text(" rows: ")]
    for i, status in enumerate(s for s in STATUSES if counts[s]):
        out += [Text(", ")] * (i > 0) + [Num(counts[status]), Text(f" {status}")]
    return tuple(out)


def _scope(report: TableReport) -> str:
    if report.as_of is None:
        return "each source's latest row of each quantity"
    lo, hi = report.window
    if report.start is not None:
        return (f"for each source and quantity, the increment from {report.start.isoformat()} "
                f"to {report.as_of.isoformat()}: its pair of rows nearest to the two dates (the "
                f"same kind of figure at both ends first), "
                f"each dated from {abs(lo)} days before to {hi} days after its date (a source "
                f"with a row near one date only gives no increment: unpaired)")
    return (f"each source's row of each quantity nearest to {report.as_of.isoformat()}, "
            f"dated from {abs(lo)} days before to {hi} days after it")


def rows_blocks(model: Model) -> tuple[Block, ...]:
    """``## Table rows``: every row of every table, used or not, and why."""
    out: list[Block] = []
    header = ("row", "date", "source", "quantity", "figure", "status", "estimate / reason")
    for report in model.tables:
        out += [Heading(2, prose(f"Table rows: {report.name}")),
                Paragraph((Code(report.file), Text(" (sha256 "), Code(report.sha256[:16]),
                           Text("): "), *row_counts(report), Text(". Used: "),
                           *prose(_scope(report)),
                           Text(". Row numbers are line numbers in the file (the header is "
                                "line 1).")))]
        rows = [(cell(str(r.row)), cell(r.date), cell(r.source), cell(r.quantity),
                 cell(r.figure), cell(r.status),
                 cell(Code(r.estimate), *([f"; {r.reason}"] if r.reason else []))
                 if r.estimate else cell(r.reason))
                for r in report.rows]
        out.append(Table(tuple((Text(h),) for h in header), tuple(rows),
                         columns(len(header), numeric=False)))
    return tuple(out)


def tables_document(model: Model) -> list[dict[str, Any]]:
    """The ``tables`` part of ``summary.json``."""
    return [
        {
            "name": report.name,
            "file": report.file,
            "sha256": report.sha256,
            "as_of": None if report.as_of is None else report.as_of.isoformat(),
            "window_days": list(report.window),
            **({} if report.start is None else {"from": report.start.isoformat()}),
            "counts": dict(Counter(r.status for r in report.rows)),
            "rows": [{"row": r.row, "date": r.date, "source": r.source,
                      "quantity": r.quantity, "figure": r.figure, "status": r.status,
                      "reason": r.reason, "estimate": r.estimate} for r in report.rows],
        }
        for report in model.tables
    ]
