"""The Markdown renderer: a `Document`'s full view as GitHub-flavoured Markdown."""

from __future__ import annotations

from uncertainty.report.blocks import (
    Block,
    BulletList,
    Content,
    Document,
    Figure,
    Heading,
    Link,
    Num,
    Paragraph,
    Section,
    Strong,
    Table,
    Text,
    blocks_for,
    number_text,
)

__all__ = ["render_markdown"]


def render_markdown(doc: Document) -> str:
    """The blocks of `doc` for the full report (scopes ``"all"`` and ``"full"``), as Markdown.

    ========================  ==============================================
    block                     Markdown
    ========================  ==============================================
    `Heading`                 ``#`` to ``###``
    `Paragraph`               a line of text
    `BulletList`              ``- item`` lines (none for an empty list)
    `Table`                   ``| a | b |`` rows; right-aligned columns ``---:``
    `Figure`                  ``![caption](name)``
    `Section`                 its blocks, in line
    ========================  ==============================================

    Blocks are separated by a blank line unless `tight`. Text is written as it is (the
    report's own text needs no escaping).
    """
    return "\n".join(_lines(doc.blocks, first=True)) + "\n"


def _lines(blocks: tuple[Block, ...], *, first: bool) -> list[str]:
    out: list[str] = []
    for block in blocks_for(blocks, "full"):
        if isinstance(block, Section):
            out += _lines(block.blocks, first=first and not out)
            continue
        if not (block.tight or (first and not out)):
            out.append("")
        out += _block(block)
    return out


def _inline(content: Content) -> str:
    out = []
    for part in content:
        if isinstance(part, Text):
            out.append(part.text)
        elif isinstance(part, Num):
            out.append(number_text(part))
        elif isinstance(part, Link):
            out.append(part.url)
        elif isinstance(part, Strong):
            out.append(f"**{part.text}**")
        else:
            out.append(f"`{part.text}`")
    return "".join(out)


def _block(block: Heading | Paragraph | BulletList | Table | Figure) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + _inline(block.content)]
    if isinstance(block, Paragraph):
        return [_inline(block.content)]
    if isinstance(block, BulletList):
        return ["- " + _inline(item) for item in block.items]
    if isinstance(block, Figure):
        return [f"![{block.caption}]({block.name})"]
    rows = [[("  " if c.indent else "") + _inline(c.content) for c in row]
            for row in block.rows]
    if block.header:
        align = ["---:" if a == "right" else "---" for a in block.align]
        rows = [[_inline(c) for c in block.header], align, *rows]
    return ["| " + " | ".join(cells) + " |" for cells in rows]
