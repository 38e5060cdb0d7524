"""The tornado plot: panels, bar order and ends, truncation, axis scale, labels, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import xarray as xr
from images import assert_png_not_blank
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text

from uncertainty.plots import figure_bytes, tornado_plot

NAN = np.nan
METRICS = ["kia_ratio", "ua_survival"]
VIEWS = ["us_intel", "western", "pooled"]
INPUTS = ["ru.kia", "ua.kia", "ua.pop", "pool"]
INPUT_LABELS = ["ru.kia from us_intel", "ua.kia from us_intel", "ua.pop from census",
                "ua.kia: which source the pool takes"]
#: (metric, view, input) -> (low median, high median, low held, high held, share).
ENTRIES: dict[tuple[int, int, int], tuple[float, float, str, str, float]] = {
    (0, 0, 0): (10.0, 19.0, "90,000", "160,000", 0.35),
    (0, 0, 1): (20.0, 9.0, "5,600", "12,000", 0.62),
    (0, 1, 0): (7.0, 12.5, "90,000", "160,000", 0.55),
    (0, 1, 1): (13.0, 6.0, "8,400", "17,000", 0.41),
    (0, 2, 0): (8.0, 15.0, "90,000", "160,000", 0.30),
    (0, 2, 1): (16.0, 7.5, "6,000", "15,000", 0.38),
    (0, 2, 3): (9.4, 14.0, "western", "us_intel", 0.21),
    # ua_survival: the pool choice does not enter, so western and pooled are identical.
    (1, 0, 1): (0.66, 0.74, "5,600", "12,000", 0.40),
    (1, 0, 2): (0.62, 0.77, "30,000,000", "44,000,000", NAN),
    (1, 1, 1): (0.71, 0.79, "5,600", "12,000", 0.40),
    (1, 1, 2): (0.67, 0.82, "30,000,000", "44,000,000", NAN),
    (1, 2, 1): (0.71, 0.79, "5,600", "12,000", 0.40),
    (1, 2, 2): (0.67, 0.82, "30,000,000", "44,000,000", NAN),
}
BASE = [[14.0, 9.4, 11.0], [0.70, 0.80, 0.80]]


def build(base: list[list[float]], entries: dict[tuple[int, int, int],
                                                 tuple[float, float, str, str, float]],
          metrics: list[str], views: list[str], inputs: list[str],
          input_labels: list[str] | None = None,
          percentiles: tuple[float, float] = (0.05, 0.95)) -> xr.Dataset:
    """A sensitivity Dataset of the documented shape; entries absent are NaN / ""."""
    shape = (len(metrics), len(views), len(inputs))
    median = np.full((*shape, 2), NAN)
    held = np.full((*shape, 2), "", dtype=object)
    share = np.full(shape, NAN)
    for key, (low, high, held_low, held_high, s) in entries.items():
        median[key], held[key], share[key] = (low, high), (held_low, held_high), s
    full = ("metric", "view", "input", "end")
    return xr.Dataset(
        {"base": (("metric", "view"), np.asarray(base, dtype=float)),
         "median": (full, median),
         "held": (full, held.astype(str)),
         "share": (full[:3], share),
         "share_se": (full[:3], 0.05 * share)},
        coords={"metric": metrics, "view": views, "input": inputs, "end": ["low", "high"],
                "view_label": ("view", [f"{v} estimates" for v in views]),
                "input_label": ("input", input_labels or inputs),
                "metric_label": ("metric", [f"the {m}" for m in metrics]),
                "scale": ("metric", ["log"] * len(metrics))},
        attrs={"percentiles": list(percentiles)})


@pytest.fixture(scope="module")
def inputs() -> xr.Dataset:
    return build(BASE, ENTRIES, METRICS, VIEWS, INPUTS, INPUT_LABELS)


@dataclass(frozen=True)
class Panel:
    """The part of the one axes that shows a view: its band and rows, `lo` < y < `hi`."""

    ax: Axes
    lo: float
    hi: float

    def holds(self, y: float) -> bool:
        return self.lo < y < self.hi


def panel_titles(fig: Figure) -> list[Text]:
    """The views' titles, top to bottom (the y axis runs down)."""
    (ax,) = fig.axes
    return sorted((t for t in ax.texts if str(t.get_gid()).startswith("title-")),
                  key=lambda t: t.get_position()[1])


def panel(fig: Figure, view: str) -> Panel:
    (ax,) = fig.axes
    tops = [t.get_position()[1] for t in panel_titles(fig)] + [max(ax.get_ylim())]
    names = [str(t.get_gid()).removeprefix("title-") for t in panel_titles(fig)]
    k = names.index(view)
    return Panel(ax, tops[k], tops[k + 1])


def ticks(where: Axes | Panel) -> list[str]:
    ax = where.ax if isinstance(where, Panel) else where
    return [t.get_text() for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
            if not isinstance(where, Panel) or where.holds(y)]


