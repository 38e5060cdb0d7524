"""The consensus in the report: "What the sources jointly imply", and its JSON section.

Blocks of scope ``"brief"`` are one line per quantity for the console; ``"full"`` blocks are
the section of ``summary.md`` and ``summary.html``: per quantity, ``T``, ``tau`` and ``I^2``
with their intervals, and each claim's leave-one-out percentile. Numbers stay raw
(`uncertainty.report.blocks.Num`) until a renderer rounds them by their MCSE.

The console line (`consensus_lines`) reads only what a saved ``summary.json`` keeps too, so
``uncertainty show`` prints it from the file (`uncertainty.io.saved.SavedConsensus`) as
``run`` printed it from the computation (`QuantityConsensus`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from uncertainty.analysis.consensus import Consensus, QuantityConsensus
from uncertainty.numbers import json_number as _num
from uncertainty.numbers import level_key
from uncertainty.report.blocks import (
    Block,
    Heading,
    Inline,
    Num,
    Paragraph,
    Row,
    Scope,
    Table,
    Text,
    cell,
    columns,
    prose,
)
from uncertainty.report.tables import percent_header

__all__ = ["BriefCheck", "BriefConsensus", "consensus_blocks", "consensus_document",
           "consensus_lines"]

_INTRO = (
    "The pooled view is a mixture: one of the sources is right, in proportion to its weight. "
    "The consensus asks instead what the sources jointly imply about the true value T: each "
    "claim is a measurement of T with its own spread (its distribution as drawn), plus an "
    "error shared out between sources with scale tau on the log scale, estimated from how "
    "far the claims disagree beyond their own spreads. A bound (at least, at most) says only "
    "that T is above (below) it. I² is the share of the spread of the claims due to that "
    "disagreement: tau² / (tau² + the typical within-source variance, Higgins')."
)
_OUT_OF_LINE = (
    "Where each claim falls among what the other sources imply (their consensus, tau and "
    "the claim's own spread): the percentile of its figure; flagged outside the central "
    "{level:.0%} (a floor only when high, a ceiling only when low). Leaving the claim out "
    "moves the consensus median to the last column."
)
_KIND_WORDS = {"central": "", "at_least": "at least ", "at_most": "at most "}


class BriefCheck(Protocol):
    """What the console line shows of a claim out of line."""

    @property
    def source(self) -> str: ...  # noqa: D102
    @property
    def kind(self) -> str: ...  # noqa: D102
    @property
    def claim(self) -> float: ...  # noqa: D102
    @property
    def percentile(self) -> float: ...  # noqa: D102
    @property
    def percentile_mcse(self) -> float: ...  # noqa: D102


class BriefConsensus(Protocol):
    """What the console line shows of a quantity's consensus (computed or saved)."""

    @property
    def quantity(self) -> str: ...  # noqa: D102
    @property
    def levels(self) -> tuple[float, ...]: ...  # noqa: D102
    @property
    def median(self) -> float: ...  # noqa: D102
    @property
    def median_mcse(self) -> float: ...  # noqa: D102
    @property
    def eti(self) -> tuple[tuple[float, float], ...]: ...  # noqa: D102
    @property
    def eti_mcse(self) -> tuple[tuple[float, float], ...]: ...  # noqa: D102
    @property
    def tau_median(self) -> float: ...  # noqa: D102
    @property
    def tau_median_mcse(self) -> float: ...  # noqa: D102
    @property
    def i2_median(self) -> float: ...  # noqa: D102
    @property
    def i2_median_mcse(self) -> float: ...  # noqa: D102
    @property
    def flagged(self) -> Sequence[BriefCheck]: ...  # noqa: D102


def _est(x: float, se: float) -> Num:
    return Num(float(x), "mcse", float(se))


def _interval(pair: tuple[float, float], errors: tuple[float, float]) -> tuple[Inline, ...]:
    return (Text("["), _est(pair[0], errors[0]), Text(", "), _est(pair[1], errors[1]),
            Text("]"))


def _pct(check: BriefCheck) -> Num:
    return Num(check.percentile, "share", check.percentile_mcse)


def _claim(check: BriefCheck) -> tuple[Inline, ...]:
    return (Text(_KIND_WORDS[check.kind]), Num(check.claim, "plain"))


