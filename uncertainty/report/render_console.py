"""The console renderer: a `Document`'s brief view as aligned plain text."""

from __future__ import annotations

from uncertainty.report.blocks import (
    Block,
    BulletList,
    Document,
    Figure,
    Heading,
    Paragraph,
    Section,
    Table,
    blocks_for,
    plain_text,
)

__all__ = ["format_rows", "render_console"]


def render_console(doc: Document) -> str:
    """The blocks of `doc` for the console (scopes ``"all"`` and ``"brief"``), as text.

    Headings and paragraphs are lines of plain text (code without delimiters), lists are
    ``- `` lines, tables are aligned columns indented by two spaces (the first column
    left-aligned, the rest right-aligned so numbers line up), the first line of each block
    of a `Section` is indented by two more spaces, and figures are left out. Blocks are
    separated by a blank line unless `tight`.
    """
    return "\n".join(_lines(doc.blocks, first=True)) + "\n"


def _lines(blocks: tuple[Block, ...], *, first: bool) -> list[str]:
    out: list[str] = []
    for block in blocks_for(blocks, "brief"):
        if isinstance(block, Figure):
            continue
        if not isinstance(block, Section) and not (block.tight or (first and not out)):
            out.append("")
        if isinstance(block, Section):
            out += _nested(block.blocks, first=first and not out)
        else:
            out += _block(block)
    return out


def _nested(blocks: tuple[Block, ...], *, first: bool) -> list[str]:
    """A section's lines, each of its blocks' first line indented by two spaces.

    Only the first: the rows of a nested table keep the table's own indent, as the console
    output has always been (its header stands out by two spaces).
    """
    out: list[str] = []
    for block in blocks_for(blocks, "brief"):
        lines = _lines((block,), first=first and not out)
        lead = next((i for i, line in enumerate(lines) if line), None)
        if lead is not None:
            lines[lead] = "  " + lines[lead]
        out += lines
    return out


def _block(block: Heading | Paragraph | BulletList | Table) -> list[str]:
    if isinstance(block, Heading | Paragraph):
        return [plain_text(block.content)]
    if isinstance(block, BulletList):
        return ["- " + plain_text(item) for item in block.items]
    header = [plain_text(c) for c in block.header]
    rows = [[("  " if c.indent else "") + plain_text(c.content) for c in row]
            for row in block.rows]
    return format_rows(header, rows).split("\n")


def format_rows(header: list[str], rows: list[list[str]], indent: str = "  ") -> str:
    """Aligned plain-text columns: the first left-aligned, the rest right-aligned."""
    table = [header, *rows] if header else rows
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return indent + "  ".join(parts).rstrip()

    return "\n".join(line(r) for r in table)
