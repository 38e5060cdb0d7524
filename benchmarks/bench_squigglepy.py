"""Speed and memory of `uncertainty.simulate` against squigglepy on the same model.

squigglepy (https://github.com/rethinkpriorities/squigglepy) is a Python port of Squiggle.
It is installed for this benchmark only, never as a dependency of the package::

    .venv/bin/pip install squigglepy

What is compared
----------------
The model of ``configs/seed-article-2025.toml`` (see ``bench_seed_model.py``, whose
parameter reader `model_params`, view table and measuring helpers this script reuses): 5
estimates from 3 graded sources, two rank correlations (rho 0.4), a linear pool of
``ua.kia``, two constraints, 5 views and 4 metrics.

package
    ``uncertainty.simulate(model with run.draws = N, compare=False, threads=1)``, with the
    consensus view left out as squigglepy's version has none (`run_package`); with
    ``compare=True``, as `uncertainty run` simulates (the consensus view and the
    comparison of views, which squigglepy's version does not do), in one thread
    (``+compare``); and with its default settings (``default``: the same, on every core;
    squigglepy has no threads to give it).
squigglepy
    The same model written the way squigglepy is meant to be used, with the parameters of
    the package's built distributions (read from the package in untimed setup, in the parent
    process, and handed to the child as JSON: the squigglepy child never imports the
    package):

    - every lognormal estimate as ``sq.lognorm(lo, hi)``, ``[lo, hi]`` the package's 90%
      interval of it (squigglepy's ``(lo, hi)`` is a 90% credible interval by default; its
      log-mean and log-sd come out as the package's median and sigma, checked before
      timing);
    - ``us_intel``'s ``at_least`` floor as ``8000 * (1 + sq.lognorm(lo, hi))``, ``[lo, hi]``
      the 90% interval of the undercount excess (0.05 to 0.8);
    - the two correlations with ``sq.correlate((a, b), 0.4)``;
    - the linear pool of ``ua.kia`` as ``sq.mixture([us_intel, western],
      relative_weights=[w_us, w_western])`` (the weights the sources' grades give);
    - each estimate drawn with ``sq.sample(dist, n=N, verbose=False)``: N candidates, the
      same for every view; each view's constraint mask in numpy; the 4 metrics in numpy on
      each view's kept draws; per metric and view the median and ETI ends of those draws
      with ``sq.get_percentiles`` (``np.percentile``).

What squigglepy does and does not do of the package's work
----------------------------------------------------------
Does: the lognormal draws (numpy's ``Generator.lognormal``), the floor arithmetic (its
operator tree), the correlations, the mixture, the percentiles.

Does differently:

- Correlation: squigglepy's ``correlate`` is Iman-Conover: it draws the marginals
  independently, ranks them (``scipy.stats.rankdata``), mixes their van der Waerden
  (normal) scores to Pearson correlation rho with Cholesky factors, reorders each marginal
  by the ranks of the mixed scores (``np.unique`` of both rank vectors), then checks that
  the Spearman correlation is within 0.05 of rho (``scipy.stats.spearmanr``). Normal
  scores with Pearson 0.4 have Spearman ``(6/pi) asin(0.2)`` = 0.383, so asked for 0.4 it
  gives about 0.38 (printed by the sanity check). The package's Gaussian copula gives Spearman
  exactly rho in expectation: it uses the normal correlation ``2 sin(pi rho / 6)`` = 0.416.
- The pool: a squigglepy distribution is sampled afresh wherever it is sampled, so the
  mixture draws its own ``us_intel`` and ``western`` values, independent of the ``us_intel``
  ``ua.kia`` draws paired with ``ru.kia``. In the package a pooled draw *is* the member's
  draw, so when the pool picks ``us_intel`` its ``ua.kia`` keeps the 0.4 correlation with
  ``ru.kia``. Only ``kia_ratio`` in the views that use the pool (``article_totals``,
  ``pooled``) differs for this reason: squigglepy's 90% interval is about 8% wider on the
  log scale (printed by the sanity check). The mixture is built from the *uncorrelated*
  ``us_intel`` marginal: sampling the correlated copy would only rerun the Iman-Conover
  step (squigglepy resamples the whole correlated group) for the same statistics, so this
  is the cheaper, equivalent form. squigglepy picks the mixture's member draw by draw in a
  Python loop (``bisect`` per draw) for N > 100.
- ``sq.sample``'s default at ``n >= 10**6`` prints tqdm progress bars; ``verbose=False``
  turns them off so that they are not timed.

Does not (done here in numpy, and timed as part of the squigglepy version):

- constraints: squigglepy has none. As the package does, every view reads the same N
  candidates (drawn once with ``sq.sample``, correlation included) and keeps those that
  meet both of its constraints (``ua.kia <= ua.casualties``, ``ru.kia <= ru.casualties``,
  about 97.5% do), a boolean mask per view; a view has about N times its acceptance rate
  of draws, and its acceptance rate is kept / N (under 1% stops the run, as in the
  package);
- views: squigglepy has no notion of sources, views or scenarios; the 5 views are index
  bookkeeping in numpy over the same candidate draws;
- metrics: numpy arithmetic on each view's kept draws. (Sampling ``ru_kia / ua_kia`` with
  ``sq.sample`` would draw its operands afresh, so the metrics would not share draws with
  each other or with the constraint check.)

Does not at all (the package does, inside the timed call): named, blocked random streams;
the ``(view, draw)`` xarray Dataset (rejected candidates NaN in it); summaries of the 4
quantities as well as the 4 metrics (40 rows, 24 distinct, against squigglepy's 20 metric
rows), with the mean, sd, HDIs, Monte Carlo standard errors and counts of valid and
invalid draws; with ``compare=True``, the consensus view (the sources of ``ua.kia``
synthesized: importance draws and a sixth view) and P(A > B) over the candidates both views
keep, overlap coefficients, claim percentiles and thresholds.

Before timing, both are run at 10**5 draws and compared: squigglepy's ``lognorm(lo, hi)``
has the package's median and log-sd (to 1e-9); the kia_ratio median of view us_intel
within 2%; the median and every ETI end of all 20 (metric, view) rows within 5 combined
Monte Carlo standard errors (the package's MCSE times sqrt 2: about as many kept draws,
near-identical distributions), the two pooled kia_ratio rows with the pool formed from
squigglepy's own member draws as the package forms it (squigglepy's ``sq.mixture`` figures
are printed beside them); each view's acceptance rate (kept over the N candidates) within
5 binomial standard errors, and the package's counts exactly as in ``bench_seed_model.py``
(N candidates per view, ``valid`` = ``accepted``). The script exits 1 if that fails;
``--check-only`` runs just this check. It also prints the Spearman correlations squigglepy
achieved.

Timing: each (implementation, N) in a fresh subprocess, best of ``--repeat`` runs, wall
clock and CPU time, peak RSS (VmHWM, which includes the interpreter and imports), as in
``bench_seed_model.py``. 10**7 draws are run for squigglepy only when ten times its best
10**6 time is under ``--limit`` seconds (default 120), and its runs stop at the first that
takes longer. Then the wall time of whole processes, best of ``--repeat``: ``uncertainty
run`` of the seed config at 10**5 draws without plots into a temporary folder, ``uncertainty
--help``, and ``python -c "import numpy, scipy.stats, xarray"`` (the package's heavy
imports) and ``python -c "import squigglepy"`` for reference.

How to run
----------
From the repository root::

    make bench
    .venv/bin/python benchmarks/bench_squigglepy.py
    .venv/bin/python benchmarks/bench_squigglepy.py --draws 100000,1000000 --repeat 5
    .venv/bin/python benchmarks/bench_squigglepy.py --check-only
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_seed_model import (
    MIN_ACCEPTANCE,
    VIEWS,
    acceptance_failures,
    acceptance_line,
    load_model,
    model_params,
    peak_rss_mib,
    run_package,
    view_masks,
)

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "seed-article-2025.toml"
BIN = Path(sys.executable).parent
INSTALL = f"{os.path.relpath(BIN / 'pip')} install squigglepy"
METRICS = {  # name: (numerator, denominator, survival: 1 - ratio)
    "kia_ratio": ("ru.kia", "ua.kia", False),
    "casualty_ratio": ("ru.casualties", "ua.casualties", False),
    "ua_survival": ("ua.kia", "ua.casualties", True),
    "ru_survival": ("ru.kia", "ru.casualties", True),
}
# Rows where squigglepy's fresh draws for the mixture change the model (see the docstring).
POOL_ROWS = {("kia_ratio", view) for view, use in VIEWS.items() if use["ua.kia"] == "pooled"}
Z95 = statistics.NormalDist().inv_cdf(0.95)


def require_squigglepy() -> None:
    """Exit with how to install squigglepy when it is not importable."""
    try:
        import squigglepy  # noqa: F401
    except ImportError as exc:
        sys.exit(f"squigglepy is not importable ({exc}); it is needed only for this "
                 f"benchmark, not by the package. Install it with:\n    {INSTALL}")


# -- parameters, read from the package's built model (untimed setup) ---------------------------
def squigglepy_params(model) -> dict[str, Any]:
    """`model_params` plus each estimate's 90% interval, as the package's built model has it.

    For a lognormal the interval of the estimate; for the ``at_least`` floor the interval of
    the excess ``V`` in ``floor * (1 + V)``. Checked against the package's quantile functions.
    """
    params = model_params(model)
    for e in params["estimates"]:
        dist = model.source(e["source"]).estimate(e["quantity"]).distribution
        center = e["median"] if e["kind"] == "lognormal" else e["median_excess"]
        lo, hi = (center * math.exp(s * Z95 * e["sigma"]) for s in (-1, 1))
        e["ci90"] = [lo, hi]
        if e["kind"] == "lognormal":
            expected = lo, hi
        else:
            expected = e["bound"] * (1 + lo), e["bound"] * (1 + hi)
        got = float(dist.ppf(0.05)), float(dist.ppf(0.95))
        if not np.allclose(got, expected, rtol=1e-9, atol=0):
            sys.exit(f"{e['source']} {e['quantity']}: 90% interval {expected}, package {got}")
    return params


# -- the squigglepy version ----------------------------------------------------------------------
def squigglepy_model(sq, params: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The seed model as squigglepy distributions, keyed (source, quantity) and
    ("pooled", quantity)."""
    dists = {}
    for e in params["estimates"]:
        lo, hi = e["ci90"]
        if e["kind"] == "lognormal":
            dist = sq.lognorm(lo, hi)
        else:  # at_least: floor * (1 + V), V lognormal
            dist = e["bound"] * (1 + sq.lognorm(lo, hi))
        dists[e["source"], e["quantity"]] = dist
    pool = params["pool"]
    quantity = pool["quantity"]
    # Built before the correlations: a mixture draws its members afresh anyway.
    pooled = sq.mixture([dists[m, quantity] for m in pool["members"]],
                        relative_weights=pool["weights"])
    for c in params["correlations"]:
        first, second = tuple(c["first"]), tuple(c["second"])
        dists[first], dists[second] = sq.correlate((dists[first], dists[second]), c["rho"])
    dists["pooled", quantity] = pooled
    return dists


