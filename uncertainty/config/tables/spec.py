"""The ``[tables.NAME]`` section: which columns of a table give what, validated.

===================  ==========================================================  =========
key                  meaning                                                     default
===================  ==========================================================  =========
``file``             the table (CSV, UTF-8), relative to the config file          required
``columns``          ``{ source, date, value, low, high, cite }``: column names   source,
                     (``value``, ``low``, ``high``: at least one)                 date
``date_format``      ``strptime`` format of the date column                       ``%Y-%m-%d``
``quantity``         ``{ columns = [...], map = { "russia deaths" = "ru.deaths" } }``:  required
                     the columns' cells joined by a space, mapped to quantities
``range_level``      the probability of a low–high range                          0.9
``as_of``            the date the study is about (TOML date)                      none
``window``           ``[from, to]`` days relative to ``as_of`` (and to ``from``)  [-365, 0]
``from``             the start of a period: the study is about each quantity's    none
                     change from ``from`` to ``as_of`` (see `flows`)
``flow_correlation`` the correlation of the latent (log) errors of a source's     0.8
                     two cumulative figures, in [-1, 1]; only with ``from``
``aliases``          ``{ "name in file" = "name used" }``: one source, two names  none
``grades``           ``{ "name" = "B2" }``: a source's grade                       none
``grade``            the grade of every other source of the table                 none
``flags``            ``{ "column" = { "yes" = { grade | weight | skip } } }``     none
``carry``            ``{ rates = { quantity = per day }, widen = per year }``     none
``floors``           ``{ "name" = [lo, hi] }``: the source's figures are floors   none
                     (e.g. counts of named dead): its rows become ``at_least``
                     with an undercount factor whose 90% interval is
                     ``[lo, hi]`` (``1 < lo < hi``); not with ``from``
===================  ==========================================================  =========

A source's grade comes from ``grades``, else from a flag on one of its used rows, else from
``grade``.

Names in ``grades`` and ``floors`` are names after ``aliases``. A ``floors`` name must be
a source of the file (compared as the table groups sources: case and punctuation ignored),
else the config is refused: a misspelt floor would silently read a count as a central
figure. ``floors = { "A" = [1.3, 2.5] }`` reads A's row as the seed
config's ``{ at_least = F, undercount = { ci90 = [1.3, 2.5] } }``: the true value is the
floor ``F`` times a factor ``1 + V``, ``V`` lognormal, with that 90% interval (see
`uncertainty.config.tables.rows` for which figure of a row is the floor, and how ``carry``
moves it). With ``from`` the option is refused: the increment of two undercounted counts is
no floor, and an increment is not a bound the consensus could censor.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from uncertainty.config.validation import Node, show, unknown
from uncertainty.distributions.built import MAX_CI90_FACTOR
from uncertainty.errors import ConfigError

__all__ = ["DEFAULT_FLOW_CORRELATION", "Carry", "Flag", "RowOutcome", "TableReport",
           "TableSpec", "check_floor_names", "source_id", "table_spec"]

#: How strongly a source's two cumulative figures err together, by default: if the later
#: total carried the earlier one's error whole and the months between (about 40% of it)
#: added an independent error of the same relative size, their log errors would correlate
#: 0.6 / sqrt(0.6**2 + 0.4**2) = 0.83; 0.8 rounds that down (README, "Flows").
DEFAULT_FLOW_CORRELATION = 0.8


def source_id(name: str) -> str:
    """An id from a source's name: lower case, runs of other characters as ``_``."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "source"


@dataclass(frozen=True)
class Flag:
    """What a value of a flag column does: skip the row, or grade or weight its source."""

    column: str
    value: str
    skip: bool = False
    grade: str | None = None
    weight: float | None = None


@dataclass(frozen=True)
class Carry:
    """A rate model: ``rates[q]`` per day moves a figure of ``q`` to ``as_of``."""

    rates: Mapping[str, float]
    widen: float = 0.0


