"""Bad grades, correlations, constraints and pools through the CLI: exit 2, one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Invoke = Callable[..., Result]

BASE = """\
{top}
[run]
draws = 2000
seed = 1
{run}
[sources.a]
{source}
estimates.kia = 100
estimates.cas = 400
[sources.b]
estimates.kia = {{ value = 200, ci90 = [150, 400] }}
{tables}
"""


def config(run: str = "", top: str = "", source: str = "", tables: str = "") -> str:
    return BASE.format(run=run, top=top, source=source, tables=tables)


CASES = [
    pytest.param(config(source='grade = "Q1"'),
                 "Error: bad.toml: sources.a.grade: grade 'Q1' is not valid: a reliability "
                 "letter A/B/C/D/E/F then a credibility digit 1/2/3/4/5/6, e.g. \"B2\"",
                 id="grade"),
    pytest.param(config(tables="[grades]\nB2 = { weight = -1 }"),
                 "Error: bad.toml: grades.B2.weight: must be positive, got -1", id="grade-table"),
    pytest.param(config(tables='[correlations]\nx = { between = ["kia", "cas"], rho = 0.5 }'),
                 "Error: bad.toml: correlations.x.between[0]: write 'kia' as \"source:kia\", "
                 "or give source = ... for both", id="correlation-no-source"),
    pytest.param(config(tables='[correlations]\nx = { between = ["a:kia", "b:cas"], rho = 0.5 }'),
                 "Error: bad.toml: correlations.x.between[1]: source 'b' gives no estimate of "
                 "'cas' (it gives: kia)", id="correlation-missing-estimate"),
    pytest.param(config(tables='[correlations]\nx = { between = ["a:kia", "b:kia"], rho = 1 }'),
                 "Error: bad.toml: correlations.x.rho: a rank correlation must be strictly "
                 "between -1 and 1, got 1", id="correlation-rho"),
    pytest.param(config(tables='[correlations]\nrepair = "yes"'),
                 "Error: bad.toml: correlations.repair: expected true or false, got a string 'yes'",
                 id="correlation-repair"),
    pytest.param(config(top='constraints = ["kia <= casualties"]'),
                 "Error: bad.toml: constraints[0]: in 'kia <= casualties': unknown quantity "
                 "'casualties' (known: cas, kia)", id="constraint-name"),
    pytest.param(config(top='constraints = ["kia + cas"]'),
                 "Error: bad.toml: constraints[0]: in 'kia + cas': a constraint is one "
                 "comparison, e.g. 'ua.kia <= ua.casualties'", id="constraint-not-comparison"),
    pytest.param(config(top='constraints = ["kia == cas"]'),
                 "Error: bad.toml: constraints[0]: in 'kia == cas': compare with <, <=, > or >=",
                 id="constraint-operator"),
    pytest.param(config(top='constraints = ["kia >= 10 * cas"]'),
                 None, id="constraint-conflict"),
    pytest.param(config(run='constraints = ["kia <= cas"]'),
                 "Error: bad.toml: run.constraints: unknown key (expected one of: ci90_factor, "
                 "draws, levels, max_draws, pool, precision, seed); top-level keys such as "
                 "constraints go before the "
                 "first [table]", id="top-level-key-inside-a-table"),
    pytest.param(config(run='pool = "median"'),
                 "Error: bad.toml: run.pool: unknown pooling method 'median' (expected one of: "
                 "linear, log, envelope)", id="pool-unknown"),
    pytest.param(config(run='pool = "log"'),
                 "Error: bad.toml: run.pool: the log pool of 'kia' has a closed form only when "
                 "every estimate is lognormal, or every one normal; 'b' gives a split "
                 "lognormal. Use pool = \"linear\"", id="pool-log-family"),
]


@pytest.mark.parametrize(("text", "message"), CASES)
def test_bad_input_is_one_line_and_writes_nothing(
    cli: Invoke, workdir: Path, text: str, message: str | None
) -> None:
    (workdir / "bad.toml").write_text(text, encoding="utf-8")
    result = cli("run", "bad.toml")
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    if message is None:  # the conflict message carries a measured rate: check its frame
        assert lines[0].startswith("Error: bad.toml: constraints[0]: 'kia >= 10 * cas' holds in "
                                   "only ")
        assert "these sources conflict" in lines[0]
    else:
        assert lines[0] == message
    assert not (workdir / "results").exists()