def sq_candidates(sq, dists, k: int, phases: dict[str, float]) -> dict[tuple[str, str], Any]:
    """`k` draws of every distribution; each correlated pair is sampled consecutively, so
    the second takes the draws squigglepy stored when it sampled the first."""
    out = {}
    for key, dist in dists.items():
        start = time.perf_counter()
        out[key] = np.asarray(sq.sample(dist, n=k, verbose=False), dtype=float)
        phase = "sq.sample mixture" if key[0] == "pooled" else "sq.sample estimates"
        phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - start
    leftover = [key for key, d in dists.items() if getattr(d, "_correlated_samples", None)
                is not None]
    assert not leftover, f"unconsumed correlated draws: {leftover}"
    return out


def by_squigglepy(params: dict[str, Any], n: int, phases: dict[str, float] | None = None):
    """The seed model in squigglepy: per (metric, view) the median and ETI ends of the
    view's kept draws; per view ``(kept, candidates)``; and, for the sanity check, the `n`
    candidate draws."""
    import squigglepy as sq

    phases = {} if phases is None else phases
    sq.set_seed(params["seed"])
    dists = squigglepy_model(sq, params)
    x = sq_candidates(sq, dists, n, phases)  # the same n candidates for every view, once
    ok = view_masks(x, n)
    acceptance = {view: (int(np.count_nonzero(mask)), n) for view, mask in ok.items()}
    worst = min(kept for kept, _ in acceptance.values()) / n
    if worst < MIN_ACCEPTANCE:
        raise RuntimeError(f"constraints hold in only {worst:.2%} of some view's candidates")

    levels = params["levels"]
    percentiles = [50.0] + [round(100 * t, 10) for p in levels
                            for t in ((1 - p) / 2, (1 + p) / 2)]
    summary = {}
    for view, use in VIEWS.items():
        q = {quantity: x[source, quantity][ok[view]]  # the candidates the view keeps
             for quantity, source in use.items()}
        for metric, (top, bottom, survival) in METRICS.items():
            row = q[top] / q[bottom]
            if survival:
                row = 1 - row
            start = time.perf_counter()
            values = list(sq.get_percentiles(row, percentiles=percentiles).values())
            phases["sq.get_percentiles"] = (phases.get("sq.get_percentiles", 0.0)
                                            + time.perf_counter() - start)
            summary[metric, view] = {"median": values[0],
                                     "eti": np.reshape(values[1:], (-1, 2))}
    return summary, acceptance, x


