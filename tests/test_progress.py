"""The progress line: what it shows, when, and that it reaches worker threads."""

from __future__ import annotations

import io

from uncertainty import progress
from uncertainty.parallel import thread_map
from uncertainty.progress import DELAY, TerminalProgress


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
        assert reporter.line() == "drawing · [##........]  25% 250/1,000 draws · about 6 s left"
        progress.note("worst Monte Carlo error 0.61% (target 0.50%)")
        assert reporter.line().endswith("· worst Monte Carlo error 0.61% (target 0.50%)")
    text = out.getvalue()
    assert "\r\x1b[Kdrawing · [##........]  25% 250/1,000 draws" in text
    assert text.endswith("\r\x1b[K")  # the line is cleared at the end


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
