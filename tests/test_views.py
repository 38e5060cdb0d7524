"""Views assign every quantity a source, as the README's table says."""

from __future__ import annotations

from model_builders import model_from

from uncertainty import build_views

CONFIG = """
[sources.a]
estimates.x = 1
estimates.y = 2
[sources.b]
estimates.x = 3
[sources.c]
estimates.z = 4
[scenarios.mix]
use = { x = "b", y = "pooled" }
"""


def test_view_assignments() -> None:
    views = {v.id: dict(v.assignment) for v in build_views(model_from(CONFIG))}
    assert list(views) == ["a", "b", "c", "pooled", "mix"]
    assert views["a"] == {"x": "a", "y": "a", "z": "c"}
    # b does not estimate y or z: they come from the pool, which for one source is that source
    assert views["b"] == {"x": "b", "y": "a", "z": "c"}
    assert views["c"] == {"x": "pooled", "y": "a", "z": "c"}
    assert views["pooled"] == {"x": "pooled", "y": "a", "z": "c"}
    # a scenario's unlisted quantities come from the pool
    assert views["mix"] == {"x": "b", "y": "a", "z": "c"}


def test_quantities_can_be_nested_or_quoted() -> None:
    nested = model_from('[sources.a]\nestimates.ua.kia = 1\n')
    quoted = model_from('[sources.a]\nestimates."ua.kia" = 1\n')
    table = model_from('[sources.a.estimates.ua]\nkia = 1\n')
    assert nested.quantities == quoted.quantities == table.quantities == ("ua.kia",)
