"""`summary.json`: every number unrounded, with where it came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from uncertainty.model.copula import plan_copula
from uncertainty.numbers import json_number as _num
from uncertainty.numbers import level_key
from uncertainty.report import json_text
from uncertainty.report.casualties import counts_document
from uncertainty.report.comparison import comparison_document, thresholds_document
from uncertainty.report.consensus import consensus_document
from uncertainty.report.rows import tables_document
from uncertainty.report.sensitivity import sensitivity_document
from uncertainty.report.tables import envelope_arrays, statistic_arrays

if TYPE_CHECKING:
    from uncertainty.study import Result

__all__ = ["SCHEMA_VERSION", "summary_document", "to_json"]

SCHEMA_VERSION = 1

#: The statistics of each record.
STATISTICS = ("kind", "median", "mean", "sd", "eti", "hdi", "valid", "invalid", "mcse_median",
              "mcse_mean", "mcse_sd", "mcse_eti", "mcse_hdi")


def _intervals(table: Any, levels: list[float]) -> dict[str, list[float | None]]:
    return {level_key(p): [_num(v) for v in table[i]] for i, p in enumerate(levels)}


def summary_document(run: Result) -> dict[str, Any]:
    """The content of ``summary.json`` for `run`.

    Keys: ``schema_version``, ``title``, ``provenance``, ``levels``, ``sources`` (each
    estimate as written, the distribution built and where its spread came from), ``views``
    (which source gives each quantity), ``metrics``, ``records`` (one per variable and
    view, with ``mcse`` beside the numbers it qualifies), ``sensitivity`` (null when
    not analysed; see `uncertainty.report.sensitivity.sensitivity_document`), ``consensus``
    (what the sources of each quantity jointly imply, null when not computed;
    `uncertainty.report.consensus.consensus_document`), and
    ``counts`` and ``casualty_notes`` (`uncertainty.report.casualties.counts_document`).
    """
    s = run.summary
    levels = [float(p) for p in s["level"].values]
    records = []
    for var in s["variable"].values:
        a = statistic_arrays(s, str(var), STATISTICS)
        for j, view in enumerate(s["view"].values):
            records.append({
                "kind": str(a["kind"]),
                "name": str(var),
                "view": str(view),
                "median": _num(a["median"][j]),
                "mean": _num(a["mean"][j]),
                "sd": _num(a["sd"][j]),
                "eti": _intervals(a["eti"][j], levels),
                "hdi": _intervals(a["hdi"][j], levels),
                "draws": int(a["valid"][j]),
                "invalid": int(a["invalid"][j]),
                "mcse": {
                    "median": _num(a["mcse_median"][j]),
                    "mean": _num(a["mcse_mean"][j]),
                    "sd": _num(a["mcse_sd"][j]),
                    "eti": _intervals(a["mcse_eti"][j], levels),
                    "hdi": _intervals(a["mcse_hdi"][j], levels),
                },
            })
    model = run.model
    return {
        "schema_version": SCHEMA_VERSION,
        "title": model.title,
        "provenance": run.provenance,
        "levels": levels,
        "pool": model.run.pool,
        "sources": [
            {
                "id": src.id,
                "label": src.label,
                "weight": src.weight,
                "weight_from": src.weight_from,
                "grade": None if src.grade is None else {
                    "code": src.grade.code, "meaning": src.grade.meaning,
                    "ci90_factor": src.grade.ci90_factor, "weight": src.grade.weight,
                    "overridden": src.grade.overridden,
                },
                "estimates": [
                    {
                        "quantity": e.quantity,
                        "written": e.written,
                        "distribution": e.distribution.describe(),
                        "spread": e.spread,
                        "median": _num(e.distribution.median),
                        "ci90": [_num(v) for v in e.distribution.ppf(np.array([0.05, 0.95]))],
                        **dict(e.provenance),
                    }
                    for e in src.estimates
                ],
            }
            for src in model.sources
        ],
        "comparisons": {} if run.comparison is None else comparison_document(run.comparison),
        "thresholds": {} if run.comparison is None else thresholds_document(run.comparison),
        "correlations": _correlations(run),
        "constraints": _constraints(run),
        "envelopes": _envelopes(run, levels),
        "tables": tables_document(model),
        "sensitivity": (None if run.sensitivity is None
                        else sensitivity_document(run.sensitivity)),
        "consensus": consensus_document(run.consensus),
        "views": [
            {"id": v.id, "label": v.label, "kind": v.kind, "sources": dict(v.assignment)}
            for v in run.views
        ],
        "metrics": [
            {"name": m.name, "label": m.label, "expr": m.expression.text} for m in model.metrics
        ],
        **counts_document(model),
        "records": records,
    }


def _correlations(run: Result) -> list[dict[str, Any]]:
    model = run.model
    plan = plan_copula(model.correlations, repair=model.repair_correlations)
    by_name = {c.name: c for c in model.correlations}
    return [
        {"name": name, "between": [":".join(by_name[name].a), ":".join(by_name[name].b)],
         "rho": asked, "rho_used": used}
        for name, asked, used in plan.used
    ]


def _constraints(run: Result) -> dict[str, Any] | None:
    acc = run.acceptance
    if acc is None:
        return None
    texts = [str(c) for c in acc["constraint"].values]
    overall, candidates = acc["overall"].values, acc["candidates"].values
    accepted, rate = acc["accepted"].values, acc["rate"].transpose("view", "constraint").values
    overall_se = acc["overall_mcse"].values
    rate_se = acc["rate_mcse"].transpose("view", "constraint").values
    return {
        "constraints": texts,
        "acceptance": {
            str(v): {
                "overall": float(overall[j]),
                "overall_mcse": float(overall_se[j]),
                "candidates": int(candidates[j]),
                "accepted": int(accepted[j]),
                "by_constraint": {c: float(rate[j, k]) for k, c in enumerate(texts)},
                "by_constraint_mcse": {c: float(rate_se[j, k]) for k, c in enumerate(texts)},
            }
            for j, v in enumerate(acc["view"].values)
        },
    }


def _envelopes(run: Result, levels: list[float]) -> list[dict[str, Any]]:
    env = run.envelopes
    if env is None:
        return []
    out = []
    for parent in env["envelope"].values:
        e, parent_id = envelope_arrays(env, parent), str(parent)
        out.append({
            "view": parent_id,
            "members": [str(v) for v, parent in zip(run.summary["view"].values,
                                                    run.summary["envelope_of"].values,
                                                    strict=True) if parent == parent_id],
            "records": [
                {
                    "name": str(var),
                    "median": [_num(v) for v in e["median"][i]],
                    "eti": _intervals(e["eti"][i], levels),
                    "hdi": _intervals(e["hdi"][i], levels),
                }
                for i, var in enumerate(env["variable"].values)
            ],
        })
    return out


def to_json(document: dict[str, Any]) -> str:
    """Serialize strictly: non-finite statistics have already become null."""
    return json_text.dumps(document) + "\n"
