"""`summary.html` in a real browser: Debian's Chromium, headless, driven by Playwright.

Chromium comes from Debian (`.ci/run` installs it), never from `playwright install`.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from test_html import seed_report

from uncertainty.pipeline import Run

#: In one process (``--dist loadgroup``), so that the browser and the report (module
#: fixtures) are made once, not once in each process the tests land in.
pytestmark = pytest.mark.xdist_group("browser")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A4 less the page margins of the print style (1.5 cm each side), in CSS pixels.
A4_CONTENT_WIDTH, A4_CONTENT_HEIGHT = (round((cm - 2 * 1.5) / 2.54 * 96) for cm in (21, 29.7))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    run, page = seed_report(2_000)  # the page is laid out the same at any draw count
    path = tmp_path_factory.mktemp("report") / "summary.html"
    path.write_text(page, encoding="utf-8")
    return run, path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        pytest.fail("Debian's Chromium is not installed (no `chromium` on PATH nor "
                    "/usr/bin/chromium): the browser tests need it, and `.ci/run` installs it "
                    "(apt-get install chromium).", pytrace=False)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Opened:
    """A page of the report, with every error it logged and every URL it requested."""

    def __init__(self, browser: Browser, path: Path, viewport: dict[str, int],
                 *, phone: bool = False) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        # is_mobile makes Chromium honour the viewport meta tag, as a phone does
        context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        self.page: Page = context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())

    def close(self) -> None:
        self.page.context.close()


@pytest.fixture(params=["desktop", "phone"])
def opened(request: pytest.FixtureRequest, browser: Browser,
           report: tuple[Run, Path]) -> Iterator[Opened]:
    phone = request.param == "phone"
    page = Opened(browser, report[1], PHONE if phone else DESKTOP, phone=phone)
    yield page
    page.close()


def test_every_metric_table_is_shown_with_one_row_per_view(
    opened: Opened, report: tuple[Run, Path]
) -> None:
    run = report[0]
    views = [str(v) for v in run.summary["view"].values]
    for metric in run.model.metrics:
        table = opened.page.locator(f"table[data-metric={metric.name}]")
        assert table.count() == 1, metric.name
        assert table.is_visible()
        cells = table.locator("tbody tr td:first-child").all_inner_texts()
        assert [c.strip() for c in cells] == views


def test_every_figure_is_drawn_at_the_proportions_of_its_view_box(opened: Opened) -> None:
    boxes = opened.page.evaluate("""() => [...document.querySelectorAll('svg')].map(s => {
        const r = s.getBoundingClientRect(), v = s.viewBox.baseVal;
        const wrap = s.parentElement;
        return [r.width, r.height, v.width, v.height, wrap.clientWidth,
                wrap.getBoundingClientRect().right, window.innerWidth];
    })""")
    assert len(boxes) == 12  # forest, density and tornado of 4 metrics
    for width, height, vb_width, vb_height, room, right, screen in boxes:
        assert width > 0 and height > 0
        assert height / width == pytest.approx(vb_height / vb_width, rel=0.01)
        assert right <= screen + 0.5  # the figure's box stays on the screen
        if screen >= 700:  # on a desktop a figure fits its box; on a phone it scrolls in it
            assert width <= room + 0.5
        else:
            assert width >= 0.99 * 16 * 40  # at least 40rem: chart text stays legible


def test_the_page_logs_no_error_and_requests_nothing_but_itself(
    opened: Opened, report: tuple[Run, Path]
) -> None:
    opened.page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert opened.errors == []
    assert opened.requests == [report[1].as_uri()]


def test_at_phone_width_only_tables_scroll_sideways(
    browser: Browser, report: tuple[Run, Path]
) -> None:
    opened = Opened(browser, report[1], PHONE, phone=True)
    try:
        page = opened.page
        widths = page.evaluate("() => [document.documentElement.scrollWidth, "
                               "window.innerWidth]")
        # a page wider than the screen would make the phone zoom out: innerWidth grows
        assert widths[1] == PHONE["width"]
        assert widths[0] <= widths[1] + 1
        # a wide table scrolls inside its own box, and its text stays readable
        wide = page.locator("table[data-metric=kia_ratio]")
        assert wide.evaluate("t => t.parentElement.scrollWidth > t.parentElement.clientWidth")
        assert wide.evaluate("t => getComputedStyle(t.parentElement).overflowX") == "auto"
        sizes = page.evaluate("() => ['p', 'td', 'code'].map(s => parseFloat("
                              "getComputedStyle(document.querySelector(s)).fontSize))")
        assert min(sizes) >= 13
    finally:
        opened.close()


def test_printed_tables_and_figures_fit_an_a4_page(
    browser: Browser, report: tuple[Run, Path]
) -> None:
    opened = Opened(browser, report[1], {"width": A4_CONTENT_WIDTH, "height": 1000})
    try:
        page = opened.page
        page.emulate_media(media="print")
        overflowing = page.evaluate("""w => [...document.querySelectorAll('table, figure')]
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .map(e => e.dataset.metric || e.tagName)""", A4_CONTENT_WIDTH)
        assert overflowing == []
        heights = page.evaluate("() => [...document.querySelectorAll('figure')]"
                                ".map(f => f.getBoundingClientRect().height)")
        assert 0 < max(heights) <= A4_CONTENT_HEIGHT  # never split across pages
        styles = page.evaluate("""() => ['figure', 'tbody tr', 'thead'].map(s => {
            const c = getComputedStyle(document.querySelector(s));
            return [c.breakInside, c.display];
        })""")
        assert styles[0][0] == styles[1][0] == "avoid"
        assert styles[2][1] == "table-header-group"  # repeated on every page
        assert page.pdf(format="A4").startswith(b"%PDF")
    finally:
        opened.close()


@pytest.mark.parametrize("name, viewport, phone",
                         [("desktop", DESKTOP, False), ("phone", PHONE, True)])
def test_full_page_screenshots_are_not_blank(
    browser: Browser, report: tuple[Run, Path], tmp_path: Path, name: str,
    viewport: dict[str, int], phone: bool
) -> None:
    opened = Opened(browser, report[1], viewport, phone=phone)
    try:
        png = opened.page.screenshot(full_page=True)
    finally:
        opened.close()
    (tmp_path / f"report-{name}.png").write_bytes(png)
    shutil.copyfile(tmp_path / f"report-{name}.png", f"/tmp/report-{name}.png")
    image = mpimg.imread(io.BytesIO(png))
    assert image.shape[1] == viewport["width"]
    assert image.shape[0] > 10 * viewport["height"]  # the whole report, not one screen
    gray = image[..., :3].mean(axis=2)
    assert float(np.std(gray)) > 0.05
    assert float(np.mean(gray < 0.9)) > 0.01
