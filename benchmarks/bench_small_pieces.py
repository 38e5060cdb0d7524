"""Two pieces of every run, against the standard library and numpy doing the same work.

What is measured
----------------
summary.json
    `uncertainty.report.json_text.dumps` of a run's summary document, against
    ``json.dumps(document, indent=2, allow_nan=False)``, which CPython 3.11 writes in pure
    Python (its C encoder does not indent), and against the compact C encoder as a floor.
    The document is that of ``configs/seed-article-2025.toml`` at N draws (default 400,
    a small run's size: the document's size does not depend on the draws). Both texts
    are checked equal first.
pooled quantiles
    The overlap grid of a pair of views reads four quantiles of the two views' draws
    pooled (`uncertainty.stats.pairwise._grid`). `uncertainty.stats.array.quantiles_of_union`
    finds them in the two rows' sorted samples (each sorted once for all its pairs),
    against ``np.quantile`` of the two samples concatenated, as a hand-written version
    would. Sizes 600, 20,000 and 200,000 pooled draws (standard normal); results checked
    equal first.

Each figure is the best of R repeats (default 200), wall time, in this process. Ratios
are the package's time over the baseline's.

How to run
----------
From the repository root::

    .venv/bin/python benchmarks/bench_small_pieces.py
    .venv/bin/python benchmarks/bench_small_pieces.py --draws 100000 --repeat 50
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from timing import best

import uncertainty
from uncertainty.report.json_text import dumps
from uncertainty.stats.array import quantiles_of_union

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "seed-article-2025.toml"
#: The probabilities `_grid` reads: its tails and quartiles.
PROBS = (5e-4, 0.25, 0.75, 1 - 5e-4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    result = uncertainty.load(CONFIG).run(draws=args.draws, sensitivity=False)
    document = result.document()
    text = dumps(document)
    assert text == json.dumps(document, indent=2, allow_nan=False), "texts differ"
    ours = best(lambda: dumps(document), args.repeat)
    standard = best(lambda: json.dumps(document, indent=2, allow_nan=False), args.repeat)
    compact = best(lambda: json.dumps(document, allow_nan=False), args.repeat)
    print(f"summary.json ({len(text):,} characters)")
    print(f"  json_text.dumps {ours * 1e3:6.2f} ms   json.dumps(indent=2) "
          f"{standard * 1e3:6.2f} ms   ratio {ours / standard:.2f}   "
          f"(compact C encoder {compact * 1e3:.2f} ms)")

    rng = np.random.default_rng(2025)
    print("pooled quantiles of two sorted samples")
    for pooled in (600, 20_000, 200_000):
        a = np.sort(rng.standard_normal(pooled // 2))
        b = np.sort(rng.standard_normal(pooled - pooled // 2))
        found = quantiles_of_union(a, b, PROBS)
        assert np.array_equal(found, np.quantile(np.concatenate([a, b]), PROBS))
        ours = best(lambda a=a, b=b: quantiles_of_union(a, b, PROBS), args.repeat)
        numpy = best(lambda a=a, b=b: np.quantile(np.concatenate([a, b]), PROBS),
                      args.repeat)
        print(f"  {pooled:>7,} draws  quantiles_of_union {ours * 1e3:6.3f} ms   np.quantile of "
              f"the pooled {numpy * 1e3:6.3f} ms   ratio {ours / numpy:.2f}")


if __name__ == "__main__":
    main()
