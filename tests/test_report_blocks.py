"""The report's blocks and its three renderers: exact text for a small hand-built document."""

from __future__ import annotations

from pathlib import Path

import pytest

import uncertainty
from uncertainty.report import (
    RENDERERS,
    build_report,
    html_report,
    markdown_report,
    render_console,
    render_html,
    render_markdown,
)
from uncertainty.report.blocks import (
    BulletList,
    Cell,
    Code,
    Document,
    Figure,
    Heading,
    Link,
    Num,
    Paragraph,
    Section,
    Table,
    Text,
    columns,
    number_text,
    prose,
)

FACE_VALUE = Path(__file__).parents[1] / "configs" / "examples" / "article-face-value.toml"

DOC = Document((
    Heading(1, (Text("T"),)),
    Paragraph((Text("Run of "), Num(20_000, spec=","), Text(" draws; see "), Code("a|b"),
               Text(" at "), Link("https://x.org/a"))),
    Table(((Text("view"),), (Text("median"),)),
          ((Cell((Text("pooled"),)), Cell((Num(10.4321, "mcse", 0.02),))),
           (Cell((Text("us"),), indent=True), Cell((Num(0.5, "share"),)))),
          columns(2, numeric=True), metric="m"),
    BulletList(((Text("a * b | c"),),), tight=True),
    Figure("forest-m.png", "forest plot of m", scope="full"),
    Paragraph((Text("console only"),), scope="brief"),
    Section((Paragraph((Text("nested"),)),)),
))


def body(page: str) -> str:
    return page.split("<main>\n", 1)[1].rsplit("\n</main>", 1)[0]


def test_the_console_renders_the_brief_view_as_aligned_text() -> None:
    assert render_console(DOC) == (
        "T\n"
        "\n"
        "Run of 20,000 draws; see a|b at https://x.org/a\n"
        "\n"
        "  view    median\n"
        "  pooled   10.43\n"
        "    us     50.0%\n"
        "- a * b | c\n"
        "\n"
        "console only\n"
        "\n"
        "  nested\n"
    )


def test_markdown_renders_the_full_view() -> None:
    assert render_markdown(DOC) == (
        "# T\n"
        "\n"
        "Run of 20,000 draws; see `a|b` at https://x.org/a\n"
        "\n"
        "| view | median |\n"
        "| --- | ---: |\n"
        "| pooled | 10.43 |\n"
        "|   us | 50.0% |\n"
        "- a * b | c\n"
        "\n"
        "![forest plot of m](forest-m.png)\n"
        "\n"
        "nested\n"
    )


def test_html_renders_the_full_view_from_the_blocks() -> None:
    assert body(render_html(DOC, {}, "T")) == (
        '<h1 id="t">T</h1>\n'
        '<p>Run of 20,000 draws; see <code>a|b</code> at '
        '<a class="url" href="https://x.org/a">https://x.org/a</a></p>\n'
        '<div class="table-wrap" tabindex="0">\n<table data-metric="m">\n'
        '<thead><tr><th scope="col" class="word">view</th>'
        '<th scope="col" class="num word">median</th></tr></thead>\n<tbody>\n'
        '<tr><td class="word">pooled</td><td class="num word">10.43</td></tr>\n'
        '<tr><td class="word indent">us</td><td class="num word">50.0%</td></tr>\n'
        "</tbody>\n</table>\n</div>\n"
        "<ul>\n<li>a * b | c</li>\n</ul>\n"
        '<p class="missing">Figure not available: forest plot of m '
        "(<code>forest-m.png</code>).</p>\n"
        "<p>nested</p>"
    )


def test_html_takes_cell_text_as_text_never_as_markdown() -> None:
    table = Table(((Text("a"),), (Text("b"),)),
                  ((Cell((Text("x | y **z** `w` *v*"),)), Cell((Text("<1>"),))),),
                  columns(2, numeric=False))
    out = body(render_html(Document((table,)), {}, "t"))
    assert out.count("<td") == 2  # the "|" split nothing
    assert '<td class="long">x | y **z** `w` *v*</td>' not in out  # not long: 19 characters
    assert '<td class="short">x | y **z** `w` *v*</td><td class="word">&lt;1&gt;</td>' in out
    assert "<strong>" not in out and "<code>" not in out and "<em>" not in out


def test_an_empty_list_shows_only_its_spacing() -> None:
    doc = Document((Paragraph((Text("a"),)), BulletList(()), Paragraph((Text("b"),))))
    assert render_markdown(doc) == "a\n\n\nb\n"
    assert render_console(doc) == "a\n\n\nb\n"
    assert body(render_html(doc, {}, "t")) == "<p>a</p>\n<p>b</p>"


@pytest.mark.parametrize(("num", "text"), [
    (Num(1234.5678, "mcse", 0.3), "1,234.6"),
    (Num(0.9995, "share"), "99.950%"),
    (Num(1.0, "share"), "100%"),
    (Num(0.5, "share", 0.0079), "50%"),
    (Num(0.9999, "share", 0.00016), "99.99%"),
    (Num(0.99999, "share", 0.001), "99.999%"),  # never 100% below 1, whatever the MCSE
    (Num(1.0, "share", 0.0), "100%"),
    (Num(0.0001, "share", 0.00016), "0.01%"),
    (Num(5333.33, "plain"), "5,333"),
    (Num(0.123, spec="+.1%"), "+12.3%"),
])
def test_a_number_keeps_its_value_and_is_rounded_only_as_text(num: Num, text: str) -> None:
    assert number_text(num) == text


def test_prose_makes_bare_addresses_links_without_trailing_punctuation() -> None:
    assert prose("see https://a.org/x). ok") == (Text("see "), Link("https://a.org/x"),
                                                 Text("). ok"))
    assert prose("") == (Text(""),)


def test_every_registered_format_renders_a_document() -> None:
    assert set(RENDERERS) == {"table", "markdown"}
    for render in RENDERERS.values():
        assert render(DOC).endswith("nested\n")


@pytest.fixture(scope="module")
def face_value_run() -> object:
    return uncertainty.load(FACE_VALUE).run(draws=2_000, sensitivity=False)


def test_the_page_is_made_from_the_blocks_without_reading_markdown(
    face_value_run: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = build_report(face_value_run, ())  # type: ignore[arg-type]
    markdown = markdown_report(face_value_run, ())  # type: ignore[arg-type]
    legacy = html_report(markdown, {}, title="t")

    def refuse(*_: object) -> None:
        raise AssertionError("Markdown was read")

    monkeypatch.setattr("uncertainty.report.html.from_markdown", refuse)
    monkeypatch.setattr("uncertainty.report.html._inline", refuse)
    assert render_html(doc, {}, "t") == legacy
