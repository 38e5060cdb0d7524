"""The report of a run, built once as blocks: the console's brief view and the full report.

Blocks of scope ``"brief"`` are what ``uncertainty run`` prints; those of scope ``"full"``
are ``summary.md`` and ``summary.html``; the comparison of views is in both.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import xarray as xr

from uncertainty.analysis.comparison import Comparison
from uncertainty.analysis.consensus import Consensus
from uncertainty.analysis.sensitivity import Sensitivity
from uncertainty.model.core import Model
from uncertainty.model.views import View
from uncertainty.report.assumptions import acceptance_table, assumptions_blocks
from uncertainty.report.blocks import (
    Block,
    BulletList,
    Code,
    Document,
    Figure,
    Heading,
    Inline,
    Num,
    Paragraph,
    Scope,
    Section,
    Table,
    Text,
    cell,
    columns,
    prose,
)
from uncertainty.report.casualties import casualty_note_blocks, notes_by_metric
from uncertainty.report.comparison import comparison_blocks
from uncertainty.report.consensus import consensus_blocks
from uncertainty.report.rows import row_counts, rows_blocks
from uncertainty.report.sensitivity import drivers, sensitivity_blocks
from uncertainty.report.tables import variable_table

__all__ = ["Result", "build_report", "invalid_note", "run_line"]

_READING = (
    "Each row is a view: the same metric computed from one source's figures (other "
    "quantities from the pool of the sources that give them), from the pool of all "
    "sources, or from a named scenario. ETI = equal-tailed credible interval; HDI = "
    "highest-density interval. Digits shown are those the Monte Carlo error supports."
)
#: Below this many draws the report says how an HDI end in a steep tail is biased.
HDI_BIAS_DRAWS = 50_000
_HDI_BIAS = (
    " With this few draws, an HDI end deep in a skewed tail (the lower end of a 90% or 95% "
    "HDI of a ratio or a count) reads a little away from the tail: by up to 0.4 of its "
    "Monte Carlo error at 4,000 draws, 0.15 at 200,000, measured on lognormal, gamma and "
    "two-piece lognormal distributions."
)


class Result(Protocol):
    """What a report reads of a run (`uncertainty.study.Result` has it)."""

    @property
    def model(self) -> Model:
        """The run's model."""
    @property
    def views(self) -> Any:
        """The run's views."""
    @property
    def summary(self) -> xr.Dataset:
        """The run's summary."""
    @property
    def provenance(self) -> dict[str, Any]:
        """The run's provenance."""
    @property
    def acceptance(self) -> xr.Dataset | None:
        """The run's acceptance."""
    @property
    def comparison(self) -> Comparison | None:
        """The run's comparison."""
    @property
    def sensitivity(self) -> Sensitivity | None:
        """The run's sensitivity."""
    @property
    def consensus(self) -> Consensus | None:
        """The run's consensus of each quantity's sources."""
    @property
    def envelopes(self) -> xr.Dataset | None:
        """The envelope pools' ranges (`uncertainty.summary.envelopes`), made once."""


def run_line(provenance: dict[str, Any]) -> list[Inline]:
    """Draws, seed and, for a run to a precision, how far it got."""
    p = provenance
    out: list[Inline] = [Num(p["draws"], spec=","), Text(f" draws per view, seed {p['seed']}"
                                                          + (" (drawn at random)" if p.get(
                                                              "seed_from") == "random" else ""))]
    target = p.get("precision")
    if target:
        variable, view, stat = (target["worst"][k] for k in ("variable", "view", "statistic"))
        achieved, asked = Num(target["achieved"], spec=".2%"), Num(target["target"], spec=".2%")
        if target["capped"]:
            out += [Text(". Stopped at the cap of "), Num(target["max_draws"], spec=","),
                    Text(" draws short of the "), asked,
                    Text(" precision asked for: the worst Monte Carlo error is "), achieved,
                    Text(f" ({variable}, {view}, {stat})")]
        else:
            out += [Text(", chosen for "), asked,
                    Text(" precision: the worst Monte Carlo error is "), achieved,
                    Text(f" of its value ({variable}, {view}, {stat})")]
        agreed = target.get("consensus")
        if agreed:
            out += [Text("; in the consensus view, not a target, "),
                    Num(agreed["achieved"], spec=".2%"),
                    Text(f" ({agreed['worst']['variable']}, {agreed['worst']['statistic']})")]
    return out


def _streaming(provenance: dict[str, Any]) -> list[Inline]:
    """How a streamed run was computed, and what comes from its first draws only."""
    info = provenance.get("streaming")
    if not info:
        return []
    return [Text(f"Streamed in blocks ({info.get('engine', 'local')} engine, "
                 f"{info.get('passes', '?')} passes over the draws; in memory the run would "
                 "need "), Num(info.get("in_memory_bytes", 0) / 2**30, spec=",.1f"),
            Text(" GiB): every median, interval and Monte Carlo error is exactly what the run "
                 "in memory gives; overlap coefficients and density plots use the first "),
            Num(info.get("prefix_draws", 0), spec=","),
            Text(" draws of each view; no sensitivity analysis.")]


