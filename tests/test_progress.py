"""The progress line: what it shows, when, and that it reaches worker threads."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from uncertainty.runtime import progress
from uncertainty.runtime.parallel import thread_map
from uncertainty.runtime.progress import DELAY, TerminalProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_drawn_in_the_first_second() -> None:
    out, clock = io.StringIO(), Clock()
    with progress.reporting(TerminalProgress(out, clock=clock)):
        progress.stage("drawing", 1000, "draws")
        progress.advance(500)
    assert out.getvalue() == ""


def test_a_long_stage_shows_bar_counts_time_left_and_note() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = TerminalProgress(out, clock=clock, width=10)
    with progress.reporting(reporter):
        clock.now += DELAY + 0.1
        progress.stage("drawing", 1000, "draws")
        clock.now += 2.0
        progress.advance(250)
        assert reporter.line() == "drawing · [##........]  25% 250/1,000 draws · 6 s left"
        progress.note("worst Monte Carlo error 0.61% (target 0.50%)")
        assert reporter.line().endswith("· worst Monte Carlo error 0.61% (target 0.50%)")
    text = out.getvalue()
    assert "\r\x1b[Kdrawing · [##........]  25% 250/1,000 draws" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared at the end


def test_the_last_unit_of_a_stage_is_drawn_however_soon_it_comes() -> None:
    out, clock = io.StringIO(), Clock()
    with progress.reporting(TerminalProgress(out, clock=clock, width=4)):
        clock.now += DELAY + 0.1
        progress.stage("plots", 3, "figures")
        progress.advance(1)
        progress.advance(1)  # within the same tenth of a second: not drawn
        assert "2/3 figures" not in out.getvalue()
        progress.advance(1)  # the stage is complete: drawn at once
        assert out.getvalue().endswith("plots · [####] 100% 3/3 figures")


def test_without_a_reporter_nothing_happens() -> None:
    progress.stage("drawing", 10)
    progress.advance(5)
    progress.note("x")
    with progress.within("sensitivity", 3) as step:
        step(1)


def test_inner_stages_are_hidden_inside_an_outer_one() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = TerminalProgress(out, clock=clock, width=4)
    clock.now += DELAY + 1
    with progress.reporting(reporter), progress.within("sensitivity", 4, "analyses") as step:
        progress.stage("drawing", 10, "draws")  # a nested simulation's own stage
        progress.advance(10)
        step(2)
        assert reporter.line() == "sensitivity · [##..]  50% 2/4 analyses"


def test_worker_threads_report_to_the_callers_reporter() -> None:
    out, clock = io.StringIO(), Clock()
    reporter = TerminalProgress(out, clock=clock)
    with progress.reporting(reporter):
        progress.stage("drawing", 40, "draws")
        thread_map(lambda _: progress.advance(1), range(40), 2)
        assert "40/40 draws" in reporter.line()


# -- the command line on a pseudo-terminal ---------------------------------------------------
SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"


#: The command line in a new process, its progress line due from the start: what the line
#: shows must not depend on how fast this machine gets past `DELAY` (a run of the seed
#: config that once took seconds can now end its sensitivity analysis within the first).
#: What the line shows over time is tested above, on a clock the tests drive.
COMMAND = [sys.executable, "-c",
           "import uncertainty.runtime.progress as p; p.DELAY = 0.0; "
           "from uncertainty.cli import main; main()"]


def _run(args: list[str], cwd: Path, *, stderr_tty: bool) -> tuple[int, bytes, bytes]:
    """Run the command line with stdout to a file and stderr on a pty (or a pipe)."""
    out_path = cwd / "stdout.txt"
    with open(out_path, "wb") as out:
        if not stderr_tty:
            done = subprocess.run([*COMMAND, *args], stdout=out,
                                  stderr=subprocess.PIPE, cwd=cwd, timeout=300, check=False)
            return done.returncode, out_path.read_bytes(), done.stderr
        master, slave = pty.openpty()
        proc = subprocess.Popen([*COMMAND, *args], stdout=out, stderr=slave, cwd=cwd)
        os.close(slave)
        err = b""
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed its end
                    chunk = b""
                if not chunk:
                    break
                err += chunk
            elif proc.poll() is not None:
                break
        proc.wait(timeout=300)
        os.close(master)
    return proc.returncode, out_path.read_bytes(), err


# Every stage shows its line at once (`COMMAND`), so a small run shows them all.
ARGS = ["run", str(SEED), "--draws", "4000", "--format", "json", "--out", "r"]


def test_a_terminal_shows_progress_and_json_on_stdout_stays_valid(tmp_path: Path) -> None:
    code, out, err = _run(ARGS, tmp_path, stderr_tty=True)
    assert code == 0, err
    json.loads(out)  # progress never reaches stdout
    text = err.decode("utf-8")
    # every stage is shown, each to its end (a stage's last unit is always drawn)
    for stage, end in [("drawing", "4,000/4,000 draws"), ("sensitivity", "analyses"),
                       ("plots", "12/12 figures")]:
        assert f"\r\x1b[K{stage} · [" in text and end in text, (stage, text)
    assert text.endswith("\r\x1b[K")  # the line is cleared when the run ends


def test_quiet_or_a_pipe_shows_no_progress(tmp_path: Path) -> None:
    code, out, err = _run([*ARGS, "--quiet"], tmp_path, stderr_tty=True)
    assert code == 0
    assert err == b""
    json.loads(out)
    code, out, err = _run(ARGS, tmp_path, stderr_tty=False)
    assert code == 0
    assert err == b""
