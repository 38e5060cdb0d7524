"""Hypothesis strategies for random *valid* models, as TOML-able dicts and as TOML text.

`valid_model_dicts` builds a config from the rules of README.md's config reference and
`uncertainty/schema.py`: 1-4 sources, each estimating 1-3 quantities in every estimate
form and family (with fairly extreme but legal parameters), grades, weights, a pool,
small correlations, mostly-satisfiable constraints, scenarios and 1-3 metrics.
`toml_text` writes such a dict as a config file.

The strategies build what they generate from the config language alone, never from the
package's objects, so that they keep working while the package is restructured.

How validity is kept
--------------------
Each generated estimate comes with a conservative range ``[low, high]`` such that (before
truncation) at most 5% of its probability lies below ``low`` and at most 5% above ``high``
(a truncation keeping at least 95% at most doubles that), and with a *kind*: ``positive``
(every draw > 0, no underflow to 0), ``nonneg`` or ``real``.

* Constraints are built from those ranges (``x >= low``, ``x <= high``,
  ``x - y <= high_x - low_y``), so each holds with probability >= 0.8 in every view, and
  two together >= 0.6: far above the 1% the run requires.
* With ``finite_metrics=True`` (the default), a metric divides only by, and takes
  ``log`` / ``sqrt`` only of, expressions that are positive on every draw (a positive
  quantity, a positive constant, ``abs(q) + c``, sums, products and quotients of those):
  no draw is ever NaN or infinite. ``finite_metrics=False`` drops that rule (and allows
  ``**`` and ``exp``), for tests of the invalid-draw accounting; it is the extension point
  for non-finite-prone metrics.
* The log pool is exact only for all-lognormal or all-normal estimates: under
  ``pool = "log"`` a quantity that several sources estimate takes its estimates from one
  of those two classes only.
* ``pool = "envelope"`` computes one member view per combination of sources: it is used
  only when there are at most `MAX_ENVELOPE_MEMBERS` combinations, to keep runs small.
* Correlations have ``|rho| <= 0.3`` and each estimate is in at most two of them, so the
  latent correlation matrix is diagonally dominant, hence positive definite.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from scipy import special, stats

__all__ = [
    "QUANTITY_NAMES",
    "Est",
    "estimates",
    "metric_expressions",
    "toml_text",
    "valid_model_dicts",
]

QUANTITY_NAMES = ("x", "y", "kia", "grp.u", "grp.v")
SOURCE_IDS = ("a", "src_b", "C-3", "d4")
SCENARIO_IDS = ("sc1", "what_if")
METRIC_NAMES = ("m1", "ratio", "gap")
#: Most member views an envelope pool may make (the product of estimator counts).
MAX_ENVELOPE_MEMBERS = 8
#: 95th percentile of the standard normal.
Z90 = float(special.ndtri(0.95))
#: Largest ci90_factor any grade of the default table implies (E5: 3.0 ** 2.2).
GRADE_FACTOR_MAX = 3.0**2.2
LETTERS, DIGITS = "ABCDEF", "123456"

Kind = str  # "positive" | "nonneg" | "real"


@dataclass(frozen=True)
class Est:
    """One generated estimate: what to write, and what the generator knows about it.

    Parameters
    ----------
    spec : int, float or dict
        The estimate as written in the config.
    low, high : float
        At most 5% of the probability lies below `low`, at most 5% above `high`.
    kind : str
        ``"positive"`` (every draw > 0), ``"nonneg"`` or ``"real"``.
    family : str or None
        ``"lognormal"`` or ``"normal"`` when the estimate builds one (log-poolable).
    """

    spec: Any
    low: float
    high: float
    kind: Kind
    family: str | None = None


def _nice(x: float, digits: int = 6) -> float:
    """`x` rounded to a few significant digits, so the TOML stays readable."""
    return float(f"{x:.{digits}g}")


def _weakest(kinds: list[Kind]) -> Kind:
    order = ("real", "nonneg", "positive")
    return min(kinds, key=order.index)


# -- numbers --------------------------------------------------------------------------------
#: Powers of ten for a quantity's magnitude: mostly ordinary, sometimes extreme.
_EXPONENTS = st.one_of(st.integers(0, 6), st.sampled_from([-6, -3, -1, 9, 12]))


@st.composite
def _magnitude(draw: st.DrawFn) -> float:
    return float(10.0 ** draw(_EXPONENTS))


def _mult(lo: float = 0.2, hi: float = 5.0) -> st.SearchStrategy[float]:
    """A multiplier, log-uniform-ish on [lo, hi]."""
    return st.floats(math.log(lo), math.log(hi)).map(lambda v: math.exp(v))


_FACTOR = st.one_of(st.floats(1.05, 4.0), st.sampled_from([1.001, 20.0, 100.0, 1e4]))


# -- estimate forms -------------------------------------------------------------------------
# Each builder takes the quantity's magnitude `s` and the largest default spread `f_max` a
# bare number can get in this model (the exact one depends on the source's grade and
# factors; a wider range is still a valid range).

@st.composite
def _bare(draw: st.DrawFn, s: float, f_max: float) -> Est:
    m = _nice(s * draw(_mult()))
    value: int | float = int(m) if m >= 1 and m.is_integer() and m < 2**53 else m
    return Est(value, m / f_max, m * f_max, "positive", "lognormal")


@st.composite
def _value_factor(draw: st.DrawFn, s: float, f_max: float) -> Est:
    m, f = _nice(s * draw(_mult())), _nice(draw(_FACTOR), 4)
    return Est({"value": m, "ci90_factor": f}, m / f, m * f, "positive", "lognormal")


@st.composite
def _value_ci(draw: st.DrawFn, s: float, f_max: float) -> Est:
    """``{ value, ci90 }`` or ``{ value, ci, level }``: usually asymmetric (split)."""
    m = _nice(s * draw(_mult()))
    a, b = draw(_mult(1.01, 30)), draw(_mult(1.01, 30))
    lo, hi = _nice(m / a), _nice(m * b)
    if draw(st.booleans()):
        spec: dict[str, Any] = {"value": m, "ci90": [lo, hi]}
        return Est(spec, lo, hi, "positive")
    level = _nice(draw(st.floats(0.5, 0.99)), 3)
    z = float(special.ndtri(0.5 + level / 2))
    s_lo, s_hi = math.log(m / lo) / z, math.log(hi / m) / z
    spec = {"value": m, "ci": [lo, hi], "level": level}
    return Est(spec, m * math.exp(-Z90 * s_lo), m * math.exp(Z90 * s_hi), "positive")


@st.composite
def _lognormal(draw: st.DrawFn, s: float, f_max: float) -> Est:
    m = _nice(s * draw(_mult()))
    how = draw(st.sampled_from(["median_ci90", "ci90", "sigma"]))
    if how == "sigma":
        sigma = _nice(draw(st.one_of(st.floats(0.01, 2.5), st.sampled_from([0.001, 4.0]))), 4)
        return Est({"dist": "lognormal", "median": m, "sigma": sigma},
                   m * math.exp(-Z90 * sigma), m * math.exp(Z90 * sigma), "positive",
                   "lognormal")
    a = _nice(draw(_mult(1.01, 50)), 4)
    lo, hi = m / a, m * a  # exact symmetry on the log scale is what the family checks
    if how == "ci90":
        return Est({"dist": "lognormal", "ci90": [lo, hi]}, lo, hi, "positive", "lognormal")
    return Est({"dist": "lognormal", "median": m, "ci90": [lo, hi]}, lo, hi, "positive",
               "lognormal")


@st.composite
def _normal(draw: st.DrawFn, s: float, f_max: float) -> Est:
    mean = _nice(s * draw(_mult()) * draw(st.sampled_from([1, 1, -1])))
    sd = _nice(s * draw(_mult(0.001, 3)))
    kind = "positive" if mean - 12 * sd > 0 else "real"
    return Est({"dist": "normal", "mean": mean, "sd": sd}, mean - Z90 * sd, mean + Z90 * sd,
               kind, "normal")


@st.composite
def _uniform(draw: st.DrawFn, s: float, f_max: float) -> Est:
    low = _nice(s * draw(st.floats(-1, 3)))
    high = _nice(low + s * draw(_mult(0.01, 5)))
    if not low < high:
        high = low + abs(low) * 1e-3 + s
    return Est({"dist": "uniform", "low": low, "high": high}, low, high,
               "positive" if low > 0 else "real")


@st.composite
def _beta(draw: st.DrawFn, s: float, f_max: float) -> Est:
    shape = st.one_of(st.floats(0.3, 30), st.sampled_from([0.05, 0.2, 200.0]))
    alpha, beta = _nice(draw(shape), 4), _nice(draw(shape), 4)
    return Est({"dist": "beta", "alpha": alpha, "beta": beta}, 0.0, 1.0,
               "positive" if alpha >= 0.2 else "nonneg")


@st.composite
def _point(draw: st.DrawFn, s: float, f_max: float) -> Est:
    v = _nice(s * draw(_mult()) * draw(st.sampled_from([1, 1, 1, 0, -1])))
    return Est({"dist": "point", "value": v}, v, v,
               "positive" if v > 0 else "nonneg" if v == 0 else "real")


@st.composite
def _gamma(draw: st.DrawFn, s: float, f_max: float) -> Est:
    shape = _nice(draw(st.one_of(st.floats(0.3, 50), st.sampled_from([0.02, 0.1, 500.0]))), 4)
    scale = _nice(s * draw(_mult()) / shape)
    how = draw(st.sampled_from(["scale", "rate", "moments"]))
    if how == "scale":
        spec: dict[str, Any] = {"dist": "gamma", "shape": shape, "scale": scale}
    elif how == "rate":
        scale = 1 / _nice(1 / scale)
        spec = {"dist": "gamma", "shape": shape, "rate": _nice(1 / scale)}
    else:
        mean, sd = _nice(shape * scale), _nice(math.sqrt(shape) * scale)
        shape, scale = (mean / sd) ** 2, sd * sd / mean
        spec = {"dist": "gamma", "mean": mean, "sd": sd}
    lo, hi = stats.gamma(shape, scale=scale).ppf([0.05, 0.95])
    return Est(spec, float(lo), float(hi), "positive" if shape >= 0.2 else "nonneg")


@st.composite
def _min_mode_max(draw: st.DrawFn, s: float) -> tuple[float, float, float]:
    lo = _nice(s * draw(st.floats(-1, 3)))
    hi = _nice(lo + s * draw(_mult(0.01, 10)))
    if not lo < hi:
        hi = lo + abs(lo) * 1e-3 + s
    where = draw(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0])))
    mode = min(max(_nice(lo + where * (hi - lo)), lo), hi)
    return lo, mode, hi


@st.composite
def _pert(draw: st.DrawFn, s: float, f_max: float) -> Est:
    lo, mode, hi = draw(_min_mode_max(s))
    spec: dict[str, Any] = {"dist": "pert", "min": lo, "mode": mode, "max": hi}
    if draw(st.booleans()):
        spec["lambda"] = _nice(draw(st.sampled_from([0.5, 1.0, 4.0, 10.0, 50.0])))
    return Est(spec, lo, hi, "positive" if lo > 0 else "real")


@st.composite
def _triangular(draw: st.DrawFn, s: float, f_max: float) -> Est:
    lo, mode, hi = draw(_min_mode_max(s))
    return Est({"dist": "triangular", "min": lo, "mode": mode, "max": hi}, lo, hi,
               "positive" if lo > 0 else "real")


@st.composite
def _truncnormal(draw: st.DrawFn, s: float, f_max: float) -> Est:
    mean = _nice(s * draw(_mult()) * draw(st.sampled_from([1, 1, -1])))
    sd = _nice(s * draw(_mult(0.01, 3)))
    # a bound up to 4.5 sd into the upper tail keeps 3.4e-6 of the mass (1e-9 is needed)
    t = draw(st.one_of(st.floats(-3, 3), st.sampled_from([-6.0, 4.5])))
    sides = draw(st.sampled_from(["low", "high", "both"]))
    spec: dict[str, Any] = {"dist": "truncnormal", "mean": mean, "sd": sd}
    low, high = -math.inf, math.inf
    if sides in ("low", "both"):
        low = spec["low"] = _nice(mean + t * sd)
    if sides == "high":
        high = spec["high"] = _nice(mean - t * sd)
    if sides == "both":
        high = spec["high"] = _nice(low + draw(st.floats(0.2, 6)) * sd)
    a, b = (low - mean) / sd, (high - mean) / sd
    q = stats.truncnorm(a, b, loc=mean, scale=sd).ppf([0.05, 0.95])
    kind = "positive" if low > 0 else "nonneg" if low == 0 else "real"
    return Est(spec, float(q[0]), float(q[1]), kind)


@st.composite
def _about(draw: st.DrawFn, s: float, f_max: float) -> Est:
    # a figure rounded to its last nonzero digit: "about 12,000" has unit 1,000
    digits = draw(st.sampled_from([1, 2, 3, 5, 12, 125, 4_000, 125_681]))
    x = float(f"{digits}e{round(math.log10(s)) - len(str(digits)) + 1}")  # near s
    value: int | float = int(x) if x.is_integer() and x < 2**53 else x
    spec: dict[str, Any] = {"about": value}
    f = f_max
    if draw(st.booleans()):
        f = spec["ci90_factor"] = _nice(draw(_FACTOR), 4)
    if draw(st.integers(0, 3)) == 0:
        spec["unit"] = _nice(x * draw(st.floats(0.001, 1.5)))
    unit = spec.get("unit", 10.0 ** math.floor(math.log10(x)))  # at least the default unit
    h = min(unit / (2 * x), 0.999)
    sigma = math.hypot(math.log(f) / Z90, -math.log1p(-h))  # |log R| <= -log(1 - h)
    return Est(spec, x * math.exp(-Z90 * sigma), x * math.exp(Z90 * sigma), "positive",
               "lognormal")


@st.composite
def _one_sided(draw: st.DrawFn, s: float, f_max: float) -> Est:
    floor = draw(st.booleans())
    key, count = ("at_least", "undercount") if floor else ("at_most", "overcount")
    b = _nice(s * draw(_mult()))
    spec: dict[str, Any] = {key: b}
    how = draw(st.sampled_from(["count", "factor", "default"]))
    if how == "count":
        lo = _nice(draw(st.floats(1.001, 3)), 4)
        hi = _nice(lo * draw(_mult(1.01, 20)), 4)
        spec[count] = {"ci90": [lo, hi]}
        f = hi
    elif how == "factor":
        f = spec["ci90_factor"] = _nice(draw(_FACTOR), 4)
    else:
        f = f_max
    return Est(spec, b if floor else b / f, b * f if floor else b, "positive")


@st.composite
def _between(draw: st.DrawFn, s: float, f_max: float) -> Est:
    lo = _nice(s * draw(st.one_of(_mult(0.05, 3), st.floats(-2, 0))))
    hi = _nice(lo + s * draw(_mult(0.01, 10)))
    if not lo < hi:
        hi = lo + abs(lo) * 1e-3 + s
    spec: dict[str, Any] = {"between": [lo, hi]}
    level = 0.9
    if draw(st.booleans()):
        level = spec["level"] = _nice(draw(st.floats(0.5, 0.99)), 3)
    z = float(special.ndtri(0.5 + level / 2))
    if lo > 0:
        mu, sigma = (math.log(lo) + math.log(hi)) / 2, math.log(hi / lo) / (2 * z)
        return Est(spec, math.exp(mu - Z90 * sigma), math.exp(mu + Z90 * sigma), "positive",
                   "lognormal")
    mid, sd = lo / 2 + hi / 2, (hi / 2 - lo / 2) / z
    return Est(spec, mid - Z90 * sd, mid + Z90 * sd, "real", "normal")


_LOW_PS, _MID_PS, _HIGH_PS = ("0.01", "0.025", "0.05"), ("0.1", "0.25", "0.5", "0.75", "0.9"), \
    ("0.95", "0.975", "0.99")


@st.composite
def _quantiles(draw: st.DrawFn, s: float, f_max: float) -> Est:
    probs = [draw(st.sampled_from(_LOW_PS)),
             *sorted(draw(st.sets(st.sampled_from(_MID_PS), max_size=3)), key=float),
             draw(st.sampled_from(_HIGH_PS))]
    positive = draw(st.integers(0, 3)) > 0
    start = s * draw(_mult()) if positive else -s * draw(_mult(0.1, 2))
    values = [_nice(start)]
    for _ in probs[1:]:
        step = draw(_mult(1.05, 5)) if positive else draw(_mult(0.05, 2))
        values.append(_nice(values[-1] * step if positive else values[-1] + s * step))
    spec: dict[str, Any] = {"quantiles": dict(zip(probs, values, strict=True))}
    kind = "positive" if positive else "real"
    if positive and draw(st.integers(0, 4)) == 0:
        spec["bounded"] = "none"
        kind = "real"
    elif positive and draw(st.booleans()):
        spec["bounded"] = "zero"
    return Est(spec, values[0], values[-1], kind)


#: Every single (non-mixture) form, by the name used in events and reports.
SIMPLE_FORMS = {
    "bare": _bare, "value_factor": _value_factor, "value_ci": _value_ci,
    "lognormal": _lognormal, "normal": _normal, "uniform": _uniform, "beta": _beta,
    "point": _point, "gamma": _gamma, "pert": _pert, "triangular": _triangular,
    "truncnormal": _truncnormal, "about": _about, "one_sided": _one_sided,
    "between": _between, "quantiles": _quantiles,
}
#: Forms that build a lognormal (or normal) whatever their parameters: log-poolable.
LOG_POOLABLE = {"lognormal": ("bare", "value_factor", "lognormal", "about"),
                "normal": ("normal",)}


@st.composite
def _mixture(draw: st.DrawFn, s: float, f_max: float) -> Est:
    # Parts on one scale: a mixture spanning many orders of magnitude (a beta on [0, 1]
    # beside a count of 125,681) takes seconds to tabulate, too slow for these tests.
    names = sorted(set(SIMPLE_FORMS) - {"point", "beta"})
    parts = [draw(SIMPLE_FORMS[draw(st.sampled_from(names))](s, f_max))
             for _ in range(draw(st.integers(2, 3)))]
    spec: dict[str, Any] = {"mixture": [p.spec if isinstance(p.spec, dict) else {"value": p.spec}
                                        for p in parts]}
    if draw(st.booleans()):
        spec["weights"] = [_nice(draw(st.one_of(st.floats(0.05, 5), st.just(1e-3))), 3)
                           for _ in parts]
    return Est(spec, min(p.low for p in parts), max(p.high for p in parts),
               _weakest([p.kind for p in parts]))


@st.composite
def _truncate(draw: st.DrawFn, est: Est) -> Est:
    """`est` with ``lower`` and/or ``upper`` outside its 90% range (keeping >= 90%)."""
    width = est.high - est.low
    if not (width > 0 and math.isfinite(width)):
        return est
    spec = est.spec if isinstance(est.spec, dict) else {"value": est.spec}
    spec = dict(spec)
    low, high, kind = est.low, est.high, est.kind
    side = draw(st.sampled_from(["lower", "upper", "both"]))
    if side in ("lower", "both"):
        lower = _nice(est.low - width * draw(st.floats(0.01, 1)))
        if lower >= est.low:
            lower = est.low - width
        if est.kind == "real" and est.low > 0 and draw(st.booleans()):
            lower = 0.0  # a normal cut at zero: the common way to make a count of one
        spec["lower"] = lower
        kind = "positive" if lower > 0 else "nonneg" if lower == 0 else est.kind
    if side in ("upper", "both"):
        upper = _nice(est.high + width * draw(st.floats(0.01, 1)))
        spec["upper"] = upper if upper > est.high else est.high + width
    return Est(spec, low, high, kind)


_PROVENANCE = st.fixed_dictionaries({}, optional={
    "cite": st.sampled_from(["https://example.org/report", "Ministry, 2025"]),
    "date": st.sampled_from(["2025-06-30", "2024-01-01"]),
    "quote": st.just("about that many, maybe more"),
    "note": st.just("née ü — unicode survives"),
})


@st.composite
def estimates(draw: st.DrawFn, s: float, f_max: float, family: str | None = None,
              slow_forms: bool = True) -> Est:
    """One estimate of a quantity of magnitude `s`, in a random form.

    With `family` (``"lognormal"`` or ``"normal"``), only forms that build that family.
    Without `slow_forms`, no mixtures and no truncation: building those takes 1-8 s.
    """
    if family is not None:
        est = draw(SIMPLE_FORMS[draw(st.sampled_from(LOG_POOLABLE[family]))](s, f_max))
        if est.family != family:  # `between` may build either: not used here
            raise AssertionError(est)
        return est
    forms = [*SIMPLE_FORMS, "mixture"] if slow_forms else list(SIMPLE_FORMS)
    name = draw(st.sampled_from(forms))
    est = draw(_mixture(s, f_max) if name == "mixture" else SIMPLE_FORMS[name](s, f_max))
    if slow_forms and name != "point" and draw(st.integers(0, 5)) == 0:
        est = draw(_truncate(est))
    if isinstance(est.spec, dict) and draw(st.integers(0, 3)) == 0:
        est = Est({**est.spec, **draw(_PROVENANCE)}, est.low, est.high, est.kind, est.family)
    return est


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


# -- metrics --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Expr:
    text: str
    positive: bool


def _const(draw: st.DrawFn) -> _Expr:
    c = draw(st.sampled_from([1, 2, 0.5, 100, 1e-3]))
    return _Expr(repr(c), True)


@st.composite
def metric_expressions(draw: st.DrawFn, kinds: dict[str, Kind], *, finite: bool = True,
                       depth: int = 2) -> _Expr:
    """An expression over the quantities in `kinds`; see the module docstring."""

    def positive(d: int) -> _Expr:
        pos = [q for q, k in kinds.items() if k == "positive"]
        choice = draw(st.integers(0, 4 if d > 0 else 2))
        if choice <= 1 and pos:
            return _Expr(draw(st.sampled_from(pos)), True)
        if choice == 2:
            q = draw(st.sampled_from(sorted(kinds)))
            return _Expr(f"(abs({q}) + {_const(draw).text})", True)
        if choice == 3:
            a, b = positive(d - 1), positive(d - 1)
            op = draw(st.sampled_from(["+", "*", "/"]))
            return _Expr(f"({a.text} {op} {b.text})", True)
        if choice == 4:
            return _Expr(f"sqrt({positive(d - 1).text})", True)
        return _const(draw)

    def anything(d: int) -> _Expr:
        if d <= 0:
            return _Expr(draw(st.sampled_from(sorted(kinds))), False)
        choice = draw(st.integers(0, 7))
        if choice == 0:
            return _Expr(draw(st.sampled_from(sorted(kinds))), False)
        if choice == 1:
            a, b = anything(d - 1), anything(d - 1)
            return _Expr(f"{a.text} {draw(st.sampled_from(['+', '-']))} {b.text}", False)
        if choice == 2:
            return _Expr(f"({anything(d - 1).text}) * ({anything(d - 1).text})", False)
        if choice == 3:
            den = anything(d - 1) if not finite else positive(d - 1)
            return _Expr(f"({anything(d - 1).text}) / {den.text}", False)
        if choice == 4:
            arg = anything(d - 1) if not finite else positive(d - 1)
            return _Expr(f"{draw(st.sampled_from(['log', 'sqrt']))}({arg.text})", False)
        if choice == 5:
            args = [anything(d - 1).text for _ in range(draw(st.integers(2, 3)))]
            return _Expr(f"{draw(st.sampled_from(['min', 'max']))}({', '.join(args)})", False)
        if choice == 6:
            return _Expr(f"abs({anything(d - 1).text})", False)
        if not finite:
            base, power = anything(d - 1), anything(d - 1)
            return _Expr(draw(st.sampled_from([f"({base.text}) ** ({power.text})",
                                               f"exp({base.text})"])), False)
        return _Expr(f"1 - {positive(d - 1).text} / {positive(d - 1).text}", False)

    expr = anything(depth)
    if not set(_NAME.findall(expr.text)) & set(kinds):  # a metric must use a quantity
        expr = _Expr(f"({expr.text}) * {draw(st.sampled_from(sorted(kinds)))}", False)
    return expr


# -- the model ------------------------------------------------------------------------------
@dataclass
class _Plan:
    """What the generator knows about the model it is writing."""

    estimates: dict[str, dict[str, Est]] = field(default_factory=dict)  # source -> q -> Est

    def estimators(self, q: str) -> list[str]:
        return [sid for sid, ests in self.estimates.items() if q in ests]

    def quantities(self) -> list[str]:
        return sorted({q for ests in self.estimates.values() for q in ests})

    def range(self, q: str) -> tuple[float, float]:
        ests = [ests[q] for ests in self.estimates.values() if q in ests]
        return min(e.low for e in ests), max(e.high for e in ests)

    def kind(self, q: str) -> Kind:
        return _weakest([ests[q].kind for ests in self.estimates.values() if q in ests])


def _grade() -> st.SearchStrategy[str]:
    return st.builds(lambda a, b: a + b, st.sampled_from(LETTERS), st.sampled_from(DIGITS))


def _number_text(x: float) -> str:
    return repr(_nice(x, 8))


@st.composite
def _constraint(draw: st.DrawFn, plan: _Plan) -> str:
    qs = plan.quantities()
    q = draw(st.sampled_from(qs))
    lo, hi = plan.range(q)
    how = draw(st.sampled_from(["above", "below", "pair"] if len(qs) > 1 else ["above", "below"]))
    if how == "above":
        return f"{q} >= {_number_text(lo - abs(lo) * 1e-6)}"
    if how == "below":
        return f"{q} <= {_number_text(hi + abs(hi) * 1e-6)}"
    other = draw(st.sampled_from([p for p in qs if p != q]))
    olo, _ = plan.range(other)
    c = hi - olo
    return f"{q} - {other} <= {_number_text(c + abs(c) * 1e-6 + 1e-12 * (abs(hi) + abs(olo)))}"


def _estimate_ref(sid: str, q: str) -> str:
    return f"{sid}:{q}"


@st.composite
def _correlations(draw: st.DrawFn, plan: _Plan) -> dict[str, Any]:
    refs = [(sid, q) for sid, ests in plan.estimates.items() for q in ests]
    out: dict[str, Any] = {}
    used: set[frozenset[tuple[str, str]]] = set()
    for i in range(draw(st.integers(0, min(2, len(refs) // 2)))):
        a, b = draw(st.sampled_from(refs)), draw(st.sampled_from(refs))
        pair = frozenset((a, b))
        if a == b or pair in used:
            continue
        used.add(pair)
        rho = _nice(draw(st.floats(-0.3, 0.3)), 3)
        if a[0] == b[0] and draw(st.booleans()):
            entry: dict[str, Any] = {"between": [a[1], b[1]], "rho": rho, "source": a[0]}
        else:
            entry = {"between": [_estimate_ref(*a), _estimate_ref(*b)], "rho": rho}
        out[f"c{i}"] = entry
    if out and draw(st.booleans()):
        out["repair"] = draw(st.booleans())
    return out


@st.composite
def valid_model_dicts(draw: st.DrawFn, *, finite_metrics: bool = True,
                      draws: tuple[int, int] = (2_000, 5_000),
                      slow_forms: bool = True) -> dict[str, Any]:
    """A random valid config as the dict `tomllib` would read from it.

    Parameters
    ----------
    finite_metrics : bool
        Metrics never divide by, or take the log or square root of, anything that can be
        zero or negative (no NaN or infinite draws). False allows them, plus ``**`` and
        ``exp`` (the extension point for non-finite-prone metrics).
    draws : (int, int)
        Range of ``[run] draws``.
    slow_forms : bool
        Include mixtures and truncated estimates, which take 1-8 s each to build today
        (the tabulated quantile function); off for tests that run many models.
    """
    data: dict[str, Any] = {"title": draw(st.sampled_from(["Random model", "Ünïcode — ok"]))}
    run: dict[str, Any] = {"draws": draw(st.integers(*draws)),
                           "seed": draw(st.integers(0, 2**32 - 1))}
    pool = draw(st.sampled_from(["linear", "linear", "log", "envelope"]))
    run_factor = 1.5
    if draw(st.integers(0, 3)) == 0:
        run_factor = run["ci90_factor"] = _nice(draw(_FACTOR), 4)
    if draw(st.integers(0, 3)) == 0:
        run["levels"] = sorted(draw(st.sets(st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]),
                                            min_size=1, max_size=3)))
    data["run"] = run

    grades: dict[str, Any] = {}
    if draw(st.integers(0, 4)) == 0:
        code = draw(_grade())
        entry = {"ci90_factor": _nice(draw(st.floats(1.1, 5)), 3),
                 "weight": _nice(draw(st.floats(0.01, 2)), 3)}
        keep = draw(st.sampled_from([("ci90_factor",), ("weight",), ("ci90_factor", "weight")]))
        grades[code] = {k: entry[k] for k in keep}
        data["grades"] = grades

    # Which source estimates which quantity; every quantity has at least one estimator.
    n_sources = draw(st.integers(1, 4))
    source_ids = draw(st.permutations(SOURCE_IDS))[:n_sources]
    names = draw(st.lists(st.sampled_from(QUANTITY_NAMES), min_size=1, max_size=4,
                          unique=True))
    assigned = {sid: draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
                for sid in source_ids}
    counts = {q: sum(q in qs for qs in assigned.values()) for q in names}
    if pool == "envelope" and math.prod(c for c in counts.values() if c) > MAX_ENVELOPE_MEMBERS:
        pool = "linear"
    run["pool"] = pool

    sources: dict[str, Any] = {}
    settings: dict[str, dict[str, Any]] = {}
    f_max = max(run_factor, GRADE_FACTOR_MAX,
                *(g.get("ci90_factor", 0.0) for g in grades.values()))
    for sid in source_ids:
        src: dict[str, Any] = {}
        if draw(st.booleans()):
            src["label"] = f"Source {sid}"
        if draw(st.booleans()):
            src["grade"] = draw(st.sampled_from([*grades, "B2"]) if grades else _grade())
        if draw(st.integers(0, 2)) == 0:
            src["weight"] = _nice(draw(st.one_of(st.floats(0.05, 5),
                                                 st.sampled_from([1e-3, 1e3]))), 3)
        if draw(st.integers(0, 3)) == 0:
            src["ci90_factor"] = _nice(draw(_FACTOR), 4)
            f_max = max(f_max, src["ci90_factor"])
        settings[sid] = src

    magnitude = {q: draw(_magnitude()) for q in names}
    family = {q: draw(st.sampled_from(["lognormal", "normal"])) for q in names}
    plan = _Plan()
    for sid in source_ids:
        plan.estimates[sid] = {}
        for q in assigned[sid]:
            fam = family[q] if pool == "log" and counts[q] > 1 else None
            plan.estimates[sid][q] = draw(estimates(magnitude[q], f_max, fam, slow_forms))
        sources[sid] = {**settings[sid],
                        "estimates": {q: e.spec for q, e in plan.estimates[sid].items()}}

    quantities = plan.quantities()
    if draw(st.integers(0, 2)) == 0:
        data["constraints"] = draw(st.lists(_constraint(plan), min_size=1, max_size=2))
    data["sources"] = sources

    kinds = {q: plan.kind(q) for q in quantities}
    metrics: dict[str, Any] = {}
    for name in METRIC_NAMES[:draw(st.integers(1, 3))]:
        expr = draw(metric_expressions(kinds, finite=finite_metrics,
                                       depth=draw(st.integers(0, 3)))).text
        if draw(st.booleans()):
            metrics[name] = expr
        else:
            metrics[name] = {"expr": expr, "label": f"Metric {name}"}
            if draw(st.integers(0, 2)) == 0:
                metrics[name]["thresholds"] = sorted({_nice(v) for v in plan.range(
                    quantities[0])})
    data["metrics"] = metrics

    scenarios: dict[str, Any] = {}
    for sc in SCENARIO_IDS[:draw(st.integers(0, 2))]:
        chosen = draw(st.lists(st.sampled_from(quantities), min_size=1, unique=True))
        use = {q: draw(st.sampled_from([*plan.estimators(q), "pooled"])) for q in chosen}
        scenarios[sc] = {"use": use}
        if draw(st.booleans()):
            scenarios[sc]["label"] = f"Scenario {sc}"
    if scenarios:
        data["scenarios"] = scenarios

    correlations = draw(_correlations(plan))
    if any(k != "repair" for k in correlations):
        data["correlations"] = correlations
    return data


# -- writing TOML ---------------------------------------------------------------------------
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_text(data: dict[str, Any]) -> str:
    """`data` as a config file: top-level keys first, then one ``[table]`` per section.

    Sources get one ``[sources.ID]`` table each, with one ``estimates."q" = ...`` line
    per estimate, the way configs are written by hand.
    """
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for section, table in data.items():
        if not isinstance(table, dict):
            continue
        if section in ("sources", "scenarios"):
            for sid, body in table.items():
                lines += ["", f"[{section}.{_key(sid)}]"]
                for k, v in body.items():
                    if k == "estimates":
                        lines += [f"estimates.{_key(q)} = {_value(e)}" for q, e in v.items()]
                    else:
                        lines.append(f"{_key(k)} = {_value(v)}")
            continue
        lines += ["", f"[{section}]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