def invalid_note(summary: xr.Dataset, names: list[str], scope: Scope = "brief") -> list[Block]:
    """The note on invalid draws among `names`, if any (by default in the brief view)."""
    # a sum of whole numbers, exact in any order; NaN (no row) skipped, as xarray's sum
    at = summary.indexes["variable"].get_indexer(names)
    if (at < 0).any():
        raise KeyError(f"{names} not all in the summary")
    invalid = int(np.nansum(summary.variables["invalid"].transpose("variable", ...).values[at]))
    if not invalid:
        return []
    return [Paragraph((Text("Note: "), Num(invalid, spec=","), Text(
        " draws were invalid (NaN or infinite, e.g. a division by zero) and are left out of "
        "the intervals; see invalid draws.")), scope=scope)]


def _driver_table(sens: Sensitivity, **kw: Any) -> Table:
    rows = [(cell(metric), cell(view),
             *(cell(f"{label} (", Num(share, spec=".0%"), ")") for label, share, _ in top),
             *([cell("")] * (2 - len(top)))) for metric, view, top in drivers(sens)]
    header = ("metric", "view", "drives most of its uncertainty (share)", "next (share)")
    return Table(tuple((Text(h),) for h in header), tuple(rows), columns(4, numeric=False),
                 **kw)


def _head(result: Result, destination: str | None) -> list[Block]:
    model, p = result.model, result.provenance
    versions = ", ".join(f"{k} {v}" for k, v in p["versions"].items())
    streaming = _streaming(p)
    out: list[Block] = [
        Paragraph(prose(model.title), scope="brief"),
        Paragraph((*run_line(p), Text(". Equal-tailed credible intervals.")), scope="brief",
                  tight=True),
        *([Paragraph(tuple(streaming), scope="brief", tight=True)] if streaming else []),
        *([Paragraph(prose(f"Results: {destination}"), scope="brief", tight=True)]
          if destination else []),
    ]
    out += [Paragraph((Text(f"Table {t.name} ({t.file}): "), *row_counts(t),
                       Text("; every row and why is listed in summary.md.")),
                      scope="brief", tight=True) for t in model.tables]
    out += [Heading(1, prose(model.title), scope="full"),
            Paragraph((*run_line(p), Text("; config sha256 "), Code(p["config_sha256"][:16]),
                       Text(f"; created {p['created_utc']}; {versions}.")), scope="full"),
            Paragraph(prose(_READING + (_HDI_BIAS if int(p["draws"]) < HDI_BIAS_DRAWS
                                        else "")), scope="full"),
            *([Paragraph(tuple(streaming), scope="full")] if streaming else []),
            Heading(2, prose("Metrics"), scope="full")]
    return out


def _metrics(result: Result, figures: tuple[str, ...], env: xr.Dataset | None) -> list[Block]:
    model, summary = result.model, result.summary
    notes = notes_by_metric(model)
    out: list[Block] = []
    for metric in model.metrics:
        out += [Heading(3, prose(f"{metric.name}: {metric.label}  [{metric.expression.text}]"),
                        scope="brief"),
                variable_table(summary, metric.name, env=env, scope="brief", tight=True),
                Heading(3, prose(f"{metric.name}: {metric.label}"), scope="full"),
                Paragraph((Code(metric.expression.text),), scope="full"),
                variable_table(summary, metric.name, hdi=True, env=env, metric=metric.name,
                               scope="full")]
        if metric.name in notes:
            out += casualty_note_blocks(notes[metric.name])
        out += [Figure(f"{kind}-{metric.name}.svg", f"{kind} plot of {metric.name}",
                       scope="full")
                for kind in figures if kind != "tornado"]  # the sensitivity section shows it
        if result.comparison is not None:
            out.append(Section(comparison_blocks(result.comparison, metric.name)))
            out += _non_finite_claims(result.comparison.claims.get(metric.name), metric.name)
    if not model.metrics:
        for name in model.quantities:
            out += [Heading(3, prose(name), scope="brief"),
                    variable_table(summary, name, env=env, scope="brief", tight=True)]
    return out


def _non_finite_claims(claims: xr.Dataset | None, metric: str) -> list[Block]:
    """A note naming each point claim of `metric` that is not a finite number."""
    if claims is None:
        return []
    odd = [(str(c), float(v)) for c, v in zip(claims["claim"].values, claims["value"].values,
                                             strict=True) if not math.isfinite(float(v))]
    if not odd:
        return []
    parts: list[Inline] = [Text("Note: at its own figures, ")]
    for i, (claim, value) in enumerate(odd):
        parts += [Text(", " if i else ""), Text(f"{claim} gives {metric} = "), Num(value)]
    parts.append(Text(" (not a finite number, e.g. the log of 0); such a claim has no mark on "
                      "the plots."))
    return [Paragraph(tuple(parts))]