# -- measurement -------------------------------------------------------------------------------
def child(impl: str, n: int, repeat: int, params: dict[str, Any] | None,
          limit: float) -> None:
    """Time one implementation at `n` draws in this (fresh) process; print a JSON line."""
    phases: dict[str, float] = {}
    if impl in ("package", "package+compare", "default"):
        model = load_model()
        work = functools.partial(run_package, model, n, impl != "package",
                                 None if impl == "default" else 1)
    else:
        import squigglepy  # noqa: F401  (import is setup, not timed)

        assert params is not None
        work = functools.partial(by_squigglepy, params, n, phases)
    base = peak_rss_mib()
    times, cpu, best_phases = [], [], {}
    for _ in range(repeat):
        gc.collect()
        phases.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del result
        if times[-1] == min(times) and impl == "squigglepy":
            best_phases = dict(phases)
            best_phases["numpy (constraints, views, metrics)"] = (
                times[-1] - sum(phases.values()))
        if times[-1] > limit:
            break
    print(json.dumps({"times": times, "cpu": cpu, "peak_mib": peak_rss_mib(),
                      "base_mib": base, "phases": best_phases}))


def measure(impl: str, n: int, repeat: int, params: dict[str, Any],
            limit: float) -> dict[str, Any]:
    """Run `child` in a fresh process and return what it printed."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", impl,
           "--draws", str(n), "--repeat", str(repeat), "--limit", str(limit)]
    if impl == "squigglepy":
        cmd += ["--params", json.dumps(params)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{impl} at N={n} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wall_time(cmd: list[str], repeat: int) -> float:
    """Best wall-clock time of `repeat` runs of `cmd` as a whole process, seconds."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
        best = min(best, elapsed)
    return best


