"""Reporting: `summary.json` (unrounded), the console table, `summary.md` and `summary.html`."""

from uncertainty.report.document import SCHEMA_VERSION, summary_document, to_json
from uncertainty.report.html import html_report
from uncertainty.report.render import console_report, markdown_report

__all__ = [
    "SCHEMA_VERSION",
    "console_report",
    "html_report",
    "markdown_report",
    "summary_document",
    "to_json",
]
