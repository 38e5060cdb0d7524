"""Speed and memory of `uncertainty.simulate` against the same work written by hand in numpy.

What is measured
----------------
The model of ``configs/seed-article-2025.toml`` is run at N draws (default 10**5, 10**6,
10**7) in two ways. The model: 5 estimates from 3 graded sources (``us_intel``'s ``ua.kia``
an ``at_least`` floor times an undercount factor ``1 + V``, V lognormal; the other four
lognormal), two Gaussian-copula rank correlations (rho 0.4 between ``us_intel``'s two KIA
figures and between ``article_totals``' two casualty totals), a linear pool of ``ua.kia``,
two constraints (``ua.kia <= ua.casualties``, ``ru.kia <= ru.casualties``), 5 views and 4
metrics: 40 (variable, view) rows.

package
    ``uncertainty.simulate(model with run.draws = N, compare=False, threads=1)``: named-stream
    sampling of N candidate draws, the copula, the linear pool, each view's constraint
    mask (a candidate that breaks a view's constraint is NaN in that view), metric
    evaluation, the ``(view, draw)`` xarray Dataset and the summary of each view's kept
    draws (median, mean, sd, ETI and HDI at each credible level, quantile MCSEs). The last
    column times ``compare=True`` too: what `uncertainty run` simulates, which adds two
    things the hand version does not do: the consensus view (the sources of ``ua.kia``
    synthesized, `uncertainty.analysis.consensus`: its importance draws and a sixth view)
    and the comparison of views (`uncertainty.analysis.comparison.compare_run`: P(A > B)
    over the candidates both views keep, overlap coefficients, claim percentiles,
    thresholds). The other columns leave the consensus out (the model's
    ``consensus_laws`` set to none), so that both versions draw and summarize the same 5
    views; their numbers are the full run's to the bit.
package, T threads
    The same as ``package`` with ``threads=T`` (``--threads``, default every core): the
    blocks of the random streams, chunks of draws and the rows of the summary are worked on
    in T threads; the numbers are identical to one thread's. The ``speedup`` column is the
    one-thread time over this one. Omitted when T is 1.
numpy
    `by_hand`: one plain numpy function doing the same work the way a user would write it,
    with no code from the `uncertainty` package in it:

    1. one ``np.random.default_rng`` draws a latent standard normal per estimate; each
       correlated pair is mixed with the Cholesky factor ``[[1, 0], [r, sqrt(1 - r**2)]]``
       of ``[[1, r], [r, 1]]``, ``r = 2 sin(pi rho / 6)``, the first of the pair in
       (source, quantity) order keeping its own normal, as the package orders them;
    2. each latent normal becomes its estimate: ``median * exp(sigma z)`` for a lognormal,
       ``floor * (1 + median_excess * exp(sigma z))`` for the ``at_least`` floor; the pool's
       uniforms pick ``us_intel``'s or ``western``'s ``ua.kia``, draw by draw, by weight;
    3. these N draws are the *candidates*, the same N for every view, drawn once: each
       view's constraint mask (computed per view) keeps the candidates meeting both
       constraints and drops the others, so a view keeps about N times its acceptance
       rate of them, and its acceptance rate is kept / N (a view keeping under 1% of the
       candidates stops the run, as in the package);
    4. each view's 4 quantities and 4 metrics are formed from its kept draws, and every
       one of the 40 rows is sorted and summarized over those draws alone.

Parameters come from the package, in untimed setup
    The distribution parameters (each lognormal's median and log-sd, the floor and the
    undercount factor's median excess and log-sd), the pool weights (which the sources'
    grades set), the correlations' rho, the seed and the levels are read from the
    package's built model (`model_params`, e.g.
    ``model.source("us_intel").estimate("ua.kia").distribution``) in the parent process,
    untimed, and handed to the numpy child as JSON; the numpy child never imports the
    package. `model_params` also checks that the built model still has the views
    (`VIEWS`), constraints (`CONSTRAINTS`), families and copula shape that `by_hand` is
    written for, and stops otherwise. What is timed in the numpy version is plain numpy.

The two differ in ways that are part of what is being compared: the package draws from
named, blocked random streams; it copies every row into stacked ``(view, draw)`` arrays of
all N candidates with the rejected ones set to NaN, but summarizes each *distinct* row
once (24 of the 40 rows here: views that assign the same sources, with the same constrained
sources, hold identical draws), leaving out the NaN and counting the kept (``valid``)
draws; the hand version indexes each view's kept draws out with its boolean mask and sorts
all 40 rows. Their random streams differ, so their numbers agree statistically, not
exactly: before timing, both are run at 10**5 draws and compared (the kia_ratio median of
view us_intel within 1%; the median and every ETI endpoint of all 40 rows within 5
combined Monte Carlo standard errors, each side's from its own kept draws; each view's
acceptance rate, kept over N candidates, within 5 combined binomial standard errors). The
package's own counts are checked exactly too: every view has N candidates, ``overall`` is
``accepted`` over them, and every row's ``valid`` count is its view's ``accepted`` with no
``invalid`` draw. The script exits 1 if the check fails; ``--check-only`` runs just this
check.

Each (implementation, N) is timed in a fresh subprocess, best of ``--repeat`` runs (wall
clock, `time.perf_counter`), so that each one's peak RSS is its own (VmHWM on Linux, else
`resource.getrusage`); the peak includes the interpreter and imports, whose share is printed
below the table. Time is reported as nanoseconds per draw (seconds / N * 1e9). The
``(CPU time)`` column is the same ratio from `time.process_time` (best of the runs), summed
over the process's threads. The hand version is single-threaded, and so is the package in
every column but ``package, T threads`` (it does no matrix product, so OpenBLAS starts no
threads of its own). On a busy machine, where other processes compete for the cores, the
CPU ratio is the one to trust, and the T-thread column and its speedup are unreliable:
repeat on an idle machine. The first run in a process is often slower (fresh memory is
page-faulted in), which is why the best run is kept.

How to run
----------
From the repository root::

    make bench
    .venv/bin/python benchmarks/bench_seed_model.py --draws 100000,1000000 --repeat 5
    .venv/bin/python benchmarks/bench_seed_model.py --draws 1000000 --threads 2
    .venv/bin/python benchmarks/bench_seed_model.py --check-only

10**7 draws needed about 4.1 GiB for the package and 3.8 GiB for the hand version when last
measured, before constraints became masks over the same N candidates (remeasure).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "seed-article-2025.toml"

# Where each view takes each quantity from (see uncertainty/views.py): a source id, or
# "pooled" for the linear pool of the sources that estimate it. Checked against the built
# model by `model_params`.
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
# The config's constraints, each (left, right) for "left <= right".
CONSTRAINTS = (("ua.kia", "ua.casualties"), ("ru.kia", "ru.casualties"))
POOLED_QUANTITY = "ua.kia"  # the one quantity estimated by more than one source
MIN_ACCEPTANCE = 0.01  # as uncertainty.sampling.MIN_ACCEPTANCE


# -- parameters, read from the package's built model (untimed setup) ---------------------------
def model_params(model) -> dict[str, Any]:
    """Everything `by_hand` needs, as plain JSON-able numbers, read from the built `model`.

    Untimed. Stops (SystemExit) when the model is no longer the one `by_hand` is written
    for: other views, constraints, families, pool or copula shape.
    """
    from uncertainty.distributions import LogNormal
    from uncertainty.distributions.onesided import OneSided, ShiftedLogNormal
    from uncertainty.model.views import build_views

    problems = []
    views = {v.id: dict(v.assignment) for v in build_views(model)}
    if views != VIEWS:
        problems.append(f"views are {views}")
    if [c.text for c in model.constraints] != [f"{a} <= {b}" for a, b in CONSTRAINTS]:
        problems.append(f"constraints are {[c.text for c in model.constraints]}")
    if model.run.pool != "linear":
        problems.append(f"pool is {model.run.pool!r}")
    estimates = []
    for source in model.sources:
        for est in source.estimates:
            d = est.distribution
            entry = {"source": source.id, "quantity": est.quantity}
            if type(d) is LogNormal:
                entry |= {"kind": "lognormal", "median": d.median_value, "sigma": d.sigma}
            elif (type(d) is OneSided and d.floor and type(d.factor) is ShiftedLogNormal):
                entry |= {"kind": "floor", "bound": d.bound,
                          "median_excess": d.factor.median_excess, "sigma": d.factor.sigma}
            else:
                problems.append(f"{source.id} {est.quantity}: {d!r} not handled by hand")
            estimates.append(entry)
    estimates.sort(key=lambda e: (e["source"], e["quantity"]))
    members = sorted(model.estimators(POOLED_QUANTITY), key=lambda s: s.id)
    if len(members) != 2 or [q for q in model.quantities
                             if len(model.estimators(q)) > 1] != [POOLED_QUANTITY]:
        problems.append(f"only {POOLED_QUANTITY} pooled over 2 sources is handled by hand")
    correlations = []
    seen: set[tuple[str, str]] = set()
    for c in model.correlations:
        first, second = sorted((c.a, c.b))
        if first in seen or second in seen:
            problems.append("correlations sharing an estimate (a copula group of 3 or more) "
                            "are not handled by hand")
        seen |= {first, second}
        correlations.append({"first": list(first), "second": list(second), "rho": c.rho})
    if model.repair_correlations:
        problems.append("repair_correlations is not handled by hand")
    if problems:
        sys.exit("the seed model changed; update by_hand:\n  " + "\n  ".join(problems))
    return {
        "estimates": estimates,
        "pool": {"quantity": POOLED_QUANTITY, "members": [s.id for s in members],
                 "weights": [s.weight for s in members]},
        "correlations": correlations,
        "levels": sorted(model.run.levels),
        "seed": model.run.seed,
    }


# -- the hand-written version ------------------------------------------------------------------
def candidates(rng, params, k):
    """`k` candidate draws of every (source, quantity), and of the pooled quantity."""
    z = {(e["source"], e["quantity"]): rng.standard_normal(k) for e in params["estimates"]}
    # Gaussian copula: mix each correlated pair's latent normals with the Cholesky factor of
    # [[1, r], [r, 1]]; the first of the pair keeps its own normal.
    for c in params["correlations"]:
        r = 2 * math.sin(math.pi * c["rho"] / 6)
        first, second = tuple(c["first"]), tuple(c["second"])
        z[second] = r * z[first] + math.sqrt(1 - r * r) * z[second]
    x = {}
    for e in params["estimates"]:
        key = e["source"], e["quantity"]
        if e["kind"] == "lognormal":
            x[key] = e["median"] * np.exp(e["sigma"] * z[key])
        else:  # at_least: floor * (1 + V), V lognormal
            x[key] = e["bound"] * (1 + e["median_excess"] * np.exp(e["sigma"] * z[key]))
    # Linear pool: each draw takes the first member's (sorted by id) or the second's.
    pool = params["pool"]
    (a, b), (w_a, w_b), quantity = pool["members"], pool["weights"], pool["quantity"]
    take_b = rng.random(k) >= w_a / (w_a + w_b)
    x["pooled", quantity] = np.where(take_b, x[b, quantity], x[a, quantity])
    return x


def view_masks(x, n):
    """Per view, which of the `n` candidates in `x` meet every constraint it sees."""
    ok = {}
    for view, use in VIEWS.items():
        ok[view] = np.ones(n, dtype=bool)
        for left, right in CONSTRAINTS:
            ok[view] &= x[use[left], left] <= x[use[right], right]
    return ok


def by_hand(params, n):
    """The seed model in plain numpy: draws of every (view, variable) row and their summary.

    Returns each view's rows (its kept draws), the summary of every (variable, view) row,
    and per view ``(kept, candidates)``: how many of the `n` candidates it keeps, and `n`.
    """
    rng = np.random.default_rng(params["seed"])
    x = candidates(rng, params, n)  # the same n candidates for every view, drawn once
    ok = view_masks(x, n)
    acceptance = {view: (int(np.count_nonzero(mask)), n) for view, mask in ok.items()}
    worst = min(kept for kept, _ in acceptance.values()) / n
    if worst < MIN_ACCEPTANCE:
        raise RuntimeError(f"constraints hold in only {worst:.2%} of some view's candidates")

    levels = params["levels"]
    tails = np.array([[(1 - p) / 2, (1 + p) / 2] for p in levels])
    probs = np.concatenate([[0.5], tails.ravel()])  # median, then each ETI's two ends
    draws = {}
    summary = {}
    for view, use in VIEWS.items():
        k = acceptance[view][0]  # the view's draws: the candidates it keeps
        q = {quantity: x[source, quantity][ok[view]] for quantity, source in use.items()}
        rows = dict(q)
        rows["kia_ratio"] = q["ru.kia"] / q["ua.kia"]
        rows["casualty_ratio"] = q["ru.casualties"] / q["ua.casualties"]
        rows["ua_survival"] = 1 - q["ua.kia"] / q["ua.casualties"]
        rows["ru_survival"] = 1 - q["ru.kia"] / q["ru.casualties"]
        draws[view] = rows
        for variable, row in rows.items():
            s = np.sort(row)
            # Quantiles by linear interpolation between order statistics (np.quantile's way).
            h = (k - 1) * probs
            lo = np.floor(h).astype(np.intp)
            hi = np.minimum(lo + 1, k - 1)
            quantiles = s[lo] + (h - lo) * (s[hi] - s[lo])
            # Quantile MCSE: half the gap between the order statistics one binomial sd
            # either side of rank k p.
            half = np.sqrt(k * probs * (1 - probs))
            r_lo = np.clip(np.floor(k * probs - half).astype(np.intp), 0, k - 1)
            r_hi = np.clip(np.ceil(k * probs + half).astype(np.intp), 0, k - 1)
            mcse = (s[r_hi] - s[r_lo]) / 2
            # HDI: the narrowest window holding floor(p k) draws.
            hdi = np.empty((len(levels), 2))
            for j, p in enumerate(levels):
                span = min(math.floor(p * k), k - 1)
                i = int(np.argmin(s[span:] - s[: k - span]))
                hdi[j] = s[i], s[i + span]
            mean = s.mean()
            sd = s.std(ddof=1)
            summary[variable, view] = {
                "median": quantiles[0], "mean": mean, "sd": sd,
                "mcse_median": mcse[0], "mcse_mean": sd / math.sqrt(k), "valid": k,
                "eti": quantiles[1:].reshape(-1, 2), "mcse_eti": mcse[1:].reshape(-1, 2),
                "hdi": hdi,
            }
    return draws, summary, acceptance


# -- the package -------------------------------------------------------------------------------
def load_model():
    import uncertainty

    # The package's names load on first use; resolve simulate now so that importing the
    # pipeline (xarray, ...) is part of setup, not of the first timed run.
    assert callable(uncertainty.simulate)
    return uncertainty.load_config(CONFIG).model


def run_package(model, n, compare=False, threads=1):
    """The package's draws and summary: the same work as `by_hand` (compare=False), or
    the whole run stage, with the consensus view and the comparison of views (True).

    The hand version has no consensus, so without `compare` the model's consensus laws are
    set to none: the run draws and summarizes `by_hand`'s 5 views, identical to the same
    views of a run with the consensus (named streams; the consensus view adds its own).
    """
    import uncertainty

    sized = dataclasses.replace(model, run=dataclasses.replace(model.run, draws=n))
    if not compare:
        sized = dataclasses.replace(sized, consensus_laws=())
    return uncertainty.simulate(sized, compare=compare, threads=threads)


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


def child(impl: str, n: int, repeat: int, params: dict[str, Any] | None,
          threads: int = 1) -> None:
    """Time one implementation at `n` draws in this (fresh) process; print a JSON line."""
    if impl in ("package", "package+compare"):
        model = load_model()
        work = functools.partial(run_package, model, n, impl == "package+compare", threads)
    else:
        work = functools.partial(by_hand, params, n)
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


def measure(impl: str, n: int, repeat: int, params: dict[str, Any],
            threads: int = 1) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", impl,
           "--draws", str(n), "--repeat", str(repeat), "--threads", str(threads)]
    if impl == "numpy":
        cmd += ["--params", json.dumps(params)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{impl} at N={n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def acceptance_failures(run, acceptance, other: str) -> list[str]:
    """How the package's constraint counts break the rule both versions follow, and the
    views whose acceptance rate differs from the package's by more than 5 binomial SEs.

    `acceptance` maps view -> (kept, candidates) of the `other` implementation. Under the
    rule both follow, every view reads the same N candidates (N the run's draws) and keeps
    those meeting its constraints, so the package's counts are checked exactly: each view's
    ``candidates`` is N, its ``overall`` rate is ``accepted / candidates``, and each of its
    rows has ``accepted`` valid draws (the rejected ones are not counted as ``invalid``;
    this model's quantities are positive, so no kept draw is NaN or infinite). The rates
    are then compared statistically: each is a share of N independent candidates.
    """
    failures = []
    counts, summary = run.acceptance, run.summary
    for view, (kept, m) in acceptance.items():
        accepted = int(counts["accepted"].sel(view=view))
        m_theirs = int(counts["candidates"].sel(view=view))
        theirs = float(counts["overall"].sel(view=view))
        if m_theirs != m:
            failures.append(f"{view}: package read {m_theirs:,} candidates, {other} {m:,}")
        if theirs != accepted / m_theirs:
            failures.append(f"{view}: package overall {theirs!r} is not accepted / "
                            f"candidates = {accepted:,} / {m_theirs:,}")
        rows = summary.sel(view=view)
        if not ((rows["valid"] == accepted).all() and (rows["invalid"] == 0).all()):
            failures.append(f"{view}: package valid counts {rows['valid'].values.tolist()}, "
                            f"invalid {rows['invalid'].values.tolist()}; accepted {accepted:,}")
        rate = kept / m
        se = math.hypot(math.sqrt(rate * (1 - rate) / m),
                        math.sqrt(theirs * (1 - theirs) / m_theirs))
        if abs(rate - theirs) > 5 * se:
            failures.append(f"{view} acceptance: package {theirs:.4%}, {other} {rate:.4%}")
    return failures


def acceptance_line(run, acceptance) -> str:
    """Each view's acceptance rate, the package's / the other's, for the sanity-check line."""
    return ", ".join(f"{v} {float(run.acceptance['overall'].sel(view=v)):.2%}/{kept / m:.2%}"
                     for v, (kept, m) in acceptance.items())


def sanity_check(model, params: dict[str, Any], n: int = 10**5) -> None:
    """Both versions agree statistically at `n` draws, or exit 1."""
    run = run_package(model, n)
    summary = run.summary
    _, mine, acceptance = by_hand(params, n)
    failures = []
    if len(mine) != summary.sizes["variable"] * summary.sizes["view"]:
        failures.append(f"{len(mine)} rows by hand, {summary.sizes} in the package")
    for (variable, view), stats in mine.items():
        theirs = summary.sel(variable=variable, view=view)
        pairs = [("median", float(theirs["median"]), stats["median"],
                  float(theirs["mcse_median"]), stats["mcse_median"])]
        for j, level in enumerate(params["levels"]):
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
    for (variable, view), stats in mine.items():  # by hand: every kept draw is valid
        if stats["valid"] != acceptance[view][0]:
            failures.append(f"{variable}/{view}: numpy summarized {stats['valid']:,} draws, "
                            f"kept {acceptance[view][0]:,}")
    failures += acceptance_failures(run, acceptance, "numpy")
    a = float(summary["median"].sel(variable="kia_ratio", view="us_intel"))
    b = mine["kia_ratio", "us_intel"]["median"]
    rel = abs(a - b) / a
    if rel > 0.01:
        failures.append(f"kia_ratio/us_intel median: package {a:.6g}, numpy {b:.6g}")
    if failures:
        print(f"sanity check FAILED at N={n:,}:", *failures, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"sanity check passed at N={n:,}: kia_ratio median (view us_intel) package {a:.4f}, "
          f"numpy {b:.4f} ({rel:.3%} apart); median and ETI ends of all {len(mine)} rows "
          f"within 5 MCSE; package counts N candidates per view, valid = accepted; "
          f"acceptance (kept / N) package/numpy within 5 SE: "
          f"{acceptance_line(run, acceptance)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", default="100000,1000000,10000000",
                        help="comma-separated draw counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per measurement; the best time is kept (default: 3)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="also time the package with this many threads "
                             "(default: every core, %(default)s; 1: skip)")
    parser.add_argument("--check-only", action="store_true",
                        help="run only the sanity check (at 10**5 draws), no timing")
    parser.add_argument("--child", choices=("package", "package+compare", "numpy"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(float(d)) for d in args.draws.split(",")]
    if args.repeat < 1 or any(n < 2 for n in sizes) or args.threads < 1:
        parser.error("--repeat and --threads must be at least 1 and every --draws at least 2")
    if args.child:
        child(args.child, sizes[0], args.repeat,
              json.loads(args.params) if args.params else None, args.threads)
        return

    model = load_model()
    params = model_params(model)  # untimed: parameters for the hand version, as JSON
    sanity_check(model, params)
    if args.check_only:
        return
    del model
    gc.collect()
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}, best of {args.repeat}; "
          "each measurement in a fresh process")
    threads = args.threads
    many = (f"  {f'package {threads} threads ns/draw':>26}  {'speedup':>7}"
            if threads > 1 else "")
    header = (f"{'N':>12}  {'package ns/draw':>15}  {'numpy ns/draw':>13}  "
              f"{'package/numpy':>13}  {'(CPU time)':>10}  {'package peak MiB':>16}  "
              f"{'numpy peak MiB':>14}  {'+compare ns/draw':>16}{many}")
    print(header)
    print("-" * len(header))
    base = {}
    for n in sizes:
        pkg = measure("package", n, args.repeat, params)
        ref = measure("numpy", n, args.repeat, params)
        full = measure("package+compare", n, args.repeat, params)
        base = {"package": pkg["base_mib"], "numpy": ref["base_mib"]}
        t_pkg, t_ref = min(pkg["times"]), min(ref["times"])
        cpu_ratio = min(pkg["cpu"]) / min(ref["cpu"])
        line = (f"{n:>12,}  {t_pkg / n * 1e9:>15.1f}  {t_ref / n * 1e9:>13.1f}  "
                f"{t_pkg / t_ref:>13.2f}  {cpu_ratio:>10.2f}  {pkg['peak_mib']:>16,.0f}  "
                f"{ref['peak_mib']:>14,.0f}  {min(full['times']) / n * 1e9:>16.1f}")
        if threads > 1:
            t_many = min(measure("package", n, args.repeat, params, threads)["times"])
            line += f"  {t_many / n * 1e9:>26.1f}  {t_pkg / t_many:>7.2f}"
        print(line, flush=True)
    print("package/numpy compares the same work (draws, copula, constraints, metrics, "
          "summary of 5 views), both in one thread; +compare is what `uncertainty run` "
          "simulates: it adds the consensus view and the comparison of views, which the "
          "hand version does not do"
          + (f"; speedup is package (1 thread) over package ({threads} threads)"
             if threads > 1 else ""))
    print(f"peak RSS includes the interpreter and imports: {base['package']:,.0f} MiB with the "
          f"package imported, {base['numpy']:,.0f} MiB with numpy alone")


if __name__ == "__main__":
    main()
