"""Calibration of every reported Monte Carlo standard error against closed-form truth.

What is measured
----------------
For each statistic, family and draw count ``n``, over ``--seeds`` independent runs, the
package's own function (the one the pipeline calls) gives an estimate and its MCSE, and
``z = (estimate - truth) / MCSE``. A calibrated MCSE gives ``sd(z)`` near 1 and
``mean(z)`` near 0; a mean away from 0 is the estimator's bias in MCSE units. Printed per
row: ``sd(z)`` with its standard error (delta method with the sample kurtosis of ``z``),
``mean(z)`` with its standard error, and the share of runs whose MCSE is exactly 0 (left
out of ``z``).

Statistics and their code paths:

* median, ETI ends (levels 50, 90, 95%: probabilities 0.025 ... 0.975), mean and sd
  (``mcse_sd``, the delta method from the fourth central moment; truth the family's sd):
  `uncertainty.stats.array.summarize_draws`, as `uncertainty.summary.summarize` and the
  tornado, leave-one-out and sweep figures use (HDI ends: ``calibrate_hdi_mcse.py``);
* P(X >= t) at the true 10, 50 and 90% quantiles and the percentile of a claim at the true
  3, 30 and 97% quantiles (truth ``1 - F(t)`` and ``F(c)``):
  `uncertainty.stats.pairwise.exceedances` and ``percentiles``, as
  `uncertainty.summary.compare.thresholds_table` and ``claim_percentiles`` call them;
* P(A > B) on paired draws: `uncertainty.stats.pairwise.prob_greater`; truth
  ``Phi((mu_a - mu_b) / sqrt(s_a^2 + s_b^2))`` on the log scale;
* first-order Sobol shares: `uncertainty.stats.sobol.first_order` on the log of a
  positive metric, as the sensitivity analysis does, else on the metric; and the
  remainder ``1 - S1 - S2`` with the standard error of the sum of the two shares
  (`uncertainty.stats.sobol.sum_se`), truth ``1 -`` the true shares (the interaction's
  share for a product of normals, 0 for the other cases);
* the overlap coefficient (``pairs``: its mean error, the sd of its error and its mean
  ``resolution``, which bounds its bias) against ``2 Phi(-|d| / 2)`` for two distributions
  of one shape whose log (or value) differs by ``d`` sds; ``overlap``: z with the MCSE of
  `uncertainty.stats.pairwise.overlap_with_mcse`, for normals and lognormals (log grid),
  independent or sharing a factor of sd 0.8, d = 0 (bias dominates), 0.5, 1, 2, 3;
* the rank correlation between two dependent inputs (``rank``):
  `uncertainty.analysis.sensitivity.dependence.strongest_correlation` on the draws' sort
  orders, as the sensitivity analysis calls it, for a lognormal (sigma 0.8) and a normal
  joined by a Gaussian copula of Pearson r = 0, 0.3, 0.7, 0.95; truth Spearman's
  ``(6 / pi) asin(r / 2)``. The function gives ``|rho|``; z takes the sign of the
  ranks' correlation back (at r = 0 the absolute value would fold the error).

Families: normal; lognormal (sigma 0.8); gamma (shape 2); the ratio of two lognormals
(sigmas 0.5 and 0.6, drawn as a ratio; truth the lognormal of sigma ``hypot(0.5, 0.6)``).

How to run
----------
From the repository root (about 3 CPU minutes at the defaults, and 10 more for
``overlap``; the last line takes 15 s)::

    .venv/bin/python benchmarks/calibrate_mcse.py
    .venv/bin/python benchmarks/calibrate_mcse.py --draws 4000 --seeds 4000 --parts quantiles
    .venv/bin/python benchmarks/calibrate_mcse.py --draws 4000 --seeds 1000 --parts overlap
    .venv/bin/python benchmarks/calibrate_mcse.py --draws 4000 100000 --seeds 1000 150 \
        --parts quantiles rank

With ``m`` seeds ``sd(z)`` is known to about ``1 / sqrt(2 m)`` when ``z`` is normal
(+-0.016 at 2,000 seeds, +-0.035 at 400) and ``mean(z)`` to ``1 / sqrt(m)``.
"""

from __future__ import annotations

import argparse
import math
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import special, stats