def _flagged_sentence(q: BriefConsensus) -> tuple[Inline, ...]:
    flagged = q.flagged
    if not flagged:
        return (Text("No claim is out of line."),)
    parts: list[Inline] = [Text("Out of line: ")]
    for i, check in enumerate(flagged):
        parts += [Text("; " if i else ""), Text(f"{check.source} ("), *_claim(check),
                  Text(", at the "), _pct(check), Text(" point of what the others imply)")]
    return (*parts, Text("."))


def _brief(q: BriefConsensus, *, first: bool, scope: Scope) -> Paragraph:
    top = len(q.levels) - 1
    parts: list[Inline] = [
        Text(f"Consensus {q.quantity}: "), _est(q.median, q.median_mcse),
        Text(" ["), *percent_header(q.levels[top], "ETI")[:1], Text(" "),
        _est(q.eti[top][0], q.eti_mcse[top][0]), Text(" to "),
        _est(q.eti[top][1], q.eti_mcse[top][1]), Text("], tau "),
        _est(q.tau_median, q.tau_median_mcse), Text(", I² "),
        Num(q.i2_median, "share", q.i2_median_mcse), Text(". "), *_flagged_sentence(q)]
    # on the console one line follows another; in Markdown each is its own paragraph
    return Paragraph(tuple(parts), scope=scope, tight=scope == "brief" and not first)


def consensus_lines(quantities: Sequence[BriefConsensus], *,
                    scope: Scope = "brief") -> list[Block]:
    """One line per quantity, as ``run`` prints them, of scope `scope`.

    Each line: ``T``'s median and widest equal-tailed interval, ``tau``, ``I^2`` and the
    claims out of line.
    """
    return [_brief(q, first=i == 0, scope=scope) for i, q in enumerate(quantities)]


def _summary_table(q: QuantityConsensus) -> Table:
    header = [(Text(""),), (Text("median"),),
              *(percent_header(level, "ETI") for level in q.levels)]
    rows: list[Row] = []
    for label, median, se, eti, eti_se in (
            ("true value T", q.median, q.median_mcse, q.eti, q.eti_mcse),
            ("tau (log scale)", q.tau_median, q.tau_median_mcse, q.tau_eti, q.tau_eti_mcse)):
        rows.append((cell(label), cell(_est(median, se)),
                     *(cell(*_interval(eti[i], eti_se[i])) for i in range(len(q.levels)))))
    shares = [cell("I²"), cell(Num(q.i2_median, "share", q.i2_median_mcse))]
    shares += [cell("[", Num(q.i2_eti[i][0], "share", q.i2_eti_mcse[i][0]), ", ",
                    Num(q.i2_eti[i][1], "share", q.i2_eti_mcse[i][1]), "]")
               for i in range(len(q.levels))]
    rows.append(tuple(shares))
    return Table(tuple(header), tuple(rows), columns(len(header), numeric=True),
                 scope="full")


def _claims_table(q: QuantityConsensus) -> Table:
    header = [(Text(h),) for h in ("source", "claim", "percentile among the others",
                                   "out of line", "consensus without it")]
    rows = tuple((cell(c.source), cell(*_claim(c)),
                  cell(_pct(c)) if not c.unread else cell(f"not checked: {c.unread}"),
                  cell("yes" if c.flagged else ""),
                  cell(_est(c.median_without, c.median_without_mcse)) if not c.unread
                  else cell("—"))
                 for c in q.checks)
    return Table(tuple(header), rows, columns(5, numeric=True), scope="full")


def _moves_sentence(q: QuantityConsensus) -> tuple[Inline, ...]:
    top = q.moves_most
    if top is None:
        return (Text("No claim could be left out and checked."),)
    change = top.median_without / q.median - 1
    return (Text(f"The claim that moves the consensus most: {top.source}'s; without it the "
                 "median goes from "), _est(q.median, q.median_mcse), Text(" to "),
            _est(top.median_without, top.median_without_mcse),
            Text(f" ({change:+.0%}). The sensitivity tables give the consensus view without "
                 "each source."))


def _view_text(q: QuantityConsensus) -> tuple[Inline, ...]:
    return (Text(f"The consensus view draws {q.quantity} from these importance draws, so its "
                 "metrics, intervals and comparisons are in the tables above like any view's; "
                 "each of its Monte Carlo errors counts the importance sampler's too (× √(1 + "
                 "draws / effective sample size))."),)


