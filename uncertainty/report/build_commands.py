"""The reports of ``uncertainty compare``, ``sensitivity`` and ``show``, as blocks."""

from __future__ import annotations

from uncertainty.io.saved import SavedSummary, provenance_line
from uncertainty.report.blocks import (
    Block,
    BulletList,
    Code,
    Document,
    Heading,
    Paragraph,
    Text,
    prose,
)
from uncertainty.report.build import Result, invalid_note
from uncertainty.report.casualties import casualty_note_blocks
from uncertainty.report.comparison import comparison_blocks
from uncertainty.report.consensus import consensus_lines
from uncertainty.report.sensitivity import sensitivity_blocks
from uncertainty.report.tables import variable_table
from uncertainty.summary import envelopes

__all__ = ["compare_report", "saved_report", "sensitivity_report"]


def _heading(result: Result, name: str) -> str:
    metric = next(m for m in result.model.metrics if m.name == name)
    return f"{metric.name}: {metric.label}  [{metric.expression.text}]"


def compare_report(result: Result, chosen: list[str]) -> Document:
    """For each `chosen` metric: every view's median and intervals, and their comparison."""
    assert result.comparison is not None  # callers compare
    out: list[Block] = [Paragraph(prose(result.model.title))]
    for metric in (m.name for m in result.model.metrics if m.name in chosen):
        out += [Paragraph(prose(_heading(result, metric))),
                variable_table(result.summary, metric, tight=True),
                *comparison_blocks(result.comparison, metric)]
    return Document(tuple(out))


def sensitivity_report(result: Result, chosen: list[str]) -> Document:
    """For each `chosen` metric: what drives it, with and without each source, and spreads."""
    sens = result.sensitivity
    assert sens is not None  # callers analyse
    out: list[Block] = [Paragraph(prose(result.model.title))]
    for metric in (m.name for m in result.model.metrics if m.name in chosen):
        out += [Heading(2, prose(_heading(result, metric))), *sensitivity_blocks(sens, metric)]
    if sens.notes:
        out += [Paragraph(prose("Not computed:")),
                BulletList(tuple(prose(n) for n in sens.notes), tight=True)]
    return Document(tuple(out))


def saved_report(saved: SavedSummary, chosen: list[str], folder: str) -> Document:
    """The tables of the `chosen` variables of a saved summary, as ``run`` shows them.

    The brief view is what ``run`` prints; the full view has ``summary.md``'s headings and
    highest-density intervals. A metric noted as not the case fatality rate keeps its note.
    Each quantity's consensus follows, its line as ``run`` printed it (from the saved
    ``consensus`` section; nothing when the summary has none).
    """
    summary = saved.summary
    env = envelopes(summary)
    line = provenance_line(saved.provenance)
    metrics = {m.name: m for m in saved.metrics}
    notes = {n.metric: n for n in saved.casualty_notes}
    out: list[Block] = [
        Paragraph(prose(saved.title), scope="brief"),
        Paragraph(prose(f"{line}. Equal-tailed credible intervals."), scope="brief",
                  tight=True),
        Paragraph(prose(f"Results: {folder}"), scope="brief", tight=True),
        Heading(1, prose(saved.title), scope="full"),
        Paragraph(prose(f"{line}."), scope="full"),
        Paragraph((Text("Results: "), Code(folder)), scope="full"),
    ]
    for name in chosen:  # the headings of `run` and of summary.md
        metric = metrics.get(name)
        out += [Heading(3, prose(f"{name}: {metric.label}  [{metric.expr}]" if metric else name),
                        scope="brief"),
                variable_table(summary, name, env=env, scope="brief", tight=True),
                Heading(2, prose(f"{name}: {metric.label}" if metric else name), scope="full"),
                *([Paragraph((Code(metric.expr),), scope="full")] if metric else []),
                variable_table(summary, name, hdi=True, env=env, scope="full"),
                *(casualty_note_blocks(notes[name]) if name in notes else [])]
    if saved.consensus:
        out += [*consensus_lines(saved.consensus),
                Heading(2, prose("What the sources jointly imply"), scope="full"),
                *consensus_lines(saved.consensus, scope="full")]
    out += invalid_note(summary, chosen, scope="all")
    return Document(tuple(out))
