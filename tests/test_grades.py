"""Source grades: the documented default table, precedence of explicit spreads, overrides."""

from __future__ import annotations

import math

import pytest
from model_builders import model_from

from uncertainty.errors import ConfigError
from uncertainty.model.grades import default_grade, grade_codes


def factor_of(model, source: str, quantity: str) -> float:
    dist = model.source(source).estimate(quantity).distribution
    return float(dist.ppf(0.95) / dist.ppf(0.5))


def test_default_table_matches_the_documented_formula() -> None:
    assert len(grade_codes()) == 36
    b2, c3 = default_grade("B2"), default_grade("C3")
    assert b2.ci90_factor == pytest.approx(1.3, rel=1e-12)
    assert b2.weight == pytest.approx(0.8 * 0.85, rel=1e-12)
    assert c3.ci90_factor == pytest.approx(math.exp(math.log(1.5) * 1.3), rel=1e-12)
    # a less reliable letter or a less credible digit never narrows the spread
    assert default_grade("A1").ci90_factor < default_grade("B1").ci90_factor
    assert default_grade("B1").ci90_factor < default_grade("B2").ci90_factor


def test_grade_sets_spread_and_weight_unless_the_source_or_estimate_does() -> None:
    model = model_from("""
        [run]
        ci90_factor = 1.5
        [sources.graded]
        grade = "C3"
        estimates.a = 100
        estimates.b = { value = 100, ci90_factor = 1.2 }
        [sources.explicit]
        grade = "C3"
        ci90_factor = 2
        weight = 5
        estimates.a = 100
        [sources.plain]
        estimates.a = 100
    """)
    c3 = default_grade("C3")
    assert factor_of(model, "graded", "a") == pytest.approx(c3.ci90_factor, rel=1e-10)
    assert factor_of(model, "graded", "b") == pytest.approx(1.2, rel=1e-10)   # estimate wins
    assert factor_of(model, "explicit", "a") == pytest.approx(2.0, rel=1e-10)  # source wins
    assert factor_of(model, "plain", "a") == pytest.approx(1.5, rel=1e-10)   # run default
    assert model.source("graded").weight == pytest.approx(c3.weight)
    assert model.source("explicit").weight == 5
    assert model.source("plain").weight == 1
    assert "grade C3" in model.source("graded").estimate("a").spread


def test_grades_table_overrides_the_default() -> None:
    model = model_from("""
        [grades]
        B2 = { ci90_factor = 1.8 }
        [sources.s]
        grade = "B2"
        estimates.a = 100
    """)
    assert factor_of(model, "s", "a") == pytest.approx(1.8, rel=1e-10)
    assert model.source("s").weight == pytest.approx(default_grade("B2").weight)
    assert model.source("s").grade.overridden


@pytest.mark.parametrize(
    ("toml", "path", "message"),
    [
        ('[sources.s]\ngrade = "G2"\nestimates.a = 1', "sources.s.grade",
         "grade 'G2' is not valid: a reliability letter A/B/C/D/E/F then a credibility digit "
         '1/2/3/4/5/6, e.g. "B2"'),
        ('[sources.s]\ngrade = "B7"\nestimates.a = 1', "sources.s.grade",
         "grade 'B7' is not valid: a reliability letter A/B/C/D/E/F then a credibility digit "
         '1/2/3/4/5/6, e.g. "B2"'),
        ('[grades]\nZ9 = { weight = 1 }\n[sources.s]\nestimates.a = 1', "grades.Z9",
         "grade 'Z9' is not valid: a reliability letter A/B/C/D/E/F then a credibility digit "
         '1/2/3/4/5/6, e.g. "B2"'),
        ('[grades]\nB2 = { spread = 1 }\n[sources.s]\nestimates.a = 1', "grades.B2.spread",
         "unknown key in a grade (expected one of: ci90_factor, weight)"),
        ('[grades]\nB2 = { ci90_factor = 0.5 }\n[sources.s]\nestimates.a = 1',
         "grades.B2.ci90_factor", "must be greater than 1 (a 90% interval [x/f, x*f]), got 0.5"),
    ],
)
def test_bad_grades_are_rejected(toml: str, path: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        model_from(toml)
    assert (info.value.path, info.value.message) == (path, message)


def test_estimate_provenance_is_kept_and_does_not_change_the_distribution() -> None:
    model = model_from("""
        [sources.s]
        estimates.b = 100
        [sources.s.estimates.a]
        value = 100
        cite = "https://example.org"
        date = 2025-11-01
        quote = "about a hundred"
        note = "rounded"
    """)
    a, b = model.source("s").estimate("a"), model.source("s").estimate("b")
    assert dict(a.provenance) == {"cite": "https://example.org", "date": "2025-11-01",
                                  "quote": "about a hundred", "note": "rounded"}
    assert a.distribution == b.distribution
