"""Every number of an unconstrained study is exactly what it was before the one pipeline.

Not a statistical test: a guard that a restructure changed nothing it should not. See
``tests/data/before-one-pipeline/README.md`` for how the stored documents were made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from uncertainty.cli import main

BEFORE = Path(__file__).parent / "data" / "before-one-pipeline"


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
    for document in (before, now):
        document["provenance"].pop("created_utc")
    assert now == before
