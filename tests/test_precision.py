"""Runs that stop when precise enough, against the analytic Monte Carlo error."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import xarray as xr
from click.testing import Result
from mc import K
from model_builders import model_from
from scipy import special, stats

from uncertainty import simulate
from uncertainty.analysis.precision import simulate_to_precision, worst_precision

Invoke = Callable[..., Result]

RATIO = """
[run]
seed = 31
draws = 20_000
[sources.a]
estimates.x = 100
estimates.y = 400
[metrics]
share = "x / y"
"""


def analytic_quantile_mcse(dist, p: float, n: int) -> float:
    """Asymptotic standard error of a sample quantile: sqrt(p (1-p) / n) / f(x_p)."""
    x = dist.ppf(p)
    return math.sqrt(p * (1 - p) / n) / dist.pdf(x)


def test_adaptive_run_reaches_the_precision_asked_for() -> None:
    model = model_from(RATIO)
    run, result = simulate_to_precision(model, 0.004)
    assert not result.capped
    assert result.achieved <= 0.004
    # The analytic error of every quantile at the chosen size meets the target too, up to
    # the noise of the order-statistic estimate that stopped the run: it spans about
    # w = sqrt(n p (1 - p)) ranks either side, so its relative sd is about 1 / sqrt(2 w).
    sigma = math.hypot(math.log(1.5) / special.ndtri(0.95), math.log(1.5) / special.ndtri(0.95))
    share = stats.lognorm(s=sigma, scale=0.25)
    for p in (0.025, 0.5, 0.975):
        truth = analytic_quantile_mcse(share, p, result.draws) / share.ppf(p)
        w = math.sqrt(result.draws * p * (1 - p))
        assert truth <= 0.004 * (1 + K / math.sqrt(2 * w)), (p, truth)
    # the adaptive result is exactly the fixed-size run of the final size
    fixed = simulate(replace(model, run=replace(model.run, draws=result.draws)))
    xr.testing.assert_equal(run.draws, fixed.draws)
    # fewer draws would not have been enough: the size is not wildly larger than needed
    worst_at_first, _ = worst_precision(simulate(model))
    assert worst_at_first > 0.004


def test_adaptive_run_stops_at_the_cap_and_says_so(cli: Invoke, workdir: Path) -> None:
    (workdir / "ratio.toml").write_text(RATIO, encoding="utf-8")
    result = cli("run", "ratio.toml", "--precision", "0.0001", "--max-draws", "50000",
                 "--no-plots")
    assert result.exit_code == 0, result.output
    second = result.stdout.splitlines()[1]
    assert second.startswith("50,000 draws per view, seed 31. Stopped at the cap of 50,000 "
                             "draws short of the 0.01% precision asked for: the worst Monte "
                             "Carlo error is ")


def test_draws_on_the_command_line_fix_the_count(cli: Invoke, workdir: Path) -> None:
    (workdir / "ratio.toml").write_text(RATIO.replace("draws = 20_000", "precision = 0.01"),
                                        encoding="utf-8")
    result = cli("run", "ratio.toml", "--draws", "3000", "--no-plots")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "3,000 draws per view, seed 31. Equal-tailed credible intervals.")


def test_bad_precision_is_one_line(cli: Invoke, workdir: Path) -> None:
    (workdir / "ratio.toml").write_text(RATIO, encoding="utf-8")
    result = cli("run", "ratio.toml", "--precision", "2")
    assert result.exit_code == 2
    # command-line values are named by their option, like --draws
    assert result.stderr == ("Error: --precision: a relative precision is between 0 and 1 "
                             "(e.g. 0.005 for 0.5%), got 2\n")
    assert not (workdir / "results").exists()
