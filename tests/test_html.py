"""`summary.html` as text: blocks and the Markdown subset, escaping, inline figures, no loads."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import uncertainty
from uncertainty import Result as Run
from uncertainty import parse_config
from uncertainty.plots import density_plot, figure_bytes, forest_plot, tornado_plot
from uncertainty.report import build_report, html_report, render_html

CONFIGS = Path(__file__).parents[1] / "configs"
SEED = CONFIGS / "seed-article-2025.toml"
FACE_VALUE = CONFIGS / "examples" / "article-face-value.toml"
# Every tag html_report writes outside an inline SVG.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
             "ul", "li", "div", "table", "thead", "tbody", "tr", "th", "td", "code", "strong",
             "a", "figure", "figcaption"}
SVG = ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
       '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
       '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
       '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="576pt" height="324pt" '
       'viewBox="0 0 576 324" xmlns="http://www.w3.org/2000/svg" version="1.1">\n'
       ' <metadata><dc:title>Matplotlib, https://matplotlib.org/</dc:title></metadata>\n'
       ' <defs><clipPath id="p1"><rect x="0" y="0" width="9" height="9"/></clipPath>'
       '<path id="glyph" d="M 0 0 L 1 1"/></defs>\n'
       ' <!-- a label -->\n'
       ' <g id="figure_1" clip-path="url(#p1)"><use xlink:href="#glyph"/></g>\n'
       '</svg>\n')


def figure_svgs(run: Run) -> dict[str, str]:
    """The SVG of every figure `uncertainty run` writes, keyed by its file name."""
    svgs = {}
    for metric in run.model.metrics:
        figures = {"forest": forest_plot(run.summary, metric.name, title=run.model.title),
                   "density": density_plot(run.draws, metric.name, title=run.model.title)}
        if run.sensitivity is not None:
            figures["tornado"] = tornado_plot(run.sensitivity.inputs, metric.name,
                                              title=run.model.title)
        for kind, fig in figures.items():
            svgs[f"{kind}-{metric.name}.svg"] = figure_bytes(fig, "svg").decode()
    return svgs


@functools.cache
def seed_report(draws: int) -> tuple[Run, str]:
    """The seed config run at `draws` with its sensitivity, and its page with every plot.

    Made once per test process: test_browser lays out the same page (several seconds of
    simulation, sensitivity and figures); the tests only read it.
    """
    run = uncertainty.load(SEED).run(draws=draws)
    document = build_report(run, ("forest", "density", "tornado"))
    return run, render_html(document, figure_svgs(run), run.model.title)


@pytest.fixture(scope="module")
def seed() -> tuple[Run, str]:
    return seed_report(2_000)


class Tags(HTMLParser):
    """The start tags (with attributes) and the text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def body(page: str) -> str:
    return page.split("<main>\n", 1)[1].split("\n</main>", 1)[0]


# --- the document ------------------------------------------------------------------------


def test_the_page_is_a_complete_html5_document_with_one_style_and_no_script() -> None:
    page = html_report("# T\n\nText.\n", {}, title="T")
    assert page.startswith("<!doctype html>\n<html lang=\"en\">")
    assert '<meta charset="utf-8">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<title>T</title>" in page
    assert page.count("<style>") == 1
    assert "<script" not in page.lower()
    # the browser itself refuses any load: nothing but the inline style is allowed
    assert "default-src 'none'; style-src 'unsafe-inline'" in page
    assert page.endswith("</html>\n")


def test_headings_get_unique_slug_ids_and_blocks_their_tags() -> None:
    markdown = ("# Title\n\n## Metrics\n\n### kia_ratio: KIA per KIA\n\n### ru.kia\n\n"
                "## Metrics\n\nOne line\nand its next.\n\n- first\n- second **bold**\n")
    out = body(html_report(markdown, {}, title="x"))
    assert '<h1 id="title">Title</h1>' in out
    assert '<h2 id="metrics">Metrics</h2>' in out
    assert '<h3 id="kia_ratio-kia-per-kia">kia_ratio: KIA per KIA</h3>' in out
    assert '<h3 id="ru-kia">ru.kia</h3>' in out
    assert '<h2 id="metrics-2">Metrics</h2>' in out
    assert "<p>One line\nand its next.</p>" in out
    assert "<ul>\n<li>first</li>\n<li>second <strong>bold</strong></li>\n</ul>" in out


