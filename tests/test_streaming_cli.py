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
#: The draw count the memory estimates of the budget test are taken at.
AT = 1_300_000


def test_a_run_over_its_budget_streams_and_says_so(cli: Invoke, workdir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # In one thread, 1,300,000 draws of this study need 575 MiB in memory, 483 MiB
    # streamed: a budget of 530 MiB makes it stream. (The streamed bound grows with the
    # threads, so the count is fixed for the sizes to hold on any machine.) The run itself
    # draws 20,000: the sizes the mode is chosen from are the real estimates, of this
    # model and thread count, taken at 1,300,000 draws; what is tested is that the budget
    # given on the command line meets them and that a streamed run says so. (That a
    # streamed run gives the in-memory numbers, at a size where it must read a prefix and
    # several chunks, is tested in test_streaming.py.)
    import uncertainty.pipeline as pipeline

    real_needed, real_bound = pipeline.memory_needed, pipeline.memory_bound

    def needed(model: Any, views: int, draws: int, threads: int = 1) -> int:
        return real_needed(model, views, AT, threads)

    def bound(model: Any, views: Any, workers: int, draws: int, **kwargs: Any) -> int:
        return real_bound(model, views, workers, AT, **kwargs)

    monkeypatch.setattr(pipeline, "memory_needed", needed)
    monkeypatch.setattr(pipeline, "memory_bound", bound)
    streamed = cli("run", FACE_VALUE, "--draws", "20000", "--threads", "1", "--no-plots",
                   "--no-sensitivity", "--memory-budget", "530MiB", "--out", "s")
    assert streamed.exit_code == 0, streamed.output
    assert "Streamed in blocks (local engine" in streamed.stdout
    summary = json.loads((workdir / "s" / "summary.json").read_text("utf-8"))
    info = summary["provenance"]["streaming"]
    assert info["engine"] == "local"
    assert info["memory_budget"] == 530 * 2**20
    assert info["in_memory_bytes"] > 530 * 2**20  # the estimate at AT draws
    assert summary["provenance"]["draws"] == 20_000


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