def spearman(a, b) -> float:
    """Spearman rank correlation of two samples without ties."""
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def _eti_summary(row, levels) -> dict[str, Any]:
    """Median and ETI ends of `row` (np.percentile, as sq.get_percentiles)."""
    tails = [100 * t for p in levels for t in ((1 - p) / 2, (1 + p) / 2)]
    values = np.percentile(row, [50.0, *tails])
    return {"median": values[0], "eti": values[1:].reshape(-1, 2)}


def same_draw_pool(params: dict[str, Any], x) -> dict[tuple[str, str], Any]:
    """Summaries of the `POOL_ROWS` with the pool formed as the package forms it: each pooled
    draw *is* a member's draw (here squigglepy's candidates, picked by weight with numpy),
    over the candidates the view keeps."""
    pool = params["pool"]
    (a, b), (w_a, w_b), quantity = pool["members"], pool["weights"], pool["quantity"]
    n = len(x[a, quantity])
    take_b = np.random.default_rng(params["seed"]).random(n) >= w_a / (w_a + w_b)
    same = dict(x)
    same["pooled", quantity] = np.where(take_b, x[b, quantity], x[a, quantity])
    ok = view_masks(same, n)
    out = {}
    for metric, view in POOL_ROWS:
        use = VIEWS[view]
        top, bottom, survival = METRICS[metric]
        row = same[use[top], top][ok[view]] / same[use[bottom], bottom][ok[view]]
        out[metric, view] = _eti_summary(1 - row if survival else row, params["levels"])
    return out


