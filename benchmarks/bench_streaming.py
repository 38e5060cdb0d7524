"""Streaming against in-memory runs, and the Dask engine against the local one.

What is measured
----------------
The model of ``configs/seed-article-2025.toml`` (5 views, 4 metrics, two constraints,
two copula correlations, a linear pool) at a fixed number of draws, each run in a fresh
subprocess so that its peak RSS (VmHWM) is its own, best of ``--repeat`` runs:

memory
    ``simulate(model, threads=T, stream=False)``: every draw in memory, then the summary
    and the comparison of views.
stream
    ``simulate(model, threads=T, stream=True)``: the passes of `uncertainty.streaming` on
    the local engine (T threads): the prefix, the summing pass (with each view's count of
    the candidates it keeps and the comparison's counts), one or two passes for the order
    statistics.
dask
    ``simulate(model, engine=E)`` with E a 2-process ``LocalCluster`` opened before the
    clock starts (``dask``), and ``simulate(model, engine="dask")`` starting and stopping
    its own cluster inside the timing (``dask+startup``).

Printed: seconds, ns per draw, CPU seconds of the parent process (the Dask workers' CPU is
not in it), peak RSS, the number of passes, and the ratios stream/memory and dask/stream.
Before printing, the script checks that the streamed summary equals the in-memory one
(medians, ETI ends, HDI ends, their MCSEs, counts: bit for bit; means to 1e-12) and that
the Dask summary is identical to the local streamed one, and exits 1 otherwise.

``check-big`` is the acceptance check of a large run: ``--big`` draws streamed (default
10**8, several minutes) against ``--small`` draws in memory (default 10**7), the same seed.
The small run's candidates are the first of the big run's (prefix-stable streams) and each
view keeps the same ones of them (a candidate's constraint test does not depend on the run
size), so each view's kept draws in the small run are the first of its kept draws in the
big one: the two estimates are nested and the difference of a quantile has variance about
``mcse_small**2 - mcse_big**2`` (each MCSE from its run's kept draws); every median and ETI
end of every row must be within ``K = 4.5`` such standard errors (280 checks: a false
failure about 0.2% of the time).

How to run
----------
From the repository root::

    .venv/bin/python benchmarks/bench_streaming.py                       # 10**7 draws
    .venv/bin/python benchmarks/bench_streaming.py --draws 1000000 --repeat 3
    .venv/bin/python benchmarks/bench_streaming.py check-big
    /usr/bin/time -v .venv/bin/python benchmarks/bench_streaming.py child --mode stream \\
        --draws 100000000                                                # peak RSS of 10**8

Needs ``dask[distributed]`` for the Dask columns (they are skipped without it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "seed-article-2025.toml"
EXACT = ("median", "mcse_median", "eti", "mcse_eti", "hdi", "mcse_hdi", "valid", "invalid")
K = 4.5


def _hwm_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def child(mode: str, draws: int, threads: int, out: str | None) -> None:
    """One timed run in this process; prints a JSON line, pickles the summary to `out`."""
    from uncertainty import load_config
    from uncertainty.engines import open_engine
    from uncertainty.pipeline import simulate

    model = load_config(CONFIG).model
    model = replace(model, run=replace(model.run, draws=draws, precision=None))
    workers: list[float] = []
    if mode == "dask":  # the cluster started before the clock, its workers' peaks read after
        with open_engine("dask") as engine:
            run, wall, cpu = _timed(lambda: simulate(model, engine=engine))
            workers = list(engine.client.run(_hwm_mib).values())  # type: ignore[attr-defined]
    else:
        calls = {"memory": lambda: simulate(model, threads=threads, stream=False),
                 "stream": lambda: simulate(model, threads=threads, stream=True),
                 "dask+startup": lambda: simulate(model, engine="dask")}
        run, wall, cpu = _timed(calls[mode])
    info = run.provenance.get("streaming", {})
    print(json.dumps({"mode": mode, "draws": draws, "seconds": wall, "cpu": cpu,
                      "peak_mib": _hwm_mib(), "workers_mib": workers,
                      "passes": info.get("passes", 1)}))
    if out:
        with open(out, "wb") as f:
            pickle.dump(run.summary, f)


def _spawn(mode: str, draws: int, threads: int, out: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "child", "--mode", mode, "--draws", str(draws),
           "--threads", str(threads)] + (["--out", out] if out else [])
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))
    if done.returncode:
        sys.exit(f"{mode} at {draws:,} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _best(mode: str, draws: int, threads: int, repeat: int, out: str) -> dict[str, Any]:
    runs = [_spawn(mode, draws, threads, out if i == 0 else None) for i in range(repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    best["cpu"] = min(r["cpu"] for r in runs)
    return best


def _load(path: str) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)  # our own file, written a moment ago


def _same(memory: Any, streamed: Any) -> list[str]:
    bad = [n for n in EXACT if not np.array_equal(memory[n].values, streamed[n].values,
                                                  equal_nan=True)]
    for n in ("mean", "sd"):
        if not np.allclose(memory[n].values, streamed[n].values, rtol=1e-12, equal_nan=True):
            bad.append(n)
    return bad


def _row(r: dict[str, Any]) -> str:
    ns = r["seconds"] / r["draws"] * 1e9
    workers = ", ".join(f"{w:.0f}" for w in r.get("workers_mib", []))
    return (f"  {r['mode']:<13} {r['draws']:>12,} {r['seconds']:9.2f} s {ns:8.0f} ns/draw "
            f"{r['cpu']:8.2f} s CPU {r['peak_mib']:8.0f} MiB  {r['passes']} passes"
            + (f"  (workers' peaks: {workers} MiB)" if workers else ""))


def compare(draws: int, dask_draws: int, threads: int, repeat: int) -> None:
    """The timing tables, after the exactness checks."""
    tmp = tempfile.mkdtemp(prefix="bench-streaming-")
    paths = {m: os.path.join(tmp, f"{m}.pkl") for m in ("memory", "stream", "local", "dask")}
    memory = _best("memory", draws, threads, repeat, paths["memory"])
    streamed = _best("stream", draws, threads, repeat, paths["stream"])
    bad = _same(_load(paths["memory"]), _load(paths["stream"]))
    print(f"seed config, {draws:,} draws, {threads} threads, best of {repeat}")
    print(_row(memory))
    print(_row(streamed))
    print(f"  stream / memory: time {streamed['seconds'] / memory['seconds']:.2f}, "
          f"peak RSS {streamed['peak_mib'] / memory['peak_mib']:.2f}")
    print(f"  streamed summary equals the in-memory one: {not bad} {bad or ''}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("dask[distributed] is not installed: no Dask columns")
        sys.exit(1 if bad else 0)
    local = _best("stream", dask_draws, 2, repeat, paths["local"])
    dask = _best("dask", dask_draws, 2, repeat, paths["dask"])
    startup = _best("dask+startup", dask_draws, 2, repeat, paths["dask"] + ".startup")
    same = _load(paths["local"]).identical(_load(paths["dask"]))
    print(f"\nDask engine, 2-process LocalCluster, {dask_draws:,} draws, best of {repeat}")
    print(_row(local))
    print(_row(dask))
    print(_row(startup))
    print(f"  dask / local: {dask['seconds'] / local['seconds']:.2f} "
          f"(with the cluster's start and stop: {startup['seconds'] / local['seconds']:.2f})")
    print(f"  Dask summary identical to the local engine's: {same}")
    sys.exit(1 if bad or not same else 0)


def check_big(big: int, small: int, threads: int) -> None:
    """The large streamed run against a smaller in-memory one, within nested MCSEs."""
    tmp = tempfile.mkdtemp(prefix="bench-streaming-")
    large, little = os.path.join(tmp, "big.pkl"), os.path.join(tmp, "small.pkl")
    b = _spawn("stream", big, threads, large)
    s = _spawn("memory", small, threads, little)
    print(_row(b))
    print(_row(s))
    sb, ss = _load(large), _load(little)
    worst, where, checks = 0.0, "", 0
    for stat, err in (("median", "mcse_median"), ("eti", "mcse_eti")):
        diff = np.abs(sb[stat].values - ss[stat].values)
        se = np.sqrt(np.maximum(ss[err].values ** 2 - sb[err].values ** 2, 0.0))
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff > 0, np.inf, 0.0))
        checks += z.size
        k = np.unravel_index(int(np.argmax(z)), z.shape)
        if z[k] > worst:
            worst = float(z[k])
            where = f"{stat} of {sb['variable'].values[k[0]]}, view {sb['view'].values[k[1]]}"
    print(f"{checks} medians and ETI ends: largest |difference| = {worst:.2f} nested MCSEs "
          f"({where}); limit {K}")
    sys.exit(0 if worst <= K and math.isfinite(worst) else 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    one = sub.add_parser("child")
    one.add_argument("--mode", choices=["memory", "stream", "dask", "dask+startup"],
                     required=True)
    one.add_argument("--draws", type=int, required=True)
    one.add_argument("--threads", type=int, default=2)
    one.add_argument("--out")
    big = sub.add_parser("check-big")
    big.add_argument("--big", type=int, default=10**8)
    big.add_argument("--small", type=int, default=10**7)
    big.add_argument("--threads", type=int, default=2)
    parser.add_argument("--draws", type=int, default=10**7)
    parser.add_argument("--dask-draws", type=int, default=10**7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.command == "child":
        child(args.mode, args.draws, args.threads, args.out)
    elif args.command == "check-big":
        check_big(args.big, args.small, args.threads)
    else:
        compare(args.draws, args.dask_draws, args.threads, args.repeat)


if __name__ == "__main__":
    main()
