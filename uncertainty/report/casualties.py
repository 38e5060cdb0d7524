"""The note on a metric that is not the case fatality rate, and the counts in ``summary.json``.

A metric that divides the dead by a total counting the missing or the captured
(`uncertainty.model.counts.casualty_notes`) gets a note under its table: a short one in the
console, the reason in full in ``summary.md`` and ``summary.html``.
"""

from __future__ import annotations

from typing import Any

from uncertainty.model.core import Model
from uncertainty.model.counts import CasualtyNote, casualty_notes
from uncertainty.report.blocks import Block, Code, Inline, Paragraph, Text

__all__ = ["CFR", "casualty_note_blocks", "counts_document", "notes_by_metric"]

#: The case fatality rate as military medicine defines it.
CFR = "CFR = (KIA + DOW) / (KIA + WIA)"


def _the(words: tuple[str, ...]) -> str:
    """``"the missing and the captured"``."""
    return " and ".join(f"the {w}" for w in words)


def _words(words: tuple[str, ...]) -> str:
    """``"killed, wounded, missing and captured"``: count words as prose."""
    shown = [w.replace("_", " ") for w in words]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)


def _sum(names: tuple[str, ...]) -> Code:
    return Code(" + ".join(names))


#: Why each word of `uncertainty.model.counts.OUTSIDE_CFR` does not belong in a fatality rate.
_WHY = {"missing": "some of the missing are dead",
        "captured": "the captured, wounded or not, are out of reach of their own medical "
                    "services"}


def casualty_note_blocks(note: CasualtyNote) -> list[Block]:
    """The note on `note`'s metric: a line for the console, the reason in the full report."""
    outside = _the(note.outside)
    alive = "as survivors" if note.complement else "as alive"
    why = " and ".join(_WHY[w] for w in note.outside)
    brief: tuple[Inline, ...] = (
        Text(f"Note: {note.metric} is not the case fatality rate: it counts {outside} in "),
        _sum(note.denominator),
        Text(f" {alive}; summary.md says why that matters."),
    )
    full: tuple[Inline, ...] = (
        Text(f"Note: {note.metric} is not the case fatality rate. It divides "),
        _sum(note.numerator), Text(f" ({_words(note.numerator_counts)}) by "),
        _sum(note.denominator),
        Text(f" ({_words(note.denominator_counts)}), so it counts {outside} {alive}. "
             f"Yet {why}: with them in the total, the share of the dead reads lower, and a "
             "share of survivors higher, than among the killed and the wounded alone. "
             "Military medicine's case fatality rate, "),
        Code(CFR),
        Text(", counts only those killed in action (KIA), those who died of wounds (DOW) and "
             f"the wounded in action (WIA); compare {note.metric} with it, or with another "
             f"war's, only with {outside} taken out of the total."),
    )
    return [Paragraph(brief, scope="brief"), Paragraph(full, scope="full")]


def notes_by_metric(model: Model) -> dict[str, CasualtyNote]:
    """The casualty note of each metric that has one."""
    return {n.metric: n for n in casualty_notes(model.metrics, dict(model.counts))}


def counts_document(model: Model) -> dict[str, Any]:
    """``counts`` (what each declared quantity counts) and ``casualty_notes`` for JSON."""
    return {
        "counts": {quantity: list(words) for quantity, words in model.counts},
        "casualty_notes": [
            {"metric": n.metric, "numerator": list(n.numerator),
             "denominator": list(n.denominator), "numerator_counts": list(n.numerator_counts),
             "denominator_counts": list(n.denominator_counts), "complement": n.complement,
             "outside": list(n.outside)}
            for n in notes_by_metric(model).values()
        ],
    }