def sanity_check(model, params: dict[str, Any], n: int = 10**5) -> None:
    """The package and squigglepy agree statistically at `n` draws, or exit 1.

    The rows where squigglepy's mixture draws afresh (`POOL_ROWS`) are checked with the
    pool formed from the same draws, as the package forms it; squigglepy's own figures for
    them are printed beside.
    """
    import squigglepy as sq

    for e in params["estimates"]:  # squigglepy's lognorm(lo, hi) is the package's lognormal
        d = sq.lognorm(*e["ci90"])
        center = e["median"] if e["kind"] == "lognormal" else e["median_excess"]
        if not np.allclose([math.exp(d.norm_mean), d.norm_sd], [center, e["sigma"]],
                           rtol=1e-9, atol=0):
            sys.exit(f"sq.lognorm{tuple(e['ci90'])} has median {math.exp(d.norm_mean)}, "
                     f"sigma {d.norm_sd}; the package {center}, {e['sigma']}")
    run = run_package(model, n)
    summary = run.summary
    mine, acceptance, x = by_squigglepy(params, n)
    same = same_draw_pool(params, x)
    failures = []
    for (metric, view), stats in (mine | same).items():
        theirs = summary.sel(variable=metric, view=view)
        pairs = [("median", float(theirs["median"]), stats["median"],
                  float(theirs["mcse_median"]))]
        for j, level in enumerate(params["levels"]):
            for col, bound in enumerate(("lower", "upper")):
                pairs.append((f"eti{level:g} {bound}",
                              float(theirs["eti"].sel(level=level, ci_bound=bound)),
                              stats["eti"][j, col],
                              float(theirs["mcse_eti"].sel(level=level, ci_bound=bound))))
        for what, a, b, se in pairs:
            if abs(a - b) > 5 * math.sqrt(2) * se:
                failures.append(f"{metric}/{view} {what}: package {a:.6g}, squigglepy "
                                f"{b:.6g}, package MCSE {se:.3g}")
    failures += acceptance_failures(run, acceptance, "squigglepy")
    a = float(summary["median"].sel(variable="kia_ratio", view="us_intel"))
    b = mine["kia_ratio", "us_intel"]["median"]
    rel = abs(a - b) / a
    if rel > 0.02:
        failures.append(f"kia_ratio/us_intel median: package {a:.6g}, squigglepy {b:.6g}")
    if failures:
        print(f"sanity check FAILED at N={n:,}:", *failures, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"sanity check passed at N={n:,}: kia_ratio median (view us_intel) package "
          f"{a:.4f}, squigglepy {b:.4f} ({rel:.3%} apart); median and ETI ends of all "
          f"{len(mine)} (metric, view) rows within 5 MCSE (the {len(POOL_ROWS)} pooled "
          "kia_ratio rows with a same-draw pool, below); package counts N candidates per "
          "view, valid = accepted; acceptance (kept / N) package/squigglepy within 5 SE: "
          + acceptance_line(run, acceptance))
    for c in params["correlations"]:
        first, second = tuple(c["first"]), tuple(c["second"])
        drawn = spearman(x[first], x[second])
        print(f"  Spearman({first[1]}, {second[1]}) of {first[0]}, asked {c['rho']:g}: "
              f"squigglepy's Iman-Conover draws {drawn:.3f} (the package's copula: "
              f"{c['rho']:g} in expectation)")
    j = params["levels"].index(0.9)
    for key in sorted(POOL_ROWS):
        theirs = summary.sel(variable=key[0], view=key[1])
        lo, hi = (float(theirs["eti"].sel(level=0.9, ci_bound=b)) for b in ("lower", "upper"))
        med, (slo, shi) = mine[key]["median"], mine[key]["eti"][j]
        pmed, (plo, phi) = same[key]["median"], same[key]["eti"][j]
        print(f"  {key[0]}/{key[1]}: median [90% ETI] package {float(theirs['median']):.2f} "
              f"[{lo:.2f}, {hi:.2f}]; squigglepy with sq.mixture {med:.2f} [{slo:.2f}, "
              f"{shi:.2f}] ({math.log(shi / slo) / math.log(hi / lo) - 1:+.1%} log-width: "
              f"its us_intel member drawn afresh, uncorrelated with ru.kia); squigglepy's "
              f"draws pooled as the package pools {pmed:.2f} [{plo:.2f}, {phi:.2f}]")


