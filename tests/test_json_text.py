"""`json_text.dumps` writes what ``json.dumps(obj, indent=2, allow_nan=False)`` writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from uncertainty.report.json_text import dumps


def standard(obj: Any) -> str:
    return json.dumps(obj, indent=2, allow_nan=False)


def outcome(write: Any, obj: Any) -> tuple[str, str]:
    """What `write` returns, or the type and message of what it raises."""
    try:
        return "text", write(obj)
    except (TypeError, ValueError) as error:
        return type(error).__name__, str(error)


class Text(str):
    pass


class Number(float):
    def __repr__(self) -> str:  # json writes float.__repr__, not this
        return "not this"


class Count(IntEnum):
    ONE = 1


leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-320, 1e308, 0.1, float("nan"), float("inf"),
                     -float("inf")]),
    st.builds(np.float64, st.floats()), st.builds(Text, st.text()),
    st.builds(Number, st.floats(allow_nan=False, allow_infinity=False)),
    st.just(Count.ONE), st.just(np.int64(3)), st.just({1, 2}),
)
keys = st.one_of(st.text(), st.builds(Text, st.text()), st.integers(), st.floats(),
                 st.booleans(), st.none())
documents = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.lists(inner, max_size=3).map(tuple),
                            st.dictionaries(st.text(max_size=4), inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=3)),
    max_leaves=30)


@given(documents)
def test_any_document_is_written_or_refused_as_json_writes_it(obj: Any) -> None:
    assert outcome(dumps, obj) == outcome(standard, obj)


@pytest.mark.parametrize("obj", [
    {}, [], (), "", {"a": {}}, {"a": []}, [[[]]], {"é\n\"": ["\u2028", "\x00"]},
    {"x": [1, 2.5, None, True, False, "s"], "y": {"z": {"w": [-0.0]}}},
])
def test_edge_cases_are_written_as_json_writes_them(obj: Any) -> None:
    assert dumps(obj) == standard(obj)


@pytest.mark.parametrize("obj", [
    float("nan"), [float("inf")], {"a": -float("inf")}, [1.0, {"b": [float("nan")]}],
    {1: 2}, [np.int64(1)], {"a": {1, 2}},
])
def test_what_json_refuses_or_writes_its_own_way_is_left_to_it(obj: Any) -> None:
    assert outcome(dumps, obj) == outcome(standard, obj)


def test_a_cycle_is_refused_as_json_refuses_it() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert outcome(dumps, loop) == outcome(standard, loop) == (
        "ValueError", "Circular reference detected")


def test_a_run_summary_is_written_as_json_writes_it(cli: Callable[..., Any],
                                                    workdir: Path) -> None:
    config = Path(__file__).parents[1] / "configs" / "examples" / "claims.toml"
    result = cli("run", config, "--draws", "2000", "--out", "r", "--no-plots",
                 "--no-sensitivity")
    assert result.exit_code == 0, result.output
    text = (workdir / "r" / "summary.json").read_text("utf-8")
    assert text == standard(json.loads(text)) + "\n"
    assert text.count("\n") > 500  # a document of some depth, indented
