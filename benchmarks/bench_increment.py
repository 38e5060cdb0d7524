"""A flow's increment, evaluated and tabulated, against the same work written with numpy.

What is measured
----------------
The increments of ``configs/article-vs-compiled-2025.toml`` (each source's increment of a
cumulative count, `uncertainty.distributions.increment`), on this machine, in this process:

density, CDF
    ``Increment.pdf`` and ``Increment.cdf`` at N points (default 20,000: what a consensus
    evaluates per call, a slice of draws times the quadrature nodes), against the same
    formulas written with ``np.searchsorted`` and ``np.interp`` as they were before
    `uncertainty.stats.lookup.Table`. Both give the same bits (checked first).
tabulation
    Building one increment's law (``Increment._tabulate``): the quadrature over the earlier
    figure's latent score on a (1,000 x ~2,000) grid, its chunks on every core. Against
    the same on one thread with the later figure's CDF, survival function and both
    inverse normal CDFs computed at every node, as before. BLAS is held to one thread,
    as it is while a config is built (`uncertainty.runtime.blas`). An equal increment
    built again (the sensitivity analysis rebuilds the config's) takes its kept law:
    timed too.

Each figure is the best of R repeats (default 20; 3 for tabulations), wall time. Ratios
are the package's time over numpy's.

How to run
----------
From the repository root::

    .venv/bin/python benchmarks/bench_increment.py
    .venv/bin/python benchmarks/bench_increment.py --points 200000
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from scipy import special
from timing import best

import uncertainty
from uncertainty.distributions.increment import Increment
from uncertainty.runtime.blas import one_blas_thread

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "article-vs-compiled-2025.toml"


def numpy_pdf(inc: Increment, x: np.ndarray) -> np.ndarray:
    """`Increment.pdf` with numpy's own searches, as it was written before `Table`."""
    law = inc._law
    slope = np.diff(law.z) / np.diff(law.log_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(x > 0, x, np.nan))
    cell = np.clip(np.searchsorted(law.log_d, logs) - 1, 0, len(slope) - 1)
    inside = (logs >= law.log_d[0]) & (logs <= law.log_d[-1])
    z = numpy_z(inc, x)
    with np.errstate(invalid="ignore"):
        out = np.exp(-0.5 * z ** 2) / math.sqrt(2 * math.pi) * slope[cell] / x
    return np.where(inside, out, 0.0)


def numpy_z(inc: Increment, x: np.ndarray) -> np.ndarray:
    law = inc._law
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(x > 0, x, np.nan))
    z = np.interp(logs, law.log_d, law.z)
    return np.where(x <= 0, -np.inf, np.where(np.isnan(x), np.nan, z))


class _EveryNode(Increment):
    """An increment tabulated as before: both tails' scores everywhere, on one thread."""

    def _above(self, d: np.ndarray, threads: int | None = None) -> tuple[np.ndarray, float]:
        return super()._above(d, threads=1)

    def _score(self, x: np.ndarray) -> np.ndarray:
        below = np.asarray(self.later.cdf(x), dtype=np.float64)
        above = np.asarray(self.later.sf(x), dtype=np.float64)
        with np.errstate(divide="ignore"):
            return np.asarray(np.where(below <= 0.5, special.ndtri(below),
                                       -special.ndtri(above)), dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    model = uncertainty.load(CONFIG).model
    incs = [e.distribution for s in model.sources for e in s.estimates
            if isinstance(e.distribution, Increment)]
    rng = np.random.default_rng(0)
    print(f"{len(incs)} increments of {CONFIG.name}; {args.points:,} points a call, "
          f"best of {args.repeat}")
    print(f"{'what':<34}{'package ms':>12}{'numpy ms':>10}{'ratio':>8}")
    rows: list[tuple[str, float, float]] = []
    for inc in incs[:2]:
        median = float(inc.ppf(0.5))
        x = median * np.exp(rng.normal(0.0, 1.5, args.points))
        for name, ours, theirs in (("pdf", inc.pdf, lambda x, i=inc: numpy_pdf(i, x)),
                                   ("cdf", inc.cdf,
                                    lambda x, i=inc: special.ndtr(numpy_z(i, x)))):
            if not np.array_equal(np.asarray(ours(x)).view(np.uint64),
                                  np.asarray(theirs(x)).view(np.uint64)):
                raise SystemExit(f"{name} differs from the numpy version")
            rows.append((f"{name}, median {median:,.0f}",
                         best(lambda f=ours, x=x: f(x), args.repeat),
                         best(lambda f=theirs, x=x: f(x), args.repeat)))
    first = incs[0]
    old = _EveryNode(first.earlier, first.later, first.rho)
    with one_blas_thread():
        if not np.array_equal(first._tabulate().z, old._tabulate().z):
            raise SystemExit("the tabulations differ")
        rows.append(("tabulation of one law", best(first._tabulate, 3),
                     best(old._tabulate, 3)))
        # Built again: the package takes the kept law; before, every build tabulated.
        rows.append(("the same increment built again",
                     best(lambda: Increment(first.earlier, first.later, first.rho), 3),
                     best(old._tabulate, 3)))
    for what, ours, theirs in rows:
        print(f"{what:<34}{ours * 1e3:>12.2f}{theirs * 1e3:>10.2f}{ours / theirs:>8.2f}")


if __name__ == "__main__":
    main()
