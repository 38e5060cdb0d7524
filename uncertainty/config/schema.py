"""From a parsed TOML document to a validated, immutable `Model`.

Every rule about what a config may say lives here, and every violation raises a
`ConfigError` naming its key path. Unknown keys are errors, never ignored.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import keyword
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from uncertainty.config.consensus import parse_consensus
from uncertainty.config.counts import parse_counts
from uncertainty.config.tables import (
    RowOutcome,
    TableReport,
    TableRow,
    TableSpec,
    check_floor_names,
    estimate_spec,
    read_rows,
    select,
    select_pairs,
    source_id,
    table_spec,
)
from uncertainty.config.validation import Node, did_you_mean, show, unknown
from uncertainty.distributions import Distribution, Spread, build_estimate
from uncertainty.distributions.built import ci90_factor
from uncertainty.distributions.forms import FORMS, TRUNCATION_KEYS, estimate_keys, written
from uncertainty.distributions.increment import Increment
from uncertainty.errors import ConfigError, ExpressionError
from uncertainty.model.copula import plan_copula
from uncertainty.model.core import (
    CONSENSUS,
    DEFAULT_CI90_FACTOR,
    DEFAULT_DRAWS,
    DEFAULT_LEVELS,
    POOL_METHODS,
    POOLED,
    ConsensusSettings,
    Correlation,
    Estimate,
    Metric,
    Model,
    Origin,
    RunSettings,
    Scenario,
    SensitivitySettings,
    Source,
)
from uncertainty.model.expr import Constraint, parse_constraint, parse_expression
from uncertainty.model.grades import CREDIBILITY, RELIABILITY, Grade, default_grade
from uncertainty.model.pooling import log_pool
from uncertainty.runtime.blas import one_blas_thread

__all__ = ["build_model", "with_overrides", "with_spread_scale"]

_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Keys an estimate may carry to say where it came from; they travel into the reports.
PROVENANCE_KEYS = ("cite", "date", "quote", "note")


_TOP_LEVEL = ("title", "run", "grades", "sources", "tables", "metrics", "scenarios",
              "correlations", "constraints", "sensitivity", "counts", "consensus")


def _only(node: Node, allowed: set[str], what: str = "") -> None:
    """`Node.only`, with a hint when a top-level key was written inside a table.

    In TOML every key after a ``[table]`` header belongs to that table, so a top-level key
    written below one lands in the wrong place; say so.
    """
    try:
        node.only(allowed, what)
    except ConfigError as exc:
        key = exc.path.rsplit(".", 1)[-1]
        if key in _TOP_LEVEL and node.path:
            raise ConfigError(exc.path, f"{exc.message}; top-level keys such as {key} go "
                              "before the first [table]") from None
        raise


# An increment's table integrates over up to 10,001 nodes with `@` (`distributions/
# increment.py`): past 10,000 terms OpenBLAS can split such a dot product between threads.
@one_blas_thread()
def build_model(data: Mapping[str, Any], *, default_title: str = "",
                spread_scale: float = 1.0, tables: Mapping[str, bytes] | None = None) -> Model:
    """Validate a parsed config and build the model.

    Parameters
    ----------
    data : mapping
        The parsed TOML document.
    default_title : str
        Title used when the config gives none (the loader passes the file's stem).
    spread_scale : float
        Multiplies the log-spread of every *default* spread: the one a grade implies, a
        source's ``ci90_factor`` and the run's (``f`` becomes ``f ** spread_scale``).
        Spreads an estimate states itself (``ci90``, ``quantiles``, its own
        ``ci90_factor``, an undercount) are kept. The sensitivity analysis sweeps it to
        show how much the answer rests on our spread assumptions.
    tables : mapping of str to bytes, optional
        The bytes of each ``[tables.NAME]`` file, read by the loader.

    Returns
    -------
    Model

    Raises
    ------
    ConfigError
        At the first problem found, with its key path.
    """
    root = Node(data).table()
    root.only(set(_TOP_LEVEL))
    title_node = root.get("title")
    title = title_node.string() if title_node is not None else default_title
    run, factor_origin = _run(root.get("run"))
    grades = _grade_overrides(root.get("grades"))

    tables_node = root.get("tables")
    sources_node = root.get("sources") or (None if tables_node else root.require("sources"))
    default = Spread(run.ci90_factor, factor_origin)
    sources = () if sources_node is None else tuple(
        _source(sid, node, default, grades, spread_scale)
        for sid, node in sources_node.table().items()
    )
    reports: tuple[TableReport, ...] = ()
    if tables_node is not None:
        found = [_table_sources(name, node, (tables or {}).get(name), default, grades,
                                spread_scale, {s.id for s in sources})
                 for name, node in tables_node.table().items()]
        sources += tuple(s for table_sources, _ in found for s in table_sources)
        reports = tuple(report for _, report in found)
    if not sources:
        raise (sources_node or root).error(
            "no sources: add at least one [sources.NAME] table" if sources_node is None or
            tables_node is None else "no sources: no [sources] and no usable table row")
    _check_quantity_names(sources, sources_node or root)
    model = Model(title=title, run=run, sources=sources, tables=reports)

    metrics_node = root.get("metrics")
    metrics = () if metrics_node is None else _metrics(metrics_node, model.quantities)
    scenarios_node = root.get("scenarios")
    scenarios = () if scenarios_node is None else _scenarios(scenarios_node, model)
    correlations_node = root.get("correlations")
    correlations, repair = ((), False) if correlations_node is None else _correlations(
        correlations_node, model
    )
    constraints_node = root.get("constraints")
    constraints = () if constraints_node is None else _constraints(
        constraints_node, model.quantities
    )
    plan_copula(correlations, repair=repair)  # a matrix that cannot hold fails here
    sensitivity_node = root.get("sensitivity")
    sensitivity = (SensitivitySettings() if sensitivity_node is None
                   else _sensitivity(sensitivity_node))
    counts_node = root.get("counts")
    counts = () if counts_node is None else parse_counts(counts_node, model.quantities)
    consensus_node = root.get("consensus")
    consensus = (ConsensusSettings() if consensus_node is None
                 else parse_consensus(consensus_node, model.quantities))
    model = replace(model, metrics=metrics, scenarios=scenarios, correlations=correlations,
                    repair_correlations=repair, constraints=constraints,
                    sensitivity=sensitivity, counts=counts, consensus=consensus)
    if run.pool == "log":
        for quantity in model.quantities:
            if len(model.estimators(quantity)) > 1:
                log_pool(model, quantity)  # families without a log pool fail here
    return replace(model, origin=Origin(copy.deepcopy(dict(data)), dict(tables or {})))


def with_spread_scale(model: Model, scale: float) -> Model:
    """`model` with every default spread's log-spread multiplied by `scale`.

    The model is rebuilt from the config it was built from (``model.origin``, see
    `build_model`'s ``spread_scale``), with its run settings kept: no file is read.

    Raises
    ------
    ValueError
        For a model built by hand, without an origin.
    """
    if model.origin is None:
        raise ValueError("a model built without build_model cannot be rescaled")
    rebuilt = build_model(model.origin.data, default_title=model.title, spread_scale=scale,
                          tables=model.origin.tables)
    return replace(rebuilt, run=model.run, origin=model.origin)


def with_overrides(model: Model, *, draws: int | None = None, seed: int | None = None,
                   precision: float | None = None, max_draws: int | None = None) -> Model:
    """The model with command-line options applied and checked.

    ``--draws`` fixes the number of draws exactly and turns off a config's precision target.
    """
    run = model.run
    if draws is not None:
        run = replace(run, draws=Node(draws, "--draws").integer(minimum=1), precision=None)
    if precision is not None:
        run = replace(run, precision=_precision(Node(precision, "--precision")))
    if max_draws is not None:
        run = replace(run, max_draws=Node(max_draws, "--max-draws").integer(minimum=1))
    if seed is not None:
        run = replace(run, seed=Node(seed, "--seed").integer(minimum=0))
    return replace(model, run=run)


# -- [run] -----------------------------------------------------------------------------------
def _run(node: Node | None) -> tuple[RunSettings, str]:
    if node is None:
        return RunSettings(), f"default ci90_factor {DEFAULT_CI90_FACTOR}"
    _only(node.table(), {"draws", "seed", "levels", "ci90_factor", "pool", "precision",
                         "max_draws"})
    draws_node, seed_node = node.get("draws"), node.get("seed")
    levels_node, factor_node = node.get("levels"), node.get("ci90_factor")
    draws = DEFAULT_DRAWS if draws_node is None else draws_node.integer(minimum=1)
    seed = None if seed_node is None else seed_node.integer(minimum=0)
    levels = DEFAULT_LEVELS if levels_node is None else _levels(levels_node)
    if factor_node is None:
        factor, origin = DEFAULT_CI90_FACTOR, f"default ci90_factor {DEFAULT_CI90_FACTOR}"
    else:
        factor, origin = _factor(factor_node), "run's ci90_factor"
    pool_node = node.get("pool")
    pool = "linear" if pool_node is None else pool_node.string()
    if pool not in POOL_METHODS:
        raise ConfigError(node.child_path("pool"), unknown("pooling method", pool, POOL_METHODS))
    precision_node, cap_node = node.get("precision"), node.get("max_draws")
    precision = None if precision_node is None else _precision(precision_node)
    cap = None if cap_node is None else cap_node.integer(minimum=1)
    settings = RunSettings(draws=draws, seed=seed, levels=levels, ci90_factor=factor, pool=pool,
                           precision=precision, max_draws=cap)
    return settings, origin


def _precision(node: Node) -> float:
    value = node.number()
    if not 0 < value < 1:
        raise node.error(f"a relative precision is between 0 and 1 (e.g. 0.005 for 0.5%), "
                         f"got {show(value)}")
    return value


def _levels(node: Node) -> tuple[float, ...]:
    items = node.array()
    if not items:
        raise node.error("give at least one credible level, e.g. [0.5, 0.9, 0.95]")
    levels = []
    for item in items:
        level = item.number()
        if not 0 < level < 1:
            raise item.error(f"a credible level must be between 0 and 1 (exclusive), "
                             f"got {show(level)}")
        if level in levels:
            raise item.error(f"level {show(level)} is listed twice")
        levels.append(level)
    return tuple(sorted(levels))


def _sensitivity(node: Node) -> SensitivitySettings:
    node.table().only({"tornado", "spread_scales"}, "[sensitivity]")
    tornado_node, scales_node = node.get("tornado"), node.get("spread_scales")
    tornado = SensitivitySettings.tornado
    if tornado_node is not None:
        tornado = tornado_node.pair()
        if not 0 < tornado[0] < tornado[1] < 1:
            raise tornado_node.error("give two percentiles 0 < low < high < 1, e.g. "
                                     f"[0.05, 0.95], got {show(list(tornado))}")
    scales = SensitivitySettings.spread_scales
    if scales_node is not None:
        scales = tuple(item.positive() for item in scales_node.array())
        if not scales:
            raise scales_node.error("give at least one scale, e.g. [0.5, 2]")
        for i, scale in enumerate(scales):
            if scale in scales[:i]:
                raise scales_node.error(f"scale {show(scale)} is listed twice")
    return SensitivitySettings(tornado=tornado, spread_scales=tuple(sorted(scales)))


def _factor(node: Node) -> float:
    return ci90_factor(node)


# -- [sources.*] -----------------------------------------------------------------------------
def _check_id(node: Node, key: str, what: str) -> None:
    if not _ID.match(key):
        raise node.error(f"{what} id {key!r} may use only letters, digits, '_' and '-'")
    if key in (POOLED, CONSENSUS):
        raise node.error(f"{what} id {key!r} is reserved for the {key} view")


def _is_grade(code: str) -> bool:
    return len(code) == 2 and code[0] in RELIABILITY and code[1] in CREDIBILITY


def _grade_code(node: Node) -> str:
    code = node.string()
    if not _is_grade(code):
        # "b2", "2B" and "B-2" are plainly B2; anything else gets the rule alone.
        letters = "".join(c for c in code.upper() if c.isalnum())
        meant = next((c for c in (letters, letters[::-1]) if _is_grade(c)), None)
        rule = (f"a reliability letter {'/'.join(RELIABILITY)} then a credibility digit "
                f"{'/'.join(CREDIBILITY)}")
        if meant is not None:
            raise node.error(f"grade {code!r} is not valid; did you mean {meant!r}? ({rule})")
        raise node.error(f"grade {code!r} is not valid: {rule}, e.g. \"B2\"")
    return code


def _grade_overrides(node: Node | None) -> dict[str, Grade]:
    """The grades the config redefines in ``[grades]``."""
    if node is None:
        return {}
    out = {}
    for code, child in node.table().items():
        _grade_code(Node(code, child.path))
        child.table().only({"ci90_factor", "weight"}, "a grade")
        if not child.keys():
            raise child.error("give ci90_factor, weight or both")
        grade = default_grade(code)
        factor_node, weight_node = child.get("ci90_factor"), child.get("weight")
        out[code] = replace(
            grade,
            ci90_factor=_factor(factor_node) if factor_node else grade.ci90_factor,
            weight=weight_node.positive() if weight_node else grade.weight,
            overridden=True,
        )
    return out


def _source(sid: str, node: Node, spread: Spread, grades: Mapping[str, Grade],
            spread_scale: float = 1.0) -> Source:
    _check_id(node, sid, "source")
    _only(node.table(), {"label", "grade", "ci90_factor", "weight", "estimates"}, "a source")
    label_node, weight_node = node.get("label"), node.get("weight")
    factor_node, grade_node = node.get("ci90_factor"), node.get("grade")
    grade = None
    if grade_node is not None:
        grade, spread = _graded(_grade_code(grade_node), grades)
    if factor_node is not None:
        spread = Spread(_factor(factor_node), "source's ci90_factor")
    spread = _scaled(spread, spread_scale)
    estimates_node = node.require("estimates").table()
    estimates = []
    seen: set[str] = set()
    for quantity, est_node in _flatten(estimates_node, []):
        if quantity in seen:
            raise est_node.error(f"quantity {quantity!r} is estimated twice by this source")
        seen.add(quantity)
        spec, provenance = _split_provenance(est_node)
        built = build_estimate(spec, spread)
        estimates.append(Estimate(sid, quantity, written(spec.value), built.distribution,
                                  built.spread, provenance, _stated(spec, built.distribution)))
    if not estimates:
        raise estimates_node.error("no estimates: add e.g. estimates.ua.kia = 8000")
    if weight_node is not None:
        weight, weight_from = weight_node.positive(), "source's weight"
    elif grade is not None:
        weight, weight_from = grade.weight, f"grade {grade.code}"
    else:
        weight, weight_from = 1.0, "default"
    return Source(
        id=sid,
        label=label_node.string() if label_node is not None else sid,
        weight=weight,
        estimates=tuple(estimates),
        grade=grade,
        weight_from=weight_from,
    )


def _scaled(spread: Spread, scale: float) -> Spread:
    if scale == 1.0:
        return spread
    return Spread(spread.factor ** scale, f"{spread.origin}, log-spread scaled by {scale:g}")


def _graded(code: str, grades: Mapping[str, Grade]) -> tuple[Grade, Spread]:
    grade = grades.get(code) or default_grade(code)
    table = "the config's [grades]" if grade.overridden else "the default grade table"
    return grade, Spread(grade.ci90_factor, f"grade {code} ({grade.meaning}; {table})")


# -- [tables.*] ------------------------------------------------------------------------------
def _quantity_ok(name: str) -> bool:
    return all(_SEGMENT.match(p) and not keyword.iskeyword(p) for p in name.split("."))


def _table_sources(name: str, node: Node, data: bytes | None, default: Spread,
                   grades: Mapping[str, Grade], spread_scale: float,
                   taken: set[str]) -> tuple[list[Source], TableReport]:
    """The sources a table's rows give, and what became of every row."""
    spec = table_spec(name, node, _quantity_ok)
    file_path = node.child_path("file")
    if data is None:
        raise ConfigError(file_path, f"table {spec.file!r} was not read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(file_path, f"{spec.file}: byte {exc.start} is not UTF-8") from None
    try:
        rows, outcomes = read_rows(spec, text)
    except ValueError as exc:
        raise ConfigError(node.child_path("columns"), f"{spec.file}: {exc}") from None
    check_floor_names(spec, node, [*(r.source for r in rows),
                                   *(spec.aliases.get(o.source, o.source) for o in outcomes)])
    if spec.start is None:
        kept, dropped = select(spec, rows)
        chosen: list[tuple[TableRow, ...]] = [(row,) for row in kept]
    else:
        pairs, dropped = select_pairs(spec, rows)
        chosen = list(pairs)
    outcomes += dropped
    named = _strings_node(node.get("grades"))
    default_node = node.get("grade")
    by_source: dict[str, list[tuple[TableRow, ...]]] = {}
    for group in chosen:  # names that differ only in case or punctuation are one source
        by_source.setdefault(source_id(group[0].source), []).append(group)
    sources = []
    for sid, source_groups in by_source.items():
        source_rows = [row for group in source_groups for row in group]
        source_name = source_rows[0].source
        if sid in taken or sid in (POOLED, CONSENSUS):
            raise ConfigError(node.path, f"source {source_name!r} of the table has id {sid!r}, "
                              "which [sources] or another table already uses")
        flag_grades = [f.grade for r in source_rows for f in r.flags if f.grade]
        flag_weights = [f.weight for r in source_rows for f in r.flags if f.weight]
        code_node = named.get(source_name) or default_node
        grade, spread, weight_from = None, default, "default"
        if source_name in named or not flag_grades:
            code = _grade_code(code_node) if code_node is not None else None
        else:
            code = flag_grades[0]
            _grade_code(Node(code, node.child_path("flags")))
        if code is not None:
            grade, spread = _graded(code, grades)
            weight_from = f"grade {code}"
        spread = _scaled(spread, spread_scale)
        weight = grade.weight if grade is not None else 1.0
        if flag_weights:
            weight, weight_from = min(flag_weights), "a flag on its row"
        estimates = []
        factor = spread.factor
        for group in source_groups:
            if len(group) == 2:
                found = _increment(spec, sid, group, spread, outcomes)
                if found is not None:
                    estimates.append(found)
                continue
            row = group[0]
            try:
                spec_table, how = estimate_spec(spec, row, factor)
                est = Node(spec_table, f"tables.{name}.row {row.row}")
                built = build_estimate(est, spread)
            except (ValueError, ConfigError) as exc:
                text_ = exc.message if isinstance(exc, ConfigError) else str(exc)
                outcomes.append(RowOutcome(row.row, row.source, row.quantity,
                                           row.date.isoformat(), row.figure(), "skipped",
                                           text_))
                continue
            note = "; ".join(p for p in (f"row {row.row} of {spec.file}", row.note, how) if p)
            provenance = tuple((k, v) for k, v in (("cite", row.cite),
                                                   ("date", row.date.isoformat()),
                                                   ("note", note)) if v)
            estimates.append(Estimate(sid, row.quantity, written(spec_table),
                                      built.distribution, built.spread, provenance,
                                      _stated(est, built.distribution)))
            outcomes.append(RowOutcome(row.row, row.source, row.quantity, row.date.isoformat(),
                                       row.figure(), "used", how, written(spec_table)))
        if estimates:
            taken.add(sid)
            sources.append(Source(sid, source_name, weight, tuple(estimates), grade,
                                  weight_from))
    report = TableReport(name, spec.file, hashlib.sha256(data).hexdigest(), spec.as_of,
                         spec.window, tuple(sorted(outcomes, key=lambda o: o.row)),
                         spec.start, spec.flow_correlation if spec.start else None)
    return sources, report


def _increment(spec: TableSpec, sid: str, pair: tuple[TableRow, ...], spread: Spread,
               outcomes: list[RowOutcome]) -> Estimate | None:
    """Source `sid`'s increment of a quantity from its (earlier, later) rows, or None.

    Each row becomes the estimate it would for a study as of its own end of the period
    (carried to ``from`` or ``as_of``); the two are joined as an `Increment` (see
    `uncertainty.distributions.increment`). Both rows are listed, used or skipped with
    the reason.
    """
    ends = (("from", "earlier"), ("as_of", "later"))
    tables, hows, built, stated = [], [], [], []
    rho = spec.flow_correlation
    try:
        for row, (to, _) in zip(pair, ends, strict=True):
            table, how = estimate_spec(spec, row, spread.factor, to=to)
            est = Node(table, f"tables.{spec.name}.row {row.row}")
            one = build_estimate(est, spread)
            tables.append(table)
            hows.append(how)
            built.append(one.distribution)
            stated.append(_stated(est, one.distribution))
        distribution: Distribution = Increment(built[0], built[1], rho)
    except (ValueError, ConfigError) as exc:
        text = exc.message if isinstance(exc, ConfigError) else str(exc)
        outcomes += [RowOutcome(r.row, r.source, r.quantity, r.date.isoformat(), r.figure(),
                                "skipped", f"increment with row {other.row}: {text}")
                     for r, other in (pair, pair[::-1])]
        return None
    first, last = pair
    whole = {"earlier": tables[0], "later": tables[1], "flow_correlation": rho}
    for i, (row, (to, role)) in enumerate(zip(pair, ends, strict=True)):
        other = pair[1 - i]
        reason = "; ".join(p for p in (f"{role} figure of the increment with row "
                                       f"{other.row}, at {to}", hows[i]) if p)
        outcomes.append(RowOutcome(row.row, row.source, row.quantity, row.date.isoformat(),
                                   row.figure(), "used", reason, written(tables[i])))
    note = "; ".join(p for p in (
        f"rows {first.row} and {last.row} of {spec.file}: the increment from "
        f"{spec.start} to {spec.as_of}", first.note, last.note,
        *(f"{role} figure {how}" for how, (_, role) in zip(hows, ends, strict=True) if how))
        if p)
    cites = " ".join(dict.fromkeys(c for c in (first.cite, last.cite) if c))
    provenance = tuple((k, v) for k, v in (
        ("cite", cites), ("date", f"{first.date.isoformat()} to {last.date.isoformat()}"),
        ("note", note)) if v)
    return Estimate(sid, first.quantity, written(whole), distribution,
                    f"{spread.origin}; the two figures' latent correlation {rho:g}",
                    provenance, stated[1] - stated[0])


def _strings_node(node: Node | None) -> dict[str, Node]:
    return {} if node is None else dict(node.table().items())


#: Forms whose key holds the number the source said.
_STATED_KEYS = ("value", "about", "at_least", "at_most")


def _stated(spec: Node, distribution: Distribution) -> float:
    """The source's own point figure for an estimate (see `Estimate.stated`)."""
    if not spec.is_table():
        return float(spec.value)
    if "dist" not in spec.value:
        for key in _STATED_KEYS:
            if key in spec.value:
                return float(spec.value[key])
    return float(distribution.median)


def _split_provenance(node: Node) -> tuple[Node, tuple[tuple[str, str], ...]]:
    """The estimate without its ``cite``/``date``/``quote``/``note`` keys, and those keys."""
    if not node.is_table():
        return node, ()
    found = []
    for key in PROVENANCE_KEYS:
        child = node.get(key)
        if child is None:
            continue
        if isinstance(child.value, _dt.date | _dt.datetime):
            found.append((key, child.value.isoformat()))
        else:
            found.append((key, child.string()))
    rest = {k: v for k, v in node.value.items() if k not in PROVENANCE_KEYS}
    return Node(rest, node.path), tuple(found)


def _flatten(node: Node, prefix: list[str]) -> Iterator[tuple[str, Node]]:
    """(dotted quantity name, estimate node) for every estimate below `node`."""
    for key, child in node.items():
        parts = key.split(".")
        for part in parts:
            if not _SEGMENT.match(part) or keyword.iskeyword(part):
                raise child.error(
                    f"quantity name part {part!r} must be a name: letters, digits and '_', "
                    "not starting with a digit, not a Python keyword"
                )
        if child.is_table() and not _is_estimate(child.value):
            if not child.keys():
                raise child.error("empty table: no estimates in it")
            yield from _flatten(child, prefix + parts)
        else:
            if child.is_table():
                _check_form(child, ".".join(prefix + parts))
            yield ".".join(prefix + parts), child


def _is_estimate(table: Mapping[str, Any]) -> bool:
    """Whether a table under a quantity name is an estimate, not a group of deeper names.

    Decided by type: an estimate's keys hold numbers, text, dates and lists, so a key that
    names a parameter (``beta``, ``rate``, ``mean``...) marks an estimate only when its
    value is not a table; ``v.beta = { dist = "beta", ... }`` is the quantity ``v.beta``.
    The one table an estimate holds, ``quantiles = { "0.05" = ... }``, has probabilities
    for keys, which cannot be names.
    """
    markers = estimate_keys() | frozenset(PROVENANCE_KEYS)
    for key, value in table.items():
        if key not in markers:
            continue
        if not isinstance(value, Mapping):
            return True
        if key == "quantiles" and not all(_SEGMENT.match(k) for k in value):
            return True
    return False


def _check_form(node: Node, name: str) -> None:
    """A table of parameters without a form key: an estimate missing its form, or quantities.

    ``v = { beta = 3 }`` may be an estimate that lost its ``dist``, or the quantity
    ``v.beta``; the error says how to write either.
    """
    if any(node.has(key) for key in (*FORMS, *TRUNCATION_KEYS)):
        return
    keys = [k for k in node.value if k not in PROVENANCE_KEYS]
    if not keys:
        return
    names = " and ".join(f"{name}.{k}" for k in keys[:2]) + (" ..." if len(keys) > 2 else "")
    raise node.error(
        f"an estimate needs one of the keys: {', '.join(FORMS)}; if {names} "
        f'{"is a quantity" if len(keys) == 1 else "are quantities"}, quote the name, '
        f'e.g. "{name}.{keys[0]}" = ...'
    )


def _check_quantity_names(sources: tuple[Source, ...], node: Node) -> None:
    """Reject a quantity that is also a group of others (``ua`` beside ``ua.kia``)."""
    names = {e.quantity for s in sources for e in s.estimates}
    for source in sources:
        for est in source.estimates:
            parts = est.quantity.split(".")
            for i in range(1, len(parts)):
                prefix = ".".join(parts[:i])
                if prefix in names:
                    raise ConfigError(
                        node.child_path(f"{source.id}.estimates.{est.quantity}"),
                        f"{est.quantity!r} cannot be a quantity while {prefix!r} is one too",
                    )


# -- [metrics] -------------------------------------------------------------------------------
def _metrics(node: Node, quantities: tuple[str, ...]) -> tuple[Metric, ...]:
    metrics = []
    for name, child in node.table().items():
        if not _SEGMENT.match(name) or keyword.iskeyword(name):
            raise child.error(f"metric name {name!r} must be a name: letters, digits and '_'")
        if name in quantities:
            raise child.error(f"metric name {name!r} is already a quantity name")
        label = name
        expr_node = child
        thresholds: tuple[float, ...] = ()
        if child.is_table():
            child.only({"expr", "label", "thresholds"}, "a metric")
            expr_node = child.require("expr")
            label_node = child.get("label")
            label = label_node.string() if label_node is not None else name
            thresholds_node = child.get("thresholds")
            if thresholds_node is not None:
                thresholds = tuple(n.number() for n in thresholds_node.array())
                if len(set(thresholds)) != len(thresholds):
                    raise thresholds_node.error("a threshold is listed twice")
        text = expr_node.string()
        try:
            expression = parse_expression(text, quantities)
        except ExpressionError as exc:
            raise expr_node.error(f"in {show(text)}: {exc.message}") from None
        metrics.append(Metric(name, label, expression, tuple(sorted(thresholds))))
    return tuple(metrics)


# -- [scenarios.*] ---------------------------------------------------------------------------
def _scenarios(node: Node, model: Model) -> tuple[Scenario, ...]:
    source_ids = {s.id for s in model.sources}
    scenarios = []
    for sid, child in node.table().items():
        _check_id(child, sid, "scenario")
        if sid in source_ids:
            raise child.error(f"view id {sid!r} is already used by a source")
        _only(child.table(), {"label", "use"}, "a scenario")
        label_node = child.get("label")
        use_node = child.require("use").table()
        use = []
        for quantity, choice_node in _flatten_choices(use_node, []):
            if quantity not in model.quantities:
                raise choice_node.error(unknown("quantity", quantity, model.quantities,
                                                listed_as="known"))
            choice = choice_node.string()
            if choice != POOLED:
                estimators = [s.id for s in model.estimators(quantity)]
                if choice not in source_ids:
                    raise choice_node.error(unknown(
                        "source", choice, [*sorted(source_ids), POOLED],
                        listing=f"{', '.join(sorted(source_ids))}, or {POOLED!r}"))
                if choice not in estimators:
                    raise choice_node.error(
                        f"source {choice!r} gives no estimate of {quantity!r} "
                        f"(sources that do: {', '.join(estimators)}, or {POOLED!r})"
                    )
            use.append((quantity, choice))
        scenarios.append(
            Scenario(sid, label_node.string() if label_node is not None else sid, tuple(use))
        )
    return tuple(scenarios)


def _flatten_choices(node: Node, prefix: list[str]) -> Iterator[tuple[str, Node]]:
    for key, child in node.items():
        if child.is_table():
            yield from _flatten_choices(child, [*prefix, key])
        else:
            yield ".".join([*prefix, key]), child


# -- [correlations] --------------------------------------------------------------------------
def _estimate_ref(node: Node, source: str | None, model: Model) -> tuple[str, str]:
    """``"quantity"`` (with `source`) or ``"source:quantity"`` -> (source, quantity)."""
    text = node.string()
    if ":" in text:
        source, _, quantity = text.partition(":")
    elif source is None:
        raise node.error(f"write {text!r} as \"source:{text}\", or give source = ... for both")
    else:
        quantity = text
    ids = [s.id for s in model.sources]
    if source not in ids:
        raise node.error(unknown("source", source, ids))
    if model.source(source).estimate(quantity) is None:
        have = [e.quantity for e in model.source(source).estimates]
        hint = did_you_mean(quantity, have)
        raise node.error(f"source {source!r} gives no estimate of {quantity!r}{hint} "
                         f"(it gives: {', '.join(have)})")
    return source, quantity


def _correlations(node: Node, model: Model) -> tuple[tuple[Correlation, ...], bool]:
    repair_node = node.table().get("repair")
    repair = False if repair_node is None else repair_node.boolean()
    out: list[Correlation] = []
    seen: dict[frozenset[tuple[str, str]], str] = {}
    for name, child in node.items():
        if name == "repair":
            continue
        child.table().only({"between", "rho", "source"}, "a correlation")
        source_node = child.get("source")
        source = source_node.string() if source_node is not None else None
        if source is not None and source not in {s.id for s in model.sources}:
            ids = [s.id for s in model.sources]
            raise source_node.error(unknown("source", source, ids))  # type: ignore[union-attr]
        between = child.require("between")
        a_node, b_node = between.array(2)
        a, b = _estimate_ref(a_node, source, model), _estimate_ref(b_node, source, model)
        if a == b:
            raise between.error("a correlation needs two different estimates")
        rho_node = child.require("rho")
        rho = rho_node.number()
        if not -1 < rho < 1:
            raise rho_node.error(f"a rank correlation must be strictly between -1 and 1, "
                                 f"got {show(rho)}")
        pair = frozenset((a, b))
        if pair in seen:
            raise between.error(f"this pair is already correlated by correlations.{seen[pair]}")
        seen[pair] = name
        out.append(Correlation(name, a, b, rho))
    return tuple(out), repair


# -- constraints -----------------------------------------------------------------------------
def _constraints(node: Node, quantities: tuple[str, ...]) -> tuple[Constraint, ...]:
    out = []
    for item in node.array():
        text = item.string()
        try:
            out.append(parse_constraint(text, quantities))
        except ExpressionError as exc:
            raise item.error(f"in {show(text)}: {exc.message}") from None
    return tuple(out)
