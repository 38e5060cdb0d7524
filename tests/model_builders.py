"""Small configs written in tests, built without touching files."""

from __future__ import annotations

import tomllib
from dataclasses import replace

from uncertainty import Model, build_model, simulate
from uncertainty.pipeline import Run


def model_from(toml: str) -> Model:
    """Build a model from TOML text."""
    return build_model(tomllib.loads(toml), default_title="test")


def run_toml(toml: str, *, draws: int | None = None, seed: int | None = None) -> Run:
    """Simulate a model written as TOML, with optional draws/seed overrides."""
    model = model_from(toml)
    run = model.run
    if draws is not None:
        run = replace(run, draws=draws)
    if seed is not None:
        run = replace(run, seed=seed)
    return simulate(replace(model, run=run))
