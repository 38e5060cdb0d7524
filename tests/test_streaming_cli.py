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
    # In one thread, 1,300,000 draws of this study need 575 MiB in memory, 483 MiB
    # streamed: a budget of 530 MiB makes it stream. (The streamed bound grows with the
    # threads, so the count is fixed for the sizes to hold on any machine; the smallest
    # run that must stream costs most of this test. That a streamed run gives the
    # in-memory numbers is tested in test_streaming.py, where streaming is asked for.)
    streamed = cli("run", FACE_VALUE, "--draws", "1300000", "--threads", "1", "--no-plots",
                   "--no-sensitivity", "--memory-budget", "530MiB", "--out", "s")
    assert streamed.exit_code == 0, streamed.output
    assert "Streamed in blocks (local engine" in streamed.stdout
    summary = json.loads((workdir / "s" / "summary.json").read_text("utf-8"))
    assert summary["provenance"]["streaming"]["engine"] == "local"
    assert summary["provenance"]["draws"] == 1_300_000


def test_saved_draws_that_cannot_fit_are_refused_with_the_size(cli: Invoke,
                                                               workdir: Path) -> None:
    result = cli("run", SEED, "--draws", "10000000000", "--save-draws")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --draws: 10,000,000,000 draws for 6 views need "
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
