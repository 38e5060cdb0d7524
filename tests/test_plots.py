"""Figures: what the forest and density plots draw, their axes, and reproducible bytes."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from images import assert_png_not_blank
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from uncertainty import load_config, simulate, summarize
from uncertainty.pipeline import Run
from uncertainty.plots import (
    DENSITY_BINS,
    density_plot,
    figure_bytes,
    forest_plot,
    use_log_axis,
)

FACE_VALUE = Path(__file__).parents[1] / "configs" / "examples" / "article-face-value.toml"
CLAIMS = {"us_intel": 112_500 / 8_000, "western": 112_500 / 12_000}


def face_value_run(draws: int = 20_000, **settings: object) -> Run:
    model = load_config(FACE_VALUE).model
    run_settings = dataclasses.replace(model.run, draws=draws, **settings)
    return simulate(dataclasses.replace(model, run=run_settings))


@pytest.fixture(scope="module")
def run() -> Run:
    return face_value_run()


@pytest.fixture(scope="module")
def spanning() -> xr.Dataset:
    """Draws of a difference that runs from below zero to above it in every view."""
    rng = np.random.default_rng(7)
    values = rng.normal([[-0.5], [0.5]], 1.0, size=(2, 20_000))
    return xr.Dataset({"gap": (("view", "draw"), values, {"label": "difference"})},
                      coords={"view": ["a", "b"]})


def intervals(fig: Figure) -> list[LineCollection]:
    return [c for c in fig.axes[0].collections
            if isinstance(c, LineCollection) and str(c.get_gid()).startswith("interval-")]


def lines_with_gid(fig: Figure, prefix: str) -> list[Line2D]:
    return [ln for ln in fig.axes[0].get_lines() if str(ln.get_gid()).startswith(prefix)]


def tick_labels_in_view(fig: Figure) -> list[str]:
    """The major x tick labels inside the axis limits, as the formatter writes them."""
    axis = fig.axes[0].xaxis
    lo, hi = sorted(fig.axes[0].get_xlim())
    locs = [x for x in axis.get_major_locator()() if lo <= x <= hi]
    formatter = axis.get_major_formatter()
    formatter.set_locs(locs)
    return [formatter(x) for x in locs]


# --- forest plot ------------------------------------------------------------------------


def test_forest_has_one_y_tick_per_view_in_order(run: Run) -> None:
    fig = forest_plot(run.summary, "kia_ratio")
    ax = fig.axes[0]
    views = [str(v) for v in run.summary["view"].values]
    assert list(ax.get_yticks()) == list(range(len(views)))
    assert [t.get_text().split("\n")[0] for t in ax.get_yticklabels()] == views
    low, high = ax.get_ylim()
    assert low > high  # the first view is the top row
    # A short label rides under its id; long ones stay out of the tick labels.
    texts = {t.get_text().split("\n")[0]: t.get_text() for t in ax.get_yticklabels()}
    assert texts["article"] == "article\nThe article's own combination"
    assert texts["us_intel"] == "us_intel"


def test_forest_draws_one_segment_per_view_and_level_at_the_intervals(run: Run) -> None:
    fig = forest_plot(run.summary, "kia_ratio")
    collections = intervals(fig)
    levels = [float(x) for x in run.summary["level"].values]
    n_views = run.summary.sizes["view"]
    assert len(collections) == len(levels)
    assert sum(len(c.get_segments()) for c in collections) == n_views * len(levels)
    eti = run.summary["eti"].sel(variable="kia_ratio")
    for collection in collections:
        level = float(str(collection.get_gid()).removeprefix("interval-"))
        expected = eti.sel(level=level).transpose("view", "ci_bound").values
        segments = np.array(collection.get_segments())
        np.testing.assert_allclose(segments[:, :, 0], expected)
        np.testing.assert_array_equal(segments[:, 0, 1], np.arange(n_views))
    width = {str(c.get_gid()): float(c.get_linewidths()[0]) for c in collections}
    assert width["interval-0.5"] > width["interval-0.9"] > width["interval-0.95"]


def test_forest_medians_are_the_summary_medians(run: Run) -> None:
    fig = forest_plot(run.summary, "ua_survival")
    (median,) = [ln for ln in lines_with_gid(fig, "median") if ln.get_gid() == "median"]
    (agreed,) = lines_with_gid(fig, "median-consensus")  # its own marker
    views = list(run.summary["view"].values)
    at = views.index("consensus")
    medians = run.summary["median"].sel(variable="ua_survival").values
    np.testing.assert_allclose(median.get_xdata(), np.delete(medians, at))
    np.testing.assert_allclose(agreed.get_xdata(), medians[at:at + 1])
    assert agreed.get_marker() != median.get_marker()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "consensus median" in legend


def test_forest_claim_lines_sit_at_the_claims(run: Run) -> None:
    fig = forest_plot(run.summary, "kia_ratio", claims=CLAIMS)
    claims = {str(ln.get_gid()).removeprefix("claim-"): ln
              for ln in lines_with_gid(fig, "claim-")}
    assert set(claims) == set(CLAIMS)
    for name, value in CLAIMS.items():
        assert list(claims[name].get_xdata()) == [value, value]
        assert claims[name].get_linestyle() == "--"
    assert claims["us_intel"].get_color() != claims["western"].get_color()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "us_intel claim: 14.06" in legend
    assert "western claim: 9.375" in legend
    assert "50% interval (ETI)" in legend
    # A claim outside every interval still lies inside the axis.
    far = forest_plot(run.summary, "kia_ratio", claims={"far": 100.0})
    assert far.axes[0].get_xlim()[1] > 100.0


def test_forest_rejects_an_unknown_variable(run: Run) -> None:
    # (a claim that is not finite is drawn as a legend entry only: test_non_finite.py)
    with pytest.raises(KeyError, match="nope"):
        forest_plot(run.summary, "nope")


def test_forest_axis_label_names_the_variable_and_its_label(run: Run) -> None:
    fig = forest_plot(run.summary, "kia_ratio", title="A title")
    assert fig.axes[0].get_xlabel() == "kia_ratio: Russian KIA per Ukrainian KIA"
    assert fig.get_suptitle() == "A title"


def test_forest_groups_the_members_of_an_envelope() -> None:
    run = face_value_run(pool="envelope")
    fig = forest_plot(run.summary, "kia_ratio")
    views = [str(v) for v in run.summary["view"].values]
    parents = [str(p) for p in run.summary["envelope_of"].values]
    bands = {str(p.get_gid()).removeprefix("envelope-"): p for p in fig.axes[0].patches
             if str(p.get_gid()).startswith("envelope-")}
    assert set(bands) == {"article_totals", "pooled"}
    for parent, band in bands.items():
        rows = [i for i, p in enumerate(parents) if p == parent]
        corners = band.get_transform().transform(band.get_path().vertices)
        ys = fig.axes[0].transData.inverted().transform(corners)[:, 1]
        assert min(ys) == pytest.approx(min(rows) - 0.45)
        assert max(ys) == pytest.approx(max(rows) + 0.45)
        others = [i for i, p in enumerate(parents) if p != parent]
        assert all(not (min(ys) <= i <= max(ys)) for i in others)
    names = [t.get_text() for t in fig.axes[0].texts]
    assert "pooled\n(envelope)" in names
    assert sum(len(c.get_segments()) for c in intervals(fig)) == len(views) * 3
    # More rows, a taller figure.
    plain = forest_plot(face_value_run().summary, "kia_ratio")
    assert fig.get_size_inches()[1] > plain.get_size_inches()[1]


# --- axis scale -------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "log"), [
    ([5.0, 28.0], True),
    ([1.0, 3.0], False),        # a spread of exactly 3 stays linear
    ([1.0, 3.01], True),
    ([0.6, 0.9], False),
    ([0.0, 10.0], False),
    ([-1.0, 10.0], False),
    ([np.nan, 1.0, 10.0, np.inf], True),
    ([], False),
])
def test_use_log_axis(values: list[float], log: bool) -> None:
    assert use_log_axis(values) is log


def test_the_kia_ratio_gets_a_log_axis_with_plain_tick_labels(run: Run) -> None:
    for fig in (forest_plot(run.summary, "kia_ratio"), density_plot(run.draws, "kia_ratio")):
        assert fig.axes[0].get_xscale() == "log"
        labels = tick_labels_in_view(fig)
        assert len(labels) >= 3
        assert "10" in labels
        assert all(re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?", t) for t in labels), labels
        minor = fig.axes[0].xaxis.get_minor_formatter()
        assert minor(3.0) == ""


def test_a_fraction_and_a_metric_spanning_zero_get_a_linear_axis(
        run: Run, spanning: xr.Dataset) -> None:
    assert forest_plot(run.summary, "ua_survival").axes[0].get_xscale() == "linear"
    assert density_plot(run.draws, "ua_survival").axes[0].get_xscale() == "linear"
    summary = summarize(spanning, (0.5, 0.9))
    assert float(summary["eti"].min()) < 0 < float(summary["eti"].max())
    assert forest_plot(summary, "gap").axes[0].get_xscale() == "linear"
    assert density_plot(spanning, "gap").axes[0].get_xscale() == "linear"
    with pytest.raises(ValueError, match="positive"):
        density_plot(spanning, "gap", log=True)
    with pytest.raises(ValueError, match="positive"):
        forest_plot(summary, "gap", log=True)


def test_the_axis_choice_can_be_forced(run: Run) -> None:
    assert forest_plot(run.summary, "kia_ratio", log=False).axes[0].get_xscale() == "linear"
    assert density_plot(run.draws, "ua.kia", log=True).axes[0].get_xscale() == "log"


# --- density plot -----------------------------------------------------------------------


@pytest.mark.parametrize(("variable", "expected"), [
    ("kia_ratio", ["us_intel", "western = article", "article_totals = pooled", "consensus"]),
    ("ua_survival", ["us_intel", "western = article", "article_totals = pooled", "consensus"]),
    ("ru.kia", ["us_intel = western = article_totals = pooled = consensus = article"]),
])
def test_density_draws_one_line_per_distinct_view_row(
        run: Run, variable: str, expected: list[str]) -> None:
    fig = density_plot(run.draws, variable)
    lines = lines_with_gid(fig, "density-")
    assert [ln.get_label() for ln in lines] == expected
    assert [t.get_text() for t in fig.legends[0].get_texts()] == expected
    assert fig.axes[0].get_ylabel() == "density"


def test_density_groups_identical_rows_without_the_view_sources_attribute(run: Run) -> None:
    draws = run.draws[["kia_ratio"]].copy()
    draws["kia_ratio"].attrs = {"label": "Russian KIA per Ukrainian KIA"}
    labels = [ln.get_label() for ln in lines_with_gid(density_plot(draws, "kia_ratio"),
                                                       "density-")]
    assert labels == ["us_intel", "western = article", "article_totals = pooled", "consensus"]


def test_density_trusts_the_view_sources_keys_over_the_values() -> None:
    values = np.tile(np.linspace(1.0, 2.0, 1_000), (3, 1))
    draws = xr.Dataset(
        {"v": (("view", "draw"), values, {"view_sources": ["k1", "k2", "k1"]})},
        coords={"view": ["a", "b", "c"]})
    labels = [ln.get_label() for ln in lines_with_gid(density_plot(draws, "v"), "density-")]
    assert labels == ["a = c", "b"]


def test_density_is_normalized_on_its_scale(run: Run, spanning: xr.Dataset) -> None:
    for line in lines_with_gid(density_plot(run.draws, "kia_ratio"), "density-"):
        x, y = np.log(line.get_xdata()), line.get_ydata()  # density of ln x
        assert len(x) == DENSITY_BINS
        assert np.trapezoid(y, x) == pytest.approx(1.0, abs=0.01)
    for line in lines_with_gid(density_plot(spanning, "gap"), "density-"):
        assert np.trapezoid(line.get_ydata(), line.get_xdata()) == pytest.approx(1.0, abs=0.01)
        peak = line.get_xdata()[np.argmax(line.get_ydata())]
        assert abs(abs(peak) - 0.5) < 0.2  # the two views peak near -0.5 and 0.5


def test_density_skips_non_finite_draws_and_labels_an_empty_view() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=(2, 5_000))
    values[0, :100] = np.inf
    values[1] = np.nan
    draws = xr.Dataset({"v": (("view", "draw"), values)}, coords={"view": ["some", "none"]})
    lines = lines_with_gid(density_plot(draws, "v"), "density-")
    assert [ln.get_label() for ln in lines] == ["some", "none (no finite draws)"]
    assert np.all(np.isfinite(lines[0].get_ydata()))
    assert len(lines[1].get_xdata()) == 0


# --- bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["forest", "density"])
def test_png_decodes_to_the_figure_size_and_is_not_blank(run: Run, kind: str) -> None:
    fig = (forest_plot(run.summary, "kia_ratio", claims=CLAIMS) if kind == "forest"
           else density_plot(run.draws, "kia_ratio"))
    assert_png_not_blank(fig)


def test_identical_runs_give_identical_bytes() -> None:
    first, second = face_value_run(), face_value_run()
    for make in (lambda r: forest_plot(r.summary, "kia_ratio", claims=CLAIMS, title="t"),
                 lambda r: density_plot(r.draws, "ua_survival", title="t")):
        svg = [figure_bytes(make(r), "svg") for r in (first, second)]
        assert svg[0] == svg[1]
        assert b"<svg" in svg[0]
        assert b"<dc:date>" not in svg[0]
        png = [figure_bytes(make(r), "png") for r in (first, second)]
        assert png[0] == png[1]
        assert b"Matplotlib version" not in png[0]


def test_figure_bytes_rejects_other_formats(run: Run) -> None:
    with pytest.raises(ValueError, match="jpg"):
        figure_bytes(forest_plot(run.summary, "kia_ratio"), "jpg")


def test_plots_never_import_pyplot() -> None:
    # Every kind of figure, forest, density and tornado, in one fresh interpreter.
    code = (
        "import sys\n"
        "import numpy as np, xarray as xr\n"
        "from uncertainty import summarize\n"
        "from uncertainty.plots import density_plot, figure_bytes, forest_plot, tornado_plot\n"
        "d = xr.Dataset({'x': (('view', 'draw'), np.arange(1.0, 201.0).reshape(2, 100))},\n"
        "               coords={'view': ['a', 'b']})\n"
        "figure_bytes(forest_plot(summarize(d, (0.9,)), 'x'), 'png')\n"
        "figure_bytes(density_plot(d, 'x'), 'svg')\n"
        "t = xr.Dataset({'base': (('metric', 'view'), [[1.0]]),\n"
        "                'median': (('metric', 'view', 'input', 'end'), [[[[0.5, 2.0]]]]),\n"
        "                'held': (('metric', 'view', 'input', 'end'), [[[['1', '2']]]]),\n"
        "                'share': (('metric', 'view', 'input'), [[[1.0]]])},\n"
        "               coords={'metric': ['m'], 'view': ['v'], 'input': ['x'],\n"
        "                       'end': ['low', 'high']}, attrs={'percentiles': [0.05, 0.95]})\n"
        "figure_bytes(tornado_plot(t, 'm'), 'png')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)
