"""A results folder's ``summary.json`` read back into the tables ``run`` printed.

Nothing is drawn or simulated. The summary Dataset is rebuilt from the unrounded numbers in
``records``, with the dimensions `uncertainty.stats.summarize` gives it (``variable``,
``view``, ``level``, ``ci_bound``), so the same display code
(`uncertainty.report.tables.variable_rows`) rounds them to the same digits. Reading the
folder is `uncertainty.io.results.load_results`'s job; this module only interprets what it read.

=============================  ===========================================================
in ``summary.json``            in the rebuilt summary
=============================  ===========================================================
a statistic ``null``           NaN (shown as ``nan``; a run shows ``inf`` for an infinite
                               one, which JSON cannot hold)
a (variable, view) with no     NaN throughout
record
``envelopes[].members``        the ``envelope_of`` coordinate, so envelope rows come back
``consensus``                  `SavedConsensus` per quantity: what ``run``'s console line
                               of each consensus says (none in a summary written before
                               the consensus existed, or when no quantity had two sources)
=============================  ===========================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from uncertainty.errors import ResultsError
from uncertainty.model.counts import CasualtyNote
from uncertainty.numbers import level_key

__all__ = [
    "SCHEMA_VERSIONS",
    "SavedCheck",
    "SavedConsensus",
    "SavedMetric",
    "SavedSummary",
    "provenance_line",
    "read_summary",
]

#: The ``schema_version`` values of ``summary.json`` this version can read.
SCHEMA_VERSIONS = (1,)

_SCALARS = ("median", "mean", "sd", "valid", "invalid", "mcse_median", "mcse_mean", "mcse_sd")
_INTERVALS = ("eti", "hdi", "mcse_eti", "mcse_hdi")


@dataclass(frozen=True)
class SavedMetric:
    """A metric as ``summary.json`` records it: its name, label and expression."""

    name: str
    label: str
    expr: str


@dataclass(frozen=True)
class SavedCheck:
    """A claim's leave-one-out check, as the ``consensus`` section records it.

    The fields are those of `uncertainty.analysis.consensus.ClaimCheck` the console line
    shows; `percentile` is NaN for a claim that was not checked.
    """

    source: str
    kind: str
    claim: float
    percentile: float
    percentile_mcse: float
    flagged: bool


@dataclass(frozen=True)
class SavedConsensus:
    """One quantity's consensus as ``summary.json`` records it, for the console line.

    The fields are those of `uncertainty.analysis.consensus.QuantityConsensus` that line
    shows: ``T``'s median and equal-tailed intervals at `levels`, ``tau``'s and ``I^2``'s
    medians, each with its MCSE, and every claim's check.
    """

    quantity: str
    levels: tuple[float, ...]
    median: float
    median_mcse: float
    eti: tuple[tuple[float, float], ...]
    eti_mcse: tuple[tuple[float, float], ...]
    tau_median: float
    tau_median_mcse: float
    i2_median: float
    i2_median_mcse: float
    checks: tuple[SavedCheck, ...]

    @property
    def flagged(self) -> tuple[SavedCheck, ...]:
        """The claims out of line."""
        return tuple(c for c in self.checks if c.flagged)


@dataclass(frozen=True)
class SavedSummary:
    """What a results folder's ``summary.json`` says, ready for the tables.

    Parameters
    ----------
    title : str
        The study's title.
    provenance : dict
        Seed, draws, creation time, config hash and versions, as recorded.
    metrics : tuple of SavedMetric
        The metrics, in the config's order.
    records : tuple of dict
        ``summary.json``'s records, unchanged.
    summary : xarray.Dataset
        The summary rebuilt from `records`, as `uncertainty.stats.summarize` made it.
    casualty_notes : tuple of CasualtyNote
        The metrics noted as not the case fatality rate (none in a summary written before
        ``casualty_notes`` existed).
    consensus : tuple of SavedConsensus
        Each quantity's consensus, in the order ``run`` printed them (none in a summary
        without a ``consensus`` section).
    consensus_document : dict or None
        The ``consensus`` section as written, unchanged; None when there is none.
    """

    title: str
    provenance: dict[str, Any]
    metrics: tuple[SavedMetric, ...]
    records: tuple[dict[str, Any], ...]
    summary: xr.Dataset
    casualty_notes: tuple[CasualtyNote, ...] = ()
    consensus: tuple[SavedConsensus, ...] = ()
    consensus_document: dict[str, Any] | None = None

    @property
    def inputs(self) -> list[str]:
        """The input quantities, in the summary's order."""
        kinds = self.summary["kind"].values
        return [str(v) for v, k in zip(self.summary["variable"].values, kinds, strict=True)
                if k == "input"]


