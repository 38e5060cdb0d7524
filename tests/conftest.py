"""Fixtures shared by the tests, and the hypothesis profile for CI."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from uncertainty.cli import main

# Property tests explore new examples on every local run; in CI (CI=true) they replay a
# fixed sequence so that a red build always means a change, not a newly drawn example.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tmp_path`, made the working directory, so ``results/<stem>/`` lands inside it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(workdir: Path) -> Callable[..., Result]:
    """Run the command line in-process in `workdir`: ``cli("run", "x.toml", "--draws", "10")``.

    The result has separate ``stdout`` and ``stderr`` (click >= 8.2).
    """
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(main, [str(a) for a in args])

    return invoke
