"""Ctrl-C is never lost: one that a finalizer swallows still stops the run unwritten.

Python drops an exception raised in a finalizer (``__del__``, a weakref callback, a
generator closed by the garbage collector) with an "Exception ignored" message, and that
includes the `KeyboardInterrupt` a SIGINT raises, when the signal is handled while one
runs. `uncertainty.runtime.interrupts` latches the signal so the command line stops
anyway. Here the swallowing is done on purpose, in the middle of a run: the signal is
raised inside a ``try`` that drops the `KeyboardInterrupt`, as a finalizer would.
(`tests/test_rerun.py` interrupts a real process with a real SIGINT.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from uncertainty import study as study_module
from uncertainty.cli import main
from uncertainty.io import results as results_module
from uncertainty.runtime import interrupts

SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"


def _swallowed_interrupt() -> None:
    """A SIGINT whose `KeyboardInterrupt` is dropped, as when a finalizer was running."""
    # raise_signal checks for signals before it returns: the handler runs inside it
    with contextlib.suppress(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)


@pytest.fixture
def default_sigint() -> Iterator[None]:
    """SIGINT with Python's own handler, as in a fresh process, and as it was after."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("default_sigint")
@pytest.mark.parametrize("earlier", [False, True], ids=["new", "over earlier results"])
def test_a_swallowed_interrupt_still_stops_the_run_unwritten(
        earlier: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r"
    args = ["run", str(SEED), "--draws", "2000", "--no-plots", "--no-sensitivity",
            "--out", str(out), "--quiet", "--force"]
    if earlier:
        assert CliRunner().invoke(main, args).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()} if earlier else None
    analysed = study_module.Study._analysed

    def interrupted(self: Any, *a: Any, **k: Any) -> Any:
        _swallowed_interrupt()
        return analysed(self, *a, **k)

    monkeypatch.setattr(study_module.Study, "_analysed", interrupted)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    assert result.stderr == ("Error: interrupted; no results were written, earlier results "
                             "are as they were\n")
    if earlier:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    else:
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["r"] if earlier else [])  # no staging
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # given back


@pytest.mark.usefixtures("default_sigint")
def test_the_latch_leaves_an_ignored_or_own_handler_alone() -> None:
    def own(signum: int, frame: object) -> None:
        raise AssertionError("not called here")

    for handler in (signal.SIG_IGN, own):
        signal.signal(signal.SIGINT, handler)
        with interrupts.latched():
            assert signal.getsignal(signal.SIGINT) is handler
            interrupts.check()  # nothing latched: no interrupt
        assert signal.getsignal(signal.SIGINT) is handler


@pytest.mark.usefixtures("default_sigint")
def test_a_latched_interrupt_raises_at_the_check_and_not_after_the_block() -> None:
    with interrupts.latched():
        interrupts.check()
        _swallowed_interrupt()
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
    interrupts.check()  # the block is over: a later run starts clear


# -- a Ctrl-C once the new results are in place ---------------------------------------------
def _run_args(out: Path) -> list[str]:
    return ["run", str(SEED), "--draws", "2000", "--no-plots", "--no-sensitivity",
            "--out", str(out), "--quiet", "--force"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _numbers(summary: bytes) -> dict[str, Any]:
    document = json.loads(summary)
    del document["provenance"]["created_utc"]
    return document


@pytest.mark.parametrize("earlier", [False, True], ids=["new", "over earlier results"])
@pytest.mark.parametrize("when", ["the swap returning", "deleting the old results",
                                  "printing the report"])
def test_an_interrupt_after_the_results_are_in_place_says_they_were_written(
        earlier: bool, when: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r"
    if earlier:
        assert CliRunner().invoke(main, [*_run_args(out), "--seed", "1"]).exit_code == 0
    old = _files(out) if earlier else {}
    expected = tmp_path / "expected"  # the same run, not interrupted
    assert CliRunner().invoke(main, _run_args(expected)).exit_code == 0
    if when == "the swap returning":
        # the rename done, the interrupt before the next line of Python
        replace, exchange = os.replace, results_module._exchange

        def replaced(src: Any, dst: Any) -> None:
            replace(src, dst)
            if Path(dst) == out:
                raise KeyboardInterrupt

        def exchanged(a: Path, b: Path) -> bool:
            if exchange(a, b):
                raise KeyboardInterrupt
            return False

        monkeypatch.setattr(results_module.os, "replace", replaced)
        monkeypatch.setattr(results_module, "_exchange", exchanged)
    elif when == "deleting the old results":
        # the last step of a write: the parent folder synced after the swap
        sync = results_module._fsync_dir

        def interrupted(path: Path) -> None:
            if path == out.parent:
                raise KeyboardInterrupt
            sync(path)

        monkeypatch.setattr(results_module, "_fsync_dir", interrupted)
    else:
        def console(self: Any, **options: Any) -> str:
            raise KeyboardInterrupt

        monkeypatch.setattr(study_module.Result, "console", console)
    result = CliRunner().invoke(main, _run_args(out))
    assert result.exit_code == 130, result.output
    assert result.stderr == (f"Error: interrupted after the results were written to {out}; "
                             "they are complete\n")
    found, whole = _files(out), _files(expected)
    assert found.keys() == whole.keys()
    assert found["config.toml"] == whole["config.toml"]
    # the new results, whole: every number of the uninterrupted run (its time aside)
    assert _numbers(found["summary.json"]) == _numbers(whole["summary.json"])
    assert found["summary.json"] != old.get("summary.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["expected", "r"]  # no staging


def test_an_interrupt_between_the_two_renames_puts_the_old_results_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the atomic exchange is missing, the old folder is moved aside, then the new one
    # in: a Ctrl-C between the two must not leave the folder absent or delete the old one.
    out = tmp_path / "r"
    old = {"summary.json": b'{"provenance": {"config_sha256": "abc"}}', "a.txt": b"old"}
    results_module.write_results(out, old, config_sha256="abc")
    monkeypatch.setattr(results_module, "_exchange", lambda a, b: False)
    replace, calls = os.replace, []

    def interrupted(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the new folder into place
            raise KeyboardInterrupt
        replace(src, dst)

    monkeypatch.setattr(results_module.os, "replace", interrupted)
    with interrupts.latched(), pytest.raises(KeyboardInterrupt):
        results_module.write_results(out, {"b.txt": b"new"}, config_sha256="abc")
    monkeypatch.setattr(results_module.os, "replace", replace)
    assert len(calls) == 3  # aside, (interrupted), back
    assert _files(out) == old
    assert [p.name for p in tmp_path.iterdir()] == ["r"]  # no staging, nothing retired
    with interrupts.latched():  # and once the new folder is in, the old one goes
        results_module.write_results(out, {"b.txt": b"new"}, config_sha256="abc")
        assert interrupts.written() == [str(out)]
    assert _files(out) == {"b.txt": b"new"}
    assert [p.name for p in tmp_path.iterdir()] == ["r"]
