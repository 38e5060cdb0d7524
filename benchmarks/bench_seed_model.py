"""Speed and memory of `uncertainty.simulate` against the same work written by hand in numpy.

What is measured
----------------
The model of ``configs/seed-article-2025.toml`` (5 lognormal estimates from 3 sources, a
linear pool of ``ua.kia``, 5 views, 4 metrics) is run at N draws (default 10**5, 10**6,
10**7) in two ways:

package
    ``uncertainty.simulate(model with run.draws = N)``: the whole pipeline, i.e. named-stream
    sampling, metric evaluation, the ``(view, draw)`` xarray Dataset and the summary (median,
    mean, sd, ETI and HDI at each credible level, quantile MCSEs).
numpy
    `by_hand`: one plain numpy function doing the same work the way a user would write it,
    with no code from the `uncertainty` package: one ``np.random.default_rng`` draws the 5
    lognormals and the pool's uniforms, each view's 4 quantities and 4 metrics are formed, and
    every one of the 40 (variable, view) rows is sorted and summarized.

The two differ in ways that are part of what is being compared: the package draws from
named, blocked random streams and copies every row into stacked arrays, but summarizes each
*distinct* row once (14 of the 40 rows here; views that share inputs hold identical draws),
and counts non-finite draws; the hand version sorts all 40 rows. Their random streams differ,
so their numbers agree statistically, not exactly: before timing, both are run at 10**5 draws
and compared (the kia_ratio median of view us_intel within 1%, and the median and every ETI
endpoint of all 40 rows within 5 combined Monte Carlo standard errors). The script exits 1 if
the check fails.

Each (implementation, N) is timed in a fresh subprocess, best of ``--repeat`` runs (wall
clock, `time.perf_counter`), so that each one's peak RSS is its own (VmHWM on Linux, else
`resource.getrusage`); the peak includes the interpreter and imports, whose share is printed
below the table. Time is reported as nanoseconds per draw (seconds / N * 1e9). The
``(CPU time)`` column is the same ratio from `time.process_time` (best of the runs); neither
version is multi-threaded, so it matches the wall-clock ratio on an idle machine and is the
one to trust when other processes compete for the cores. The first run in a process is
often slower (fresh memory is page-faulted in), which is why the best run is kept.

How to run
----------
From the repository root::

    make bench
    .venv/bin/python benchmarks/bench_seed_model.py --draws 100000,1000000 --repeat 5

10**7 draws need about 5 GiB for the package and 3 GiB for the hand version.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import json
import math
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "seed-article-2025.toml"
Z90 = 1.6448536269514722  # standard-normal 0.95 quantile: half-width of a 90% interval

# Where each view takes each quantity from (see uncertainty/views.py): a source id, or
# "pooled" for the linear pool of the sources that estimate it.
VIEWS = {
    "us_intel": {"ua.kia": "us_intel", "ru.kia": "us_intel",
                 "ua.casualties": "article_totals", "ru.casualties": "article_totals"},
    "western": {"ua.kia": "western", "ru.kia": "us_intel",
                "ua.casualties": "article_totals", "ru.casualties": "article_totals"},
    "article_totals": {"ua.kia": "pooled", "ru.kia": "us_intel",
                       "ua.casualties": "article_totals", "ru.casualties": "article_totals"},
    "pooled": {"ua.kia": "pooled", "ru.kia": "us_intel",
               "ua.casualties": "article_totals", "ru.casualties": "article_totals"},
    "article": {"ua.kia": "western", "ru.kia": "us_intel",
                "ua.casualties": "article_totals", "ru.casualties": "article_totals"},
}


# -- the hand-written version ------------------------------------------------------------------
def read_config(path: Path) -> dict[str, Any]:
    """Lognormal (median, sigma) per (source, quantity), pool weights and levels, from TOML."""
    with open(path, "rb") as f:
        config = tomllib.load(f)
    run = config["run"]
    params = {}
    weights = {}
    for sid, source in config["sources"].items():
        factor = source.get("ci90_factor", run.get("ci90_factor", 1.5))
        weights[sid] = source.get("weight", 1.0)
        for country, estimates in source["estimates"].items():
            for what, est in estimates.items():
                if isinstance(est, dict):  # { value, ci90 = [lo, hi] }, log-symmetric here
                    lo, hi = est["ci90"]
                    sigma = math.log(hi / est["value"]) / Z90
                    if not math.isclose(sigma, math.log(est["value"] / lo) / Z90, rel_tol=1e-9):
                        raise ValueError(f"{sid} {country}.{what}: asymmetric ci90 not handled")
                    params[sid, f"{country}.{what}"] = (est["value"], sigma)
                else:  # a bare number x: 90% interval [x/f, x*f]
                    params[sid, f"{country}.{what}"] = (est, math.log(factor) / Z90)
    return {"params": params, "weights": weights, "levels": sorted(run["levels"]),
            "seed": run["seed"]}


def by_hand(params, weights, levels, n, seed):
    """The seed model in plain numpy: draws of every (view, variable) row and their summary."""
    rng = np.random.default_rng(seed)
    x = {}
    for (source, quantity), (median, sigma) in params.items():
        x[source, quantity] = rng.lognormal(math.log(median), sigma, n)
    # Linear pool of ua.kia: each draw takes us_intel's or western's, by their weights.
    take_western = rng.random(n) >= weights["us_intel"] / (weights["us_intel"]
                                                            + weights["western"])
    x["pooled", "ua.kia"] = np.where(take_western, x["western", "ua.kia"],
                                     x["us_intel", "ua.kia"])

    tails = np.array([[(1 - p) / 2, (1 + p) / 2] for p in levels])
    probs = np.concatenate([[0.5], tails.ravel()])  # median, then each ETI's two ends
    draws = {}
    summary = {}
    for view, use in VIEWS.items():
        q = {quantity: x[source, quantity] for quantity, source in use.items()}
        rows = dict(q)
        rows["kia_ratio"] = q["ru.kia"] / q["ua.kia"]
        rows["casualty_ratio"] = q["ru.casualties"] / q["ua.casualties"]
        rows["ua_survival"] = 1 - q["ua.kia"] / q["ua.casualties"]
        rows["ru_survival"] = 1 - q["ru.kia"] / q["ru.casualties"]
        draws[view] = rows
        for variable, row in rows.items():
            s = np.sort(row)
            # Quantiles by linear interpolation between order statistics (np.quantile's way).
            h = (n - 1) * probs
            lo = np.floor(h).astype(np.intp)
            hi = np.minimum(lo + 1, n - 1)
            quantiles = s[lo] + (h - lo) * (s[hi] - s[lo])
            # Quantile MCSE: half the gap between the order statistics one binomial sd
            # either side of rank n p.
            half = np.sqrt(n * probs * (1 - probs))
            r_lo = np.clip(np.floor(n * probs - half).astype(np.intp), 0, n - 1)
            r_hi = np.clip(np.ceil(n * probs + half).astype(np.intp), 0, n - 1)
            mcse = (s[r_hi] - s[r_lo]) / 2
            # HDI: the narrowest window holding floor(p n) draws.
            hdi = np.empty((len(levels), 2))
            for j, p in enumerate(levels):
                k = min(math.floor(p * n), n - 1)
                i = int(np.argmin(s[k:] - s[: n - k]))
                hdi[j] = s[i], s[i + k]
            mean = s.mean()
            sd = s.std(ddof=1)
            summary[variable, view] = {
                "median": quantiles[0], "mean": mean, "sd": sd,
                "mcse_median": mcse[0], "mcse_mean": sd / math.sqrt(n),
                "eti": quantiles[1:].reshape(-1, 2), "mcse_eti": mcse[1:].reshape(-1, 2),
                "hdi": hdi,
            }
    return draws, summary


# -- the package -------------------------------------------------------------------------------
def load_model():
    import uncertainty

    return uncertainty.load_config(CONFIG).model


def run_package(model, n):
    import uncertainty

    return uncertainty.simulate(dataclasses.replace(model, run=dataclasses.replace(model.run,
                                                                                   draws=n)))


# -- measurement -------------------------------------------------------------------------------
def peak_rss_mib() -> float:
    """Peak resident memory of this process, MiB.

    Linux: VmHWM, which starts afresh at exec. `resource.getrusage` elsewhere; its ru_maxrss
    may include the parent's peak at spawn time.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def child(impl: str, n: int, repeat: int) -> None:
    """Time one implementation at `n` draws in this (fresh) process; print a JSON line."""
    if impl == "package":
        model = load_model()
        work = functools.partial(run_package, model, n)
    else:
        cfg = read_config(CONFIG)
        work = functools.partial(by_hand, cfg["params"], cfg["weights"], cfg["levels"], n,
                                 cfg["seed"])
    base = peak_rss_mib()
    times, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del result
    print(json.dumps({"times": times, "cpu": cpu, "peak_mib": peak_rss_mib(),
                      "base_mib": base}))


