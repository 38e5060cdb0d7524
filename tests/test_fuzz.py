"""Fuzzing the front door: mutated configs must run, or fail with exit 2 and one line.

Hypothesis takes the shipped configs apart and puts them back with one thing wrong: a value
of the wrong type, a huge or tiny or non-finite number, a missing or an extra key, an empty
or deeply nested table, a very long expression or name, unicode, or a corrupted byte of the
file. Whatever comes in, the command line must either succeed (and then no statistic may be
NaN unless invalid draws are counted) or exit with status 2 and one ``Error:`` line: never
a traceback, never a hang. Inputs that once broke it are kept in ``tests/fuzz_corpus`` and
replayed on every run.

``make test`` replays a fixed sequence of examples (the "deterministic" profile, see
conftest.py); ``make fuzz`` explores new ones from a random seed and saves each failing
input, shrunk, to ``tests/fuzz_corpus/found-<test>-<hash>.toml``: read it, say in its first
line what it broke, fix the cause, and commit it, so that it is replayed from then on.
"""

from __future__ import annotations

import hashlib
import json
import math
import signal
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from uncertainty.cli import main

CONFIGS = Path(__file__).parents[1] / "configs"
CORPUS = Path(__file__).parent / "fuzz_corpus"
BASES = {
    name: tomllib.loads((CONFIGS / path).read_text("utf-8"))
    for name, path in (("seed", "seed-article-2025.toml"),
                       ("face", "examples/article-face-value.toml"),
                       ("claims", "examples/claims.toml"))
}
#: Examples per property: 2,000 in all, a fixed sequence under ``make test`` (see
#: conftest.py), new ones under ``make fuzz``. Each property runs once per shipped base
#: config, a share of the examples each, so that the processes of ``make test`` share them.
EXAMPLES = 1_000
PER_BASE = math.ceil(EXAMPLES / len(BASES))
#: Seconds one example may take before it counts as a hang.
HANG = 60


