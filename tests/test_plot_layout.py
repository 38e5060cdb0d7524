"""The fixed layout of the figures: every text inside the figure, none over another.

The figures place their axes from the text they measure (no layout engine); these tests
draw each figure and check the extents matplotlib gives every visible text, on the seed
study and on the same study with long labels, ids and titles everywhere.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import uncertainty
from uncertainty.plots import density_plot, forest_plot, tornado_plot
from uncertainty.study import Result

SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"
LONG = ("a rather long label that a careful analyst wrote to say exactly what this is, "
        "where it comes from and why")


@pytest.fixture(scope="module")
def seed() -> Result:
    return uncertainty.load(SEED).run(draws=4_000, seed=3, threads=1).with_sensitivity(
        threads=1)


def drawn_texts(fig: Figure) -> list[tuple[str, Text, Bbox]]:
    """(role, text, window extent) of every text the PNG render of `fig` draws.

    At the PNG's 150 dpi: glyphs fitted to pixels make text a little wider there than in
    the SVG, which draws the outlines the layout measured.
    """
    fig.set_dpi(150)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    roles: dict[int, str] = {}
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x tick"), (ax.yaxis, "y tick")):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                inside = lo <= tick.get_loc() <= hi
                for label in (tick.label1, tick.label2):
                    roles[id(label)] = name
                    if not inside:
                        hidden.add(id(label))
        roles[id(ax.title)] = "title"
        roles[id(ax.xaxis.label)] = roles[id(ax.yaxis.label)] = "axis label"
        for text in ax.texts:
            # A title of a view inside the axes (the tornado's) is checked like any title.
            roles[id(text)] = ("panel title" if str(text.get_gid()).startswith("title-")
                               else f"in axes {id(ax)}")
    for legend in fig.legends:
        for text in legend.get_texts():
            roles[id(text)] = "legend"
    out = []
    for text in fig.findobj(Text):
        if (id(text) in hidden or not text.get_visible() or not text.get_text().strip()):
            continue
        out.append((roles.get(id(text), "title"), text, text.get_window_extent(renderer)))
    return out


def layout_problems(fig: Figure) -> list[str]:
    """Texts reaching outside the figure, and texts of different roles overlapping."""
    texts = drawn_texts(fig)
    width, height = fig.get_size_inches() * fig.dpi
    problems = [f"{role} {text.get_text()!r} reaches outside the figure: {box.bounds}"
                for role, text, box in texts
                if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height]
    for role, text, box in texts:
        frame = text.axes.get_window_extent() if text.axes is not None else None
        if role == "panel title" and frame is not None and (
                box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0
                or box.y1 > frame.y1):
            problems.append(f"panel title {text.get_text()!r} crosses its axes' frame")
    for (role_a, a, box_a), (role_b, b, box_b) in itertools.combinations(texts, 2):
        same_axes = role_a == role_b and role_a.startswith("in axes")
        # Strictly overlapping by more than a pixel; texts in one axes (bar end values,
        # envelope names) are placed by the data and checked only against the rest.
        if not same_axes and (min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > 1
                              and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > 1):
            problems.append(f"{role_a} {a.get_text()!r} overlaps {role_b} {b.get_text()!r}")
    return problems


def figures(result: Result, *, summary: xr.Dataset, draws: xr.Dataset,
            inputs: xr.Dataset, title: str,
            claims: dict[str, float] | None = None) -> dict[str, Figure]:
    """Every figure of every metric, by ``<kind>-<metric>``."""
    out = {}
    for metric in (m.name for m in result.model.metrics):
        out[f"forest-{metric}"] = forest_plot(summary, metric, title=title, claims=claims)
        out[f"density-{metric}"] = density_plot(draws, metric, title=title)
        out[f"tornado-{metric}"] = tornado_plot(inputs, metric, title=title)
    return out


def test_the_seed_figures_keep_every_text_inside_and_apart(seed: Result) -> None:
    assert seed.sensitivity is not None
    drawn = {f"{kind}-{m.name}": getattr(seed, f"plot_{kind}")(m.name)
             for kind in seed.figure_kinds() for m in seed.model.metrics}
    assert len(drawn) == 12
    for name, fig in drawn.items():
        assert fig.get_layout_engine() is None, name
        assert layout_problems(fig) == [], name


def test_long_labels_ids_and_titles_keep_every_text_inside_and_apart(seed: Result) -> None:
    assert seed.sensitivity is not None
    views = [str(v) for v in seed.summary["view"].values]
    long_ids = [f"{v}_{'with_a_long_identifier_' * 2}{k}" for k, v in enumerate(views)]
    short_labels = [f"label of {v}"[:32] for v in views]  # shown under the id (<= 32)
    summary = seed.summary.assign_coords(view=long_ids, view_label=("view", short_labels))
    summary = summary.assign_coords(label=("variable", [
        f"{v}: {LONG}" for v in summary["variable"].values]))
    draws = seed.draws.assign_coords(view=long_ids)
    for name in draws.data_vars:
        draws[name].attrs["label"] = LONG
    inputs = seed.sensitivity.inputs
    inputs = inputs.assign_coords(
        input_label=("input", [f"{i}: {LONG}" for i in inputs["input"].values]),
        metric_label=("metric", [LONG] * inputs.sizes["metric"]),
        view_label=("view", [LONG] * inputs.sizes["view"]))
    claims = {f"source_{k}_{'with_a_long_name_' * 2}": float(x)
              for k, x in enumerate(np.linspace(2.0, 30.0, 5))}
    title = f"{seed.model.title}: {LONG}, {LONG}"
    drawn = figures(seed, summary=summary, draws=draws, inputs=inputs, title=title,
                    claims=claims)
    for name, fig in drawn.items():
        assert layout_problems(fig) == [], name


def test_the_check_fails_on_a_clipped_and_an_overlapping_text() -> None:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0.0, 0.2, 1.0, 0.7))  # no room for the y tick labels
    ax.set_xlim(1, 9)
    fig.suptitle("a title over the x tick labels", y=0.15)
    problems = layout_problems(fig)
    assert any(p.startswith("y tick") and "reaches outside" in p for p in problems)
    assert any(p.startswith("x tick") and "overlaps title" in p for p in problems)


def test_the_check_fails_on_a_panel_title_over_a_value_or_across_the_frame() -> None:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0.2, 0.2, 0.7, 0.7))
    ax.text(0.5, 0.5, "a panel title much wider than the axes it is in", ha="center",
            transform=ax.transAxes, gid="title-v")
    ax.text(0.5, 0.5, "14.6", transform=ax.transAxes, gid="value-low-a")
    problems = layout_problems(fig)
    assert any("crosses its axes' frame" in p for p in problems)
    assert any(p.startswith("panel title") and "overlaps in axes" in p for p in problems)