def measure(impl: str, n: int, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", impl,
           "--draws", str(n), "--repeat", str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{impl} at N={n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sanity_check(n: int = 10**5) -> None:
    """Both versions agree statistically at `n` draws, or exit 1."""
    cfg = read_config(CONFIG)
    summary = run_package(load_model(), n).summary
    _, mine = by_hand(cfg["params"], cfg["weights"], cfg["levels"], n, cfg["seed"])
    failures = []
    if len(mine) != summary.sizes["variable"] * summary.sizes["view"]:
        failures.append(f"{len(mine)} rows by hand, {summary.sizes} in the package")
    for (variable, view), stats in mine.items():
        theirs = summary.sel(variable=variable, view=view)
        pairs = [("median", float(theirs["median"]), stats["median"],
                  float(theirs["mcse_median"]), stats["mcse_median"])]
        for j, level in enumerate(cfg["levels"]):
            for col, bound in enumerate(("lower", "upper")):
                pairs.append((f"eti{level:g} {bound}",
                              float(theirs["eti"].sel(level=level, ci_bound=bound)),
                              stats["eti"][j, col],
                              float(theirs["mcse_eti"].sel(level=level, ci_bound=bound)),
                              stats["mcse_eti"][j, col]))
        for what, a, b, se_a, se_b in pairs:
            if abs(a - b) > 5 * math.hypot(se_a, se_b):
                failures.append(f"{variable}/{view} {what}: package {a:.6g}, numpy {b:.6g}, "
                                f"MCSEs {se_a:.3g}, {se_b:.3g}")
    a = float(summary["median"].sel(variable="kia_ratio", view="us_intel"))
    b = mine["kia_ratio", "us_intel"]["median"]
    rel = abs(a - b) / a
    if rel > 0.01:
        failures.append(f"kia_ratio/us_intel median: package {a:.6g}, numpy {b:.6g}")
    if failures:
        print(f"sanity check FAILED at N={n:,}:", *failures, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"sanity check passed at N={n:,}: kia_ratio median (view us_intel) package {a:.4f}, "
          f"numpy {b:.4f} ({rel:.3%} apart); median and ETI ends of all 40 rows within "
          "5 MCSE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", default="100000,1000000,10000000",
                        help="comma-separated draw counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per measurement; the best time is kept (default: 3)")
    parser.add_argument("--child", choices=("package", "numpy"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(float(d)) for d in args.draws.split(",")]
    if args.repeat < 1 or any(n < 2 for n in sizes):
        parser.error("--repeat must be at least 1 and every --draws at least 2")
    if args.child:
        child(args.child, sizes[0], args.repeat)
        return

    sanity_check()
    gc.collect()
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}, best of {args.repeat}; "
          "each measurement in a fresh process")
    header = (f"{'N':>12}  {'package ns/draw':>15}  {'numpy ns/draw':>13}  "
              f"{'package/numpy':>13}  {'(CPU time)':>10}  {'package peak MiB':>16}  "
              f"{'numpy peak MiB':>14}")
    print(header)
    print("-" * len(header))
    base = {}
    for n in sizes:
        pkg, ref = measure("package", n, args.repeat), measure("numpy", n, args.repeat)
        base = {"package": pkg["base_mib"], "numpy": ref["base_mib"]}
        t_pkg, t_ref = min(pkg["times"]), min(ref["times"])
        cpu_ratio = min(pkg["cpu"]) / min(ref["cpu"])
        print(f"{n:>12,}  {t_pkg / n * 1e9:>15.1f}  {t_ref / n * 1e9:>13.1f}  "
              f"{t_pkg / t_ref:>13.2f}  {cpu_ratio:>10.2f}  {pkg['peak_mib']:>16,.0f}  "
              f"{ref['peak_mib']:>14,.0f}", flush=True)
    print(f"peak RSS includes the interpreter and imports: {base['package']:,.0f} MiB with the "
          f"package imported, {base['numpy']:,.0f} MiB with numpy alone")

if __name__ == "__main__":
    main()
