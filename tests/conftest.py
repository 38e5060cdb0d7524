"""Fixtures shared by the tests, and the hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from uncertainty.cli import main

if TYPE_CHECKING:
    from uncertainty.pipeline import Run

# `make test` replays a fixed sequence of examples on every machine, CI or not, so that a
# red run always means a change, not a newly drawn example: derandomized, with no example
# database (a local .hypothesis folder would replay old finds CI never saw), and without
# the timing health check (how slow generation is depends on the machine's load).
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# `make fuzz` explores: new examples from a random seed (--hypothesis-seed to repeat one),
# and failures saved to tests/fuzz_corpus/ (see test_fuzz.py).
settings.register_profile("fuzz", derandomize=False, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("deterministic")  # pytest --hypothesis-profile=fuzz overrides it


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The ``@group`` suffix ``--dist loadgroup`` groups by, where pytest-xdist's is lost.

    pytest-xdist (3.8) marks an ``xdist_group`` test by appending ``@<group>`` to
    ``item._nodeid`` in each worker, and the controller sends the tests of one suffix to
    one process. pytest 9 keeps the id in ``item._id`` instead, so the suffix never reached
    the controller: every group mark silently did nothing, and the readers of one
    expensive module or session fixture were spread over both processes, each making it.
    Here the suffix is written where this pytest reads it (a no-op where xdist's took).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                        for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId  # pytest 9's node ids (pytest 8 never gets here)

            item._id = NodeId.parse(item.nodeid + suffix)


@pytest.fixture(autouse=True, scope="session")
def _no_fsync() -> Iterator[None]:
    """`os.fsync` as a no-op in the test processes.

    A results folder is written with one fsync per file and two per folder (about 3 ms each
    on this disk), and the suite writes a few thousand folders: a minute of waiting for a
    durability no test can observe (it is about power loss, not about a killed process).
    The fsync calls still happen, in order: the kill test counts them as the steps of a
    write (test_rerun.py), and the tests that run the entry point in a subprocess sync for
    real.
    """
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real


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


@pytest.fixture(scope="session")
def seed_streamed() -> Run:
    """The seed config at 300,000 draws, streamed by the local engine on two threads.

    The reference of the streaming tests (against the run in memory): at 300,000 draws a
    streamed run reads a prefix shorter than its draws, and its passes cut the draws into
    more than one chunk.
    About 20 seconds, so made once per process: its readers are marked
    ``@pytest.mark.xdist_group("seed_streamed")``, which ``--dist loadgroup`` (pyproject.toml)
    runs in one process.
    """
    from dataclasses import replace

    from uncertainty import load_config
    from uncertainty.pipeline import simulate

    model = load_config(Path(__file__).parents[1] / "configs" / "seed-article-2025.toml").model
    model = replace(model, run=replace(model.run, draws=300_000, precision=None))
    return simulate(model, threads=2, stream=True)
