"""The shipped configs run, use what they claim to use, and keep their constraints."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import uncertainty
from uncertainty.distributions import FAMILIES, FORMS
from uncertainty.report import markdown_report

CONFIGS = Path(__file__).parents[1] / "configs"
SHIPPED = sorted(CONFIGS.rglob("*.toml"))


def small_run(path: Path, draws: int = 20_000):
    return uncertainty.load(path).run(draws=draws, sensitivity=False)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_shipped_config_runs_and_keeps_its_constraints(path: Path) -> None:
    run = small_run(path)
    for constraint in run.model.constraints:
        for view in run.draws["view"].values:
            kept = run.draws["accepted"].sel(view=view).values
            env = {q: run.draws[q].sel(view=view).values[kept] for q in constraint.names}
            assert constraint.holds(env).all(), (constraint.text, view)
    # every view reads every candidate; it keeps those it accepts, and no input draw of
    # those is invalid
    assert run.draws.sizes["draw"] == 20_000
    accepted = (run.acceptance["accepted"] if run.acceptance is not None
                else xr.full_like(run.summary["view"], 20_000, dtype=int))
    inputs = run.summary["valid"].sel(variable=list(run.model.quantities))
    assert (inputs == accepted).all()
    assert (run.summary["invalid"].sel(variable=list(run.model.quantities)) == 0).all()


def _used_forms(value: object, found: set[str]) -> None:
    if isinstance(value, dict):
        found.update(k for k in value if k in FORMS)
        if isinstance(value.get("dist"), str):
            found.add("dist=" + value["dist"])
        for v in value.values():
            _used_forms(v, found)
    elif isinstance(value, list):
        for v in value:
            _used_forms(v, found)


def test_the_claims_example_uses_every_form_and_family() -> None:
    data = tomllib.loads((CONFIGS / "examples" / "claims.toml").read_text(encoding="utf-8"))
    found: set[str] = set()
    _used_forms(data["sources"], found)
    wanted = set(FORMS) - {"dist"} | {f"dist={name}" for name in FAMILIES}
    assert wanted <= found, f"not exercised: {sorted(wanted - found)}"
    text = (CONFIGS / "examples" / "claims.toml").read_text(encoding="utf-8")
    for feature in ("lower =", "grade =", "[grades]", "[correlations]", "constraints =",
                    "cite =", "quote =", "note =", "date ="):
        assert feature in text, feature


def test_seed_config_report_shows_acceptance_grades_and_spreads() -> None:
    run = small_run(CONFIGS / "seed-article-2025.toml")
    text = markdown_report(run)
    assert run.acceptance is not None
    rates = run.acceptance["overall"].values
    assert np.all((rates > 0.5) & (rates <= 1))
    for needle in ("ua.kia <= ua.casualties", "ru.kia <= ru.casualties", "| B3 |", "| C2 |",
                   "| C3 |", "at least 8,000", "may exclude the missing", "us_intel_kia"):
        assert needle in text, needle
