"""`uncertainty run` builds its report once: the folder's files and the console come from
one document, and read exactly as when each is built on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

import uncertainty
from uncertainty.report import build_report, render_console, render_html, render_markdown

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "configs" / "seed-article-2025.toml"


@pytest.mark.parametrize("plots", [True, False])
def test_one_report_serves_the_files_and_the_console(tmp_path: Path, plots: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    real = build_report

    def counting(*args: object, **kwargs: object) -> object:
        built.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("uncertainty.report.build_report", counting)
    folder = tmp_path / "out"
    result = uncertainty.load(SEED).run_into(folder, plots=plots, draws=4_000, seed=5)
    console = result.console(destination=str(folder))
    assert len(built) == 1
    # The same text as reports built separately, each for its own renderer.
    kinds = result.figure_kinds() if plots else ()
    alone = real(result, kinds)
    assert (folder / "summary.md").read_text("utf-8") == render_markdown(alone)
    assert render_console(real(result, (), destination=str(folder))) == console
    assert "Results: " + str(folder) in console
    page = (folder / "summary.html").read_text("utf-8")
    svgs = {p.name: p.read_text("utf-8") for p in folder.glob("*.svg")}
    assert page == render_html(alone, svgs, result.model.title)


def test_a_result_with_its_sensitivity_builds_its_own_report() -> None:
    result = uncertainty.load(SEED).run(draws=4_000, seed=5, sensitivity=False)
    before = render_markdown(result.report(plots=False))
    analysed = result.with_sensitivity(threads=1)
    after = render_markdown(analysed.report(plots=False))
    assert "Sensitivity" not in before and "Sensitivity" in after
