"""The model strategies generate only valid configs, and write them back faithfully."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from strategies import toml_text, valid_model_dicts

from uncertainty.cli import main


@settings(max_examples=120, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_model_dicts())
def test_every_generated_model_passes_validate(data: dict[str, Any]) -> None:
    text = toml_text(data)
    assert tomllib.loads(text) == data
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "model.toml"
        config.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 0, f"{result.output}\n{text}"
    assert result.stdout.startswith(f"{config}: valid.")
    event(f"pool: {data['run']['pool']}")
    event(f"sources: {len(data['sources'])}")
    event(f"constraints: {len(data.get('constraints', []))}")
    event(f"correlations: {len(data.get('correlations', {}))}")


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_model_dicts(finite_metrics=False))
def test_non_finite_prone_models_are_valid_too(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "model.toml"
        config.write_text(toml_text(data), encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 0, f"{result.output}\n{toml_text(data)}"
