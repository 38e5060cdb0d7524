"""Milliseconds per figure of a results folder, against the old way and a hand-written plot.

What is measured
----------------
The seed study (``configs/seed-article-2025.toml``) is run once at N draws (default 10**5,
seed 2025) with its sensitivity analysis, in untimed setup. Then every figure a results
folder holds (forest, density and tornado of each of its 4 metrics: 12 figures) is timed
three ways, each the best of R repeats (default 3):

package
    What `Result.files` does per figure: build it (``Result.plot_<kind>``) and render it
    once as SVG (`uncertainty.plots.figure_bytes`), with its fixed layout.
old way
    The same figure drawn by the package's plotting code as it was before figures got a
    fixed layout (``uncertainty/plots/`` at commit `BEFORE`, read with ``git show`` into a
    temporary package): matplotlib's constrained layout, rendered as PNG (150 dpi) and as
    SVG, as every results folder was written before.
by hand
    A minimal matplotlib plot of the same numbers, written the way a user would, with no
    code from the `uncertainty` package: for a forest plot, ``ax.errorbar`` of each view's
    median with its widest interval; for a density, ``ax.plot`` of a 512-bin histogram of
    each view's draws; for a tornado, ``ax.barh`` of the low and high medians of the
    first view; each ``Figure(figsize=(8, 4))`` with a title and x label, saved as SVG.

Output: one line per figure (ms for each way, and package / old and package / by hand
ratios), then the totals and the mean ms per figure. The package's goal is at most 60 ms per
figure. Times are CPU time of this thread (`time.thread_time`), the best of R. Figures are
rendered one at a time in this thread, as `Result.files` renders them: matplotlib holds the
GIL while it draws, and two threads over the 12 figures gave identical bytes but no
measurable gain. (``uncertainty run`` draws the forest and density figures in a background
thread while the sensitivity analysis runs, `uncertainty.runtime.ahead`: the same work per
figure, at another time.) The first repeat of a figure measures its texts; later repeats
find them measured (`uncertainty.plots.layout._text_metrics`), as every figure of a run
but the first finds the tick labels and legend words it shares with the others.

Run::

    .venv/bin/python benchmarks/bench_figures.py            # 10**5 draws
    .venv/bin/python benchmarks/bench_figures.py 20000 5    # N draws, R repeats
"""

from __future__ import annotations

import importlib
import io
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from uncertainty.plots import figure_bytes
from uncertainty.study import Result, load

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "seed-article-2025.toml"
#: The last commit whose figures used constrained layout and were written as PNG and SVG.
BEFORE = "987ee8f"
_OLD: list[ModuleType] = []


def old_plots() -> ModuleType:
    """``uncertainty.plots`` as it was at `BEFORE`, imported as the package ``_old_plots``."""
    if not _OLD:
        folder = Path(tempfile.mkdtemp()) / "_old_plots"
        folder.mkdir()
        for name in ("__init__", "layout", "forest", "density", "tornado"):
            text = subprocess.run(["git", "-C", str(ROOT), "show",
                                   f"{BEFORE}:uncertainty/plots/{name}.py"],
                                  check=True, capture_output=True, text=True).stdout
            (folder / f"{name}.py").write_text(text.replace("uncertainty.plots.", "_old_plots."))
        sys.path.insert(0, str(folder.parent))
        _OLD.append(importlib.import_module("_old_plots"))
    return _OLD[0]


def arguments(result: Result, kind: str, metric: str) -> tuple[Any, dict[str, Any]]:
    """What `Result.plot_<kind>` passes to the plot function."""
    title = result.model.title
    if kind == "forest":
        claims = result.comparison.claims.get(metric) if result.comparison else None
        marks = ({str(c): float(v) for c, v in zip(claims["claim"].values,
                                                     claims["value"].values, strict=True)}
                 if claims is not None else None)
        return result.summary, {"claims": marks, "title": title}
    if kind == "density":
        return result.draws, {"title": title}
    assert result.sensitivity is not None
    return result.sensitivity.inputs, {"title": title}


def package(result: Result, kind: str, metric: str) -> bytes:
    """The figure as `Result.files` makes it: built once, rendered as SVG."""
    fig = getattr(result, f"plot_{kind}")(metric)
    return figure_bytes(fig, "svg")