def _prior_text(q: QuantityConsensus) -> tuple[Inline, ...]:
    lo, hi = q.prior_range
    where = "from [consensus] range" if q.range_from == "config" else (
        "the smallest claim / 1000 to the largest × 1000")
    tau = (Text(f"tau half-normal with scale {q.tau_scale:g} (estimated)")
           if q.heterogeneity is None else Text(f"tau fixed at {q.heterogeneity:g}"))
    return (Text("Prior: T log-uniform over ["), Num(lo, "plain"), Text(", "),
            Num(hi, "plain"), Text(f"] ({where}); "), tau,
            Text(". Effective sample size "), Num(q.ess, spec=",.0f"), Text(" of "),
            Num(q.draws, spec=","), Text(" importance draws."))


def consensus_blocks(found: Consensus) -> list[Block]:
    """The report's blocks for `found`: a console line and a full section per quantity."""
    if not found.quantities:
        return []
    out = consensus_lines(found.quantities)
    out += [Heading(2, prose("What the sources jointly imply"), scope="full"),
            Paragraph(prose(_INTRO), scope="full")]
    for q in found.quantities:
        sources = ", ".join(c.source for c in q.claims)
        out += [Heading(3, prose(f"Consensus of {q.quantity}"), scope="full"),
                Paragraph(prose(f"From {len(q.claims)} sources: {sources}."), scope="full"),
                _summary_table(q),
                Paragraph(_prior_text(q), scope="full"),
                Paragraph(prose(_OUT_OF_LINE.format(level=1 - found.settings.flag_level)),
                          scope="full"),
                _claims_table(q),
                Paragraph(_flagged_sentence(q), scope="full"),
                Paragraph(_moves_sentence(q), scope="full"),
                Paragraph(_view_text(q), scope="full")]
    return out


def _pairs(pairs: tuple[tuple[float, float], ...],
           levels: tuple[float, ...]) -> dict[str, list[float | None]]:
    return {level_key(p): [_num(v) for v in pair] for p, pair in zip(levels, pairs, strict=True)}


def _quantity(q: QuantityConsensus) -> dict[str, Any]:
    def summary(median: float, se: float, eti: Any, eti_se: Any) -> dict[str, Any]:
        return {"median": _num(median), "eti": _pairs(eti, q.levels),
                "mcse": {"median": _num(se), "eti": _pairs(eti_se, q.levels)}}

    return {
        "quantity": q.quantity,
        "true_value": summary(q.median, q.median_mcse, q.eti, q.eti_mcse),
        "tau": summary(q.tau_median, q.tau_median_mcse, q.tau_eti, q.tau_eti_mcse),
        "i2": summary(q.i2_median, q.i2_median_mcse, q.i2_eti, q.i2_eti_mcse),
        "typical_variance": _num(q.typical_variance),
        "ess": q.ess,
        "draws": q.draws,
        "moves_most": q.moves_most.source if q.moves_most is not None else None,
        "prior": {"true_value": "log-uniform", "range": list(q.prior_range),
                  "range_from": q.range_from,
                  "tau": ("half-normal" if q.heterogeneity is None else "fixed"),
                  "tau_scale": q.tau_scale if q.heterogeneity is None else None,
                  "tau_fixed": q.heterogeneity},
        "claims": [
            {"source": c.source, "kind": c.kind, "claim": c.claim,
             "percentile": _num(c.percentile), "percentile_mcse": _num(c.percentile_mcse),
             "flagged": c.flagged, "median_without": _num(c.median_without),
             "median_without_mcse": _num(c.median_without_mcse),
             "ess_without": c.ess_without if math.isfinite(c.ess_without) else None,
             "unread": c.unread or None}
            for c in q.checks
        ],
    }


def consensus_document(found: Consensus | None) -> dict[str, Any] | None:
    """The ``consensus`` section of ``summary.json``; None when it was not computed."""
    if found is None:
        return None
    s = found.settings
    return {
        "model": ("random-effects on log T: a central claim's likelihood is the density of "
                  "log X at log T convolved with N(0, tau^2); a bound is censored"),
        "flag_level": s.flag_level,
        "min_ess": s.min_ess,
        "quantities": {q.quantity: _quantity(q) for q in found.quantities},
    }
