"""Quantity names whose last part is also a parameter name (`v.beta`, `x.rate`) parse.

A table under a quantity name is an estimate when a parameter key in it holds a value (a
number, text, a list); a table held by such a key is a deeper quantity. Checked for every
key any form or family accepts.
"""

from __future__ import annotations

import keyword

import pytest
from mc import assert_mean

import uncertainty
from uncertainty.config.schema import PROVENANCE_KEYS
from uncertainty.distributions.forms import estimate_keys
from uncertainty.errors import ConfigError

KEYS = sorted(k for k in estimate_keys() | set(PROVENANCE_KEYS) if not keyword.iskeyword(k))


def _quantities(text: str) -> list[str]:
    study = uncertainty.parse(text)
    return sorted({e.quantity for s in study.model.sources for e in s.estimates})


@pytest.mark.parametrize("key", KEYS)
def test_a_quantity_ending_in_a_parameter_name_parses(key: str) -> None:
    text = f"""
[sources.a.estimates]
q.{key} = {{ value = 10, ci90 = [5, 20] }}
other = 3
[metrics]
m = "q.{key} * other"
"""
    assert _quantities(text) == ["other", f"q.{key}"]


@pytest.mark.parametrize("key", KEYS)
def test_a_quoted_bare_number_under_a_parameter_name_is_a_quantity(key: str) -> None:
    text = f"""
[sources.a.estimates]
"q.{key}" = 7
"""
    assert _quantities(text) == [f"q.{key}"]


def test_a_family_parameter_named_like_the_quantity_part() -> None:
    text = """
[run]
draws = 2000
seed = 1
[sources.a.estimates]
v.beta = { dist = "beta", alpha = 2, beta = 5 }
x.rate = { dist = "gamma", shape = 2, rate = 0.5 }
y.quantiles = { quantiles = { "0.05" = 1, "0.5" = 2, "0.95" = 4 } }
[metrics]
m = "v.beta * x.rate + y.quantiles"
"""
    study = uncertainty.parse(text)
    families = {e.quantity: e.distribution.family for e in study.model.sources[0].estimates}
    assert families == {"v.beta": "beta", "x.rate": "gamma", "y.quantiles": "quantile-matched"}
    result = study.run(sensitivity=False)
    assert_mean(result.draws["v.beta"].sel(view="a").values, 2 / 7)  # beta(2, 5)


@pytest.mark.parametrize(("estimate", "names"), [
    ("v = { beta = 3 }", 'if v.beta is a quantity, quote the name, e.g. "v.beta" = ...'),
    ("x = { mean = 5, sd = 2 }",
     'if x.mean and x.sd are quantities, quote the name, e.g. "x.mean" = ...'),
])
def test_parameters_without_a_form_say_how_to_name_a_quantity(estimate: str,
                                                                names: str) -> None:
    with pytest.raises(ConfigError) as raised:
        uncertainty.parse(f"[sources.a.estimates]\n{estimate}\n")
    message = str(raised.value)
    assert "an estimate needs one of the keys: dist, value," in message
    assert message.endswith(names), message
