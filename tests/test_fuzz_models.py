"""Fuzzing with valid random models: every one runs, counts its invalid draws, and writes
only finite numbers or nulls (issue 16).

`strategies.valid_model_dicts` builds models from the config language alone: 1-4 sources
over every estimate form and family at extreme but legal parameters, pools, constraints,
correlations, scenarios, and metrics with log, division, square roots, powers and exp that
can go NaN or infinite. Whatever it builds, ``uncertainty run`` must exit 0 (or, where the
model is legal but cannot be run, for example when its constraints reject nearly every
candidate, exit 2 with one ``Error:`` line), never show a traceback, count every invalid
draw, and write a ``summary.json`` whose every number is finite or null.

Every example runs the simulation, the comparison and the results folder at a few hundred
draws; one in `FULL_EVERY` also runs the sensitivity analysis and draws the plots (the
stages that cost most), so that `EXAMPLES` stays cheap enough for ``make test``. Failures
found by ``make fuzz`` are saved to ``tests/fuzz_corpus`` (see test_fuzz.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from strategies import toml_text, valid_model_dicts
from test_fuzz import HANG, _deadline, _exploring, _saved_on_failure

from uncertainty.cli import main

#: Valid models run by ``make test``, split over `PARTS` tests so that its processes share
#: them.
EXAMPLES = 1_000
PARTS = 4
#: One example in this many also runs the sensitivity analysis and draws the plots.
FULL_EVERY = 40
#: ``make test`` reports a failing model as generated: shrinking one (minutes, for models
#: this size) is for ``make fuzz``, which saves the shrunk model to the corpus.
PHASES = tuple(Phase) if _exploring() else (Phase.explicit, Phase.reuse, Phase.generate)


def _numbers(value: Any, path: str = "") -> list[tuple[str, float]]:
    """Every float in a JSON document, with where it is."""
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in _numbers(v, f"{path}[{i}]")]
    if isinstance(value, float):
        return [(path, value)]
    return []


def _reject_constants(name: str) -> float:
    raise ValueError(f"summary.json holds {name}: not valid JSON")


def check_model(data: dict[str, Any], where: Path, *, full: bool) -> int:
    """Run one valid model; assert the outcome; its exit status."""
    text = toml_text(data)
    config = where / "model.toml"
    config.write_text(text, encoding="utf-8")
    out = where / "out"
    args = ["run", str(config), "--draws", str(data["run"]["draws"]), "--out", str(out),
            "--force", "--format", "json"]
    if not full:
        args += ["--no-plots", "--no-sensitivity"]
    with _saved_on_failure("test_a_valid_model_runs", text), _deadline(HANG):
        result = CliRunner().invoke(main, args)
        assert "Traceback" not in result.output, result.output
        if result.exit_code != 0:
            assert result.exit_code == 2, (result.exit_code, repr(result.exception),
                                           result.output)
            lines = result.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
            return 2
        written = (out / "summary.json").read_text("utf-8")
        # what --format json prints is the file, byte for byte (one parse, not two)
        assert result.stdout == written
        document = json.loads(written, parse_constant=_reject_constants)
        for where_, value in _numbers(document):
            assert math.isfinite(value), (where_, value)
        kept: dict[str, set[int]] = {}
        for record in document["records"]:
            # "draws" counts the valid draws; with none, the statistics are null
            if record["median"] is None:
                assert record["draws"] == 0, record
            assert record["draws"] >= 0 and record["invalid"] >= 0, record
            kept.setdefault(record["view"], set()).add(record["draws"] + record["invalid"])
        # valid and invalid draws add up to the view's draws, the same for every variable
        for view, totals in kept.items():
            assert len(totals) == 1 and 0 < totals.pop() <= data["run"]["draws"], view
        if full:
            assert any(p.suffix == ".svg" for p in out.iterdir())
    return 0


@pytest.mark.parametrize("part", range(PARTS))
@settings(max_examples=math.ceil(EXAMPLES / PARTS), deadline=None, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_valid_model_runs(part: int, data: st.DataObject, tmp_path: Path) -> None:
    full = data.draw(st.integers(0, FULL_EVERY - 1), label="full") == 0
    model = data.draw(valid_model_dicts(finite_metrics=data.draw(st.booleans()),
                                        draws=(200, 600), slow_forms=full), label="model")
    model["run"]["seed"] = (model["run"]["seed"] + part) % 2**32  # parts differ
    event(f"exit status {check_model(model, tmp_path, full=full)}")
    event(f"full: {full}")