def read_summary(document: Any, file: str) -> SavedSummary:
    """Interpret a parsed ``summary.json``.

    Parameters
    ----------
    document : Any
        The parsed JSON.
    file : str
        Where it came from, for error messages.

    Returns
    -------
    SavedSummary

    Raises
    ------
    ResultsError
        For a ``schema_version`` other than `SCHEMA_VERSIONS`, or a document without the
        parts the tables need; the message names the part.
    """
    if not isinstance(document, Mapping):
        raise ResultsError(file, "is not a summary of this tool (not a JSON object)")
    version = document.get("schema_version")
    if version not in SCHEMA_VERSIONS:
        readable = ", ".join(str(v) for v in SCHEMA_VERSIONS)
        what = "is missing" if version is None else f"{version!r} is not one this version reads"
        raise ResultsError(file, f"schema_version: {what} (it reads {readable}); show it "
                           "with the version of uncertainty that wrote it")
    try:
        with _part("metrics"):
            metrics = tuple(SavedMetric(str(m["name"]), str(m["label"]), str(m["expr"]))
                            for m in document.get("metrics") or ())
        with _part("provenance"):
            provenance = dict(document["provenance"])
        with _part("records"):
            records = tuple(dict(r) for r in document["records"])
        summary = _dataset(document, records, provenance)
        notes = []
        for i, item in enumerate(document.get("casualty_notes") or ()):
            with _part(f"casualty_notes[{i}]"):
                notes.append(_casualty_note(item))
        section = document.get("consensus")
        with _part("consensus"):
            found = () if section is None else tuple(
                _consensus(q, f"consensus.quantities.{name}")
                for name, q in dict(section["quantities"]).items())
    except _Malformed as exc:
        raise ResultsError(file, f"{exc.place}: {exc.what}") from None
    return SavedSummary(str(document.get("title", "")), provenance, metrics, records, summary,
                        tuple(notes), found, None if section is None else dict(section))


def _consensus(item: Mapping[str, Any], place: str) -> SavedConsensus:
    """A ``consensus.quantities`` entry (`uncertainty.report.consensus`) read back."""
    with _part(place):
        true, tau, i2 = item["true_value"], item["tau"], item["i2"]
        keys = list(true["eti"])
        levels = tuple(float(k) for k in keys)
        claims = list(item["claims"])
    checks = []
    for i, c in enumerate(claims):
        where = f"{place}.claims[{i}]"
        with _part(where):
            checks.append(SavedCheck(
                str(c["source"]), str(c["kind"]), _number(c["claim"], f"{where}.claim"),
                _number(c["percentile"], f"{where}.percentile"),
                _number(c["percentile_mcse"], f"{where}.percentile_mcse"),
                bool(c["flagged"])))
    with _part(place):
        return SavedConsensus(
            quantity=str(item["quantity"]), levels=levels,
            median=_number(true["median"], f"{place}.true_value.median"),
            median_mcse=_number(true["mcse"]["median"], f"{place}.true_value.mcse.median"),
            eti=_tuples(_pairs(true["eti"], keys, f"{place}.true_value.eti")),
            eti_mcse=_tuples(_pairs(true["mcse"]["eti"], keys,
                                    f"{place}.true_value.mcse.eti")),
            tau_median=_number(tau["median"], f"{place}.tau.median"),
            tau_median_mcse=_number(tau["mcse"]["median"], f"{place}.tau.mcse.median"),
            i2_median=_number(i2["median"], f"{place}.i2.median"),
            i2_median_mcse=_number(i2["mcse"]["median"], f"{place}.i2.mcse.median"),
            checks=tuple(checks))


def _tuples(pairs: list[list[float]]) -> tuple[tuple[float, float], ...]:
    return tuple((lo, hi) for lo, hi in pairs)