# -- writing TOML back ----------------------------------------------------------------------
def _string(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")  # a lone surrogate cannot be written in UTF-8 TOML
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """`value` as an inline TOML value (tables inline, every key quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    return _string(str(value))  # dates and the like: as text


def toml_document(data: dict[str, Any]) -> str:
    return "".join(f"{_string(str(k))} = {toml_value(v)}\n" for k, v in data.items())


# -- mutations ------------------------------------------------------------------------------
def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 5e-324, 1e300, 1.7976931348623157e308, 10**400, 0.5,
                     1.0000000001, -0.0]),
)
texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "ua.kia", "pooled", "x" * 5_000, "ua.kia / " * 600 + "1",
                     "(" * 200 + "1" + ")" * 200, "ü.ñ", "лог", "1e999", "nan", "__import__",
                     "exp(exp(exp(exp(ua.kia))))", "ua.kia ** 1e9", "lognormal", "B2", "Z9"]),
)
leaves = st.one_of(numbers, texts, st.booleans(), st.just([]), st.just({}))
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
weird = st.one_of(values, st.integers(min_value=40, max_value=200).map(_deep))


@st.composite
def mutated(draw: st.DrawFn, base: str) -> str:
    """The shipped config `base` with one to three things wrong, as TOML text."""
    data = _copy(BASES[base])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add", "empty",
                                       "number", "number"]))
        if action == "number":  # a plausible number where a number was: often still valid
            value = parent[key]
            parent[key] = (draw(numbers) if isinstance(value, int | float)
                           and not isinstance(value, bool) else value)
        elif action == "replace":
            parent[key] = draw(weird)
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(weird)
        elif action == "add" and isinstance(parent, list):
            parent.append(draw(weird))
        elif isinstance(parent[key], dict | list):
            parent[key] = type(parent[key])()
    return toml_document(data)


# -- saving what the fuzzer finds -----------------------------------------------------------
#: The file each property saved its latest failure to in this session: hypothesis calls the
#: test on ever smaller failing inputs and last on the smallest, which alone is kept.
_saved: dict[str, Path] = {}


def save_failure(test: str, text: str | bytes, problem: BaseException,
                 corpus: Path = CORPUS) -> Path:
    """Write a failing input to `corpus` in the format the corpus is replayed in.

    The file is the input, after one comment line naming the test and the failure (a
    comment changes nothing in how the input runs). A previous file this session saved for
    `test` is removed, so the shrunk input is the one that stays.
    """
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    name = f"found-{test.removeprefix('test_')}-{hashlib.sha256(data).hexdigest()[:12]}.toml"
    what = " ".join(f"{type(problem).__name__}: {problem}".split())[:200]
    path = corpus / name
    previous = _saved.get(test)
    if previous is not None and previous != path:
        previous.unlink(missing_ok=True)
    path.write_bytes(f"# Found by `make fuzz` in {test}: {what}\n".encode() + data)
    _saved[test] = path
    return path


def _exploring() -> bool:
    return settings.get_current_profile_name() == "fuzz"


@contextmanager
def _saved_on_failure(test: str, text: str | bytes) -> Iterator[None]:
    """Under ``make fuzz``, save `text` to the corpus when the block fails."""
    try:
        yield
    except Exception as problem:
        if _exploring():
            save_failure(test, text, problem)
        raise


# -- the property ---------------------------------------------------------------------------
@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def hung(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no outcome within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_outcome(text: str | bytes, where: Path) -> Result:
    """Run `text` as a config; assert success (with honest NaNs) or one clean error."""
    config = where / "fuzz.toml"
    config.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    out = where / "out"
    with _deadline(HANG):
        result = CliRunner().invoke(main, ["run", str(config), "--draws", "300", "--out",
                                           str(out), "--no-plots", "--no-sensitivity",
                                           "--force", "--format", "json"])
    assert "Traceback" not in result.output, result.output
    if result.exit_code == 0:
        document = json.loads(result.stdout)
        for record in document["records"]:
            if record["median"] is None:
                assert record["invalid"] > 0 or record["draws"] == 0, record
        return result
    assert result.exit_code == 2, (result.exit_code, repr(result.exception), result.stderr)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return result


@pytest.mark.parametrize("base", sorted(BASES))
@settings(max_examples=PER_BASE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_config_runs_or_fails_with_one_line(base: str, data: st.DataObject,
                                                      tmp_path: Path) -> None:
    text = data.draw(mutated(base), label="config")
    with _saved_on_failure("test_a_mutated_config_runs_or_fails_with_one_line", text):
        event(f"exit status {check_outcome(text, tmp_path).exit_code}")


@pytest.mark.parametrize("name", sorted(BASES))
@settings(max_examples=PER_BASE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(at=st.floats(min_value=0, max_value=1), junk=st.binary(min_size=1, max_size=8))
def test_a_corrupted_file_runs_or_fails_with_one_line(name: str, at: float, junk: bytes,
                                                      tmp_path: Path) -> None:
    path = {"seed": "seed-article-2025.toml", "face": "examples/article-face-value.toml",
            "claims": "examples/claims.toml"}[name]
    text = (CONFIGS / path).read_bytes()
    cut = int(at * len(text))
    corrupted = text[:cut] + junk + text[cut + len(junk):]
    with _saved_on_failure("test_a_corrupted_file_runs_or_fails_with_one_line", corrupted):
        outcome = check_outcome(corrupted, tmp_path)
    event(f"exit status {outcome.exit_code}")


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*.toml")), ids=lambda p: p.stem)
def test_the_corpus_of_past_failures(case: Path, tmp_path: Path) -> None:
    check_outcome(case.read_bytes(), tmp_path)


def test_a_saved_failure_replays_as_a_corpus_case(tmp_path: Path) -> None:
    text = '[sources.a]\nestimates.x = { dist = "beta", alpha = 1e300, beta = 10 }\n'
    first = save_failure("test_x", "[sources.a]\nestimates.x = 5\n", AssertionError("a"),
                         corpus=tmp_path)
    path = save_failure("test_x", text, AssertionError("exit 1\n  no line"), corpus=tmp_path)
    # the later (smaller) input replaces this session's earlier one for the same test
    assert not first.exists()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert path.name.startswith("found-x-") and path.suffix == ".toml"
    assert path.read_text("utf-8") == ("# Found by `make fuzz` in test_x: AssertionError: "
                                       "exit 1 no line\n" + text)
    result = check_outcome(path.read_bytes(), tmp_path)
    assert result.stderr == ("Error: " + str(tmp_path / "fuzz.toml") + ": sources.a.estimates."
                             "x.alpha: must be at most 1e+10 (beyond, a beta is a point mass in "
                             "all but name and its moments overflow), got 1e+300\n")


def test_make_test_replays_a_fixed_sequence() -> None:
    assert settings.get_current_profile_name() == "deterministic" or _exploring()
    if not _exploring():
        assert settings.default.derandomize and settings.default.database is None


def test_the_toml_writer_round_trips_the_shipped_configs() -> None:
    for data in BASES.values():
        plain = _copy(data)
        assert tomllib.loads(toml_document(plain)) == plain
