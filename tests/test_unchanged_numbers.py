"""Every number of an unconstrained study is exactly what it was before the one pipeline.

Not a statistical test: a guard that a restructure changed nothing it should not. See
``tests/data/before-one-pipeline/README.md`` for how the stored documents were made.

Every text, count and flag must be identical. Numbers must agree to `ROUNDING` relative:
on one machine a run is reproducible bit for bit (tests/test_determinism.py), but numpy
picks its SIMD kernels by processor, so interpolated quantiles can differ in the last bits
between machines, and an MCSE, half the difference of two close order statistics, by that
rounding over their relative distance (measured between the machine that stored these
documents and an AVX-512 one: at most 8e-14 relative for quantiles, 1.5e-12 for MCSEs). A
change of the computation moves a number by about its Monte Carlo error, 1e-4 relative or
more here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from uncertainty.cli import main

BEFORE = Path(__file__).parent / "data" / "before-one-pipeline"

#: Relative difference allowed between two numbers (see the module docstring).
ROUNDING = 1e-9


def differences(before: Any, now: Any, path: str = "") -> list[str]:
    """Where two JSON documents differ beyond `ROUNDING`, as ``path: before != now``."""
    if isinstance(before, dict) and isinstance(now, dict):
        if before.keys() != now.keys():
            return [f"{path}: keys {sorted(before)} != {sorted(now)}"]
        return [d for k in before for d in differences(before[k], now[k], f"{path}/{k}")]
    if isinstance(before, list) and isinstance(now, list):
        if len(before) != len(now):
            return [f"{path}: {len(before)} items != {len(now)}"]
        return [d for i, (a, b) in enumerate(zip(before, now, strict=True))
                for d in differences(a, b, f"{path}[{i}]")]
    if (isinstance(before, float) and isinstance(now, float | int)
            and not isinstance(now, bool)
            and math.isclose(before, now, rel_tol=ROUNDING, abs_tol=0.0)):
        return []
    return [] if before == now else [f"{path}: {before!r} != {now!r}"]


def test_rounding_differences_are_allowed_and_nothing_else() -> None:
    assert differences({"a": [1.0, "x"]}, {"a": [1.0 * (1 + 1e-15), "x"]}) == []
    assert differences({"a": 1.0}, {"a": 1.0 + 1e-7}) == ["/a: 1.0 != 1.0000001"]
    assert differences({"a": "x"}, {"a": "y"}) == ["/a: 'x' != 'y'"]
    assert differences({"a": [1]}, {"a": [1, 2]}) == ["/a: 1 items != 2"]


@pytest.mark.parametrize("name", ["seed-article-2025", "claims", "article-face-value"])
def test_an_unconstrained_study_reports_the_numbers_it_did(name: str, tmp_path: Path) -> None:
    before = json.loads((BEFORE / f"{name}.json").read_text("utf-8"))
    result = CliRunner().invoke(main, [
        "run", str(BEFORE / f"{name}.toml"), "--draws", "20000", "--seed", "11", "--no-plots",
        "--no-sensitivity", "--format", "json", "--out", str(tmp_path / name), "--quiet"])
    assert result.exit_code == 0, result.output
    now = json.loads(result.stdout)
    assert before["provenance"]["versions"] == now["provenance"]["versions"], \
        "library versions changed: remake the stored documents (see their README)"
    assert "blas" not in before["provenance"]  # stored before runs recorded their BLAS
    now["provenance"].pop("blas")
    for document in (before, now):
        document["provenance"].pop("created_utc")
    assert differences(before, now) == []
