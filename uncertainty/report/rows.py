"""The rows of every source table: what became of each, in ``summary.md`` and ``summary.json``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from uncertainty.model import Model
from uncertainty.report.tables import markdown_table
from uncertainty.tables import TableReport

__all__ = ["STATUSES", "row_counts", "rows_section", "tables_document"]

#: Every status a row can have, in the order the counts are given.
STATUSES = ("used", "skipped", "outside window", "superseded")


def row_counts(report: TableReport) -> str:
    """``124 rows: 18 used, 97 outside window, 9 superseded``."""
    counts = Counter(r.status for r in report.rows)
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts[s]]
    return f"{len(report.rows)} rows: {', '.join(parts)}"


def _scope(report: TableReport) -> str:
    if report.as_of is None:
        return "each source's latest row of each quantity"
    lo, hi = report.window
    return (f"each source's row of each quantity nearest to {report.as_of.isoformat()}, "
            f"dated from {abs(lo)} days before to {hi} days after it")


def rows_section(model: Model) -> list[str]:
    """``## Table rows``: every row of every table, used or not, and why."""
    out: list[str] = []
    for report in model.tables:
        out += ["", f"## Table rows: {report.name}", "",
                f"`{report.file}` (sha256 `{report.sha256[:16]}`): {row_counts(report)}. "
                f"Used: {_scope(report)}. Row numbers are line numbers in the file (the "
                "header is line 1).", ""]
        rows = [[str(r.row), r.date, r.source, r.quantity, r.figure, r.status,
                 (f"`{r.estimate}`" + (f"; {r.reason}" if r.reason else "")) if r.estimate
                 else r.reason]
                for r in report.rows]
        out.append(markdown_table(["row", "date", "source", "quantity", "figure", "status",
                                   "estimate / reason"], rows, numeric=False))
    return out


def tables_document(model: Model) -> list[dict[str, Any]]:
    """The ``tables`` part of ``summary.json``."""
    return [
        {
            "name": report.name,
            "file": report.file,
            "sha256": report.sha256,
            "as_of": None if report.as_of is None else report.as_of.isoformat(),
            "window_days": list(report.window),
            "counts": dict(Counter(r.status for r in report.rows)),
            "rows": [{"row": r.row, "date": r.date, "source": r.source,
                      "quantity": r.quantity, "figure": r.figure, "status": r.status,
                      "reason": r.reason, "estimate": r.estimate} for r in report.rows],
        }
        for report in model.tables
    ]
