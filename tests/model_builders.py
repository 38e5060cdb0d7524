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


def analyze_run(run: Run, *, rescale=None, threads: int | None = None,  # type: ignore[no-untyped-def]
                redraw: bool = False):
    """`uncertainty.analysis.sensitivity.analyze` of `run`, as the study does.

    With `redraw`, every variant is redrawn and simulated whole instead of derived from
    the run's streams (the path the derived one must equal).
    """
    from uncertainty.analysis.sensitivity import analyze

    def simulate_model(m: Model) -> Run:
        return simulate(m, compare=False, threads=threads)

    return analyze(run, simulate_model=simulate_model if redraw else None, rescale=rescale,
                   threads=threads)
