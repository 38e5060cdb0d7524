"""``summary.html``: ``summary.md`` as one self-contained page, plots inline as SVG.

`markdown_report` writes a small, fixed Markdown subset; this module converts exactly
that subset. The page loads nothing (a Content-Security-Policy forbids it), runs no
script, prints cleanly and fits a phone-width window.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from html import escape

__all__ = ["html_report"]

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

_HEADING = re.compile(r"(#{1,3}) (.*)")
_METRIC = re.compile(r"([A-Za-z_]\w*): ")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_ALIGNMENT = re.compile(r"\|(?: *:?-+:? *\|)+")
_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(https?://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]])")
# A column with a cell longer than _LONG_CELL gets room to wrap instead of being squeezed;
# a cell at most _SHORT_CELL long never wraps on screen (a name, "[7,000, 15,000]"), nor in
# print one of at most _WORD_CELL characters without a space.
_LONG_CELL, _SHORT_CELL, _WORD_CELL = 40, 24, 12
# A printed table needing more characters than this lets its words break: at 7.5pt on A4 in
# DejaVu Sans (Debian's default, wider than most), tables of up to 112 fit, 118 spilled 16 px.
_PRINT_CHARS = 114


def html_report(markdown: str, svgs: Mapping[str, str], *, title: str) -> str:
    """The HTML5 page of a Markdown report, each figure inlined as SVG.

    Parameters
    ----------
    markdown : str
        The report as `uncertainty.report.markdown_report` writes it.
    svgs : Mapping[str, str]
        The SVG text of each figure, keyed by the file name the Markdown gives it
        (``"forest-kia_ratio.png"``).
    title : str
        The page's ``<title>``.

    Returns
    -------
    str
        A complete HTML5 document with one ``<style>`` block, no script and no external
        resource: every ``##``/``###`` heading has an id, each metric's table (the first after
        its ``### <metric>: <label>`` heading) has ``data-metric="<metric>"``.

    Notes
    -----
    The Markdown subset, and what each part becomes:

    ==============================  ==============================================
    ``#``, ``##``, ``###`` heading  ``<h1>``-``<h3>`` with an id (a unique slug)
    lines of text                   ``<p>``
    ``- item`` lines                ``<ul>``
    ``| a | b |`` lines             ``<table>`` in a horizontally scrolling box;
                                    ``---:`` columns with numbers right-aligned;
                                    a cell's leading spaces indent it
    ``![alt](name.png)`` line       ``<figure>``: ``svgs[name]`` and caption
                                    `alt`; a visible note when it is missing
    `` `code` ``, ``**bold**``      ``<code>``, ``<strong>``
    ``http(s)://...``               a link (outside code)
    ==============================  ==============================================

    All other text is escaped. A table row with more cells than its header (a ``|``
    inside a cell) keeps the extra text in its last cell.
    """
    body = "\n".join(_Renderer(svgs).blocks(re.split(r"\r?\n", markdown)))
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">\n"
            f"<title>{escape(title)}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n"
            f"<main>\n{body}\n</main>\n</body>\n</html>\n")


def _inline(text: str) -> str:
    """Escaped text with code spans, bold and bare links."""
    out, end = [], 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[end:m.start()]))
        code, bold, url = m.groups()
        if code is not None:
            out.append(f"<code>{escape(code)}</code>")
        elif bold is not None:
            out.append(f"<strong>{_inline(bold)}</strong>")
        else:
            out.append(f'<a class="url" href="{escape(url)}">{escape(url)}</a>')
        end = m.end()
    return "".join(out) + escape(text[end:])


def _cells(line: str) -> list[str]:
    """The cells of ``| a | b |``; spaces beyond the separator's (an indent) are kept."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    cells = [c.rstrip() for c in inner.split(" | ")]
    cells[0] = cells[0].removeprefix(" ")
    return cells


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


def _kind(line: str) -> str:
    """``#`` heading, ``!`` figure, ``|`` table row, ``-`` list item, ``p`` text, or blank."""
    if not line.strip():
        return ""
    if _HEADING.fullmatch(line) or _IMAGE.fullmatch(line.strip()):
        return line.strip()[0]
    return "|" if line.lstrip().startswith("|") else "-" if line.startswith("- ") else "p"


def _paragraph(lines: list[str]) -> str:
    return f"<p>{_inline(chr(10).join(lines))}</p>"


def _bullets(lines: list[str]) -> str:
    return "<ul>\n" + "".join(f"<li>{_inline(line[2:])}</li>\n" for line in lines) + "</ul>"


