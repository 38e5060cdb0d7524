"""The streaming flags on the command line: budget, engine, refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Invoke = Callable[..., Result]
SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"
FACE_VALUE = SEED.parent / "examples" / "article-face-value.toml"


def test_a_run_over_its_budget_streams_and_says_so(cli: Invoke, workdir: Path) -> None:
    # 3,000,000 draws need 1.3 GiB in memory, 1.06 GiB streamed: 1.2 GiB makes it stream.
    common = ("--draws", "3000000", "--no-plots", "--no-sensitivity")
    streamed = cli("run", SEED, *common, "--memory-budget", "1.2GiB", "--out", "s")
    assert streamed.exit_code == 0, streamed.output
    assert "Streamed in blocks (local engine" in streamed.stdout
    in_memory = cli("run", SEED, *common, "--out", "m")
    assert in_memory.exit_code == 0, in_memory.output
    a = json.loads((workdir / "s" / "summary.json").read_text("utf-8"))
    b = json.loads((workdir / "m" / "summary.json").read_text("utf-8"))
    assert "streaming" in a["provenance"] and "streaming" not in b["provenance"]
    for ra, rb in zip(a["records"], b["records"], strict=True):
        assert (ra["median"], ra["eti"], ra["mcse"]["eti"]) == (
            rb["median"], rb["eti"], rb["mcse"]["eti"]), (ra["name"], ra["view"])


def test_saved_draws_that_cannot_fit_are_refused_with_the_size(cli: Invoke,
                                                               workdir: Path) -> None:
    result = cli("run", SEED, "--draws", "10000000000", "--save-draws")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --draws: 10,000,000,000 draws for 5 views need "
                                    "about ")
    assert "this run must hold every draw" in result.stderr
    assert not (workdir / "results").exists()


def test_bad_streaming_options_are_one_line_errors(cli: Invoke, workdir: Path) -> None:
    budget = cli("run", SEED, "--memory-budget", "lots")
    assert budget.exit_code == 2
    assert budget.stderr.startswith("Error: --memory-budget: ")
    scheduler = cli("run", SEED, "--scheduler", "tcp://127.0.0.1:8786")
    assert scheduler.exit_code == 2
    assert scheduler.stderr == "Error: --scheduler: needs --engine dask\n"


def test_sensitivity_of_a_streamed_run_is_refused_in_one_line(
    cli: Invoke, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uncertainty.study as study_module

    real = study_module._simulate

    def streamed(*args: Any, **kwargs: Any) -> Any:
        run, precision = real(*args, **kwargs)
        return replace(run, provenance={**run.provenance, "streaming": {"engine": "local"}}), \
            precision

    monkeypatch.setattr(study_module, "_simulate", streamed)
    result = cli("sensitivity", FACE_VALUE)
    assert result.exit_code == 2
    assert result.stderr.endswith("draws: this run is too large to hold in memory and "
                                  "streams its draws; the sensitivity analysis needs them "
                                  "all: analyse a config with fewer draws\n")
