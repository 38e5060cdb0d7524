"""The reports as text under their original names: thin wrappers over the block renderers."""

from __future__ import annotations

from uncertainty.report.build import Result, build_report
from uncertainty.report.render_console import render_console
from uncertainty.report.render_markdown import render_markdown

__all__ = ["console_report", "markdown_report"]


def console_report(run: Result, destination: str | None = None) -> str:
    """The table printed by ``uncertainty run``: one block per metric, ETIs by view."""
    return render_console(build_report(run, (), destination=destination))


def markdown_report(run: Result, figures: tuple[str, ...] = ()) -> str:
    """``summary.md``: title, provenance, metric tables, inputs, sources and views.

    `figures` names the plot kinds written beside it (``"forest"``, ``"density"``,
    ``"tornado"``), as ``<kind>-<metric>.svg``; the report embeds them.
    """
    return render_markdown(build_report(run, figures))
