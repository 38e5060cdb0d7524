"""Exact reruns, and results that survive kills, interrupts and a second writer."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from uncertainty.io import results
from uncertainty.io.rerun import Difference, compare_documents, environment_changes
from uncertainty.runtime.blas import blas_in_use, one_blas_thread

Invoke = Callable[..., Result]
ENTRY_POINT = Path(sys.executable).parent / "uncertainty"
SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"


def _run_seed(cli: Invoke, *extra: str) -> Path:
    result = cli("run", SEED, "--draws", "5000", "--out", "r", "--no-plots", *extra)
    assert result.exit_code == 0, result.output
    return Path("r")


def blas_in_use_in_a_run() -> str:
    with one_blas_thread():
        return blas_in_use()


def test_a_rerun_matches_every_number(cli: Invoke, workdir: Path) -> None:
    folder = _run_seed(cli)
    result = cli("rerun", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Rerun of r: seed 2025, 5,000 draws per view.\nAll ")
    assert result.stdout.rstrip().endswith("values match the saved summary.json exactly.")


def test_a_changed_number_is_reported_with_its_size(cli: Invoke, workdir: Path) -> None:
    folder = _run_seed(cli, "--no-sensitivity")
    path = folder / "summary.json"
    document = json.loads(path.read_text("utf-8"))
    saved = document["records"][0]["median"]
    document["records"][0]["median"] = saved * 1.001
    document["provenance"]["versions"]["numpy"] = "0.0.1"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli("rerun", folder)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1].startswith("The environment differs from the recorded one: numpy 0.0.1 "
                               "then, ")
    assert lines[2].startswith("1 of ") and lines[2].endswith("values differ from the saved "
                                                              "summary.json:")
    assert lines[3].startswith(f"  records[0].median: saved {saved * 1.001!r}, now {saved!r}")
    assert "relative)" in lines[3]


def test_compare_documents_finds_every_kind_of_difference() -> None:
    saved = {"provenance": {"created_utc": "then"}, "a": [1.0, 2.0], "b": {"c": "x"}, "d": 1}
    fresh = {"provenance": {"created_utc": "now"}, "a": [1.0, 2.5, 3.0], "b": {"c": "y"},
             "e": 2}
    checked, found = compare_documents(saved, fresh)
    assert [d.path for d in found] == ["a (length)", "a[1]", "b.c", "d", "e"]
    assert checked == 6  # a[0] equal, the five differences; provenance is not compared
    assert Difference("x", 2.0, 2.5).describe() == "x: saved 2.0, now 2.5 (difference 0.5, " \
                                                  "0.25 relative)"
    assert environment_changes({"provenance": {"versions": {"numpy": "1"}}},
                               {"provenance": {"versions": {"numpy": "2"}}}) == [
        "numpy 1 then, 2 now"]
    # the BLAS a run used: compared as recorded; a folder made before it was recorded differs
    blas = {"provenance": {"blas": "openblas 0.3.30 SkylakeX, 1 thread"}}
    assert environment_changes(blas, blas) == []
    assert environment_changes({"provenance": {}}, blas) == [
        "BLAS not recorded then, openblas 0.3.30 SkylakeX, 1 thread now"]
    assert environment_changes(
        {"provenance": {"blas": "openblas 0.3.30 Haswell, 2 threads"}}, blas) == [
        "BLAS openblas 0.3.30 Haswell, 2 threads then, openblas 0.3.30 SkylakeX, 1 thread now"]


def test_a_folder_made_before_the_blas_was_recorded_says_so(cli: Invoke,
                                                             workdir: Path) -> None:
    folder = _run_seed(cli, "--no-sensitivity")
    path = folder / "summary.json"
    document = json.loads(path.read_text("utf-8"))
    document["provenance"].pop("blas")
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli("rerun", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "The environment differs from the recorded one: BLAS not recorded then, "
        f"{blas_in_use_in_a_run()} now. Numbers can differ in their last digits for that "
        "reason alone.")


def test_rerun_of_a_folder_without_provenance(cli: Invoke, workdir: Path) -> None:
    folder = _run_seed(cli, "--no-sensitivity")
    (folder / "summary.json").write_text("{}", encoding="utf-8")
    result = cli("rerun", folder)
    assert result.exit_code == 2
    assert result.stderr == ("Error: r/summary.json: provenance: no recorded seed and draw "
                             "count to rerun with\n")


# -- kills, interrupts and two writers, with real processes ----------------------------------
def _start(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start a run as a shell starts a command in the foreground: SIGINT not ignored.

    A child inherits an ignored SIGINT, and ``make test &`` (a background job of a shell
    without job control) ignores it: the run would then keep ignoring it, as it should
    (`uncertainty.runtime.interrupts`), and the interrupt test would fail for a reason
    of the shell's. A handled signal is reset to its default by exec, so the child is
    started while this process handles SIGINT as Python does by default.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen([str(ENTRY_POINT), "run", str(SEED), "--out", "r", "--quiet",
                                 *args], cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
    finally:
        signal.signal(signal.SIGINT, before)


def _finish(proc: subprocess.Popen[bytes]) -> int:
    """Wait for `proc`, closing its pipe; its exit status."""
    proc.communicate(timeout=300)
    return proc.returncode


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _holding(proc: subprocess.Popen[bytes], folder: Path) -> None:
    """Wait until `proc` holds `folder`: imported, config read, its run under way.

    A run takes the folder's lock before its work and then writes its pid into the lock
    file (`results.results_lock`), so that pid there means the run is past its imports and
    inside the work that a kill, an interrupt or a second writer must meet. Waiting for it,
    rather than sleeping a guessed time, makes the tests independent of the machine's load.
    """
    path = results.lock_path(folder.resolve())
    deadline = time.monotonic() + 300
    while True:
        with contextlib.suppress(FileNotFoundError):
            if path.read_text("ascii") == str(proc.pid):
                return
        assert proc.poll() is None, "the run ended before it held its folder"
        assert time.monotonic() < deadline, "the run never took its folder's lock"
        time.sleep(0.01)


def test_a_killed_run_leaves_the_previous_results_whole(cli: Invoke, workdir: Path) -> None:
    # The results before and after need only exist, written by any run: in this process
    # (the same command and writer). The killed run is the real process, killed while it
    # holds the folder and works; the write itself is killed step by step below.
    assert _run_seed(cli, "--no-sensitivity") == Path("r")
    before = _snapshot(workdir / "r")
    proc = _start(workdir, "--draws", "100000", "--seed", "3")
    _holding(proc, workdir / "r")
    proc.send_signal(signal.SIGKILL)
    _finish(proc)
    assert _snapshot(workdir / "r") == before
    # the dead run's lock died with it, and the next run sweeps what it left
    assert _run_seed(cli, "--no-sensitivity") == Path("r")
    assert sorted(p.name for p in workdir.iterdir()) == ["r"]  # leftovers swept


def _killed_at(step: int, folder: Path, files: dict[str, bytes]) -> bool:
    """Write `files` to `folder` in a forked process killed before its `step`-th system step.

    The steps are the calls that make a write durable or visible: each ``fsync`` (one per
    file, then the staging folder, then the parent), the atomic exchange, and the removal
    of the old results. False when the write finished before reaching `step`.
    """
    pid = os.fork()
    if pid == 0:  # the child: count the steps, die at the chosen one
        steps = itertools.count()

        def dying(function: Callable[..., Any]) -> Callable[..., Any]:
            def step_then(*args: Any, **kwargs: Any) -> Any:
                if next(steps) == step:
                    os.kill(os.getpid(), signal.SIGKILL)
                return function(*args, **kwargs)
            return step_then

        os.fsync = dying(os.fsync)
        shutil.rmtree = dying(shutil.rmtree)
        results._exchange = dying(results._exchange)  # type: ignore[method-assign]
        results.write_results(folder, files, config_sha256="new", force=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status):
        assert os.WEXITSTATUS(status) == 0
        return False
    assert os.WTERMSIG(status) == signal.SIGKILL
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="the atomic exchange is Linux's")
def test_a_write_killed_at_any_step_leaves_old_or_new_results_whole(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    old = {"config.toml": b"old", "summary.json": b'{"run": "old"}', "plot.svg": b"<svg/>"}
    new = {"config.toml": b"new", "summary.json": b'{"run": "new"}', "summary.md": b"# new"}
    outcomes = []
    for step in itertools.count():
        results.write_results(folder, old, config_sha256="old", force=True)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # leftovers swept
        if not _killed_at(step, folder, new):
            break
        now = _snapshot(folder)
        assert now in (old, new), (step, now)
        assert all(p.name == "r" or p.name.startswith(".staging-") for p in tmp_path.iterdir())
        outcomes.append("new" if now == new else "old")
    assert _snapshot(folder) == new
    # killed before a file's fsync, the staging folder's or the exchange: the old results;
    # before the old ones' removal or the parent's fsync: the new ones
    assert outcomes == ["old"] * (len(new) + 2) + ["new"] * 2, " ".join(outcomes)


def test_an_interrupt_stops_cleanly_with_a_message(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--draws", "300000")
    _holding(proc, tmp_path / "r")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    assert err.decode() == ("Error: interrupted; no results were written, earlier results are "
                            "as they were\n")
    assert not (tmp_path / "r").exists()


def test_a_second_writer_of_the_same_folder_is_told_and_the_first_wins(cli: Invoke,
                                                                       workdir: Path) -> None:
    # The first writer is a real process, stopped (SIGSTOP) while it holds the folder, so
    # that it is still writing whatever the machine's load when the second one tries: the
    # second, in this process, meets the first's lock as any other process would.
    first = _start(workdir, "--draws", "2000", "--seed", "1", "--no-plots", "--no-sensitivity")
    _holding(first, workdir / "r")
    first.send_signal(signal.SIGSTOP)
    # Should the second wait for the lock instead of failing at once, the first resumes
    # after a minute and the test fails on the second's success instead of hanging.
    resume = threading.Timer(60, first.send_signal, (signal.SIGCONT,))
    resume.start()
    try:
        second = cli("run", SEED, "--out", "r", "--quiet", "--draws", "2000", "--seed", "2")
    finally:
        resume.cancel()
        first.send_signal(signal.SIGCONT)
    assert second.exit_code == 2
    assert second.stderr == (f"Error: r: another run (pid {first.pid}) is writing these "
                             "results; wait for it to finish, or use --out to write "
                             "elsewhere\n")
    assert _finish(first) == 0
    summary = json.loads((workdir / "r" / "summary.json").read_text("utf-8"))
    assert summary["provenance"]["seed"] == 1
    assert os.listdir(workdir) == ["r"]
