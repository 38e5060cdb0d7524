"""The HTML renderer: a `Document`'s full view as one self-contained page.

The page loads nothing (a Content-Security-Policy forbids it), runs no script, prints
cleanly and fits a phone-width window. It is made from the blocks themselves: text is
escaped where it is written, and no Markdown is read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from html import escape

from uncertainty.report.blocks import (
    Block,
    BulletList,
    Cell,
    Code,
    Content,
    Document,
    Figure,
    Heading,
    Num,
    Paragraph,
    Section,
    Strong,
    Table,
    Text,
    blocks_for,
    number_text,
    plain_text,
)

__all__ = ["render_html", "render_html_fragment"]

_CSS = """\
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:#1a1a1a;background:#fff;overflow-wrap:break-word;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:75rem;margin:0 auto;padding:1rem clamp(.75rem,3vw,2rem) 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.3rem;line-height:1.3;margin:2.5rem 0 .75rem;border-bottom:1px solid #ccc}
h3{font-size:1.1rem;line-height:1.3;margin:2rem 0 .5rem}
p,ul{max-width:48rem} li+li{margin-top:.3rem} a{color:#0b57a4}
code{font:.9em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f2f2;
padding:0 .2em;border-radius:3px}
.table-wrap{overflow-x:auto;margin:.75rem 0 1.25rem}
table{border-collapse:collapse;font-size:.875rem;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;text-align:left;vertical-align:top;border-bottom:1px solid #e3e3e3}
thead tr{background:#f5f5f5} thead th{border-bottom:2px solid #888}
tbody tr{background:#fff} tbody tr:nth-child(even){background:#fafafa}
td:first-child:not(.long),th:first-child:not(.long){position:sticky;left:0;
background:inherit;box-shadow:inset -1px 0 #e3e3e3}
th.num,td.num{text-align:right} .num,.short,.word{white-space:nowrap}
.long{min-width:14em} td.indent{padding-left:1.75rem} td a{overflow-wrap:anywhere}
figure{margin:1rem 0 1.5rem;max-width:48rem} figure svg{display:block;width:100%;height:auto}
.figure-wrap{overflow-x:auto}
@media screen and (max-width:40rem){.figure-wrap svg{min-width:40rem}} /* legible on a phone */
figcaption{font-size:.85rem;color:#555;margin-top:.25rem}
.missing{border:1px dashed #a00;color:#800;padding:.5rem .75rem}
@media print{
@page{margin:1.5cm}
body{font-size:10pt} main{max-width:none;padding:0}
figure{max-width:16cm} figure svg{max-height:23cm} /* a tall figure shrinks onto one page */
.figure-wrap{overflow:visible}
a{color:inherit} a[href]:not(.url)::after{content:" (" attr(href) ")"}
.table-wrap{overflow:visible} table{font-size:7.5pt} .long{min-width:0}
.num,.short{white-space:normal} .word{white-space:nowrap}
.squeeze{font-size:6.5pt} .squeeze th,.squeeze td{overflow-wrap:anywhere;white-space:normal}
thead{display:table-header-group} tr,figure{break-inside:avoid}
h1,h2,h3,p:has(+.table-wrap){break-after:avoid}
}
"""

# A column with a cell longer than _LONG_CELL gets room to wrap instead of being squeezed;
# a cell at most _SHORT_CELL long never wraps on screen (a name, "[7,000, 15,000]"), nor in
# print one of at most _WORD_CELL characters without a space.
_LONG_CELL, _SHORT_CELL, _WORD_CELL = 40, 24, 12
# A printed table needing more characters than this lets its words break: at 7.5pt on A4 in
# DejaVu Sans (Debian's default, wider than most), tables of up to 112 fit, 118 spilled 16 px.
_PRINT_CHARS = 114


def render_html(doc: Document, svgs: Mapping[str, str], title: str) -> str:
    """The HTML5 page of `doc`'s full view (scopes ``"all"`` and ``"full"``).

    Parameters
    ----------
    doc : Document
        The report.
    svgs : Mapping[str, str]
        The SVG text of each figure, keyed by its `Figure.name` (``"forest-kia_ratio.svg"``).
    title : str
        The page's ``<title>``.

    Returns
    -------
    str
        A complete HTML5 document with one ``<style>`` block, no script and no external
        resource.

    Notes
    -----
    ==========================  ==================================================
    block                       HTML
    ==========================  ==================================================
    `Heading`                   ``<h1>``-``<h3>`` with an id (a unique slug)
    `Paragraph`                 ``<p>``
    `BulletList`                ``<ul>`` (nothing for an empty list)
    `Table`                     ``<table>`` in a horizontally scrolling box; right-
                                aligned columns with numbers get class ``num``; an
                                indented cell ``indent``; a table of a metric
                                ``data-metric="<metric>"``
    `Figure`                    ``<figure>``: ``svgs[name]`` inline, with its
                                caption; a visible note when it is missing
    `Code`, `Strong`, `Link`    ``<code>``, ``<strong>``, ``<a class="url">``
    ==========================  ==================================================

    All text is escaped.
    """
    body = "\n".join(_Renderer(svgs).blocks(doc.blocks))
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">\n"
            f"<title>{escape(title)}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n"
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")


def _inline(content: Content) -> str:
    out = []
    for part in content:
        if isinstance(part, Text):
            out.append(escape(part.text))
        elif isinstance(part, Num):
            out.append(escape(number_text(part)))
        elif isinstance(part, Code):
            out.append(f"<code>{escape(part.text)}</code>")
        elif isinstance(part, Strong):
            out.append(f"<strong>{escape(part.text)}</strong>")
        else:
            out.append(f'<a class="url" href="{escape(part.url)}">{escape(part.url)}</a>')
    return "".join(out)


def _measure(content: Content) -> str:
    """Text as wide as `content` shows: a code span's padding counts as a character a side."""
    out = []
    for part in content:
        if isinstance(part, Code):
            out.append(f"\u00b7{part.text}\u00b7")
        elif isinstance(part, Strong):
            out.append(f"\u00b7\u00b7{part.text}\u00b7\u00b7")
        else:
            out.append(plain_text((part,)))
    return "".join(out)


def _svg(text: str, alt: str, prefix: str) -> str | None:
    """`text` ready to inline: no prolog, metadata or comments, ids prefixed, responsive."""
    start = text.find("<svg")
    root = re.compile(r"<svg\b[^>]*>").match(text, start) if start >= 0 else None
    if root is None:
        return None
    attrs = re.sub(r'\s(?:width|height)="[^"]*"', "", root.group(0)[4:-1])
    body = re.sub(r"<!--.*?-->|<metadata>.*?</metadata>\s*", "", text[root.end():], flags=re.S)
    # Ids get the figure's prefix because the same figure can appear twice and every
    # matplotlib figure numbers its elements alike (``patch_1``); references follow. A
    # repeated id (a gid set on several artists) gets a count, as a page needs unique ids.
    seen: Counter[str] = Counter()

    def rename(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group(0) + prefix
        seen[m.group(1)] += 1
        count = seen[m.group(1)]
        return f' id="{prefix}{m.group(1)}{f"-{count}" if count > 1 else ""}"'

    body = re.sub(r'\sid="([^"]*)"|href="#|url\(#', rename, body)
    return f'<svg{attrs} role="img" aria-label="{escape(alt)}">{body.rstrip()}'


def render_html_fragment(doc: Document) -> str:
    """`doc`'s blocks as HTML elements without the page around them (for a notebook)."""
    return "\n".join(_Renderer({}).blocks(doc.blocks))


class _Renderer:
    """Blocks to HTML; remembers the slugs used and counts figures (for unique ids)."""

    def __init__(self, svgs: Mapping[str, str]) -> None:
        self.svgs = svgs
        self.slugs: set[str] = set()
        self.figures = 0

    def blocks(self, blocks: tuple[Block, ...]) -> list[str]:
        out: list[str] = []
        for block in blocks_for(blocks, "full"):
            if isinstance(block, Section):
                out += self.blocks(block.blocks)
            elif isinstance(block, Heading):
                out.append(self.heading(block))
            elif isinstance(block, Paragraph):
                out.append(f"<p>{_inline(block.content)}</p>")
            elif isinstance(block, BulletList):
                if block.items:
                    out.append("<ul>\n" + "".join(f"<li>{_inline(item)}</li>\n"
                                                   for item in block.items) + "</ul>")
            elif isinstance(block, Figure):
                out.append(self.figure(block))
            else:
                out.append(_table(block))
        return out

    def heading(self, block: Heading) -> str:
        level = block.level
        text = plain_text(block.content).strip()
        base = re.sub(r"[^\w-]+", "-", text.lower(), flags=re.ASCII).strip("-") or "section"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return f'<h{level} id="{slug}">{_inline(block.content)}</h{level}>'

    def figure(self, block: Figure) -> str:
        alt, name = block.caption, block.name
        self.figures += 1
        svg = self.svgs.get(name)
        inline = _svg(svg, alt, f"f{self.figures}-") if svg is not None else None
        if inline is None:
            return (f'<p class="missing">Figure not available: {escape(alt)} '
                    f"(<code>{escape(name)}</code>).</p>")
        return (f'<figure>\n<div class="figure-wrap">{inline}</div>\n'
                f"<figcaption>{escape(alt)}</figcaption>\n</figure>")


def _table(table: Table) -> str:
    # Each cell's width text and HTML made in one pass (a number's text made once).
    head_cells = [_measured_inline(c) for c in table.header]
    body_cells = [[_measured_inline(c.content) for c in row] for row in table.rows]
    header = [width for width, _ in head_cells]
    rows = [[("  " if c.indent else "") + width for c, (width, _) in zip(row, cells, strict=True)]
            for row, cells in zip(table.rows, body_cells, strict=True)]
    classes = [_column_class(table.align[c] if c < len(table.align) else "left",
                             [r[c] for r in rows])
               for c in range(len(table.header) or len(table.align))]
    attr = f' data-metric="{escape(table.metric)}"' if table.metric else ""
    if _narrowest(([header] if header else []) + rows) > _PRINT_CHARS:
        attr += ' class="squeeze"'  # only its words can give way on paper
    head = ""
    if table.header:
        head = "<thead><tr>" + "".join(
            f'<th scope="col"{_class(cls, width, False)}>{html}</th>'
            for (_, html), width, cls in zip(head_cells, header, classes, strict=True)
        ) + "</tr></thead>\n"
    body = "\n".join(_row(row, cells, widths, classes)
                     for row, cells, widths in zip(table.rows, body_cells, rows, strict=True))
    return (f'<div class="table-wrap" tabindex="0">\n<table{attr}>\n{head}<tbody>\n{body}\n'
            "</tbody>\n</table>\n</div>")


def _row(row: tuple[Cell, ...], cells: list[tuple[str, str]], widths: list[str],
         classes: list[str]) -> str:
    return "<tr>" + "".join(f"<td{_class(cls, width, c.indent)}>{html}</td>"
                            for c, (_, html), width, cls in zip(row, cells, widths, classes,
                                                                strict=True)) + "</tr>"


def _measured_inline(content: Content) -> tuple[str, str]:
    """`_measure` and `_inline` of `content` in one pass: each number's text made once."""
    width, html = [], []
    for part in content:
        if isinstance(part, Text):
            width.append(part.text)
            html.append(escape(part.text))
        elif isinstance(part, Num):
            text = number_text(part)
            width.append(text)
            html.append(escape(text))
        elif isinstance(part, (Code, Strong)):
            width.append(_measure((part,)))
            html.append(_inline((part,)))
        else:
            width.append(part.url)
            html.append(_inline((part,)))
    return "".join(width), "".join(html)


def _narrowest(rows: list[list[str]]) -> int:
    """About how many characters wide a table must be: its columns' longest words, padded."""
    return sum(max((len(w) + 2 for cell in column for w in cell.split()
                    if not w.startswith(("http://", "https://"))),  # a link breaks anywhere
                   default=2)
               for column in zip(*rows, strict=True))


def _column_class(align: str, cells: list[str]) -> str:
    """``num`` for a right-aligned column with numbers in it, ``long`` for one with long text."""
    num = align == "right" and any(re.search(r"\d", c) for c in cells)
    return ("num " * num + "long" * any(len(c) > _LONG_CELL for c in cells)).strip()


def _class(cls: str, cell: str, indent: bool) -> str:
    """A cell's ``class`` attribute: its column's, ``short``, ``word``, ``indent``."""
    text, names = cell.strip(), [cls] if cls else []
    if 0 < len(text) <= _WORD_CELL and " " not in text:
        names.append("word")  # not broken in print either: a date, a number, an id
    elif 0 < len(text) <= _SHORT_CELL:
        names.append("short")
    if text and indent:
        names.append("indent")
    return f' class="{" ".join(names)}"' if names else ""
