"""From a parsed TOML document to a validated, immutable `Model`.

Every rule about what a config may say lives here, and every violation raises a
`ConfigError` naming its key path. Unknown keys are errors, never ignored.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from uncertainty.distributions import Spread, build_estimate
from uncertainty.distributions.forms import estimate_keys, written
from uncertainty.errors import ConfigError, ExpressionError
from uncertainty.expr import parse_expression
from uncertainty.model import (
    DEFAULT_CI90_FACTOR,
    DEFAULT_DRAWS,
    DEFAULT_LEVELS,
    POOLED,
    Estimate,
    Metric,
    Model,
    RunSettings,
    Scenario,
    Source,
)
from uncertainty.validation import Node, show

__all__ = ["build_model", "with_overrides"]

_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: Keys an estimate may carry to say where it came from; they travel into the reports.
PROVENANCE_KEYS = ("cite", "date", "quote", "note")


def build_model(data: Mapping[str, Any], *, default_title: str = "") -> Model:
    """Validate a parsed config and build the model.

    Parameters
    ----------
    data : mapping
        The parsed TOML document.
    default_title : str
        Title used when the config gives none (the loader passes the file's stem).

    Returns
    -------
    Model

    Raises
    ------
    ConfigError
        At the first problem found, with its key path.
    """
    root = Node(data).table()
    root.only({"title", "run", "sources", "metrics", "scenarios"})
    title_node = root.get("title")
    title = title_node.string() if title_node is not None else default_title
    run, factor_origin = _run(root.get("run"))

    sources_node = root.require("sources").table()
    if not sources_node.keys():
        raise sources_node.error("no sources: add at least one [sources.NAME] table")
    sources = tuple(
        _source(sid, node, Spread(run.ci90_factor, factor_origin))
        for sid, node in sources_node.items()
    )
    _check_quantity_names(sources, sources_node)
    model = Model(title=title, run=run, sources=sources)

    metrics_node = root.get("metrics")
    metrics = () if metrics_node is None else _metrics(metrics_node, model.quantities)
    scenarios_node = root.get("scenarios")
    scenarios = () if scenarios_node is None else _scenarios(scenarios_node, model)
    return replace(model, metrics=metrics, scenarios=scenarios)


def with_overrides(model: Model, *, draws: int | None = None, seed: int | None = None) -> Model:
    """The model with command-line `draws` and `seed` applied and checked."""
    run = model.run
    if draws is not None:
        run = replace(run, draws=Node(draws, "--draws").integer(minimum=1))
    if seed is not None:
        run = replace(run, seed=Node(seed, "--seed").integer(minimum=0))
    return replace(model, run=run)


# -- [run] -----------------------------------------------------------------------------------
def _run(node: Node | None) -> tuple[RunSettings, str]:
    if node is None:
        return RunSettings(), f"default ci90_factor {DEFAULT_CI90_FACTOR}"
    node.table().only({"draws", "seed", "levels", "ci90_factor"})
    draws_node, seed_node = node.get("draws"), node.get("seed")
    levels_node, factor_node = node.get("levels"), node.get("ci90_factor")
    draws = DEFAULT_DRAWS if draws_node is None else draws_node.integer(minimum=1)
    seed = None if seed_node is None else seed_node.integer(minimum=0)
    levels = DEFAULT_LEVELS if levels_node is None else _levels(levels_node)
    if factor_node is None:
        factor, origin = DEFAULT_CI90_FACTOR, f"default ci90_factor {DEFAULT_CI90_FACTOR}"
    else:
        factor, origin = _factor(factor_node), "run's ci90_factor"
    return RunSettings(draws=draws, seed=seed, levels=levels, ci90_factor=factor), origin


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


def _factor(node: Node) -> float:
    f = node.number()
    if not f > 1:
        raise node.error(f"must be greater than 1 (a 90% interval [x/f, x*f]), got {show(f)}")
    return f


# -- [sources.*] -----------------------------------------------------------------------------
def _check_id(node: Node, key: str, what: str) -> None:
    if not _ID.match(key):
        raise node.error(f"{what} id {key!r} may use only letters, digits, '_' and '-'")
    if key == POOLED:
        raise node.error(f"{what} id {POOLED!r} is reserved for the pooled view")


def _source(sid: str, node: Node, spread: Spread) -> Source:
    _check_id(node, sid, "source")
    node.table().only({"label", "ci90_factor", "weight", "estimates"}, "a source")
    label_node, weight_node = node.get("label"), node.get("weight")
    factor_node = node.get("ci90_factor")
    if factor_node is not None:
        spread = Spread(_factor(factor_node), "source's ci90_factor")
    estimates_node = node.require("estimates").table()
    estimates = []
    seen: set[str] = set()
    for quantity, est_node in _flatten(estimates_node, []):
        if quantity in seen:
            raise est_node.error(f"quantity {quantity!r} is estimated twice by this source")
        seen.add(quantity)
        built = build_estimate(est_node, spread)
        estimates.append(
            Estimate(sid, quantity, written(est_node.value), built.distribution, built.spread)
        )
    if not estimates:
        raise estimates_node.error("no estimates: add e.g. estimates.ua.kia = 8000")
    return Source(
        id=sid,
        label=label_node.string() if label_node is not None else sid,
        weight=weight_node.positive() if weight_node is not None else 1.0,
        estimates=tuple(estimates),
    )


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
        markers = estimate_keys() | frozenset(PROVENANCE_KEYS)
        if child.is_table() and not any(k in markers for k in child.value):
            if not child.keys():
                raise child.error("empty table: no estimates in it")
            yield from _flatten(child, prefix + parts)
        else:
            yield ".".join(prefix + parts), child


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
        if child.is_table():
            child.only({"expr", "label"}, "a metric")
            expr_node = child.require("expr")
            label_node = child.get("label")
            label = label_node.string() if label_node is not None else name
        text = expr_node.string()
        try:
            expression = parse_expression(text, quantities)
        except ExpressionError as exc:
            raise expr_node.error(f"in {show(text)}: {exc.message}") from None
        metrics.append(Metric(name, label, expression))
    return tuple(metrics)


# -- [scenarios.*] ---------------------------------------------------------------------------
def _scenarios(node: Node, model: Model) -> tuple[Scenario, ...]:
    source_ids = {s.id for s in model.sources}
    scenarios = []
    for sid, child in node.table().items():
        _check_id(child, sid, "scenario")
        if sid in source_ids:
            raise child.error(f"view id {sid!r} is already used by a source")
        child.table().only({"label", "use"}, "a scenario")
        label_node = child.get("label")
        use_node = child.require("use").table()
        use = []
        for quantity, choice_node in _flatten_choices(use_node, []):
            if quantity not in model.quantities:
                known = ", ".join(model.quantities)
                raise choice_node.error(f"unknown quantity {quantity!r} (known: {known})")
            choice = choice_node.string()
            if choice != POOLED:
                estimators = [s.id for s in model.estimators(quantity)]
                if choice not in source_ids:
                    raise choice_node.error(
                        f"unknown source {choice!r} (expected one of: "
                        f"{', '.join(sorted(source_ids))}, or {POOLED!r})"
                    )
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
