"""Reporting: `summary.json` (unrounded), the console table and `summary.md`."""

from uncertainty.report.document import SCHEMA_VERSION, summary_document, to_json
from uncertainty.report.render import console_report, markdown_report

__all__ = ["SCHEMA_VERSION", "console_report", "markdown_report", "summary_document", "to_json"]
