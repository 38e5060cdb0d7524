"""The report as data: blocks of text, tables and figures that every renderer reads.

A `Document` is built once from a run (`uncertainty.report.build.build_report`) and turned
into text only by a renderer (console, Markdown, HTML). Numbers stay raw inside it: a `Num`
carries the value and the rule that rounds it for display, applied by `number_text` alike
in every format.

Blocks have a `scope`: ``"all"`` (every renderer), ``"brief"`` (the console summary only)
or ``"full"`` (the full report, Markdown and HTML, only); and `tight`: in the text formats,
no blank line before the block.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TypeAlias

from uncertainty.numbers import plain, rounded

__all__ = [
    "Align",
    "Block",
    "BulletList",
    "Cell",
    "Code",
    "Content",
    "Document",
    "Figure",
    "Heading",
    "Inline",
    "Link",
    "Num",
    "Paragraph",
    "Row",
    "Scope",
    "Section",
    "Strong",
    "Table",
    "Text",
    "blocks_for",
    "cell",
    "columns",
    "number_text",
    "plain_text",
    "prose",
]

Scope: TypeAlias = Literal["all", "brief", "full"]
Align: TypeAlias = Literal["left", "right"]


@dataclass(frozen=True)
class Text:
    """Plain text."""

    text: str


@dataclass(frozen=True)
class Code:
    """Literal text set as code: an expression, a file name, an estimate as written."""

    text: str


@dataclass(frozen=True)
class Link:
    """A bare web address, shown as itself."""

    url: str


@dataclass(frozen=True)
class Strong:
    """Emphasized text."""

    text: str


@dataclass(frozen=True)
class Num:
    """A raw number and how it is shown.

    `rule` is ``"mcse"`` (the digits its Monte Carlo standard error `mcse` supports,
    `uncertainty.numbers.rounded`; as a percentage when `spec` is ``"%"``), ``"plain"``
    (a number the user stated, `uncertainty.numbers.plain`), ``"change"`` (a signed
    ``"mcse"`` number, an exact one, MCSE 0, as ``"plain"``), ``"share"``
    (a rate as a percentage that never shows 100% below 1, to the digits its `mcse`
    supports when that is positive), or ``"spec"`` (Python's format `spec`, such as
    ``",.0f"``).
    """

    value: float
    rule: Literal["mcse", "plain", "change", "share", "spec"] = "spec"
    mcse: float = math.nan
    spec: str = ""


Inline: TypeAlias = Text | Code | Link | Strong | Num
Content: TypeAlias = tuple[Inline, ...]


@dataclass(frozen=True)
class Cell:
    """One table cell; `indent` sets it in from its column (a member under its envelope)."""

    content: Content
    indent: bool = False


Row: TypeAlias = tuple[Cell, ...]


@dataclass(frozen=True)
class Heading:
    """A section heading of `level` 1 to 3."""

    level: int
    content: Content
    scope: Scope = "all"
    tight: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline content."""

    content: Content
    scope: Scope = "all"
    tight: bool = False


@dataclass(frozen=True)
class BulletList:
    """An unordered list; it may be empty (then only its spacing shows)."""

    items: tuple[Content, ...]
    scope: Scope = "all"
    tight: bool = False


@dataclass(frozen=True)
class Table:
    """A table: `header` (empty for none), rows of cells, each column's alignment.

    `metric` names the metric the table shows, for renderers that can label it.
    """

    header: tuple[Content, ...]
    rows: tuple[Row, ...]
    align: tuple[Align, ...]
    metric: str | None = None
    scope: Scope = "all"
    tight: bool = False


@dataclass(frozen=True)
class Figure:
    """A figure, by the file name it is written to, with its caption."""

    name: str
    caption: str
    scope: Scope = "all"
    tight: bool = False


@dataclass(frozen=True)
class Section:
    """Blocks that belong to the block before them; the console indents them."""

    blocks: tuple[Block, ...]
    scope: Scope = "all"
    tight: bool = False


Block: TypeAlias = Heading | Paragraph | BulletList | Table | Figure | Section


@dataclass(frozen=True)
class Document:
    """A report: its blocks in order."""

    blocks: tuple[Block, ...]


def blocks_for(blocks: tuple[Block, ...], scope: Scope) -> Iterator[Block]:
    """The blocks a renderer of `scope` (``"brief"`` or ``"full"``) shows."""
    return (b for b in blocks if b.scope in ("all", scope))


def _share(rate: float, mcse: float) -> str:
    """A rate as a percentage; never ``100%`` for a rate below 1.

    With a positive MCSE, the digits it supports (`rounded` of the percentage), more where
    a rate below 1 would round to 100; without one (NaN, or 0 for an exact rate of 0 or
    1), one decimal (three above 99.9%).
    """
    if rate == 1:
        return "100%"
    if not (mcse > 0 and math.isfinite(mcse)):
        return f"{rate:.3%}" if rate > 0.999 else f"{rate:.1%}"
    text = rounded(100 * rate, 100 * mcse)
    decimals = len(text.partition(".")[2])
    while rate < 1 and float(text) >= 100 and decimals < 12:
        decimals += 1
        text = f"{100 * rate:.{decimals}f}"
    return f"{text}%"


def number_text(num: Num) -> str:
    """The text of `num` by its rule: the same in every output format.

    A value that is not a number (no valid draws to estimate it from) shows as a dash, an
    infinite one as ``∞`` or ``−∞``, whatever the rule.
    """
    if not math.isfinite(num.value):
        if math.isnan(num.value):
            return "\N{EM DASH}"
        return "\N{INFINITY}" if num.value > 0 else "\N{MINUS SIGN}\N{INFINITY}"
    if num.rule in ("mcse", "change"):
        scale = 100.0 if num.spec == "%" else 1.0
        x, err = scale * num.value, scale * num.mcse
        text = plain(x) if err == 0 and num.rule == "change" else rounded(x, err)
        if num.rule == "change" and not text.startswith("-"):
            text = "+" + text
        return text + ("%" if scale > 1 else "")
    if num.rule == "plain":
        return plain(num.value)
    if num.rule == "share":
        return _share(num.value, num.mcse)
    return format(num.value, num.spec)


def plain_text(content: Content) -> str:
    """`content` as unmarked text: code without delimiters, links as their address."""
    out = []
    for part in content:
        if isinstance(part, Num):
            out.append(number_text(part))
        elif isinstance(part, Link):
            out.append(part.url)
        else:
            out.append(part.text)
    return "".join(out)


_URL = re.compile(r"https?://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]]")


def prose(text: str) -> Content:
    """`text` as content, each bare web address in it a `Link` (trailing punctuation not)."""
    if "http" not in text:  # no address (the common case): one Text, no search
        return (Text(text),)
    out: list[Inline] = []
    end = 0
    for m in _URL.finditer(text):
        if m.start() > end:
            out.append(Text(text[end:m.start()]))
        out.append(Link(m.group(0)))
        end = m.end()
    if end < len(text) or not out:
        out.append(Text(text[end:]))
    return tuple(out)


def cell(*parts: Inline | str, indent: bool = False) -> Cell:
    """A cell from parts; each string becomes `prose`."""
    content: list[Inline] = []
    for part in parts:
        content += prose(part) if isinstance(part, str) else [part]
    return Cell(tuple(content), indent)


def columns(n: int, *, numeric: bool) -> tuple[Align, ...]:
    """Alignment of `n` columns: the first left, the rest right when `numeric` (else left)."""
    rest: Align = "right" if numeric else "left"
    first: Align = "left"
    return (first, *(rest,) * (n - 1))
