"""The sensitivity stage against the simulation it analyses (issue 15: at most as long).

What is measured
----------------
For each config and draw count: the simulation as ``Study.run(draws=N)`` makes it (drawing,
the consensus, the summary and the comparison of views, keeping the candidates for the
analysis), then ``Result.with_sensitivity()`` (the
sensitivity stage as the study runs it: shares and tornado, leave one source out, the
spread sweep, every variant derived from the run's own streams), and, unless
``--no-redraw``, the same analysis with every variant redrawn and simulated whole
(``analyze(..., simulate_model=...)``, the path before the derivation; its numbers are
identical, `tests/test_sensitivity_derived.py`). The ratio is sensitivity over
simulation: the goal is at most 1.

Defaults: ``configs/seed-article-2025.toml`` at 10**5 and 10**6 draws, and
``configs/economist-compiled.toml`` at its own draw count (200,000). Each row runs in a
fresh process (one warm-up simulation first, untimed, so that imports and first page
faults are not counted against either); wall time (`time.perf_counter`) and CPU time
(`time.process_time`, summed over the threads). On a machine where other processes
compete for the cores, the CPU ratio is the one to trust. The process's allocator is
tuned as ``uncertainty run`` tunes it (`uncertainty.runtime.allocator`); ``--untuned``
leaves it as a library user's process has it, where freed arrays are more often mapped
afresh and their first touch costs page faults.

How to run
----------
From the repository root::

    .venv/bin/python benchmarks/bench_sensitivity.py
    .venv/bin/python benchmarks/bench_sensitivity.py --threads 1 --no-redraw
    .venv/bin/python benchmarks/bench_sensitivity.py --case configs/economist-compiled.toml:0
    .venv/bin/python benchmarks/bench_sensitivity.py --no-redraw --untuned
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = (f"{ROOT}/configs/seed-article-2025.toml:100000",
         f"{ROOT}/configs/seed-article-2025.toml:1000000",
         f"{ROOT}/configs/economist-compiled.toml:0")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def measure(config: str, draws: int, *, threads: int | None, redraw: bool,
            tuned: bool = True) -> dict[str, float]:
    """Seconds (wall, CPU) of the simulation, the sensitivity stage and the redraw path."""
    import functools

    import uncertainty
    from uncertainty.analysis.sensitivity import analyze
    from uncertainty.config.schema import with_spread_scale
    from uncertainty.pipeline import simulate
    from uncertainty.runtime.allocator import tune_allocator

    if tuned:  # before any array of the run is allocated
        tune_allocator()

    study = uncertainty.load(config)
    n = draws or study.model.run.draws
    study.run(draws=min(n, 20_000), threads=threads)  # warm-up, untimed
    out: dict[str, float] = {"draws": n}
    w0, c0 = _clock()
    # The simulation as `Study.run` makes it before analysing it: keeping its candidates,
    # which the analysis then derives its variants from (`uncertainty.sampling.Rerun`).
    result = study._simulated(draws=n, threads=threads, keep=True)
    w1, c1 = _clock()
    result.with_sensitivity(threads=threads)
    w2, c2 = _clock()
    out |= {"sim": w1 - w0, "sim_cpu": c1 - c0, "sens": w2 - w1, "sens_cpu": c2 - c1}
    if redraw:
        def simulate_model(m):  # type: ignore[no-untyped-def]
            return simulate(m, compare=False, threads=threads)

        analyze(result.simulation, simulate_model=simulate_model,
                rescale=functools.partial(with_spread_scale, result.model), threads=threads)
        w3, c3 = _clock()
        out |= {"redraw": w3 - w2, "redraw_cpu": c3 - c2}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append",
                        help="CONFIG:DRAWS (0: the config's own draws); repeatable")
    parser.add_argument("--threads", type=int, default=None, help="default: every core")
    parser.add_argument("--no-redraw", action="store_true",
                        help="skip the redraw-every-variant path")
    parser.add_argument("--untuned", action="store_true",
                        help="leave the allocator as a library user's process has it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        config, draws = args.child.rsplit(":", 1)
        print(json.dumps(measure(config, int(draws), threads=args.threads,
                                 redraw=not args.no_redraw, tuned=not args.untuned)))
        return
    head = (f"{'config':<28} {'draws':>9} {'simulate s':>10} {'sensitivity s':>13} "
            f"{'ratio':>6} {'CPU ratio':>9} {'redraw s':>9} {'speedup':>7}")
    print(head)
    for case in args.case or CASES:
        command = [sys.executable, __file__, "--child", case]
        if args.threads is not None:
            command += ["--threads", str(args.threads)]
        if args.no_redraw:
            command.append("--no-redraw")
        if args.untuned:
            command.append("--untuned")
        found = json.loads(subprocess.run(command, check=True, capture_output=True,
                                          text=True).stdout)
        redraw = found.get("redraw")
        print(f"{Path(case.rsplit(':', 1)[0]).name:<28} {int(found['draws']):>9,} "
              f"{found['sim']:>10.2f} {found['sens']:>13.2f} "
              f"{found['sens'] / found['sim']:>6.2f} "
              f"{found['sens_cpu'] / found['sim_cpu']:>9.2f} "
              + (f"{redraw:>9.2f} {redraw / found['sens']:>7.1f}" if redraw else
                 f"{'-':>9} {'-':>7}"))


if __name__ == "__main__":
    main()
