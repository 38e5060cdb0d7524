"""Figures drawn the fast way are the figures drawn the plain way, byte for byte.

Three shortcuts are checked against the way they replace: the text measurements shared by
every SVG render (`plots.layout._text_metrics`) against matplotlib's own, per render; the
minor tick marks drawn as one line against the axis' own minor ticks; and the forest and
density figures drawn in a background thread while the sensitivity analysis runs
(`runtime.ahead`, `Study.run_into`) against a serial run's, including when drawing ahead
fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

import uncertainty
from uncertainty.plots import figure_bytes
from uncertainty.plots import layout as plot_layout
from uncertainty.runtime.ahead import Ahead
from uncertainty.study import Result, Study

SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"
RUN = {"draws": 4_000, "seed": 5, "threads": 2}


#: The readers of `serial`, in one process (``--dist loadgroup``): it is made once.
SERIAL = pytest.mark.xdist_group("figures_serial")


@pytest.fixture(scope="module")
def study() -> Study:
    return uncertainty.load(SEED)


@pytest.fixture(scope="module")
def serial(study: Study) -> dict[str, bytes]:
    """Every figure file of the seed study, drawn in this thread, one after the other."""
    files = study.run(**RUN).files(png=True)
    return {name: data for name, data in files.items() if name.endswith((".svg", ".png"))}


def figure_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix in (".svg", ".png")}


# --- text measured once per process -----------------------------------------------------


def test_shared_text_measures_render_the_bytes_of_matplotlibs_own(study: Study) -> None:
    result = study.run(**RUN)
    for metric in ("kia_ratio", "ua_survival"):
        for kind in ("forest", "density", "tornado"):
            fig = getattr(result, f"plot_{kind}")(metric)
            assert type(fig) is plot_layout._Figure
            plot_layout._METRICS.clear()
            cold = figure_bytes(fig, "svg")
            assert plot_layout._METRICS  # the render measured through the shared cache
            warm = figure_bytes(fig, "svg")
            fig.__class__ = Figure  # the same artists, measured by the renderer itself
            assert figure_bytes(fig, "svg") == cold == warm, f"{kind}-{metric}"


def test_a_measure_follows_the_font_settings() -> None:
    from matplotlib import rc_context
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=10)
    sans = plot_layout._text_metrics("Wide Words", prop, False)
    with rc_context({"font.family": "monospace"}):
        mono = plot_layout._text_metrics("Wide Words", FontProperties(size=10), False)
    assert mono != sans  # not the sans-serif width kept from before
    assert plot_layout._text_metrics("Wide Words", prop, False) == sans


# --- minor tick marks as one line ------------------------------------------------------


def test_minor_marks_sit_where_the_log_locator_puts_minor_ticks(study: Study) -> None:
    result = study.run(**RUN)
    fig = result.plot_density("kia_ratio")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    (marks,) = [ln for ln in ax.get_lines() if ln.get_gid() == "minor-ticks"]
    lo, hi = ax.get_xlim()
    every = LogLocator(base=10.0, subs=tuple(np.arange(1.0, 10.0))).tick_values(lo, hi)
    major = ax.xaxis.get_majorticklocs()
    # As the axis would draw them: in view, and none where a major tick is.
    expected = [x for x in every if lo <= x <= hi and not np.isclose(x, major).any()]
    assert len(expected) >= 4
    np.testing.assert_allclose(marks.get_xdata(), expected)
    assert ax.xaxis.get_minorticklocs().size == 0  # no tick of its own
    # The style of a minor tick's mark, below the axis, never clipped, never in the legend.
    tick = ax.xaxis.get_minor_ticks(1)[0].tick1line
    assert (marks.get_marker(), marks.get_markersize(), marks.get_markeredgewidth(),
            marks.get_markeredgecolor()) == (tick.get_marker(), tick.get_markersize(),
                                             tick.get_markeredgewidth(),
                                             tick.get_markeredgecolor())
    assert not marks.get_clip_on() and marks.get_zorder() == ax.xaxis.get_zorder()
    assert "minor-ticks" not in [t.get_text() for t in fig.legends[0].get_texts()]


# --- figures drawn ahead, in a background thread ----------------------------------------


def test_ahead_hands_out_what_it_made_once_and_remakes_what_failed() -> None:
    threads: list[int] = []

    def made(value: int) -> Callable[[], int]:
        def make() -> int:
            threads.append(threading.get_ident())
            return value
        return make

    def broken() -> int:
        raise RuntimeError("no")

    ahead: Ahead[int] = Ahead({"a": made(1), "b": broken, "c": made(3)})
    assert ahead.made() == {"a", "c"}
    assert threading.get_ident() not in threads  # made in another thread
    assert ahead.take("a", lambda: 10) == 1
    assert ahead.take("a", lambda: 10) == 10  # handed out once
    assert ahead.take("b", lambda: 20) == 20  # failed ahead: made here
    with pytest.raises(RuntimeError, match="again"):  # and an error raises here
        ahead.take("c-not-made", lambda: (_ for _ in ()).throw(RuntimeError("again")))


def test_ahead_cancelled_makes_nothing_more() -> None:
    started, gate = threading.Event(), threading.Event()

    def first() -> int:
        started.set()
        gate.wait(10)
        return 1

    ahead: Ahead[int] = Ahead({"first": first, "second": lambda: 2})
    assert started.wait(10)
    opener = threading.Timer(0.05, gate.set)
    opener.start()
    ahead.cancel()  # waits for "first", which is under way; "second" is never begun
    opener.join()
    assert ahead.made() == {"first"}


@SERIAL
@pytest.mark.parametrize("png", [False, True])
def test_a_run_drawing_ahead_writes_the_figures_of_a_serial_run(
        study: Study, serial: dict[str, bytes], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, png: bool) -> None:
    where: dict[str, set[str]] = {}
    for kind in ("forest", "density", "tornado"):
        plain = getattr(Result, f"plot_{kind}")

        def traced(self: Result, metric: str, plain: Callable[..., Figure] = plain,
                   kind: str = kind) -> Figure:
            where.setdefault(kind, set()).add(threading.current_thread().name)
            return plain(self, metric)

        monkeypatch.setattr(Result, f"plot_{kind}", traced)
    study.run_into(tmp_path / "r", png=png, **RUN)
    written = figure_files(tmp_path / "r")
    expected = {n: d for n, d in serial.items() if png or n.endswith(".svg")}
    assert sorted(written) == sorted(expected)
    for name, data in expected.items():
        assert written[name] == data, name
    # Forest and density were drawn ahead, the tornado (it needs the analysis) was not.
    assert where == {"forest": {"uncertainty-ahead"}, "density": {"uncertainty-ahead"},
                     "tornado": {threading.main_thread().name}}


@SERIAL
def test_one_thread_draws_nothing_ahead(study: Study, serial: dict[str, bytes],
                                        tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(Result, "_figures_ahead",
                        lambda self, **kw: started.append(kw))  # never called
    study.run_into(tmp_path / "r", **{**RUN, "threads": 1})
    assert started == []
    assert figure_files(tmp_path / "r") == {n: d for n, d in serial.items()
                                            if n.endswith(".svg")}


@SERIAL
def test_a_figure_failing_ahead_is_drawn_by_the_figures_stage(
        study: Study, serial: dict[str, bytes], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    plain = Result.plot_density
    failed: list[str] = []

    def flaky(self: Result, metric: str) -> Figure:
        if threading.current_thread() is not threading.main_thread():
            failed.append(metric)
            raise RuntimeError("drawing ahead failed")
        return plain(self, metric)

    monkeypatch.setattr(Result, "plot_density", flaky)
    study.run_into(tmp_path / "r", **RUN)
    written = figure_files(tmp_path / "r")
    assert len(failed) == 4  # every density failed ahead ...
    assert written == {n: d for n, d in serial.items() if n.endswith(".svg")}  # ... none lost


def test_a_figure_that_cannot_be_drawn_fails_the_run_and_writes_nothing(
        study: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Result, metric: str) -> Figure:
        raise RuntimeError(f"no forest of {metric}")

    monkeypatch.setattr(Result, "plot_forest", broken)
    with pytest.raises(RuntimeError, match="no forest of kia_ratio"):
        study.run_into(tmp_path / "r", **RUN)
    assert not (tmp_path / "r").exists()
