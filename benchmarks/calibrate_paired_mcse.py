"""Calibration of the MCSEs of figures that compare two paired estimates.

What is measured
----------------
As in ``calibrate_mcse.py`` (``z = (estimate - truth) / MCSE`` over many seeds; a
calibrated MCSE gives ``sd(z)`` near 1), for the numbers the report prints that combine
quantile estimates from paired draws:

* ``move``: a median's move without a source, relative on a log scale, and ``width``: the
  90% interval's width relative to the run's (log widths on a log scale), both from
  `uncertainty.analysis.sensitivity.leave_out.paired_changes`, as the leave-one-out and
  sweep tables compute them;
* ``ETI overlap``: the overlap share of two views' 50% and 90% intervals, from
  `uncertainty.summary.compare.eti_overlap_errors`, as the comparison tables compute it.

Cases, each a base view and a variant (or a second view) drawn from shared streams:

* ``shared normals``: base ``0.6 Z1 + 0.8 S``, variant ``0.3 + 0.9 Z2 + 0.8 S``;
* ``nearly same``: lognormals, base ``exp(0.3 Z1 + 0.95 S)``, variant ``exp(0.05 +
  0.35 Z1 + 0.95 S)``: a small move, strongly paired;
* ``pool of 3 minus 1``: a linear pool of three lognormals (medians 1, 2, 4, sigma 0.5,
  equal weights) and the same pool without the third, each draw in the third's share
  moved to one of the other two by its own uniform (as leaving a source out does): truths
  from the mixtures' CDFs by root finding;
* ``independent``: base ``Z1``, variant ``0.5 + 1.5 Z2``, nothing shared.

For the ETI overlap the two views are the base and the variant (the first two cases give
partly overlapping intervals; truths from the exact quantiles).

How to run
----------
From the repository root (about 2 CPU minutes at the defaults)::

    .venv/bin/python benchmarks/calibrate_paired_mcse.py
    .venv/bin/python benchmarks/calibrate_paired_mcse.py --draws 4000 --seeds 2000
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from calibrate_mcse import Row, _line, _rng, summarize_rows
from scipy import optimize, special, stats

from uncertainty.analysis.sensitivity.leave_out import move, paired_changes, width_ratio
from uncertainty.stats.array import summarize_draws
from uncertainty.summary.compare import eti_overlap_errors, eti_overlaps

LEVEL = 0.9
Pair = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Case:
    """A base view and a variant from shared streams, their true quantiles and scale."""

    name: str
    draw: Callable[[np.random.Generator, int], Pair]
    ppf: Callable[[np.ndarray], Pair]  # true quantiles of (variant, base) at probabilities
    log: bool


def _normals(r: np.random.Generator, n: int) -> Pair:
    z = r.standard_normal((3, n))
    return 0.3 + 0.9 * z[1] + 0.8 * z[2], 0.6 * z[0] + 0.8 * z[2]


def _nearly(r: np.random.Generator, n: int) -> Pair:
    z = r.standard_normal((2, n))
    return np.exp(0.05 + 0.35 * z[0] + 0.95 * z[1]), np.exp(0.3 * z[0] + 0.95 * z[1])


MEDIANS, SIGMA = np.array([1.0, 2.0, 4.0]), 0.5


def _pools(r: np.random.Generator, n: int) -> Pair:
    z, u, v = r.standard_normal((3, n)), r.random(n), r.random(n)
    which = np.minimum((3 * u).astype(int), 2)
    values = MEDIANS[:, None] * np.exp(SIGMA * z)
    base = values[which, np.arange(n)]
    moved = np.where(which == 2, (v < 0.5).astype(int), which)
    return values[moved, np.arange(n)], base


def _mixture_ppf(medians: np.ndarray, p: np.ndarray) -> np.ndarray:
    def cdf(x: float) -> float:
        return float(np.mean(special.ndtr(np.log(x / medians) / SIGMA)))
    return np.array([optimize.brentq(lambda x, q=q: cdf(x) - q, 1e-6, 1e6, xtol=1e-13)
                     for q in p])


def _independent(r: np.random.Generator, n: int) -> Pair:
    z = r.standard_normal((2, n))
    return 0.5 + 1.5 * z[1], z[0]


CASES = (
    Case("shared normals", _normals,
         lambda p: (stats.norm(0.3, math.hypot(0.9, 0.8)).ppf(p),
                    stats.norm(0, 1).ppf(p)), False),
    Case("nearly same", _nearly,
         lambda p: (stats.lognorm(math.hypot(0.35, 0.95), scale=math.exp(0.05)).ppf(p),
                    stats.lognorm(math.hypot(0.3, 0.95)).ppf(p)), True),
    Case("pool of 3 minus 1", _pools,
         lambda p: (_mixture_ppf(MEDIANS[:2], p), _mixture_ppf(MEDIANS, p)), True),
    Case("independent", _independent,
         lambda p: (stats.norm(0.5, 1.5).ppf(p), stats.norm(0, 1).ppf(p)), False),
)

PROBS = np.array([0.5, (1 - LEVEL) / 2, (1 + LEVEL) / 2])


def _figures(x: np.ndarray, levels: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray, np.ndarray]:
    found = summarize_draws(x, levels)
    return found["median"], found["eti"], found["mcse_median"], found["mcse_eti"]


def paired_rows(case: Case, n: int, seed: int) -> list[Row]:
    """The move and the width ratio, and the 50% and 90% ETI overlaps, with their MCSEs."""
    variant, base = case.draw(_rng(seed, n, case.name), n)
    x, err = [], []
    for row in (variant, base):
        median, eti, mcse_median, mcse_eti = _figures(row, (LEVEL,))
        x += [float(median), *eti[0]]
        err += [float(mcse_median), *mcse_eti[0]]
    rows = [variant] * 3 + [base] * 3
    moved, moved_se, width, width_se = paired_changes(np.array(x), np.array(err), rows,
                                                      case.log)
    new, old = case.ppf(PROBS)
    truth = np.r_[new, old]
    out: list[Row] = [("move", moved, moved_se, move(truth, case.log)),
                      ("width", width, width_se, width_ratio(truth, case.log))]
    levels = (0.5, 0.9)
    found = [summarize_draws(row, levels) for row in (base, variant)]
    eti = np.stack([f["eti"] for f in found])
    share = eti_overlaps(eti)
    share_se = eti_overlap_errors(np.stack([base, variant]), eti,
                                  np.stack([f["mcse_eti"] for f in found]))
    tails = np.array([[(1 - p) / 2, (1 + p) / 2] for p in levels])
    new_t, old_t = case.ppf(tails.ravel())
    exact = eti_overlaps(np.stack([old_t.reshape(-1, 2), new_t.reshape(-1, 2)]))
    for k, level in enumerate(levels):
        out.append((f"ETI overlap {level:.0%}", float(share[0, 1, k]),
                    float(share_se[0, 1, k]), float(exact[0, 1, k])))
    return out


def main() -> None:
    """Print the calibration table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[4000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1000, 150],
                        help="seeds per draw count (one value: the same for all)")
    a = parser.parse_args()
    seeds = a.seeds * len(a.draws) if len(a.seeds) == 1 else a.seeds
    print("z = (estimate - truth) / MCSE; runs with MCSE 0 left out of z")
    print(f"{'case':20s} {'n':>7s} {'statistic':18s} {'sd(z)':>13s} {'mean(z)':>13s} "
          f"{'MCSE=0':>6s}")
    for case in CASES:
        for n, m in zip(a.draws, seeds, strict=True):
            runs = [paired_rows(case, n, seed) for seed in range(m)]
            for label, s in summarize_rows(runs):
                print(_line(case.name, n, label, s), flush=True)


if __name__ == "__main__":
    main()
