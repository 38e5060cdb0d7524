"""Non-finite claims and draws: counted, shown as such, never a crash (issue 16)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from click.testing import Result

from uncertainty.plots import forest_plot
from uncertainty.report.blocks import Num, number_text
from uncertainty.study import parse

Invoke = Callable[..., Result]

#: z normal around 1 (log of a negative draw: NaN); source b's own figure is z = 0, so its
#: point claim for log(z) is -inf, and every draw of its view is -inf.
LOG_Z = """
[run]
draws = 4000
seed = 1
[sources.a.estimates]
z = { dist = "normal", mean = 1, sd = 1 }
[sources.b.estimates]
z = { dist = "point", value = 0 }
[metrics]
lz = "log(z)"
"""


def test_a_metric_whose_claim_is_minus_infinity_runs_with_plots(cli: Invoke,
                                                                 workdir: Path) -> None:
    (workdir / "logz.toml").write_text(LOG_Z, encoding="utf-8")
    result = cli("run", "logz.toml", "--out", "r")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    out = result.stdout
    assert "b: −∞  below every draw" in out
    assert "Note: at its own figures, b gives lz = −∞ (not a finite number" in out
    assert "4,000 of 4,000" in out  # view b: every draw invalid, counted
    forest = (workdir / "r" / "forest-lz.svg").read_text("utf-8")
    assert "b claim: −∞ (not drawn)" in forest and 'id="claim-b"' not in forest
    assert 'id="claim-a"' in forest
    summary = json.loads((workdir / "r" / "summary.json").read_text("utf-8"))
    claims = {c["claimant"]: c["value"] for c in summary["comparisons"]["lz"]["claims"]}
    assert claims == {"a": 0.0, "b": None}
    b = next(r for r in summary["records"] if r["name"] == "lz" and r["view"] == "b")
    assert b["invalid"] == 4000 and b["median"] is None
    a = next(r for r in summary["records"] if r["name"] == "lz" and r["view"] == "a")
    # log of a normal(1, 1) draw is NaN below 0: P(z < 0) = Phi(-1), counted as invalid
    p = 0.5 * math.erfc(1 / math.sqrt(2))
    assert abs(a["invalid"] - 4000 * p) < 4.5 * math.sqrt(4000 * p * (1 - p))


def test_the_forest_plot_names_a_non_finite_claim_without_a_line() -> None:
    result = parse(LOG_Z).run(draws=2000, sensitivity=False)
    fig = forest_plot(result.summary, "lz", claims={"a": 0.0, "b": -math.inf, "c": math.nan})
    ax = fig.axes[0]
    assert [line.get_gid() for line in ax.get_lines() if
            str(line.get_gid()).startswith("claim-")] == ["claim-a"]
    legend = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "b claim: −∞ (not drawn)" in legend and "c claim: not a number (not drawn)" in legend


def test_numbers_that_are_not_finite_read_as_a_dash_or_infinity() -> None:
    assert number_text(Num(math.nan, "mcse", 0.1)) == "—"
    assert number_text(Num(math.inf, spec=".0%")) == "∞"
    assert number_text(Num(-np.inf, "plain")) == "−∞"
    assert number_text(Num(0.25, spec=".0%")) == "25%"
