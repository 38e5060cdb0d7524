"""An unexpected exception ends a command in one line naming the stage and the input.

Bad input exits 2 (tested elsewhere); anything else is an internal error: exit 1, one
``Error: internal error while <stage> <input>: ...`` line, nothing written, and under
``uncertainty --debug`` the exception itself with its traceback. Parameters beyond a
family's domain are bad input, refused before scipy can overflow on them.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from uncertainty.cli import main
from uncertainty.config.validation import Node
from uncertainty.distributions.families import DOMAINS
from uncertainty.errors import ConfigError
from uncertainty.runtime import progress
from uncertainty.summary import dataset as summary

CONFIG = """\
[run]
draws = 500
seed = 1

[sources.a]
estimates.x = 100
estimates.share = { dist = "beta", alpha = ALPHA, beta = 10 }

[metrics]
m = "x * share"
"""


def _config(tmp_path: Path, alpha: str = "30") -> Path:
    path = tmp_path / "study.toml"
    path.write_text(CONFIG.replace("ALPHA", alpha), encoding="utf-8")
    return path


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _overflow(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeWarning("overflow encountered in multiply")


def test_an_unexpected_exception_is_one_line_naming_stage_and_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "summarize_draws", _overflow)
    config, out = _config(tmp_path), tmp_path / "out"
    result = _run("run", config, "--out", out, "--no-plots", "--no-sensitivity")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"Error: internal error while summarizing {config}: "
                             "RuntimeWarning: overflow encountered in multiply (rerun with "
                             "--debug for the traceback)\n")
    assert not out.exists()


def test_before_any_stage_the_error_names_the_loading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uncertainty.config.loader

    def broken(path: Path) -> Any:
        raise ValueError("bad\nthing")

    monkeypatch.setattr(uncertainty.config.loader, "load_config", broken)
    config = _config(tmp_path)
    result = _run("validate", config)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: internal error while loading the config {config}: "
                             "ValueError: bad thing (rerun with --debug for the traceback)\n")


def test_debug_lets_the_exception_through_with_its_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary, "summarize_draws", _overflow)
    config, out = _config(tmp_path), tmp_path / "out"
    result = _run("--debug", "run", config, "--out", out, "--no-plots", "--no-sensitivity")
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeWarning)
    assert result.exc_info is not None
    shown = "".join(traceback.format_exception(*result.exc_info))
    assert "in _overflow" in shown and "in summarize" in shown
    assert "Error:" not in result.stderr
    assert not out.exists()


def test_bad_input_still_exits_2_and_interrupts_130(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run("run", tmp_path / "missing.toml").exit_code == 2

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(summary, "summarize_draws", interrupted)
    result = _run("run", _config(tmp_path), "--out", tmp_path / "out", "--no-plots")
    assert result.exit_code == 130


def test_stages_inside_an_outer_one_are_not_recorded() -> None:
    with progress.tracking() as where:
        assert where.name is None
        progress.stage("drawing", 10)
        with progress.within("sensitivity", 3):
            progress.stage("summarizing", 5)
        assert where.name == "sensitivity"
        progress.stage("plots", 2)
    assert where.name == "plots"
    progress.stage("drawing", 10)  # outside the block: not recorded
    assert where.name == "plots"


def test_the_extreme_beta_of_the_issue_is_one_line(tmp_path: Path) -> None:
    config = _config(tmp_path, "2.619621342078761e+102")
    result = _run("run", config, "--out", tmp_path / "out", "--no-plots", "--no-sensitivity")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {config}: sources.a.estimates.share.alpha: must be at most 1e+10 (beyond, a "
        "beta is a point mass in all but name and its moments overflow), got "
        "2.61962134207876e+102\n")


@pytest.mark.parametrize(("family", "key", "value", "message"), [
    ("beta", "alpha", 1e-11, "must be at least 1e-10"),
    ("beta", "beta", 0, "must be positive, got 0"),
    ("gamma", "shape", 2e10, "must be at most 1e+10"),
    ("gamma", "scale", 1e101, "must be at most 1e+100"),
    ("gamma", "rate", 1e-101, "must be at least 1e-100"),
    ("normal", "sd", -1, "must be positive, got -1"),
])
def test_a_parameter_outside_its_domain_names_its_path(family: str, key: str, value: float,
                                                       message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        DOMAINS[family][key].read(Node(value, f"e.{key}"))
    assert caught.value.path == f"e.{key}"
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize("family", sorted(DOMAINS))
def test_every_domain_end_is_accepted(family: str) -> None:
    for key, bounds in DOMAINS[family].items():
        for end in (bounds.low, bounds.high):
            if end not in (0.0, -float("inf"), float("inf")):
                assert DOMAINS[family][key].read(Node(end, key)) == end


def test_a_gamma_by_moments_beyond_the_float_range_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "g.toml"
    config.write_text('[sources.a]\nestimates.x = { dist = "gamma", mean = 1e300, sd = 800 }\n'
                      '[metrics]\nm = "x"\n', encoding="utf-8")
    result = _run("run", config, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {config}: sources.a.estimates.x: mean 1e+300 and sd 800 give the shape "
        "(mean / sd)², which must be at most 1e+10 (beyond, a gamma's moments lose their "
        "meaning or overflow), got inf\n")


def test_a_closed_stdout_stops_quietly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `uncertainty show ... | head`: the reader went away; no error line, exit as SIGPIPE.
    def closed(*args: Any, **kwargs: Any) -> Any:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("click.echo", closed)
    result = _run("validate", _config(tmp_path))
    assert result.exit_code == 128 + 13
    assert result.stderr == ""


@pytest.mark.parametrize(("estimate", "message"), [
    ("{ at_least = 8000, undercount = { ci90 = [1.1, 1e300] } }",
     "x.undercount.ci90: upper bound 1e+300 must be at most 1,000,000 (a count off by more "
     "than a factor of a million says nothing, and wider factors overflow floating point)"),
    ("{ at_least = 1e305, undercount = { ci90 = [1.1, 1e5] } }",
     "x: its numbers are too large: building its distribution overflows floating point "
     "(largest about 1.8e308)"),
])
def test_numbers_that_overflow_are_one_line(estimate: str, message: str,
                                            tmp_path: Path) -> None:
    config = tmp_path / "big.toml"
    config.write_text(f"[sources.a.estimates]\nx = {estimate}\n[metrics]\nm = \"x\"\n",
                      encoding="utf-8")
    result = _run("run", config, "--out", tmp_path / "out", "--no-plots", "--draws", "1000")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {config}: sources.a.estimates.{message}\n"