def bars(where: Axes | Panel) -> dict[str, Rectangle]:
    ax = where.ax if isinstance(where, Panel) else where
    return {str(p.get_gid()): p for p in ax.patches
            if isinstance(p, Rectangle) and p.get_gid()
            and (not isinstance(where, Panel) or where.holds(p.get_y()))}


def bar_end(bar: Rectangle) -> float:
    """The end of a segment drawn from the base: ``left + width``."""
    return float(bar.get_x() + bar.get_width())


def values(where: Axes | Panel) -> dict[str, str]:
    ax = where.ax if isinstance(where, Panel) else where
    return {str(a.get_gid()).removeprefix("value-"): a.get_text() for a in ax.texts
            if isinstance(a, Annotation)
            and (not isinstance(where, Panel) or where.holds(a.xy[1]))}


def notes(where: Panel) -> list[str]:
    """Texts of a panel other than its title and bar end values."""
    return [t.get_text() for t in where.ax.texts
            if not isinstance(t, Annotation) and where.holds(t.get_position()[1])
            and not str(t.get_gid()).startswith("title-")]


# --- panels, bars, order ----------------------------------------------------------------


def test_one_panel_per_view_on_one_shared_value_axis(inputs: xr.Dataset) -> None:
    fig = tornado_plot(inputs, "kia_ratio", title="Face value")
    assert [t.get_text() for t in panel_titles(fig)] == [
        "us_intel: us_intel estimates (median 14)",
        "western: western estimates (median 9.4)",
        "pooled: pooled estimates (median 11)",
    ]
    assert fig.get_suptitle() == "Face value\nkia_ratio: the kia_ratio"
    assert len(fig.axes) == 1  # one x axis: the same metric on one scale in every view
    assert fig.get_size_inches()[0] == 8.0
    # The pooled view has one bar more and the choice's label wraps: a taller figure.
    fewer = tornado_plot(inputs, "kia_ratio", views=["us_intel", "western"])
    assert fig.get_size_inches()[1] > fewer.get_size_inches()[1]
    assert [t.get_text().split(":")[0] for t in
            panel_titles(tornado_plot(inputs, "kia_ratio", views=["pooled", "us_intel"]))] == [
        "pooled", "us_intel"]
    # Each view's rows lie under its title, and a line separates the views.
    (separators,) = [c for c in fig.axes[0].collections if c.get_gid() == "separators"]
    tops = [t.get_position()[1] for t in panel_titles(fig)]
    assert [seg[0][1] for seg in separators.get_segments()] == pytest.approx(
        [top - 0.06 for top in tops[1:]])


def test_bars_are_sorted_by_swing_widest_on_top(inputs: xr.Dataset) -> None:
    ax = panel(tornado_plot(inputs, "kia_ratio"), "pooled")
    assert ticks(ax) == ["ua.kia from us_intel (share 38%)",
                         "ru.kia from us_intel (share 30%)",
                         "ua.kia: which source the pool takes\n(share 21%)"]
    assert ax.ax.get_ylim()[0] > ax.ax.get_ylim()[1]  # y runs down
    found = bars(ax)
    # Each bar is centred on the row of its tick label, in the order of the labels.
    locs = [y for y in ax.ax.get_yticks() if ax.holds(y)]
    rows = {name: found[f"low-{name}"].get_y() + found[f"low-{name}"].get_height() / 2
            for name in ("ua.kia", "ru.kia", "pool")}
    assert list(rows.values()) == pytest.approx(locs)
    swings = [abs(bar_end(found[f"high-{n}"]) - bar_end(found[f"low-{n}"]))
              for n in sorted(rows, key=rows.__getitem__)]
    assert swings == sorted(swings, reverse=True)
    # The inputs that do not enter the metric in a view (NaN) get no bar.
    assert "low-ua.pop" not in found
    assert "low-pool" not in bars(panel(tornado_plot(inputs, "kia_ratio"), "us_intel"))


def test_bars_run_from_the_base_to_each_end_in_two_colours(inputs: xr.Dataset) -> None:
    fig = tornado_plot(inputs, "kia_ratio")
    for v, view in enumerate(VIEWS):
        ax = panel(fig, view)
        (base,) = [ln for ln in ax.ax.get_lines()
                   if ln.get_gid() == "base" and ax.holds(ln.get_ydata()[0])]
        np.testing.assert_array_equal(np.asarray(base.get_xdata()), [BASE[0][v]] * 2)
        for (m, vv, i), (low, high, *_) in ENTRIES.items():
            if (m, vv) != (0, v):
                continue
            found = bars(ax)
            for end, value, colour in (("low", low, "tab:blue"), ("high", high, "tab:orange")):
                bar = found[f"{end}-{INPUTS[i]}"]
                assert bar.get_x() == pytest.approx(BASE[0][v])
                assert bar_end(bar) == pytest.approx(value)
                assert bar.get_facecolor() == to_rgba(colour)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["held at 5th percentile", "held at 95th percentile"]


