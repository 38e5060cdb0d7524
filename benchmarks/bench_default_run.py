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

Both sides of each ratio are measured in the same run of this script, one after the other,
so a slower machine moves both. The package's bytecode is compiled first (``compileall``),
as a user's first run leaves it: where ``PYTHONDONTWRITEBYTECODE`` is set (this project's
CI machines set it), every run would otherwise compile our 80-odd modules again, about
0.12 s, while the libraries it is compared with were compiled when pip installed them.

Usage: ``python benchmarks/bench_default_run.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
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


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of `cmd` run `repeat` times, seconds; stops if it fails."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return statistics.median(times)


def run_cmd(out: Path, *extra: str) -> list[str]:
    return [*CLI, "run", str(CONFIG), "--quiet", "--force", "--out", str(out), *extra]


def imports(modules: str) -> list[str]:
    return [sys.executable, "-c", f"import {modules}"]


def by_hand(n: int, repeat: int, params: dict) -> float:
    """Median time of the hand-written numpy version at `n` draws, inside its process."""
    found = bench_seed_model.measure("numpy", n, repeat, params)
    return statistics.median(found["times"])


def row(what: str, ours: float, base: float, against: str, goal: float) -> str:
    ratio = ours / base
    verdict = "ok" if ratio <= goal else "over"
    return (f"{what:<44} {ours:8.2f} s  {against:<44} {base:8.2f} s  "
            f"{ratio:6.2f}  (goal <= {goal:g}: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    args = parser.parse_args()
    r = args.repeat
    params = bench_seed_model.model_params(bench_seed_model.load_model())
    compileall.compile_dir(ROOT / "uncertainty", quiet=1)  # as a first run leaves it
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results"
        full_imports = wall(imports("numpy, scipy.stats, xarray, matplotlib.pyplot"), r)
        lean_imports = wall(imports("numpy, scipy.stats, xarray"), r)
        default = wall(run_cmd(out), r)
        lean = wall(run_cmd(out, "--draws", "100000", *LEAN), r)
        full_small = wall(run_cmd(out, "--draws", "100000"), r)
        full_big = wall(run_cmd(out, "--draws", "1000000"), r)
        lean_big = wall(run_cmd(out, "--draws", "1000000", *LEAN), r)
    hand = by_hand(10**6, r, params) - by_hand(10**5, r, params)
    print(f"Python {sys.version.split()[0]}; whole processes, median of {r}")
    if importlib.util.find_spec("dask") is not None:
        # xarray imports an installed dask on its first array: not what `make run` measures
        print(f"note: dask is installed in {sys.prefix}, and xarray imports it in every run "
              "(0.3-0.5 s); an environment made by `make run` alone (pip install -e .) has none")
    print(row("default run (make run)", default, full_imports,
              "import numpy, scipy.stats, xarray, pyplot", 1.5))
    print(row("--draws 100000 --no-sensitivity --no-plots", lean, lean_imports,
              "import numpy, scipy.stats, xarray", 1.2))
    print(row("900,000 more draws, default settings", full_big - full_small, hand,
              "900,000 more draws by hand in numpy", 3.0))
    print(row("900,000 more draws, lean", lean_big - lean, hand,
              "900,000 more draws by hand in numpy", 1.25))
    print(f"(whole runs: default {default:.2f} s; --draws 100000 {full_small:.2f} s; "
          f"--draws 1000000 {full_big:.2f} s; lean 10^5 {lean:.2f} s, 10^6 {lean_big:.2f} s)")


if __name__ == "__main__":
    main()
