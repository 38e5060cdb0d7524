"""Models whose figures reach the float limit run whole: no crash, no warning (make fuzz).

``make fuzz`` (2026-12-04) found a valid model whose metric ``(v * x) ** v`` reaches
6.6e307: its consensus view's MCSEs overflowed when widened (a warning), its density
figure's padded log axis ended at ``exp(709.9) = inf`` (a crash, exit 1), and the forest
figure's axis limit ``10 ** 300`` was an int matplotlib cannot check (a crash). The suite
turns every warning into an error, so a warning fails these tests too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from test_fuzz_models import check_model

from uncertainty.analysis.consensus_view import widen
from uncertainty.model.core import CONSENSUS
from uncertainty.plots.layout import _style_value_axis

#: The model `make fuzz` found (seed 1, 255 draws, as it ran).
REACHES_THE_LIMIT = """
title = "Random model"

[run]
draws = 255
seed = 1
ci90_factor = 2.0
pool = "linear"

[sources.a]
grade = "A1"
estimates."grp.v" = 271.828

[sources.src_b]
weight = 1.15
ci90_factor = 1.903
estimates."grp.v" = 271.828
estimates.x = 0.327267

[sources.C-3]
weight = 0.001
ci90_factor = 1.05
estimates."grp.v" = { value = 100.0, ci = [45.8696, 101.0], level = 0.5 }

[sources.d4]
estimates."grp.v" = { value = 100.0, ci = [99.0099, 271.828], level = 0.5 }

[sources.d4.estimates.x.quantiles]
"0.05" = -1.0
"0.25" = 0.808183
"0.5" = 2.15304
"0.75" = 3.15304
"0.99" = 4.15304

[metrics]
m1 = { expr = "((grp.v) * (x)) ** (grp.v)", thresholds = [14.9477, 3047.62] }
"""


def test_a_model_reaching_the_float_limit_runs_with_figures_and_sensitivity(
        tmp_path: Path) -> None:
    # check_model: exit 0 (or one clean error line), no traceback, every number in
    # summary.json finite or null, invalid draws counted, and SVG figures written
    model = tomllib.loads(REACHES_THE_LIMIT)
    assert check_model(model, tmp_path, full=True) == 0
    assert (tmp_path / "out" / "density-m1.svg").stat().st_size > 0


def test_a_consensus_mcse_near_the_float_limit_widens_to_inf() -> None:
    ds = xr.Dataset({"mcse_median": (("variable", "view"), [[1e308, 1e308]]),
                     "median": (("variable", "view"), [[1e308, 1e308]])},
                    coords={"variable": ["m"], "view": ["a", CONSENSUS]})
    out = widen(ds, {"m": 4.0})
    assert out["mcse_median"].values.tolist() == [[1e308, np.inf]]
    assert out["median"].values.tolist() == [[1e308, 1e308]]  # not an MCSE: unchanged


def test_a_log_axis_clipped_at_1e300_has_float_limits() -> None:
    ax = Figure().add_axes((0.1, 0.1, 0.8, 0.8))
    _style_value_axis(ax, True, 2e8, 6.6e307)
    lo, hi = ax.get_xlim()
    assert hi == 1e300 and 0 < lo < 2e8
