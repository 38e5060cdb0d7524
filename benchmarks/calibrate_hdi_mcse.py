"""Calibration of the HDI-end Monte Carlo standard error against closed-form truth.

What is measured
----------------
For each family, draw count ``n`` and credible level, over ``--seeds`` independent runs:
``summarize_draws`` gives the HDI and its MCSE; ``z = (end - true end) / MCSE`` per end.
A calibrated MCSE gives ``sd(z)`` near 1 and ``mean(z)`` near 0 (a mean away from 0 is
the end's bias in MCSE units). Printed per family x n x level x end: ``sd(z)`` with its
standard error (from the sample kurtosis of ``z``), ``mean(z)`` with its standard error,
the end's relative bias ``mean(end - true) / true`` and the share of runs whose MCSE is
exactly 0 (those runs are left out of ``z``).

True HDI ends: the ``u`` minimising ``Q(u + p) - Q(u)`` (bounded scalar search on the
closed-form quantile function), ends ``Q(u)`` and ``Q(u + p)``; for these unimodal
densities this is the solution of ``f(L) = f(U)``, ``F(U) - F(L) = p``.

Families: lognormal (sigma 0.8); gamma (shape 2); two-piece lognormal (sigma 0.4 below
the median, 0.9 above: its HDI ends lie either side of the median, off the density's
jump); the ratio of two lognormals (sigmas 0.5 and 0.6, drawn as a ratio; the truth is
the lognormal of sigma ``hypot(0.5, 0.6)``); a standard normal (symmetric: HDI = ETI).

How to run
----------
From the repository root (about 4 CPU minutes at the defaults; ``--jobs 2`` halves it)::

    .venv/bin/python benchmarks/calibrate_hdi_mcse.py
    .venv/bin/python benchmarks/calibrate_hdi_mcse.py --draws 4000 --seeds 2000

With 400 seeds ``sd(z)`` is known to about +-0.035 when ``z`` is normal (its se is
``sd / sqrt(2 seeds)``), more when ``z`` has heavy tails (the printed se says how much).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from uncertainty.distributions.base import Distribution
from uncertainty.distributions.lognormal import LogNormal, SplitLogNormal
from uncertainty.distributions.simple import Gamma
from uncertainty.stats.array import summarize_draws

LEVELS = (0.5, 0.9, 0.95)
Sampler = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class Family:
    """A distribution to draw from and the one whose HDI is the truth."""

    name: str
    draw: Sampler
    truth: Distribution | None  # None: standard normal


def _ratio(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.exp(0.5 * rng.standard_normal(n)) / np.exp(0.6 * rng.standard_normal(n))


FAMILIES = {
    "lognormal": Family("lognormal", lambda r, n: np.exp(0.8 * r.standard_normal(n)),
                        LogNormal(1.0, 0.8)),
    "gamma": Family("gamma", lambda r, n: r.gamma(2.0, size=n), Gamma(2.0, 1.0)),
    "two-piece": Family("two-piece",
                        lambda r, n: SplitLogNormal(1.0, 0.4, 0.9).from_normal(
                            r.standard_normal(n)),
                        SplitLogNormal(1.0, 0.4, 0.9)),
    "ratio": Family("ratio", _ratio, LogNormal(1.0, math.hypot(0.5, 0.6))),
    "normal": Family("normal", lambda r, n: r.standard_normal(n), None),
}


def true_hdi(family: Family, p: float) -> tuple[float, float]:
    """The HDI of probability `p` of the family's distribution."""
    d = family.truth
    if d is None:
        z = float(special.ndtri((1 + p) / 2))
        return -z, z
    res = optimize.minimize_scalar(lambda u: float(d.ppf(u + p) - d.ppf(u)),
                                   bounds=(1e-14, 1 - p - 1e-14), method="bounded",
                                   options={"xatol": 1e-13})
    return float(d.ppf(res.x)), float(d.ppf(res.x + p))


def one_run(args: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """HDI ends and their MCSEs, shape ``(levels, 2)`` each, of one seeded run."""
    name, n, seed = args
    x = FAMILIES[name].draw(np.random.default_rng([seed, n, len(name)]), n)
    out = summarize_draws(x, LEVELS)
    return out["hdi"], out["mcse_hdi"]


def _se_of_sd(z: np.ndarray) -> float:
    """Standard error of the sample sd of `z` (delta method with the sample kurtosis)."""
    sd = float(np.std(z, ddof=1))
    kurt = float(np.mean((z - z.mean()) ** 4)) / sd**4
    return sd * math.sqrt(max(kurt - 1, 0.0) / (4 * len(z)))


def table(name: str, n: int, seeds: int, jobs: int) -> list[str]:
    """The printed lines of one family at one draw count."""
    args = [(name, n, s) for s in range(seeds)]
    with ProcessPoolExecutor(jobs) as pool:
        runs = list(pool.map(one_run, args, chunksize=8))
    ends = np.stack([r[0] for r in runs])
    errs = np.stack([r[1] for r in runs])
    lines = []
    for li, p in enumerate(LEVELS):
        truth = true_hdi(FAMILIES[name], p)
        for e, end in enumerate(("lower", "upper")):
            err = ends[:, li, e] - truth[e]
            m = errs[:, li, e]
            ok = m > 0
            z = err[ok] / m[ok]
            lines.append(
                f"{name:10s} {n:7d} {p:4.2f} {end:5s} "
                f"{np.std(z, ddof=1):6.2f} ±{_se_of_sd(z):4.2f} "
                f"{np.mean(z):+6.2f} ±{np.std(z, ddof=1) / math.sqrt(len(z)):4.2f} "
                f"{100 * np.mean(err) / abs(truth[e]):+7.2f}% {np.mean(~ok):6.1%}")
    return lines


def main() -> None:
    """Print the calibration table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[4000, 200_000])
    parser.add_argument("--seeds", type=int, default=400)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--jobs", type=int, default=1)
    a = parser.parse_args()
    print(f"{a.seeds} seeds; z = (end - true end) / MCSE; runs with MCSE 0 left out of z")
    print(f"{'family':10s} {'n':>7s} {'p':>4s} {'end':5s} {'sd(z)':>12s} "
          f"{'mean(z)':>12s} {'bias':>8s} {'MCSE=0':>6s}")
    for name in a.families:
        for n in a.draws:
            print("\n".join(table(name, n, a.seeds, a.jobs)), flush=True)


if __name__ == "__main__":
    main()