@dataclass(frozen=True)
class TableSpec:
    """A validated ``[tables.NAME]`` section (see `uncertainty.config.schema`)."""

    name: str
    file: str
    source: str
    date: str
    date_format: str
    quantity: tuple[str, ...]
    quantities: Mapping[str, str]
    value: str | None = None
    low: str | None = None
    high: str | None = None
    cite: str | None = None
    range_level: float = 0.9
    as_of: dt.date | None = None
    window: tuple[int, int] = (-365, 0)
    aliases: Mapping[str, str] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    carry: Carry | None = None
    start: dt.date | None = None
    flow_correlation: float = DEFAULT_FLOW_CORRELATION
    floors: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def undercount(self, source: str) -> tuple[float, float] | None:
        """The 90% interval of `source`'s undercount factor when its figures are floors.

        Names are compared as ids (case and punctuation ignored), as rows are grouped.
        """
        wanted = source_id(source)
        return next((v for k, v in self.floors.items() if source_id(k) == wanted), None)

    def columns(self) -> dict[str, str]:
        """Each role (``"source"``, ``"value"``...) and the column that gives it."""
        roles = {"source": self.source, "date": self.date, "value": self.value,
                 "low": self.low, "high": self.high, "cite": self.cite}
        found = {k: v for k, v in roles.items() if v is not None}
        found |= {f"quantity[{i}]": c for i, c in enumerate(self.quantity)}
        found |= {f"flags.{f.column}": f.column for f in self.flags}
        return found


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: ``status`` is used, skipped, outside window or superseded."""

    row: int
    source: str
    quantity: str
    date: str
    figure: str
    status: str
    reason: str = ""
    estimate: str = ""




@dataclass(frozen=True)
class TableReport:
    """Every row of one table and what became of it, for the report."""

    name: str
    file: str
    sha256: str
    as_of: dt.date | None
    window: tuple[int, int]
    rows: tuple[RowOutcome, ...]
    start: dt.date | None = None
    flow_correlation: float | None = None


def _column(node: Node | None) -> str | None:
    if node is None:
        return None
    name = node.string().strip()
    if not name:
        raise node.error("a column name cannot be empty")
    return name


def _strings(node: Node | None) -> dict[str, str]:
    if node is None:
        return {}
    return {k: v.string().strip() for k, v in node.table().items()}


def _date(node: Node) -> dt.date:
    value = node.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise node.error(f"expected a date such as 2025-12-31, got {show(value)}")


def _flags(node: Node | None) -> tuple[Flag, ...]:
    flags = []
    for column, values in (node.table().items() if node is not None else ()):
        for value, action in values.table().items():
            action.table().only({"grade", "weight", "skip"}, "a flag")
            grade = action.get("grade")
            weight = action.get("weight")
            skip = action.get("skip")
            if grade is None and weight is None and skip is None:
                raise action.error("give grade, weight or skip = true")
            flags.append(Flag(column, value,
                              skip=skip.boolean() if skip is not None else False,
                              grade=grade.string() if grade is not None else None,
                              weight=weight.positive() if weight is not None else None))
    return tuple(flags)


def _carry(node: Node | None, quantities: set[str]) -> Carry | None:
    if node is None:
        return None
    node.table().only({"rates", "widen"}, "a carry")
    rates = {}
    for quantity, rate in node.require("rates").table().items():
        if quantity not in quantities:
            raise rate.error(f"{quantity!r} is not a quantity the table maps to (mapped: "
                             f"{', '.join(sorted(quantities))})")
        rates[quantity] = rate.number()
    widen_node = node.get("widen")
    widen = 0.0 if widen_node is None else widen_node.number()
    if widen < 0:
        raise node.error(f"widen must be 0 or more (a share per year), got {show(widen)}")
    return Carry(rates, widen)


def table_spec(name: str, node: Node, quantity_ok: Callable[[str], bool]) -> TableSpec:
    """Validate ``[tables.NAME]``.

    `quantity_ok` says whether a quantity name is well formed (the schema's rule).

    Raises
    ------
    ConfigError
        At the first problem, with its key path.
    """
    node.table().only({"file", "columns", "date_format", "quantity", "range_level", "as_of",
                       "window", "aliases", "grades", "grade", "flags", "carry", "from",
                       "flow_correlation", "floors"}, "a table")
    columns = node.require("columns").table()
    columns.only({"source", "date", "value", "low", "high", "cite"}, "columns")
    figures = [_column(columns.get(k)) for k in ("value", "low", "high")]
    if all(f is None for f in figures):
        raise columns.error("give at least one of value, low and high")
    quantity = node.require("quantity").table()
    quantity.only({"columns", "map"}, "quantity")
    keys = tuple(_column(c) or "" for c in quantity.require("columns").array())
    if not keys:
        raise quantity.require("columns").error("give at least one column")
    mapping = quantity.require("map").table()
    quantities = {}
    for key, target in mapping.items():
        q = target.string()
        if not quantity_ok(q):
            raise target.error(f"{q!r} is not a quantity name (dotted names such as ua.kia)")
        quantities[key] = q
    level_node = node.get("range_level")
    level = 0.9 if level_node is None else level_node.number()
    if level_node is not None and not 0 < level < 1:
        raise level_node.error(f"a range level is between 0 and 1, got {show(level)}")
    window_node = node.get("window")
    window = (-365, 0)
    if window_node is not None:
        lo, hi = (item.integer() for item in window_node.array(2))
        if lo > hi:
            raise window_node.error(f"the window [{lo}, {hi}] must start before it ends")
        window = (lo, hi)
    as_of = node.get("as_of")
    start, rho = _flow(node, _date(as_of) if as_of is not None else None)
    floors_node = node.get("floors")
    floors = _floors(floors_node)
    if floors_node is not None and start is not None:
        raise floors_node.error("cannot be used with from: the increment "
                          "of two undercounted counts is no floor (read the table without "
                          "from, or drop floors)")
    fmt = node.get("date_format")
    return TableSpec(
        name=name,
        file=node.require("file").string(),
        source=_column(columns.require("source")) or "",
        date=_column(columns.require("date")) or "",
        date_format=fmt.string() if fmt is not None else "%Y-%m-%d",
        quantity=keys,
        quantities=quantities,
        value=figures[0], low=figures[1], high=figures[2],
        cite=_column(columns.get("cite")),
        range_level=level,
        as_of=_date(as_of) if as_of is not None else None,
        window=window,
        aliases=_strings(node.get("aliases")),
        flags=_flags(node.get("flags")),
        carry=_carry(node.get("carry"), set(quantities.values())),
        start=start,
        flow_correlation=rho,
        floors=floors,
    )


def _floors(node: Node | None) -> dict[str, tuple[float, float]]:
    """``floors``: each source's undercount interval, checked as ``undercount.ci90`` is."""
    out: dict[str, tuple[float, float]] = {}
    for name, child in (node.table().items() if node is not None else ()):
        lo, hi = child.pair()
        if not lo > 1:
            raise child.error(f"lower bound {show(lo)} must be above 1 (the 90% interval of "
                              "an undercount factor: the true value is the count times it; "
                              "1.2 means 20% more)")
        if hi > MAX_CI90_FACTOR:
            raise child.error(f"upper bound {show(hi)} must be at most "
                              f"{MAX_CI90_FACTOR:,.0f} (a count off by more than a factor of "
                              "a million says nothing)")
        out[name.strip()] = (lo, hi)
    return out


def check_floor_names(spec: TableSpec, node: Node, names: Iterable[str]) -> None:
    """Refuse a ``floors`` name that is no source of the file (`names`, after aliases).

    Raises
    ------
    ConfigError
        At ``floors.NAME``, listing the file's sources (with the closest, when one is).
    """
    known = list(dict.fromkeys(n for n in names if n))
    ids = {source_id(n) for n in known}
    floors = node.get("floors")
    for name in spec.floors:
        if source_id(name) not in ids:
            place = floors.child_path(name) if floors is not None else node.path
            raise ConfigError(place, unknown(f"source in {spec.file}", name, known,
                                             listed_as="its sources"))


def _flow(node: Node, as_of: dt.date | None) -> tuple[dt.date | None, float]:
    """``from`` and ``flow_correlation``, checked against ``as_of``."""
    start_node, rho_node = node.get("from"), node.get("flow_correlation")
    if start_node is None:
        if rho_node is not None:
            raise rho_node.error("flow_correlation needs from (the start of the period)")
        return None, DEFAULT_FLOW_CORRELATION
    start = _date(start_node)
    if as_of is None:
        raise start_node.error("from needs as_of (the end of the period)")
    if not start < as_of:
        raise start_node.error(f"from {start.isoformat()} must be before as_of "
                               f"{as_of.isoformat()}")
    rho = DEFAULT_FLOW_CORRELATION if rho_node is None else rho_node.number()
    if rho_node is not None and not -1 <= rho <= 1:
        raise rho_node.error(f"a correlation is between -1 and 1, got {show(rho)}")
    return start, rho
