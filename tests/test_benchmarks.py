"""The benchmarks' baselines still do the package's work (no timing here).

A benchmark's ratio means something only while its baseline does the same work as the
package: ``benchmarks/bench_seed_model.py`` checks that before timing, and stops when they
disagree. When the consensus view became part of every run, that check stopped `make
bench`, and nothing in the suite noticed; this runs the check.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hand_written_seed_model_agrees_with_the_package(
        capsys: pytest.CaptureFixture[str]) -> None:
    # `sanity_check` exits 1 unless, at 10**5 draws, the model is the one the hand version
    # is written for (views, constraints, families, pool, copula), every (variable, view)
    # row's median and ETI ends agree within 5 combined MCSEs, and each view's kept
    # candidates and acceptance agree (exactly, and within 5 binomial SEs).
    bench = _script("bench_seed_model")
    model = bench.load_model()
    bench.sanity_check(model, bench.model_params(model))
    out = capsys.readouterr().out
    assert out.startswith("sanity check passed at N=100,000"), out
    assert "all 40 rows within 5 MCSE" in out, out


def test_the_package_side_leaves_out_only_the_consensus_view() -> None:
    # What `bench_seed_model` times as "package" is the 5 views the hand version makes,
    # each identical to the same view of the run `uncertainty run` simulates.
    import xarray as xr

    bench = _script("bench_seed_model")
    model = bench.load_model()
    same_work = bench.run_package(model, 5_000)
    whole = bench.run_package(model, 5_000, compare=True)
    assert list(same_work.summary.view.values) == list(bench.VIEWS)
    assert set(whole.summary.view.values) == {*bench.VIEWS, "consensus"}
    xr.testing.assert_identical(whole.summary.drop_sel(view="consensus"), same_work.summary)