def _sensitivity(sens: Sensitivity, model: Model, figures: tuple[str, ...]) -> list[Block]:
    out: list[Block] = [
        Paragraph(prose("What drives each metric (share of its variance one input explains "
                        "alone; details in summary.md):"), scope="brief"),
        _driver_table(sens, scope="brief", tight=True),
        Heading(2, prose("Sensitivity: what drives each metric"), scope="full"),
        Paragraph(prose("For each metric and view, the input (a source's estimate of a "
                        "quantity, or which source a pool takes) whose uncertainty explains "
                        "most of the metric's variance on its own."), scope="full"),
        _driver_table(sens, scope="full")]
    for metric in model.metrics:
        figure = f"tornado-{metric.name}.svg" if "tornado" in figures else None
        out += [Heading(3, prose(f"Sensitivity of {metric.name}"), scope="full"),
                Section(sensitivity_blocks(sens, metric.name, figure=figure), scope="full")]
    if sens.notes:
        out += [Paragraph(prose("Not computed:"), scope="full"),
                _notes(sens.notes, scope="full")]
    return out


def _notes(notes: tuple[str, ...] | list[str], **kw: Any) -> Block:
    return BulletList(tuple(prose(n) for n in notes), **kw)


def _sources_and_views(model: Model, views: tuple[View, ...]) -> list[Block]:
    rows = []
    for src in model.sources:
        facts: list[Inline | str] = [f"grade {src.grade.code}, "] if src.grade is not None else []
        facts += ["weight ", Num(src.weight, "plain"),
                  " set by the source" if src.weight_from == "source's weight" else ""]
        name = cell(f"{src.id}: {src.label} (", *facts, ")")
        rows += [(name, cell(e.quantity), cell(Code(e.written)), cell(e.distribution.describe()),
                  cell(e.spread), cell("; ".join(f"{k}: {v}" for k, v in e.provenance)))
                 for e in src.estimates]
    header = ("source", "quantity", "written", "distribution", "spread from", "said")
    sources = Table(tuple((Text(h),) for h in header), tuple(rows), columns(6, numeric=False))
    view_rows = [(cell(f"{v.id}: {v.label}"), *(cell(v.source_of(q)) for q in model.quantities))
                 for v in views]
    view_table = Table(((Text("view"),), *((Text(q),) for q in model.quantities)),
                       tuple(view_rows), columns(1 + len(model.quantities), numeric=False))
    return [Heading(2, prose("Sources")),
            Paragraph(prose("What each source said, the distribution it became, and where its "
                            "spread came from.")),
            sources,
            Heading(2, prose("Views")),
            Paragraph((Text("Where each quantity's draws come from in each view ("),
                       Code("pooled"), Text(": the pool of every source that estimates it; "),
                       Code("consensus"), Text(": what its sources jointly imply, drawn from "
                                               "the consensus's importance draws)."))),
            view_table]


def build_report(result: Result, figures: tuple[str, ...] = (), *,
                 destination: str | None = None) -> Document:
    """The report of `result`, as blocks for every renderer.

    Parameters
    ----------
    result : Result
        A run: its model, views, summary, provenance, acceptance, comparison and
        sensitivity (`uncertainty.pipeline.Run`).
    figures : tuple of str
        The plot kinds written beside the report (``"forest"``, ``"density"``,
        ``"tornado"``), as ``<kind>-<metric>.svg``; the full report shows them.
    destination : str, optional
        The results folder, named in the brief view.

    Returns
    -------
    Document
        Brief blocks (the console table: each metric's equal-tailed intervals, a line per
        quantity's consensus, what drives it, constraint acceptance, invalid draws) and
        full blocks (``summary.md``: also highest-density intervals, figures, what the
        sources jointly imply, sensitivity tables, assumptions, inputs,
        sources, views and table rows); the comparison of views is in both.
    """
    model, summary = result.model, result.summary
    env = result.envelopes
    out = _head(result, destination) + _metrics(result, figures, env)
    found = result.consensus
    if found is not None:
        out += consensus_blocks(found)
    if result.sensitivity is not None:
        out += _sensitivity(result.sensitivity, model, figures)
    if result.acceptance is not None:
        out += [Paragraph(prose("Constraints: share of candidate draws that meet them, by view"),
                          scope="brief"),
                acceptance_table(result.acceptance, scope="brief", tight=True)]
    names = [m.name for m in model.metrics] or list(model.quantities)
    out += invalid_note(summary, names)
    assumptions = assumptions_blocks(model, result.acceptance)
    # summary.md has always put this heading right under a closing list item
    tight = isinstance(assumptions[-1], BulletList)
    out += [Section(assumptions, scope="full"),
            Heading(2, prose("Inputs"), scope="full", tight=tight),
            Paragraph(prose("Each quantity as drawn in each view."), scope="full")]
    for quantity in model.quantities:
        out += [Heading(3, prose(quantity), scope="full"),
                variable_table(summary, quantity, hdi=True, env=env, scope="full")]
    out += [Section((*_sources_and_views(model, tuple(result.views)), *rows_blocks(model)),
                    scope="full")]
    return Document(tuple(out))
