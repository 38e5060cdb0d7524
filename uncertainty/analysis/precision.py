"""Runs that stop when precise enough: as many draws as a stated precision needs.

Every reported number — the median and both equal-tailed interval ends at every level, of
every quantity and metric in every view but the consensus (`worst_precision` says why) —
must have a Monte Carlo standard error of at most
``precision × max(|value|, sd)``: relative to the value, except near zero, where the
variable's standard deviation stands in (a survival share of 0.01 does not need its MCSE
below 0.00005). Because streams are prefix-stable, a longer run only adds draws: the draws
of a shorter attempt are the first draws of the next, and the result is the same as a
fixed-draws run of the final size.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, replace

import numpy as np

from uncertainty.analysis.comparison import compare_run
from uncertainty.engines import Engine, EngineName, open_engine
from uncertainty.model.core import CONSENSUS, Model
from uncertainty.pipeline import Run, simulate
from uncertainty.runtime import progress
from uncertainty.runtime.blas import one_blas_thread
from uncertainty.sampling.streams import BLOCK_SIZE

__all__ = ["DEFAULT_MAX_DRAWS", "Precision", "simulate_to_precision", "worst_precision"]

#: Most draws an adaptive run makes unless told otherwise.
DEFAULT_MAX_DRAWS = 10_000_000
#: Draws of the first attempt when the config sets none.
FIRST_DRAWS = 100_000


@dataclass(frozen=True)
class Precision:
    """How precise an adaptive run got.

    Parameters
    ----------
    target : float
        The precision asked for.
    achieved : float
        The worst ratio ``mcse / max(|value|, sd)`` over every reported number.
    draws : int
        Draws per view used.
    capped : bool
        Whether the run stopped at `max_draws` short of the target.
    worst : tuple of str
        (variable, view, statistic) of the worst number.
    attempts : int
        Runs made.
    """

    target: float
    achieved: float
    draws: int
    capped: bool
    worst: tuple[str, str, str]
    attempts: int


def worst_precision(run: Run, *, consensus: bool = False) -> tuple[float, tuple[str, str, str]]:
    """The worst ``mcse / max(|value|, sd)`` among medians and ETI ends, and where it is.

    Over every view but the consensus, or (`consensus`) over the consensus view alone:
    ``(0.0, ("", "", ""))`` when there is none. The consensus view is not a target: its
    error is mostly its law's, made from at most `MAX_DRAWS` importance draws
    (`uncertainty.analysis.consensus_view`); more draws of every view would buy little of
    it. The run reports how precise it got.
    """
    views = [str(v) for v in run.summary["view"].values]
    chosen = [v for v in views if (v == CONSENSUS) == consensus]
    if not chosen:
        return 0.0, ("", "", "")
    s = run.summary.sel(view=chosen)
    scale = np.maximum(np.abs(s["median"].values), s["sd"].values)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = {"median": s["mcse_median"].values / scale}
        eti, err = s["eti"].values, s["mcse_eti"].values
        for i, level in enumerate(s["level"].values):
            for j, end in enumerate(("lower", "upper")):
                scale_end = np.maximum(np.abs(eti[:, :, i, j]), s["sd"].values)
                ratios[f"{end} end of the {level:.0%} ETI"] = err[:, :, i, j] / scale_end
    worst, where = 0.0, ("", "", "")
    for stat, r in ratios.items():
        r = np.where(np.isfinite(r), r, 0.0)
        k = np.unravel_index(int(np.argmax(r)), r.shape)
        if r[k] > worst:
            worst = float(r[k])
            where = (str(s["variable"].values[k[0]]), str(s["view"].values[k[1]]), stat)
    return worst, where


@one_blas_thread()
def simulate_to_precision(model: Model, precision: float, *, max_draws: int = DEFAULT_MAX_DRAWS,
                          config_sha256: str = "", threads: int | None = None,
                          engine: EngineName | Engine = "local", scheduler: str | None = None,
                          memory_budget: int | None = None,
                          stream: bool | None = None, keep: bool = False,
                          ) -> tuple[Run, Precision]:
    """Simulate with as many draws as `precision` needs, at most `max_draws`.

    The first attempt uses ``model.run.draws`` (or `FIRST_DRAWS`); each later attempt
    draws the count the last one's worst error implies (MCSE falls as ``1/sqrt(n)``), plus
    10%, rounded up to whole blocks. A missing seed is drawn once, before the first attempt,
    so every attempt extends the same streams. `threads`, `engine`, `scheduler`,
    `memory_budget`, `stream` and `keep` are passed to `simulate` (a ``"dask"`` engine is
    opened once for every attempt): every attempt, so the result, is the same for any of
    them.
    A streamed attempt carries its comparison (counted while summing); one in memory is
    compared once, at the end.
    """
    with open_engine(engine, scheduler=scheduler, threads=threads) as opened:
        return _to_precision(model, precision, max_draws=max_draws,
                             config_sha256=config_sha256, threads=threads,
                             engine=opened if engine != "local" else "local",
                             memory_budget=memory_budget, stream=stream, keep=keep)


def _to_precision(model: Model, precision: float, *, max_draws: int, config_sha256: str,
                  threads: int | None, engine: EngineName | Engine,
                  memory_budget: int | None, stream: bool | None,
                  keep: bool) -> tuple[Run, Precision]:
    seed_from = "config" if model.run.seed is not None else "random"
    seed = model.run.seed if model.run.seed is not None else secrets.randbits(32)
    n = min(model.run.draws or FIRST_DRAWS, max_draws)
    attempts = 0
    while True:
        attempts += 1
        sized = replace(model, run=replace(model.run, draws=n, seed=seed))
        run = simulate(sized, config_sha256=config_sha256, compare=False, threads=threads,
                       engine=engine, memory_budget=memory_budget, stream=stream,
                       keep=keep)
        worst, where = worst_precision(run)
        agreed, agreed_where = worst_precision(run, consensus=True)
        progress.note(f"{n:,} draws: worst Monte Carlo error {worst:.2%} of its value "
                      f"(target {precision:.2%})")
        if worst <= precision or n >= max_draws:
            break
        needed = n * (worst / precision) ** 2 * 1.1
        n = min(max_draws, max(2 * n, math.ceil(needed / BLOCK_SIZE) * BLOCK_SIZE))
    result = Precision(precision, worst, n, worst > precision, where, attempts)
    provenance = dict(run.provenance, seed_from=seed_from, precision={
        "target": precision, "achieved": worst, "draws": n, "capped": result.capped,
        "worst": {"variable": where[0], "view": where[1], "statistic": where[2]},
        "attempts": attempts, "max_draws": max_draws,
        **({"consensus": {"achieved": agreed, "worst": {
            "variable": agreed_where[0], "statistic": agreed_where[2]}}} if agreed_where[0]
           else {}),
    })
    comparison = (run.comparison if run.comparison is not None
                  else compare_run(run.model, run.views, run.draws, summary=run.summary,
                                 threads=threads))
    run = replace(run, provenance=provenance, comparison=comparison)
    return run, result
