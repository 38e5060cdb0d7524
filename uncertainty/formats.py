"""The text formats a report renders to, by the name ``--format`` gives them.

Each is a renderer function ``Document -> str`` named by its module, imported only when
used, so the command line can list the formats without loading numpy or xarray. A new
format is a renderer module and a line here.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uncertainty.report.blocks import Document

__all__ = ["TEXT_FORMATS", "renderer"]

#: Format name -> (module, function) of its renderer.
TEXT_FORMATS: dict[str, tuple[str, str]] = {
    "table": ("uncertainty.report.render_console", "render_console"),
    "markdown": ("uncertainty.report.render_markdown", "render_markdown"),
}


def renderer(name: str) -> Callable[[Document], str]:
    """The renderer of the text format `name` (a key of `TEXT_FORMATS`)."""
    module, function = TEXT_FORMATS[name]
    found: Callable[[Document], str] = getattr(import_module(module), function)
    return found