def _casualty_note(item: Mapping[str, Any]) -> CasualtyNote:
    """A ``casualty_notes`` entry (`uncertainty.report.casualties.counts_document`) read back."""
    def names(key: str) -> tuple[str, ...]:
        value = item[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError(key)
        return tuple(value)

    return CasualtyNote(str(item["metric"]), names("numerator"), names("denominator"),
                        names("numerator_counts"), names("denominator_counts"),
                        bool(item["complement"]))


class _Malformed(Exception):
    """A part of the document that is not as ``run`` writes it."""

    def __init__(self, place: str, what: str) -> None:
        super().__init__(place, what)
        self.place, self.what = place, what


@contextmanager
def _part(place: str) -> Iterator[None]:
    """Report a missing key or a wrong type inside the block as `_Malformed` at `place`."""
    try:
        yield
    except KeyError as exc:
        raise _Malformed(place, f"no {exc.args[0]!r}, which run always writes") from None
    except (TypeError, ValueError, AttributeError):
        raise _Malformed(place, "not as run writes it") from None


def _number(value: Any, place: str) -> float:
    """A statistic: a number, or null for one that had no valid draw (NaN)."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Malformed(place, f"expected a number or null, got {value!r}")
    return float(value)


def _pairs(table: Any, keys: Sequence[str], place: str) -> list[list[float]]:
    """``{"0.9": [lo, hi], ...}`` as one ``[lo, hi]`` per level, in `keys` order."""
    if not isinstance(table, Mapping):
        raise _Malformed(place, "expected a table of intervals by level")
    out = []
    for key in keys:
        pair = table.get(key)
        if not isinstance(pair, list) or len(pair) != 2:
            raise _Malformed(f"{place}.{key}", "expected [lower, upper]")
        out.append([_number(v, f"{place}.{key}") for v in pair])
    return out


def _dataset(document: Mapping[str, Any], records: Sequence[dict[str, Any]],
             provenance: Mapping[str, Any]) -> xr.Dataset:
    """The summary Dataset, variable and view in the order the records first name them."""
    if not records:
        raise _Malformed("records", "empty: no statistics to show")
    with _part("levels"):
        levels = [float(p) for p in document["levels"]]
    keys = [level_key(p) for p in levels]
    names, view_ids = [], []
    for index, r in enumerate(records):
        with _part(f"records[{index}]"):
            names.append(str(r["name"]))
            view_ids.append(str(r["view"]))
    variables, views = list(dict.fromkeys(names)), list(dict.fromkeys(view_ids))
    n, m = (len(variables), len(views)), len(levels)
    scalars = {k: np.full(n, np.nan) for k in _SCALARS}
    intervals = {k: np.full((*n, m, 2), np.nan) for k in _INTERVALS}
    kinds: dict[str, str] = {}
    for index, r in enumerate(records):
        place = f"records[{index}]"
        i, j = variables.index(names[index]), views.index(view_ids[index])
        with _part(place):
            kinds.setdefault(str(r["name"]), str(r["kind"]))
            mcse = r["mcse"]
            # (summary variable, where summary.json keeps it, the value)
            found = [("median", "median", r["median"]), ("mean", "mean", r["mean"]),
                     ("sd", "sd", r["sd"]), ("valid", "draws", r["draws"]),
                     ("invalid", "invalid", r["invalid"]),
                     ("mcse_median", "mcse.median", mcse["median"]),
                     ("mcse_mean", "mcse.mean", mcse["mean"]),
                     # absent from files written before the sd had an MCSE
                     ("mcse_sd", "mcse.sd", mcse.get("sd"))]
            tables = [("eti", "eti", r["eti"]), ("hdi", "hdi", r["hdi"]),
                      ("mcse_eti", "mcse.eti", mcse["eti"]),
                      ("mcse_hdi", "mcse.hdi", mcse["hdi"])]
        for key, where, value in found:
            scalars[key][i, j] = _number(value, f"{place}.{where}")
        for key, where, table in tables:
            intervals[key][i, j] = _pairs(table, keys, f"{place}.{where}")
    with _part("metrics"):
        labels = {str(m["name"]): str(m["label"]) for m in document.get("metrics") or ()}
    with _part("views"):
        view_labels = {str(v["id"]): str(v["label"]) for v in document.get("views") or ()}
    with _part("envelopes"):
        parents = {str(member): str(e["view"]) for e in document.get("envelopes") or ()
                   for member in e["members"]}
    coords = {
        "variable": variables,
        "view": views,
        "level": levels,
        "ci_bound": ["lower", "upper"],
        "kind": ("variable", [kinds[v] for v in variables]),
        "label": ("variable", [labels.get(v, v) if kinds[v] == "metric" else v
                               for v in variables]),
        "view_label": ("view", [view_labels.get(v, v) for v in views]),
        "envelope_of": ("view", [parents.get(v, "") for v in views]),
    }
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        k: (("variable", "view"), v) for k, v in scalars.items()
    }
    data_vars |= {k: (("variable", "view", "level", "ci_bound"), v)
                  for k, v in intervals.items()}
    attrs = {k: provenance[k] for k in ("seed", "draws", "config_sha256") if k in provenance}
    attrs = {"title": str(document.get("title", "")), **attrs}
    attrs |= {f"version_{k}": v for k, v in (provenance.get("versions") or {}).items()}
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def provenance_line(provenance: Mapping[str, Any]) -> str:
    """Draws, seed, how the draw count was chosen, when, and from which config.

    ``20,000 draws per view, seed 2025; created 2026-11-26T22:30:43Z; config sha256
    59407e6aaa4b66ab`` (without a full stop, so a caller may go on).
    """
    draws, seed = provenance.get("draws"), provenance.get("seed")
    line = f"{draws:,} draws per view" if isinstance(draws, int) else "draws not recorded"
    if seed is not None:
        line += f", seed {seed}" + (" (drawn at random)"
                                    if provenance.get("seed_from") == "random" else "")
    target = provenance.get("precision")
    if isinstance(target, Mapping) and "target" in target:
        line += (f", stopped at the cap of {target['max_draws']:,} draws short of "
                 f"{target['target']:.2%} precision" if target.get("capped")
                 else f", chosen for {target['target']:.2%} precision")
    if provenance.get("created_utc"):
        line += f"; created {provenance['created_utc']}"
    if provenance.get("config_sha256"):
        line += f"; config sha256 {str(provenance['config_sha256'])[:16]}"
    return line
