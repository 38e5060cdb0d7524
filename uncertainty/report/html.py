"""``html_report``: the old entry point taking ``summary.md`` text, kept until callers move.

New code renders a `Document` with `uncertainty.report.render_html.render_html`. This
module only reads the fixed Markdown subset that `markdown_report` writes back into blocks
(`from_markdown`), so a caller still holding Markdown text gets the same page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from uncertainty.report.blocks import (
    Align,
    Block,
    BulletList,
    Cell,
    Code,
    Content,
    Document,
    Figure,
    Heading,
    Inline,
    Link,
    Paragraph,
    Strong,
    Table,
    Text,
)
from uncertainty.report.render_html import render_html

__all__ = ["from_markdown", "html_report"]

_HEADING = re.compile(r"(#{1,3}) (.*)")
_METRIC = re.compile(r"([A-Za-z_]\w*): ")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_ALIGNMENT = re.compile(r"\|(?: *:?-+:? *\|)+")
_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(https?://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]])")


def html_report(markdown: str, svgs: Mapping[str, str], *, title: str) -> str:
    """The HTML5 page of a Markdown report, each figure inlined as SVG.

    Parameters
    ----------
    markdown : str
        The report as `uncertainty.report.markdown_report` writes it.
    svgs : Mapping[str, str]
        The SVG text of each figure, keyed by the file name the Markdown gives it
        (``"forest-kia_ratio.svg"``).
    title : str
        The page's ``<title>``.

    Returns
    -------
    str
        ``render_html(from_markdown(markdown), svgs, title)``.
    """
    return render_html(from_markdown(markdown), svgs, title)


def from_markdown(markdown: str) -> Document:
    """The blocks of Markdown in the subset `markdown_report` writes.

    ==============================  ==============================================
    Markdown                        block
    ==============================  ==============================================
    ``#``, ``##``, ``###`` heading  `Heading`
    lines of text                   `Paragraph`
    ``- item`` lines                `BulletList`
    ``| a | b |`` lines             `Table`: ``---:`` columns right-aligned, a
                                    cell's leading spaces indent it; the first
                                    after a ``### <metric>: `` heading is its
                                    metric's
    ``![alt](name.svg)`` line       `Figure`
    `` `code` ``, ``**bold**``      `Code`, `Strong`
    ``http(s)://...``               `Link` (outside code)
    ==============================  ==============================================

    A table row with more cells than its header (a ``|`` inside a cell) keeps the extra
    text in its last cell.
    """
    lines = re.split(r"\r?\n", markdown)
    blocks: list[Block] = []
    metric: str | None = None
    i = 0
    while i < len(lines):
        kind, j = _kind(lines[i]), i + 1
        while kind in ("|", "-", "p") and j < len(lines) and _kind(lines[j]) == kind:
            j += 1
        group = lines[i:j]
        i = j
        if kind == "#":
            hashes, text = group[0].split(" ", 1)
            text = text.strip()
            found = _METRIC.match(text) if len(hashes) == 3 else None
            metric = found.group(1) if found else None
            blocks.append(Heading(len(hashes), _inline(text)))
        elif kind == "!":
            alt, name = group[0].strip()[2:-1].rsplit("](", 1)
            blocks.append(Figure(name, alt))
        elif kind == "|":
            blocks.append(_table(group, metric))
            metric = None
        elif kind == "-":
            blocks.append(BulletList(tuple(_inline(line[2:]) for line in group)))
        elif kind == "p":
            blocks.append(Paragraph(_inline("\n".join(group))))
    return Document(tuple(blocks))


def _kind(line: str) -> str:
    """``#`` heading, ``!`` figure, ``|`` table row, ``-`` list item, ``p`` text, or blank."""
    if not line.strip():
        return ""
    if _HEADING.fullmatch(line) or _IMAGE.fullmatch(line.strip()):
        return line.strip()[0]
    return "|" if line.lstrip().startswith("|") else "-" if line.startswith("- ") else "p"


def _inline(text: str) -> Content:
    """Text with code spans, bold and bare links."""
    out: list[Inline] = []
    end = 0
    for m in _INLINE.finditer(text):
        if m.start() > end:
            out.append(Text(text[end:m.start()]))
        code, bold, url = m.groups()
        out.append(Code(code) if code is not None else Strong(bold) if bold is not None
                   else Link(url))
        end = m.end()
    if end < len(text) or not out:
        out.append(Text(text[end:]))
    return tuple(out)


def _cells(line: str) -> list[str]:
    """The cells of ``| a | b |``; spaces beyond the separator's (an indent) are kept."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    cells = [c.rstrip() for c in inner.split(" | ")]
    cells[0] = cells[0].removeprefix(" ")
    return cells


def _table(lines: list[str], metric: str | None) -> Table:
    rows = [_cells(line) for line in lines]
    header: list[str] = []
    aligns: list[str] = []
    if len(rows) > 1 and _ALIGNMENT.fullmatch(lines[1].strip()):
        header, aligns, rows = rows[0], rows[1], rows[2:]
    width = len(header) if header else max(len(r) for r in rows)
    # A "|" inside a cell splits it: the row keeps the extra text in its last cell.
    rows = [[*r[:width - 1], " | ".join(r[width - 1:])] if len(r) > width
            else r + [""] * (width - len(r)) for r in rows]
    right = [c < len(aligns) and aligns[c].strip().endswith(":") for c in range(width)]
    align: tuple[Align, ...] = tuple("right" if r else "left" for r in right)
    return Table(tuple(_inline(h.strip()) for h in header),
                 tuple(tuple(Cell(_inline(c.strip()), bool(c.strip()) and c.startswith(" "))
                             for c in row) for row in rows),
                 align, metric=metric)