def test_bars_are_sorted_by_swing_on_the_axis_drawn() -> None:
    # a: 2 -> 8 (x4, +6); b: 4 -> 12 (x3, +8). On a log axis a swings wider; shifted below
    # zero the axis is linear and b swings wider.
    entries = {(0, 0, 0): (2.0, 8.0, "1", "9", 0.5), (0, 0, 1): (4.0, 12.0, "1", "9", 0.4)}
    ratio = build([[5.0]], entries, ["m"], ["v"], ["a", "b"])
    fig = tornado_plot(ratio, "m")
    assert fig.axes[0].get_xscale() == "log"
    assert [t.split(" ")[0] for t in ticks(fig.axes[0])] == ["a", "b"]
    shifted = build([[2.0]], {(0, 0, 0): (-1.0, 5.0, "1", "9", 0.5),
                              (0, 0, 1): (1.0, 9.0, "1", "9", 0.4)}, ["m"], ["v"], ["a", "b"])
    fig = tornado_plot(shifted, "m")
    assert fig.axes[0].get_xscale() == "linear"
    assert [t.split(" ")[0] for t in ticks(fig.axes[0])] == ["b", "a"]


def test_max_inputs_keeps_the_widest_and_counts_the_rest(inputs: xr.Dataset) -> None:
    ax = panel(tornado_plot(inputs, "kia_ratio", max_inputs=1), "pooled")
    assert ticks(ax) == ["ua.kia from us_intel (share 38%)", "+2 smaller inputs"]
    assert set(bars(ax)) == {"low-ua.kia", "high-ua.kia"}
    (last,) = [t for t, y in zip(ax.ax.get_yticklabels(), ax.ax.get_yticks(), strict=True)
               if ax.holds(y) and t.get_text() == "+2 smaller inputs"]
    assert last.get_fontstyle() == "italic"
    ax = panel(tornado_plot(inputs, "kia_ratio", max_inputs=2), "pooled")
    assert ticks(ax)[-1] == "+1 smaller input"
    assert len(bars(ax)) == 4
    assert not any("smaller" in t for t in ticks(panel(tornado_plot(inputs, "kia_ratio"),
                                                       "pooled")))


# --- axis, labels -----------------------------------------------------------------------