from uncertainty.analysis.sensitivity.dependence import strongest_correlation
from uncertainty.stats.array import summarize_draws
from uncertainty.stats.pairwise import (
    exceedances,
    overlap_coefficient,
    overlap_with_mcse,
    percentiles,
    prob_greater,
)
from uncertainty.stats.sobol import first_order, sum_se
from uncertainty.summary.compare import eti_overlaps

LEVELS = (0.5, 0.9, 0.95)
THRESHOLDS = (0.1, 0.5, 0.9)  # as quantiles of the truth: P(X >= t) = 0.9, 0.5, 0.1
CLAIMS = (0.03, 0.3, 0.97)  # as quantiles of the truth: the claim's percentile
Sampler = Callable[[np.random.Generator, int], np.ndarray]
#: An output and its two inputs.
Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Family:
    """Draws and the frozen scipy distribution they follow."""

    name: str
    draw: Sampler
    truth: stats.rv_continuous


def _ratio(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.exp(0.5 * rng.standard_normal(n)) / np.exp(0.6 * rng.standard_normal(n))


FAMILIES = (
    Family("normal", lambda r, n: r.standard_normal(n), stats.norm()),
    Family("lognormal", lambda r, n: np.exp(0.8 * r.standard_normal(n)), stats.lognorm(0.8)),
    Family("gamma", lambda r, n: r.gamma(2.0, size=n), stats.gamma(2.0)),
    Family("ratio", _ratio, stats.lognorm(math.hypot(0.5, 0.6))),
)


def _rng(seed: int, n: int, name: str) -> np.random.Generator:
    """A stream of its own for each seed, draw count and case."""
    return np.random.default_rng([seed, n, zlib.crc32(name.encode())])


# --- one run of each part: rows of (label, estimate, MCSE, truth) ---------------------------

Row = tuple[str, float, float, float]


def quantile_rows(family: Family, n: int, seed: int) -> list[Row]:
    """Median, ETI ends, mean, thresholds and claim percentiles of one seeded run."""
    x = family.draw(_rng(seed, n, family.name), n)
    out = summarize_draws(x, LEVELS)
    d = family.truth
    rows: list[Row] = [("median", float(out["median"]), float(out["mcse_median"]),
                        float(d.median())),
                       ("mean", float(out["mean"]), float(out["mcse_mean"]), float(d.mean())),
                       ("sd", float(out["sd"]), float(out["mcse_sd"]), float(d.std()))]
    for i, p in enumerate(LEVELS):
        for e, q in enumerate(((1 - p) / 2, (1 + p) / 2)):
            rows.append((f"ETI q={q:.3f}", float(out["eti"][i, e]), float(out["mcse_eti"][i, e]),
                         float(d.ppf(q))))
    t = d.ppf(np.array(THRESHOLDS))
    prob, se = exceedances(x, t)
    rows += [(f"P(X>=t) p={1 - q:.2f}", float(prob[k]), float(se[k]), 1 - q)
             for k, q in enumerate(THRESHOLDS)]
    c = d.ppf(np.array(CLAIMS))
    pct, se = percentiles(x, c)
    rows += [(f"claim pct={q:.2f}", float(pct[k]), float(se[k]), q)
             for k, q in enumerate(CLAIMS)]
    return rows


@dataclass(frozen=True)
class Pair:
    """Paired draws of two views: log A = mu_a + s_a Z1 + s_s Zs, log B = s_b Z2 + s_s Zs."""

    name: str
    mu_a: float
    s_a: float
    s_b: float
    shared: float  # sd of a factor both views share (common random numbers)
    log: bool  # lognormal views (OVL on a log grid) or normal ones

    def draw(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        z = rng.standard_normal((3, n))
        a = self.mu_a + self.s_a * z[0] + self.shared * z[2]
        b = self.s_b * z[1] + self.shared * z[2]
        return (np.exp(a), np.exp(b)) if self.log else (a, b)

    def prob_greater(self) -> float:
        return float(special.ndtr(self.mu_a / math.hypot(self.s_a, self.s_b)))

    def eti(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The true equal-tailed intervals of A and B at `level`."""
        z = special.ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))
        sd_a, sd_b = math.hypot(self.s_a, self.shared), math.hypot(self.s_b, self.shared)
        a, b = self.mu_a + sd_a * z, sd_b * z
        return (np.exp(a), np.exp(b)) if self.log else (a, b)

    def overlap(self) -> float:
        """OVL of the two marginals (equal sds only)."""
        sd = math.hypot(self.s_a, self.shared)
        return float(2 * special.ndtr(-abs(self.mu_a) / (2 * sd)))


PAIRS = (
    Pair("normals d=1", 1.0, 1.0, 1.0, 0.0, False),
    Pair("lognormals", 0.3, 0.8, 0.8, 0.0, True),
    Pair("shared factor", 0.2, 0.5, 0.5, 1.0, True),
    Pair("lognormals d=0", 0.0, 0.8, 0.8, 0.0, True),
)


def pair_rows(pair: Pair, n: int, seed: int) -> list[Row]:
    """P(A > B) with its MCSE; the OVL with its resolution and the 90% ETI overlap share
    (neither has an MCSE: the slot holds the resolution, and NaN)."""
    a, b = pair.draw(_rng(seed, n, pair.name), n)
    p, se = prob_greater(a, b)
    ovl, resolution = overlap_coefficient(a, b, log=pair.log)
    found = eti_overlaps(np.stack([summarize_draws(x, (0.9,))["eti"] for x in (a, b)]))
    truth = eti_overlaps(np.stack([e[None, :] for e in pair.eti(0.9)]))
    return [("P(A>B)", p, se, pair.prob_greater()), ("OVL", ovl, resolution, pair.overlap()),
            ("ETI overlap 90%", float(found[0, 1, 0]), math.nan, float(truth[0, 1, 0]))]


def _overlap_pairs() -> tuple[Pair, ...]:
    """Sd 1 on the (log) scale binned: N(0, 1) against N(d, 1), or their exponentials."""
    out = []
    for log in (False, True):
        for shared in (0.0, 0.8):
            for d in (0.0, 0.5, 1.0, 2.0, 3.0):
                s = math.sqrt(1 - shared**2)
                name = (f"{'lognorm' if log else 'normal'} "
                        f"{'shared' if shared else 'indep'} d={d:g}")
                out.append(Pair(name, d, s, s, shared, log))
    return tuple(out)


OVERLAPS = _overlap_pairs()


def overlap_rows(pair: Pair, n: int, seed: int) -> list[Row]:
    """The overlap coefficient with its MCSE (`overlap_with_mcse`)."""
    a, b = pair.draw(_rng(seed, n, pair.name), n)
    ovl, _, mcse = overlap_with_mcse(a, b, log=pair.log)
    return [("OVL z", ovl, mcse, pair.overlap())]


@dataclass(frozen=True)
class SobolCase:
    """Two independent inputs and an output whose first-order shares are known."""

    name: str
    draw: Callable[[np.random.Generator, int], Triple]
    shares: tuple[float, float]


def _lognormal_product(r: np.random.Generator, n: int) -> Triple:
    x1, x2 = np.exp(0.5 * r.standard_normal(n)), np.exp(0.6 * r.standard_normal(n))
    return np.log(x1 * x2), x1, x2  # a positive metric: shares of its log


def _skewed_sum(r: np.random.Generator, n: int) -> Triple:
    x1, x2 = np.exp(0.8 * r.standard_normal(n)), r.normal(0.0, 0.7, n)
    return x1 + x2, x1, x2  # can be negative: shares on the linear scale


#: X1 ~ N(M1, SD1^2), X2 ~ N(M2, SD2^2) multiplied, on the linear scale (a product can be
#: negative): Var Y = M1^2 SD2^2 + M2^2 SD1^2 + SD1^2 SD2^2, S1 = M2^2 SD1^2 / Var Y,
#: S2 = M1^2 SD2^2 / Var Y and the interaction SD1^2 SD2^2 / Var Y (1 / 7.25 here).
M1, SD1, M2, SD2 = 2.0, 1.0, 1.5, 1.0
_PRODUCT_VAR = M1**2 * SD2**2 + M2**2 * SD1**2 + SD1**2 * SD2**2


def _normal_product(r: np.random.Generator, n: int) -> Triple:
    x1, x2 = r.normal(M1, SD1, n), r.normal(M2, SD2, n)
    return x1 * x2, x1, x2


_LOGNORMAL_VAR = (math.exp(0.64) - 1) * math.exp(0.64)
SOBOL = (
    SobolCase("normal sum 1, 0.5",
              lambda r, n: (lambda z: (z[0] + 0.5 * z[1], z[0], z[1]))(r.standard_normal((2, n))),
              (0.8, 0.2)),
    SobolCase("lognormal product", _lognormal_product, (0.25 / 0.61, 0.36 / 0.61)),
    SobolCase("lognormal + normal", _skewed_sum,
              (_LOGNORMAL_VAR / (_LOGNORMAL_VAR + 0.49), 0.49 / (_LOGNORMAL_VAR + 0.49))),
    SobolCase("normal, one ignored",
              lambda r, n: (lambda z: (z[0] + z[2], z[0], z[1]))(r.standard_normal((3, n))),
              (0.5, 0.0)),
    SobolCase("normal product", _normal_product,
              (M2**2 * SD1**2 / _PRODUCT_VAR, M1**2 * SD2**2 / _PRODUCT_VAR)),
)


def sobol_rows(case: SobolCase, n: int, seed: int) -> list[Row]:
    """Both inputs' first-order shares and the remainder, with standard errors."""
    y, x1, x2 = case.draw(_rng(seed, n, case.name), n)
    rows = []
    found = [first_order(y, x, terms=True) for x in (x1, x2)]
    for k, r in enumerate(found):
        rows.append((f"S{k + 1}={case.shares[k]:.3f}", r.share, r.se, case.shares[k]))
    truth = 1 - sum(case.shares)
    rows.append((f"1-S1-S2={truth:.3f}", 1 - sum(r.share for r in found),
                 sum_se(y, [r.terms for r in found]), truth))
    return rows


@dataclass(frozen=True)
class RankCase:
    """A lognormal (sigma 0.8) and a normal joined by a Gaussian copula of Pearson `r`."""

    r: float

    @property
    def name(self) -> str:
        return f"copula r={self.r:g}"

    def spearman(self) -> float:
        return 6 / math.pi * math.asin(self.r / 2)


RANKS = tuple(RankCase(r) for r in (0.0, 0.3, 0.7, 0.95))


def rank_rows(case: RankCase, n: int, seed: int) -> list[Row]:
    """Spearman's rho of the two inputs with its MCSE (`strongest_correlation`)."""
    z = _rng(seed, n, case.name).standard_normal((2, n))
    x = np.exp(0.8 * z[0])
    y = case.r * z[0] + math.sqrt(1 - case.r**2) * z[1]
    orders = [np.argsort(v, kind="stable") for v in (x, y)]
    rho, mcse = strongest_correlation(orders)
    ranks = np.empty((2, n))
    for row, order in zip(ranks, orders, strict=True):
        row[order] = np.arange(n)
    signed = math.copysign(rho, float(np.corrcoef(ranks)[0, 1]))
    return [("Spearman rho", signed, mcse, case.spearman())]


# --- the table ----------------------------------------------------------------------------


def _se_of_sd(z: np.ndarray) -> float:
    """Standard error of the sample sd of `z` (delta method with the sample kurtosis)."""
    sd = float(np.std(z, ddof=1))
    kurt = float(np.mean((z - z.mean()) ** 4)) / sd**4
    return sd * math.sqrt(max(kurt - 1, 0.0) / (4 * len(z)))


def summarize_rows(runs: list[list[Row]]) -> Iterator[tuple[str, dict[str, float]]]:
    """Per row label: sd and mean of z with standard errors, and the share of MCSE 0."""
    for k, (label, *_) in enumerate(runs[0]):
        est = np.array([r[k][1] for r in runs])
        mcse = np.array([r[k][2] for r in runs])
        truth = runs[0][k][3]
        ok = mcse > 0
        z = (est[ok] - truth) / mcse[ok]
        if not len(z):  # a statistic without an MCSE
            z = np.full(2, math.nan)
        err = est - truth
        yield label, {
            "sd": float(np.std(z, ddof=1)) if len(z) > 1 else math.nan,
            "sd_se": _se_of_sd(z) if len(z) > 1 else math.nan,
            "mean": float(np.mean(z)) if len(z) else math.nan,
            "mean_se": float(np.std(z, ddof=1)) / math.sqrt(len(z)) if len(z) > 1 else math.nan,
            "zero": float(np.mean(~ok)),
            "err_mean": float(np.mean(err)),
            "err_sd": float(np.std(err, ddof=1)),
            "mcse_mean": float(np.mean(mcse)),
        }


def _line(what: str, n: int, label: str, s: dict[str, float]) -> str:
    if label == "OVL":  # no MCSE: the error itself, against the resolution
        return (f"{what:20s} {n:7d} {label:18s} error mean {s['err_mean']:+.4f} "
                f"sd {s['err_sd']:.4f}; mean resolution {s['mcse_mean']:.4f}")
    if math.isnan(s["mcse_mean"]):  # no MCSE and no bound: the error itself
        return (f"{what:20s} {n:7d} {label:18s} error mean {s['err_mean']:+.4f} "
                f"sd {s['err_sd']:.4f}")
    return (f"{what:20s} {n:7d} {label:18s} {s['sd']:6.3f} ±{s['sd_se']:5.3f} "
            f"{s['mean']:+6.3f} ±{s['mean_se']:5.3f} {s['zero']:6.1%}")


def inward_bias(found: dict[tuple[str, int, str], dict[str, float]], n: int) -> list[str]:
    """Mean z of the ETI ends towards the median, pooled over the families, per level.

    The package's quantiles are the median-unbiased type 8 of Hyndman and Fan, at 0-based
    rank ``(n + 1/3) q - 2/3``; numpy's default (type 7, rank ``(n - 1) q``) would sit
    ``(2/3)(1 - 2q)`` ranks further in: ``(2/3)(1 - 2q) / sqrt(n q (1 - q))`` MCSE, printed
    beside each level for comparison.
    """
    lines = []
    for level in LEVELS:
        q = (1 - level) / 2
        z = [sign * s["mean"] for (case, m, label), s in found.items() if m == n
             for sign, end in ((1, q), (-1, 1 - q)) if label == f"ETI q={end:.3f}"]
        se = [s["mean_se"] for (case, m, label), s in found.items() if m == n
              and label in (f"ETI q={q:.3f}", f"ETI q={1 - q:.3f}")]
        theory = (2 / 3) * (1 - 2 * q) / math.sqrt(n * q * (1 - q))
        lines.append(f"{level:.0%} ETI ends, n = {n}: mean z inward {np.mean(z):+.3f} "
                     f"±{math.sqrt(np.sum(np.square(se))) / len(se):.3f} over {len(z)} ends "
                     f"(range {min(z):+.3f} to {max(z):+.3f}); type 7 vs type 8 offset "
                     f"{theory:.3f} MCSE")
    return lines


class Case(Protocol):
    """A family, a pair of views or a Sobol case: anything with a name."""

    @property
    def name(self) -> str:
        """The case's name in the table."""


PARTS: dict[str, tuple[tuple[Case, ...], Callable[..., list[Row]]]] = {
    "quantiles": (FAMILIES, quantile_rows),
    "pairs": (PAIRS, pair_rows),
    "sobol": (SOBOL, sobol_rows),
    "overlap": (OVERLAPS, overlap_rows),
    "rank": (RANKS, rank_rows),
}


def main() -> None:
    """Print the calibration table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, nargs="+", default=[4000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2000, 400],
                        help="seeds per draw count (one value: the same for all)")
    parser.add_argument("--parts", nargs="+", default=list(PARTS), choices=list(PARTS))
    a = parser.parse_args()
    seeds = a.seeds * len(a.draws) if len(a.seeds) == 1 else a.seeds
    print("z = (estimate - truth) / MCSE; runs with MCSE 0 left out of z")
    print(f"{'case':20s} {'n':>7s} {'statistic':18s} {'sd(z)':>13s} {'mean(z)':>13s} "
          f"{'MCSE=0':>6s}")
    found: dict[tuple[str, int, str], dict[str, float]] = {}
    for part in a.parts:
        cases, run = PARTS[part]
        for case in cases:
            for n, m in zip(a.draws, seeds, strict=True):
                runs = [run(case, n, seed) for seed in range(m)]
                for label, s in summarize_rows(runs):
                    found[case.name, n, label] = s
                    print(_line(case.name, n, label, s), flush=True)
    if "quantiles" in a.parts:
        for n in a.draws:
            print("\n".join(inward_bias(found, n)))


if __name__ == "__main__":
    main()
