"""Reporting: `summary.json` (unrounded), and one report built as blocks for every format.

`build_report` turns a run into a `Document` once; a renderer turns it into text: the
console table (`render_console`), ``summary.md`` (`render_markdown`) and ``summary.html``
(`render_html`). `RENDERERS` lists the text formats by name. ``summary.json`` is built from
the computed results by `summary_document` and `to_json`.
"""

from collections.abc import Callable

from uncertainty.formats import TEXT_FORMATS, renderer
from uncertainty.report.blocks import Document
from uncertainty.report.build import build_report
from uncertainty.report.document import SCHEMA_VERSION, summary_document, to_json
from uncertainty.report.html import html_report
from uncertainty.report.render import console_report, markdown_report
from uncertainty.report.render_console import render_console
from uncertainty.report.render_html import render_html
from uncertainty.report.render_markdown import render_markdown

__all__ = [
    "RENDERERS",
    "SCHEMA_VERSION",
    "Document",
    "build_report",
    "console_report",
    "html_report",
    "markdown_report",
    "render_console",
    "render_html",
    "render_markdown",
    "summary_document",
    "to_json",
]

#: The text formats a `Document` renders to, by the name ``--format`` gives them (see
#: `uncertainty.formats`, where a new format is registered).
RENDERERS: dict[str, Callable[[Document], str]] = {name: renderer(name) for name in TEXT_FORMATS}