def test_a_wide_ratio_gets_a_log_axis_and_a_fraction_a_linear_one(inputs: xr.Dataset) -> None:
    fig = tornado_plot(inputs, "kia_ratio")
    assert {ax.get_xscale() for ax in fig.axes} == {"log"}
    ax = fig.axes[-1]
    lo, hi = sorted(ax.get_xlim())
    locs = [x for x in ax.xaxis.get_major_locator()() if lo <= x <= hi]
    formatter = ax.xaxis.get_major_formatter()
    formatter.set_locs(locs)
    labels = [formatter(x) for x in locs]
    assert "10" in labels
    assert all(re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?", t) for t in labels), labels
    assert {ax.get_xscale() for ax in tornado_plot(inputs, "ua_survival").axes} == {"linear"}


def test_tick_labels_carry_the_variance_share(inputs: xr.Dataset) -> None:
    fig = tornado_plot(inputs, "kia_ratio")
    assert ticks(panel(fig, "us_intel")) == ["ua.kia from us_intel (share 62%)",
                                             "ru.kia from us_intel (share 35%)"]
    # A NaN share is left out; a tiny one reads "<1%".
    assert ticks(panel(tornado_plot(inputs, "ua_survival"), "us_intel")) == [
        "ua.pop from census", "ua.kia from us_intel (share 40%)"]
    tiny = inputs.copy(deep=True)
    tiny["share"].loc[{"metric": "kia_ratio", "view": "us_intel", "input": "ru.kia"}] = 0.001
    assert "ru.kia from us_intel (share <1%)" in ticks(
        panel(tornado_plot(tiny, "kia_ratio"), "us_intel"))


def test_bar_ends_carry_the_medians_and_a_choice_its_sources(inputs: xr.Dataset) -> None:
    fig = tornado_plot(inputs, "kia_ratio")
    pooled = values(panel(fig, "pooled"))
    assert pooled["low-pool"] == "9.4 (western)"
    assert pooled["high-pool"] == "14 (us_intel)"
    assert pooled["low-ua.kia"] == "16"
    assert pooled["high-ua.kia"] == "7.5"
    assert "choice" in fig.axes[-1].get_xlabel()
    survival = tornado_plot(inputs, "ua_survival")
    assert values(panel(survival, "us_intel"))["high-ua.pop"] == "0.77"
    assert "choice" not in survival.axes[-1].get_xlabel()
    assert survival.axes[-1].get_xlabel().startswith("median of ua_survival")


@pytest.mark.parametrize(("percentiles", "words"), [
    ((0.05, 0.95), ("5th", "95th")),
    ((0.01, 0.99), ("1st", "99th")),
    ((0.02, 0.93), ("2nd", "93rd")),
    ((0.1, 0.9), ("10th", "90th")),
    ((0.11, 0.12), ("11th", "12th")),
    ((0.025, 0.975), ("2.5th", "97.5th")),
])
def test_legend_names_the_percentiles(percentiles: tuple[float, float],
                                      words: tuple[str, str]) -> None:
    data = build(BASE, ENTRIES, METRICS, VIEWS, INPUTS, percentiles=percentiles)
    legend = [t.get_text() for t in tornado_plot(data, "kia_ratio").legends[0].get_texts()]
    assert legend == [f"held at {w} percentile" for w in words]


# --- views, errors, empty ---------------------------------------------------------------


def test_a_view_identical_to_an_earlier_one_is_drawn_once(inputs: xr.Dataset) -> None:
    fig = tornado_plot(inputs, "ua_survival")
    assert [t.get_text() for t in panel_titles(fig)] == [
        "us_intel: us_intel estimates (median 0.7)",
        "western: western estimates (median 0.8; same as pooled)",
    ]
    assert [t.get_text() for t in
            panel_titles(tornado_plot(inputs, "ua_survival", views=["pooled", "western"]))] == [
        "pooled: pooled estimates (median 0.8; same as western)"]
    assert [t.get_text() for t in
            panel_titles(tornado_plot(inputs, "ua_survival", views="pooled"))] == [
        "pooled: pooled estimates (median 0.8)"]


def test_unknown_metric_view_and_bad_max_inputs_are_rejected(inputs: xr.Dataset) -> None:
    with pytest.raises(ValueError, match=re.escape(
            "unknown metric 'nope'; the sensitivity analysis has: kia_ratio, ua_survival")):
        tornado_plot(inputs, "nope")
    with pytest.raises(ValueError, match=re.escape(
            "unknown view 'eu'; the sensitivity analysis has: us_intel, western, pooled")):
        tornado_plot(inputs, "kia_ratio", views=["western", "eu"])
    with pytest.raises(ValueError, match=re.escape("no views to plot: `views` is empty")):
        tornado_plot(inputs, "kia_ratio", views=[])
    with pytest.raises(ValueError, match=re.escape("max_inputs must be at least 1, got 0")):
        tornado_plot(inputs, "kia_ratio", max_inputs=0)


def test_a_metric_no_input_varies_gives_a_figure_saying_so(inputs: xr.Dataset) -> None:
    none = inputs.copy(deep=True)
    none["median"].loc[{"metric": "ua_survival"}] = NAN
    fig = tornado_plot(none, "ua_survival", title="t")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["no inputs vary this metric"]
    assert fig.get_suptitle() == "t\nua_survival: the ua_survival"
    assert figure_bytes(fig, "png").startswith(b"\x89PNG")
    # One view without bars among others: its panel says so.
    some = inputs.copy(deep=True)
    some["median"].loc[{"metric": "kia_ratio", "view": "western"}] = NAN
    ax = panel(tornado_plot(some, "kia_ratio"), "western")
    assert notes(ax) == ["no inputs vary this metric in this view"]
    assert not bars(ax)


# --- bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_png_and_svg_render_and_the_png_is_not_blank(inputs: xr.Dataset, metric: str) -> None:
    fig = tornado_plot(inputs, metric, title="Face value")
    assert_png_not_blank(fig)
    # Identical inputs, identical bytes; and the layout is fixed when the figure is built,
    # so rendering one figure again gives the same bytes too.
    svg = [figure_bytes(tornado_plot(inputs, metric, title="Face value"), "svg")
           for _ in range(2)]
    assert b"<svg" in svg[0]
    assert svg[0] == svg[1] == figure_bytes(fig, "svg") == figure_bytes(fig, "svg")


def test_a_bar_on_one_side_of_the_base_keeps_its_values_outside() -> None:
    # Both ends above the base: the shorter (low) segment is drawn over the longer one and
    # its value sits left of the base line, outside the bar.
    data = build([[5.0]], {(0, 0, 0): (6.0, 9.0, "1", "2", 0.9)}, ["m"], ["v"], ["a"])
    ax = tornado_plot(data, "m").axes[0]
    found = bars(ax)
    assert found["low-a"].get_zorder() > found["high-a"].get_zorder()
    anchors = {str(a.get_gid()): a.xy[0] for a in ax.texts if isinstance(a, Annotation)}
    assert anchors == {"value-low-a": 5.0, "value-high-a": 9.0}
    assert values(ax) == {"low-a": "6", "high-a": "9"}