def test_a_table_aligns_its_columns_as_the_alignment_row_says() -> None:
    markdown = ("### kia_ratio: ratio\n\n`ru.kia / ua.kia`\n\n"
                "| view | median | 90% ETI |\n| --- | ---: | --- |\n"
                "| us_intel | 11.2 | [7.7, 15.5] |\n|   pooled | 10.4 |  |\n")
    out = body(html_report(markdown, {}, title="x"))
    assert "<p><code>ru.kia / ua.kia</code></p>" in out
    assert '<div class="table-wrap" tabindex="0">\n<table data-metric="kia_ratio">' in out
    assert ('<thead><tr><th scope="col" class="word">view</th>'
            '<th scope="col" class="num word">median</th>'
            '<th scope="col" class="short">90% ETI</th></tr></thead>') in out
    # short cells never wrap on screen, nor in print when they hold no space
    assert ('<tr><td class="word">us_intel</td><td class="num word">11.2</td>'
            '<td class="short">[7.7, 15.5]</td></tr>') in out
    # leading spaces indent a view under its envelope; an empty cell stays a cell
    assert ('<tr><td class="word indent">pooled</td><td class="num word">10.4</td>'
            "<td></td></tr>") in out


def test_only_the_first_table_after_a_metric_heading_is_marked() -> None:
    table = "| a | b |\n| --- | ---: |\n| x | 1 |\n"
    markdown = (f"### m1: one\n\n{table}\n{table}\n### Sensitivity of m1\n\n{table}\n"
                f"### q.x\n\n{table}")
    out = body(html_report(markdown, {}, title="x"))
    assert out.count("data-metric=") == 1
    assert '<table data-metric="m1">' in out


def test_a_right_aligned_column_without_numbers_is_left_aligned() -> None:
    # markdown_table aligns every column after the first right, view names too
    markdown = "| A | B | P(A > B) |\n| --- | ---: | ---: |\n| us_intel | western | 0.69 |\n"
    out = body(html_report(markdown, {}, title="x"))
    assert '<td class="word">western</td><td class="num word">0.69</td>' in out


def test_a_row_with_a_pipe_in_a_cell_keeps_its_columns() -> None:
    markdown = "| a | b |\n| --- | --- |\n| x | quote: one | two |\n| y |\n"
    out = body(html_report(markdown, {}, title="x"))
    assert "<td class=\"short\">quote: one | two</td>" in out
    assert '<tr><td class="word">y</td><td></td></tr>' in out


def test_only_a_table_too_wide_for_a_printed_page_lets_its_words_break() -> None:
    ids = [f"source_number_{i}" for i in range(8)]
    wide = f"| claim | {' | '.join(ids)} |\n| --- |{' ---: |' * 8}\n| x |{' 1 |' * 8}\n"
    narrow = "| view | median |\n| --- | ---: |\n| us_intel | 1 |\n"
    url = "| said |\n| --- |\n| cite: https://example.org/" + "a" * 200 + " |\n"
    out = body(html_report(f"{wide}\n{narrow}\n{url}", {}, title="x"))
    assert out.count("<table") == 3
    assert out.count('<table class="squeeze">') == 1  # a link breaks anywhere on its own


def test_bare_urls_in_cells_become_links_without_trailing_punctuation() -> None:
    url = "https://example.org/a?b=1&c=2"
    markdown = (f"| source | said |\n| --- | --- |\n| s | cite: {url}; date: 2025-01-01 |\n"
                f"| t | (see http://example.org/x). |\n| u | `http://in.code/` |\n")
    out = body(html_report(markdown, {}, title="x"))
    assert ('cite: <a class="url" href="https://example.org/a?b=1&amp;c=2">'
            "https://example.org/a?b=1&amp;c=2</a>; date: 2025-01-01") in out
    assert '(see <a class="url" href="http://example.org/x">http://example.org/x</a>).' in out
    assert "<code>http://in.code/</code>" in out


# --- figures -------------------------------------------------------------------------------


def test_a_figure_is_inlined_as_responsive_svg_without_its_prolog() -> None:
    out = body(html_report("![forest plot of m](forest-m.png)\n", {"forest-m.png": SVG},
                           title="x"))
    assert out.startswith("<figure>\n<div class=\"figure-wrap\"><svg ")
    assert out.endswith("</svg></div>\n<figcaption>forest plot of m</figcaption>\n</figure>")
    assert "<?xml" not in out and "DOCTYPE" not in out
    assert "<metadata" not in out and "<!--" not in out
    root = re.search(r"<svg[^>]*>", out)
    assert root is not None
    assert 'viewBox="0 0 576 324"' in root.group(0)
    assert "width=" not in root.group(0) and "height=" not in root.group(0)
    assert 'role="img" aria-label="forest plot of m"' in root.group(0)
    # ids are prefixed, and so is every reference to them
    assert 'id="f1-p1"' in out and 'clip-path="url(#f1-p1)"' in out
    assert 'id="f1-glyph"' in out and 'xlink:href="#f1-glyph"' in out


