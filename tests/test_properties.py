"""Properties of every valid model: streaming, threads, reruns and the command line.

Determinism tests only (see STYLE.md): each compares runs made in this process, over
random valid models from `strategies.valid_model_dicts`; no stored numbers. The examples
are derandomized, so a failure names a fixed example that replays.
"""

from __future__ import annotations

import json
import math
import tempfile
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from strategies import toml_text, valid_model_dicts

from uncertainty import Model, build_model, simulate
from uncertainty.cli import main
from uncertainty.errors import ConfigError, ConstraintConflict
from uncertainty.pipeline import Run


def run(model: Model, *, stream: bool, threads: int) -> Run:
    """Simulate `model` in memory or streamed: the one place to adapt to a new API."""
    return simulate(model, stream=stream, threads=threads, compare=False)


def model_of(data: dict[str, Any], draws: int | None = None) -> Model:
    """The model a generated config builds (through TOML text, as a user would write it)."""
    model = build_model(tomllib.loads(toml_text(data)), default_title="property")
    if draws is not None:
        model = replace(model, run=replace(model.run, draws=draws, precision=None))
    return model


#: Statistics a streamed run gives bit for bit (uncertainty/streaming/__init__.py).
EXACT = ("median", "mcse_median", "eti", "mcse_eti", "valid", "invalid")
#: Summed in pieces when streamed: equal to about 1e-15 relative.
ROUNDED = ("mean", "sd", "mcse_mean", "mcse_sd")

PROPERTY = settings(max_examples=30, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: Mixtures and truncations are left out: each takes seconds to build today (see
#: test_strategies.py, which covers them).
models = valid_model_dicts(draws=(1_000, 3_000), slow_forms=False)


def _refused_alike(model: Model, refusal: ConfigError, **options: Any) -> None:
    """A consensus below its effective-sample floor (claims a short run cannot weigh, e.g.
    a narrow uniform against a wide lognormal at 1,000 draws) stops every form of the run
    with the same message."""
    event("refused: the consensus's effective sample is under its floor")
    assert refusal.path == "consensus"
    with pytest.raises(ConfigError) as again:
        run(model, **options)
    assert str(again.value) == str(refusal)


def _streamed_or_refused(data: dict[str, Any]) -> tuple[Run, Run] | None:
    model = model_of(data)
    try:
        memory = run(model, stream=False, threads=2)
    except ConstraintConflict:
        event("refused: constraints hold under 1%")
        return None
    except ConfigError as refusal:
        _refused_alike(model, refusal, stream=True, threads=2)
        return None
    return memory, run(model, stream=True, threads=2)


@settings(PROPERTY, max_examples=25)
@given(models)
def test_a_streamed_run_equals_the_in_memory_run(data: dict[str, Any]) -> None:
    runs = _streamed_or_refused(data)
    if runs is None:
        return
    memory, streamed = runs
    a, b = memory.summary, streamed.summary
    assert a.attrs == b.attrs
    xr.testing.assert_identical(a.drop_vars(list(a.data_vars)), b.drop_vars(list(b.data_vars)))
    for name in EXACT:
        np.testing.assert_array_equal(b[name].values, a[name].values, err_msg=name)
    # relative to the row's magnitude: a constant's sd is 0 streamed, ~1e-16 * |mean| not
    scale = np.abs(a["mean"]).values + a["sd"].values
    for name in ROUNDED:
        np.testing.assert_array_less(np.abs(b[name].values - a[name].values),
                                     1e-12 * scale + 1e-300, err_msg=name)
    # HDI ends: exact, except where the run states it settled for a resolution (a nearly
    # flat density); there the streamed interval is at most that much wider.
    info = streamed.provenance["streaming"]
    inexact = info["hdi_inexact"]
    event(f"HDI rows settled for a resolution: {'some' if inexact else 'none'}")
    if not inexact:
        for name in ("hdi", "mcse_hdi"):
            np.testing.assert_array_equal(b[name].values, a[name].values, err_msg=name)
    else:
        width_a = a["hdi"].diff("ci_bound").values
        width_b = b["hdi"].diff("ci_bound").values
        resolution = float(info["hdi_resolution"])
        assert np.all(width_b >= width_a * (1 - 1e-15))
        assert np.all(width_b <= width_a + resolution * (1 + 1e-12)), (width_a, width_b)
    if memory.acceptance is None:
        assert streamed.acceptance is None
    else:
        assert streamed.acceptance is not None
        xr.testing.assert_identical(memory.acceptance, streamed.acceptance)
    event(f"constraints: {'yes' if memory.acceptance is not None else 'no'}")
    event(f"pool: {data['run']['pool']}")


def _without_time(provenance: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in provenance.items() if k != "created_utc"}


@PROPERTY
@given(models)
def test_any_thread_count_gives_identical_results(data: dict[str, Any]) -> None:
    model = model_of(data)
    try:
        one = run(model, stream=False, threads=1)
    except ConstraintConflict:
        event("refused: constraints hold under 1%")
        return
    except ConfigError as refusal:
        _refused_alike(model, refusal, stream=False, threads=3)
        return
    for threads in (2, 3):
        other = run(model, stream=False, threads=threads)
        xr.testing.assert_identical(one.draws, other.draws)
        xr.testing.assert_identical(one.summary, other.summary)
        if one.acceptance is None:
            assert other.acceptance is None
        else:
            assert other.acceptance is not None
            xr.testing.assert_identical(one.acceptance, other.acceptance)
        assert _without_time(one.provenance) == _without_time(other.provenance)


def _cli_run(folder: Path, data: dict[str, Any], *extra: str) -> Any:
    config = folder / "model.toml"
    config.write_text(toml_text(data), encoding="utf-8")
    return CliRunner().invoke(main, ["run", str(config), "--out", str(folder / "out"),
                                     "--no-plots", "--no-sensitivity", "--quiet", *extra])


def _assert_clean_outcome(result: Any) -> None:
    """Exit 0, or exit 2 with one ``Error:`` line; never a traceback or exit 1."""
    assert result.exit_code in (0, 2), (result.exit_code, repr(result.exception),
                                        result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@settings(PROPERTY, max_examples=20)
@given(models, st.integers(500, 2_500), st.integers(0, 2**32 - 1))
def test_a_rerun_reproduces_every_value(data: dict[str, Any], draws: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = _cli_run(folder, data, "--draws", str(draws), "--seed", str(seed))
        _assert_clean_outcome(result)
        if result.exit_code == 2:
            event(f"refused: {result.stderr.split(':')[-1].strip()[:40]}")
            return
        rerun = CliRunner().invoke(main, ["rerun", str(folder / "out"), "--quiet"])
        assert rerun.exit_code == 0, (rerun.output, repr(rerun.exception))
        assert rerun.stdout.rstrip().endswith("values match the saved summary.json exactly.")


@settings(PROPERTY, max_examples=20)
@given(models)
def test_a_valid_model_runs_or_is_refused_in_one_line(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = _cli_run(Path(tmp), data, "--format", "json")
    _assert_clean_outcome(result)
    event(f"exit status {result.exit_code}")
    if result.exit_code == 2:
        event("refused: " + ("constraints" if "constraint" in result.stderr else "other"))
        assert "constraint" in result.stderr, result.stderr  # the only legitimate refusal
        return
    document = json.loads(result.stdout)
    for record in document["records"]:
        # the strategies write metrics that are finite on every draw
        assert record["invalid"] == 0, record
        assert record["median"] is not None and math.isfinite(record["median"]), record