def main() -> None:
    """Check agreement, time both at each N, then time whole processes; print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", default="100000,1000000,10000000",
                        help="comma-separated draw counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per measurement; the best time is kept (default: 3)")
    parser.add_argument("--limit", type=float, default=120.0,
                        help="longest squigglepy run allowed, seconds; larger N are skipped "
                             "when ten times the last N's best time exceeds it "
                             "(default: %(default)s)")
    parser.add_argument("--check-only", action="store_true",
                        help="run only the sanity check (at 10**5 draws), no timing")
    parser.add_argument("--child", choices=("package", "package+compare", "default",
                                            "squigglepy"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(float(d)) for d in args.draws.split(",")]
    if args.repeat < 1 or any(n < 1_000 for n in sizes):
        parser.error("--repeat must be at least 1 and every --draws at least 1000")
    if args.child:
        child(args.child, sizes[0], args.repeat,
              json.loads(args.params) if args.params else None, args.limit)
        return

    require_squigglepy()
    import squigglepy

    model = load_model()
    params = squigglepy_params(model)  # untimed: the parameters, as JSON
    sanity_check(model, params)
    if args.check_only:
        return
    del model
    gc.collect()
    print(f"squigglepy {squigglepy.__version__}, numpy {np.__version__}, Python "
          f"{sys.version.split()[0]}, best of {args.repeat}; each measurement in a fresh process")
    header = (f"{'N':>12}  {'package ns/draw':>15}  {'squigglepy ns/draw':>18}  "
              f"{'package/squigglepy':>18}  {'(CPU time)':>10}  {'package peak MiB':>16}  "
              f"{'squigglepy peak MiB':>19}  {'+compare ns/draw':>15}  "
              f"{'+compare/squigglepy':>18}  {'default ns/draw':>15}  "
              f"{'default/squigglepy':>18}")
    print(header)
    print("-" * len(header))
    base, phases, last = {}, {}, None
    for n in sizes:
        if last is not None and last[1] / last[0] * n > args.limit:
            print(f"{n:>12,}  skipped: squigglepy would take about {last[1] / last[0] * n:.0f} s "
                  f"per run (its best at N={last[0]:,} scaled), over --limit {args.limit:g} s")
            continue
        pkg = measure("package", n, args.repeat, params, args.limit)
        ref = measure("squigglepy", n, args.repeat, params, args.limit)
        full = measure("package+compare", n, args.repeat, params, args.limit)
        every = measure("default", n, args.repeat, params, args.limit)
        base = {"package": pkg["base_mib"], "squigglepy": ref["base_mib"]}
        t_pkg, t_ref, t_full = min(pkg["times"]), min(ref["times"]), min(full["times"])
        t_every = min(every["times"])
        last = n, t_ref
        phases[n] = ref["phases"], t_ref
        cpu_ratio = min(pkg["cpu"]) / min(ref["cpu"])
        note = ""
        if t_ref > args.limit:
            note = f"  (squigglepy stopped after {len(ref['times'])} run(s) over --limit)"
        print(f"{n:>12,}  {t_pkg / n * 1e9:>15.1f}  {t_ref / n * 1e9:>18.1f}  "
              f"{t_pkg / t_ref:>18.3f}  {cpu_ratio:>10.3f}  {pkg['peak_mib']:>16,.0f}  "
              f"{ref['peak_mib']:>19,.0f}  {t_full / n * 1e9:>15.1f}  "
              f"{t_full / t_ref:>18.3f}  {t_every / n * 1e9:>15.1f}  "
              f"{t_every / t_ref:>18.3f}{note}", flush=True)
    print("package = simulate(compare=False, threads=1) of the same 5 views; +compare = "
          "simulate(threads=1), as uncertainty run simulates, which adds the consensus view "
          "and the comparison of views; default = simulate(), its default settings: the "
          "same, on every core (squigglepy uses one); ratios below 1 mean the package is "
          "faster")
    print(f"peak RSS includes the interpreter and imports: {base['package']:,.0f} MiB with the "
          f"package imported, {base['squigglepy']:,.0f} MiB with squigglepy imported")
    for n, (split, total) in phases.items():
        print(f"squigglepy at N={n:,}, best run {total:.3f} s: "
              + ", ".join(f"{k} {v:.3f} s ({v / total:.0%})" for k, v in split.items()))

    with tempfile.TemporaryDirectory(prefix="bench-squigglepy-") as tmp:
        run_cmd = [str(BIN / "uncertainty"), "run", str(CONFIG), "--draws", "100000",
                   "--no-plots", "--out", str(Path(tmp) / "results")]
        rows = [
            ('python -c "import numpy, scipy.stats, xarray"',
             [sys.executable, "-c", "import numpy, scipy.stats, xarray"]),
            ('python -c "import squigglepy"', [sys.executable, "-c", "import squigglepy"]),
            ("uncertainty --help", [str(BIN / "uncertainty"), "--help"]),
            ("uncertainty run seed-article-2025.toml --draws 100000 --no-plots --out TMP",
             run_cmd),
        ]
        times = {label: wall_time(cmd, args.repeat) for label, cmd in rows}
    reference = times[rows[0][0]]
    print()
    print(f"whole processes, wall clock, best of {args.repeat}")
    width = max(len(label) for label in times)
    print(f"{'command':<{width}}  {'seconds':>8}  {'/ imports':>9}")
    print("-" * (width + 21))
    for label, seconds in times.items():
        print(f"{label:<{width}}  {seconds:>8.3f}  {seconds / reference:>9.2f}")
    print("/ imports: the time over that of importing numpy, scipy.stats and xarray alone")


if __name__ == "__main__":
    main()