def test_the_same_figure_twice_gets_distinct_ids() -> None:
    markdown = "![a](t.png)\n\n![b](t.png)\n"
    out = body(html_report(markdown, {"t.png": SVG}, title="x"))
    ids = re.findall(r'\sid="([^"]+)"', out)
    assert len(ids) == 6 and len(set(ids)) == 6


def test_a_missing_figure_is_a_visible_note() -> None:
    out = body(html_report("![density plot of m](density-m.png)\n", {"other.png": SVG},
                           title="x"))
    assert out == ('<p class="missing">Figure not available: density plot of m '
                   "(<code>density-m.png</code>).</p>")
    assert "<img" not in out and "<svg" not in out
    broken = body(html_report("![p](p.png)\n", {"p.png": "not an svg"}, title="x"))
    assert broken.startswith('<p class="missing">')


# --- escaping --------------------------------------------------------------------------------


def test_markup_in_the_title_and_text_is_escaped() -> None:
    evil = 'A <script>alert("x")</script> & <img src=x onerror=alert(1)>'
    markdown = f"# {evil}\n\n{evil}\n\n| {evil} | b |\n| --- | ---: |\n| {evil} | 1 |\n"
    page = html_report(markdown, {}, title=evil)
    assert "<script" not in page and "<img" not in page
    assert "<title>A &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in page
    assert page.count("&lt;script&gt;") == 5
    assert {tag for tag, _ in parse(page).tags} <= PAGE_TAGS


def test_a_config_with_markup_in_its_title_and_labels_renders_escaped() -> None:
    text = FACE_VALUE.read_text(encoding="utf-8")
    evil = '<script>alert(1)</script> & "co"'
    text = re.sub(r'^title = ".*"$', f"title = '{evil}'", text, count=1, flags=re.M)
    text = text.replace('label = "Russian KIA per Ukrainian KIA"', f"label = '{evil} KIA'")
    text = text.replace('label = "US intelligence', f"label = '{evil}' # \"US intelligence")
    loaded = parse_config(text.encode())
    assert loaded.model.title == evil
    run = uncertainty.parse(text).run(draws=2_000, sensitivity=False)
    page = render_html(build_report(run, ("forest", "density")), figure_svgs(run),
                       loaded.model.title)
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;" in page
    assert '<h1 id="script-alert-1-script-co">&lt;script&gt;' in page
    tags = parse(page)
    assert "&".join(tags.text).count(evil) >= 3  # title, h1, the metric, the source


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
               max_size=60))
def test_arbitrary_text_never_yields_markup(text: str) -> None:
    markdown = f"# t\n\n{text}\n\n| a | b |\n| --- | ---: |\n| {text} | 1 |\n"
    page = html_report(markdown, {}, title=text)
    for name in re.findall(r"<(/?[^\s>/]*)", page):
        assert name.lstrip("/").lower() in PAGE_TAGS | {"!doctype"}, name
    assert {tag for tag, _ in parse(page).tags} <= PAGE_TAGS
    if not re.search(r"[`*|]|https?://", text) and text.strip():
        # the table cell gives the text back, character for character (bar outer spaces)
        assert text.strip() in "".join(parse(body(page)).text)


# --- the seed config's page --------------------------------------------------------------------


def test_every_metric_of_the_seed_config_has_its_table_and_figures(
    seed: tuple[Run, str]
) -> None:
    run, page = seed
    for metric in run.model.metrics:
        table = re.search(rf'<table data-metric="{metric.name}">(.*?)</table>', page, re.S)
        assert table is not None, metric.name
        assert table.group(1).count("<tr>") == 1 + run.summary.sizes["view"]
        for kind in ("forest", "density"):
            assert f'aria-label="{kind} plot of {metric.name}"' in page
        assert page.count(f'aria-label="tornado chart of {metric.name}"') == 1
    assert "Figure not available" not in page
    for section in ("Sensitivity: what drives each metric", "Assumptions", "Inputs",
                    "Sources", "Views"):
        assert f">{section}</h2>" in page


def test_the_seed_page_loads_nothing_and_links_only_with_a_href(seed: tuple[Run, str]) -> None:
    _, page = seed
    assert "<script" not in page.lower()
    assert not re.search(r"\ssrc\s*=", page)
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?(?!#)", page)
    assert "<link" not in page
    for tag, attrs in parse(page).tags:
        for name, value in attrs.items():
            if name in ("href", "xlink:href", "src", "action", "data", "poster"):
                assert tag == "a" or (value or "").startswith("#"), (tag, name, value)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