def old_way(result: Result, kind: str, metric: str) -> bytes:
    """The figure by the code at `BEFORE`: constrained layout, rendered as PNG and SVG."""
    old = old_plots()
    data, options = arguments(result, kind, metric)
    fig = getattr(old, f"{kind}_plot")(data, metric, **options)
    return old.figure_bytes(fig, "png") + old.figure_bytes(fig, "svg")


def by_hand(result: Result, kind: str, metric: str) -> bytes:
    """A minimal plot of the same numbers, read from the result as plain arrays."""
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    if kind == "forest":
        s = result.summary.sel(variable=metric)
        med = s["median"].values
        eti = s["eti"].isel(level=-1).transpose("view", "ci_bound").values
        y = np.arange(med.size)
        ax.errorbar(med, y, xerr=[med - eti[:, 0], eti[:, 1] - med], fmt="o")
        ax.set_yticks(y, [str(v) for v in s["view"].values])
    elif kind == "density":
        draws = result.draws[metric].transpose("view", "draw").values
        for view, row in zip(result.draws["view"].values, draws, strict=True):
            row = row[np.isfinite(row)]
            counts, edges = np.histogram(row, bins=512, density=True)
            ax.plot((edges[:-1] + edges[1:]) / 2, counts, label=str(view))
        ax.legend()
    else:
        assert result.sensitivity is not None
        inputs = result.sensitivity.inputs.sel(metric=metric).isel(view=0)
        low, high = inputs["median"].transpose("input", "end").values.T
        base = float(inputs["base"].values)
        y = np.arange(low.size)
        ax.barh(y, low - base, left=base)
        ax.barh(y, high - base, left=base)
        ax.set_yticks(y, [str(v) for v in inputs["input"].values])
    ax.set_title(result.model.title)
    ax.set_xlabel(metric)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    return buffer.getvalue()


def best_ms(func: Callable[[], object], repeats: int) -> float:
    """The least CPU time of this thread over `repeats` calls, in milliseconds.

    CPU time, not wall time: the work is single-threaded, so on an idle machine the two
    agree, and on a shared one CPU time does not count the time other processes held the
    core.
    """
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        func()
        times.append(time.thread_time() - start)
    return 1000 * min(times)


def main(draws: int = 100_000, repeats: int = 3) -> None:
    study = load(CONFIG)
    result = study.run(draws=draws, seed=2025, threads=1).with_sensitivity(threads=1)
    ways = {"package": package, "old way": old_way, "by hand": by_hand}
    print(f"seed study, {draws:,} draws, best of {repeats}; ms per figure")
    print(f"{'figure':<26}" + "".join(f"{w:>10}" for w in ways) + f"{'pkg/old':>9}{'pkg/hand':>9}")
    totals = dict.fromkeys(ways, 0.0)
    count = 0
    for metric in (m.name for m in result.model.metrics):
        for kind in result.figure_kinds():
            ms = {w: best_ms(lambda f=f, k=kind, m=metric: f(result, k, m), repeats)
                  for w, f in ways.items()}
            for w in ways:
                totals[w] += ms[w]
            count += 1
            print(f"{kind + '-' + metric:<26}" + "".join(f"{ms[w]:>10.1f}" for w in ways)
                  + f"{ms['package'] / ms['old way']:>9.2f}"
                  + f"{ms['package'] / ms['by hand']:>9.2f}")
    print(f"{'total':<26}" + "".join(f"{totals[w]:>10.0f}" for w in ways)
          + f"{totals['package'] / totals['old way']:>9.2f}"
          + f"{totals['package'] / totals['by hand']:>9.2f}")
    print(f"{'mean per figure':<26}" + "".join(f"{totals[w] / count:>10.1f}" for w in ways))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("draws", nargs="?", type=int, default=100_000,
                        help="draws of the seed study (default: %(default)s)")
    parser.add_argument("repeats", nargs="?", type=int, default=3,
                        help="renders of each figure; the best is kept (default: %(default)s)")
    args = parser.parse_args()
    if args.draws < 1 or args.repeats < 1:
        parser.error("draws and repeats must be at least 1")
    main(args.draws, args.repeats)