class _Renderer:
    """Block-level conversion; remembers slugs used and the metric whose table is next."""

    def __init__(self, svgs: Mapping[str, str]) -> None:
        self.svgs = svgs
        self.slugs: set[str] = set()
        self.metric: str | None = None
        self.figures = 0

    def blocks(self, lines: list[str]) -> Iterator[str]:
        render = {"#": self.heading, "!": self.figure, "|": self.table, "-": _bullets,
                  "p": _paragraph}
        i = 0
        while i < len(lines):
            kind, j = _kind(lines[i]), i + 1
            while kind in ("|", "-", "p") and j < len(lines) and _kind(lines[j]) == kind:
                j += 1
            if kind:
                yield render[kind](lines[i:j])
            i = j

    def heading(self, lines: list[str]) -> str:
        hashes, text = lines[0].split(" ", 1)
        text, level = text.strip(), len(hashes)
        base = re.sub(r"[^\w-]+", "-", text.lower(), flags=re.ASCII).strip("-") or "section"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        metric = _METRIC.match(text) if level == 3 else None
        self.metric = metric.group(1) if metric else None
        return f'<h{level} id="{slug}">{_inline(text)}</h{level}>'

    def figure(self, lines: list[str]) -> str:
        alt, name = lines[0].strip()[2:-1].rsplit("](", 1)
        self.figures += 1
        svg = self.svgs.get(name)
        inline = _svg(svg, alt, f"f{self.figures}-") if svg is not None else None
        if inline is None:
            return (f'<p class="missing">Figure not available: {escape(alt)} '
                    f"(<code>{escape(name)}</code>).</p>")
        return (f'<figure>\n<div class="figure-wrap">{inline}</div>\n'
                f"<figcaption>{escape(alt)}</figcaption>\n</figure>")

    def table(self, lines: list[str]) -> str:
        rows = [_cells(line) for line in lines]
        header, aligns = None, [""]
        if len(rows) > 1 and _ALIGNMENT.fullmatch(lines[1].strip()):
            header, aligns, rows = rows[0], rows[1], rows[2:]
        width = len(header) if header else max(len(r) for r in rows)
        # A "|" inside a cell splits it: the row keeps the extra text in its last cell.
        rows = [[*r[:width - 1], " | ".join(r[width - 1:])] if len(r) > width
                else r + [""] * (width - len(r)) for r in rows]
        classes = [_column_class(aligns[c] if c < len(aligns) else "", [r[c] for r in rows])
                   for c in range(width)]
        attr = f' data-metric="{escape(self.metric)}"' if self.metric else ""
        if _narrowest(([header] if header else []) + rows) > _PRINT_CHARS:
            attr += ' class="squeeze"'  # only its words can give way on paper
        self.metric = None
        head = f"<thead>{_row('th', header, classes)}</thead>\n" if header else ""
        body = "\n".join(_row("td", row, classes) for row in rows)
        return (f'<div class="table-wrap" tabindex="0">\n<table{attr}>\n{head}<tbody>\n{body}\n'
                "</tbody>\n</table>\n</div>")


def _row(tag: str, cells: list[str], classes: list[str]) -> str:
    scope = ' scope="col"' if tag == "th" else ""
    return "<tr>" + "".join(f"<{tag}{scope}{_class(c, x)}>{_inline(x.strip())}</{tag}>"
                            for x, c in zip(cells, classes, strict=True)) + "</tr>"


def _narrowest(rows: list[list[str]]) -> int:
    """About how many characters wide a table must be: its columns' longest words, padded."""
    return sum(max((len(w) + 2 for cell in column for w in cell.split()
                    if not w.startswith(("http://", "https://"))),  # a link breaks anywhere
                   default=2)
               for column in zip(*rows, strict=True))


def _column_class(spec: str, cells: list[str]) -> str:
    """``num`` for a ``---:`` column with numbers in it, ``long`` for one with long text."""
    # markdown_table aligns every column but the first right: view names too
    num = spec.strip().endswith(":") and any(re.search(r"\d", c) for c in cells)
    return ("num " * num + "long" * any(len(c) > _LONG_CELL for c in cells)).strip()


def _class(cls: str, cell: str) -> str:
    """A cell's ``class`` attribute: its column's, ``short``, ``word``, ``indent``."""
    text, names = cell.strip(), [cls] if cls else []
    if 0 < len(text) <= _WORD_CELL and " " not in text:
        names.append("word")  # not broken in print either: a date, a number, an id
    elif 0 < len(text) <= _SHORT_CELL:
        names.append("short")
    if text and cell.startswith(" "):
        names.append("indent")
    return f' class="{" ".join(names)}"' if names else ""
