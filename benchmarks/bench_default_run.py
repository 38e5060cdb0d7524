"""How fast `uncertainty run` feels: whole processes against the imports they cannot avoid.

What is measured (each a whole process, the median of ``--repeat`` runs, default 5)
-----------------------------------------------------------------------------------
default run
    ``uncertainty run configs/seed-article-2025.toml`` as `make run` does it (precision
    target, comparison, sensitivity analysis, figures, every results file), into a fresh
    temporary folder, against ``python -c "import numpy, scipy.stats, xarray,
    matplotlib.pyplot"``: the libraries any such run needs. Goal: at most 1.5 times.
lean run
    ``--draws 100000 --no-sensitivity --no-plots`` against ``python -c "import numpy,
    scipy.stats, xarray"``. Goal: at most 1.2 times.
marginal cost of 900,000 draws
    The whole process at ``--draws 1000000`` less the same at ``--draws 100000``, with the
    default settings and with ``--no-sensitivity --no-plots``, against the same difference
    for the hand-written numpy version of the model's sampling and summary
    (`bench_seed_model.by_hand`, one thread, timed inside its process, so it carries no
    start-up cost). Goals: at most 3 times with everything on, 1.25 times lean.

Run it with the Python of an environment that `make run` alone made (``pip install -e .``):
`make test` adds the test extras to the same ``.venv``, dask among them, and xarray imports
an installed dask on its first array, 0.3 to 0.5 s more per run (the script says so).

Both sides of each ratio are measured in the same run of this script, interleaved: each
round runs every command once, in turn, and each figure is the median over the rounds, so
that a machine whose speed drifts during the script (shared machines do, by a factor of 1.5
within minutes) moves both sides of a ratio alike. With ``--against DIR``, another source
tree of ``uncertainty`` (a ``git worktree`` of an earlier commit) runs the same commands in
the same rounds, and both trees' figures are printed: the honest way to say whether a
change made runs faster. The package's bytecode is compiled first (``compileall``),
as a user's first run leaves it: where ``PYTHONDONTWRITEBYTECODE`` is set (this project's
CI machines set it), every run would otherwise compile our 80-odd modules again, about
0.12 s, while the libraries it is compared with were compiled when pip installed them.

Usage: ``python benchmarks/bench_default_run.py [--repeat 5] [--against DIR]``
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_seed_model  # a sibling script: the hand-written version

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "seed-article-2025.toml"
CLI = [sys.executable, "-m", "uncertainty"]
LEAN = ["--no-sensitivity", "--no-plots"]


def timed(cmd: list[str], cwd: Path) -> float:
    """Wall time of one run of `cmd` in `cwd`, seconds; stops the script if it fails."""
    # the tree first on the path, whatever `pip install -e` points at
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd, env=env)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return took


def run_cmd(out: Path, *extra: str) -> list[str]:
    return [*CLI, "run", str(CONFIG), "--quiet", "--force", "--out", str(out), *extra]


def imports(modules: str) -> list[str]:
    return [sys.executable, "-c", f"import {modules}"]


def row(what: str, ours: float, base: float, against: str, goal: float) -> str:
    ratio = ours / base
    verdict = "ok" if ratio <= goal else "over"
    return (f"{what:<44} {ours:8.2f} s  {against:<44} {base:8.2f} s  "
            f"{ratio:6.2f}  (goal <= {goal:g}: {verdict})")


def _by_hand(n: int, params: dict) -> float:
    """The hand-written numpy version at `n` draws: the median of 3 runs in its process."""
    return statistics.median(bench_seed_model.measure("numpy", n, 3, params)["times"])


def measure(trees: dict[str, Path], rounds: int, params: dict,
            out: Path) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Median seconds of each command over `rounds` interleaved rounds.

    The import baselines and the hand-written numpy version once per round; each tree's
    runs once per round, the trees in alternating order.
    """
    runs = {
        "default": [],
        "lean": ["--draws", "100000", *LEAN],
        "full_small": ["--draws", "100000"],
        "full_big": ["--draws", "1000000"],
        "lean_big": ["--draws", "1000000", *LEAN],
    }
    base: dict[str, list[float]] = {"full_imports": [], "lean_imports": [], "hand": []}
    ours: dict[str, dict[str, list[float]]] = {name: {k: [] for k in runs} for name in trees}
    for k in range(rounds):
        base["full_imports"].append(
            timed(imports("numpy, scipy.stats, xarray, matplotlib.pyplot"), ROOT))
        base["lean_imports"].append(timed(imports("numpy, scipy.stats, xarray"), ROOT))
        for key, extra in runs.items():
            order = list(trees.items()) if k % 2 == 0 else list(trees.items())[::-1]
            for name, tree in order:
                ours[name][key].append(timed(run_cmd(out, *extra), tree))
        base["hand"].append(_by_hand(10**6, params) - _by_hand(10**5, params))
    return ({k: statistics.median(v) for k, v in base.items()},
            {name: {k: statistics.median(v) for k, v in found.items()}
             for name, found in ours.items()})


def report(name: str, t: dict[str, float], base: dict[str, float]) -> None:
    print(f"-- {name}")
    print(row("default run (make run)", t["default"], base["full_imports"],
              "import numpy, scipy.stats, xarray, pyplot", 1.5))
    print(row("--draws 100000 --no-sensitivity --no-plots", t["lean"], base["lean_imports"],
              "import numpy, scipy.stats, xarray", 1.2))
    print(row("900,000 more draws, default settings", t["full_big"] - t["full_small"],
              base["hand"], "900,000 more draws by hand in numpy", 3.0))
    print(row("900,000 more draws, lean", t["lean_big"] - t["lean"], base["hand"],
              "900,000 more draws by hand in numpy", 1.25))
    print(f"(whole runs: default {t['default']:.2f} s; --draws 100000 {t['full_small']:.2f} s; "
          f"--draws 1000000 {t['full_big']:.2f} s; lean 10^5 {t['lean']:.2f} s, "
          f"10^6 {t['lean_big']:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds (each figure a median)")
    parser.add_argument("--against", type=Path, default=None,
                        help="another source tree of uncertainty to measure in the same rounds")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.against is not None:
        against = args.against.resolve()
        if not (against / "uncertainty" / "__init__.py").is_file():
            sys.exit(f"{against}: not a source tree of uncertainty")
        trees[f"against {against}"] = against
    params = bench_seed_model.model_params(bench_seed_model.load_model())
    for tree in trees.values():
        compileall.compile_dir(tree / "uncertainty", quiet=1)  # as a first run leaves it
    with tempfile.TemporaryDirectory() as tmp:
        base, found = measure(trees, args.repeat, params, Path(tmp) / "results")
    print(f"Python {sys.version.split()[0]}; whole processes, median of {args.repeat} "
          "interleaved rounds")
    if importlib.util.find_spec("dask") is not None:
        # xarray imports an installed dask on its first array: not what `make run` measures
        print(f"note: dask is installed in {sys.prefix}, and xarray imports it in every run "
              "(0.3-0.5 s); an environment made by `make run` alone (pip install -e .) has none")
    for name, t in found.items():
        report(name, t, base)
    if len(found) == 2:
        (_, now), (_, then) = found.items()
        print("this tree / the other: " + ", ".join(
            f"{k} {now[k] / then[k]:.2f}" for k in now))


if __name__ == "__main__":
    main()
