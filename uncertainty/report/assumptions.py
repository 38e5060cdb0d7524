"""The assumptions section: pooling, source grades, correlations and constraints."""

from __future__ import annotations

from typing import Any

import xarray as xr

from uncertainty.model.copula import plan_copula
from uncertainty.model.core import Model
from uncertainty.report.blocks import (
    Block,
    BulletList,
    Code,
    Heading,
    Num,
    Table,
    Text,
    cell,
    columns,
    prose,
)

__all__ = ["acceptance_table", "assumptions_blocks"]

_POOLS = {
    "linear": "linear pool: each draw of a pooled quantity is one source's draw, chosen with "
              "probability proportional to the source weights",
    "log": "logarithmic pool: the normalized product of the sources' densities raised to "
           "their normalized weights (closed form for lognormal or normal estimates)",
    "envelope": "envelope: no pooling; a view that would pool is computed once per "
                "combination of sources, and reported as the range from the lowest to the "
                "highest of them",
}


def _texts(*names: str) -> tuple[tuple[Text], ...]:
    return tuple((Text(n),) for n in names)


def acceptance_table(acc: xr.Dataset, **kw: Any) -> Table:
    """The share of candidate draws meeting every constraint and each one, by view.

    Each share shows the digits its binomial MCSE supports (the ``"share"`` rule of
    `uncertainty.report.blocks.Num`).
    """
    constraints = [str(c) for c in acc["constraint"].values]
    header = _texts("view", "all constraints", *constraints, "draws kept", "candidate draws")
    overall, accepted = acc["overall"].values, acc["accepted"].values
    rate, candidates = acc["rate"].transpose("view", "constraint").values, acc["candidates"].values
    overall_se = acc["overall_mcse"].values
    rate_se = acc["rate_mcse"].transpose("view", "constraint").values
    rows = tuple(
        (cell(str(v)), cell(Num(float(overall[j]), "share", float(overall_se[j]))),
         *(cell(Num(float(rate[j, k]), "share", float(rate_se[j, k])))
           for k in range(len(constraints))),
         cell(Num(int(accepted[j]), spec=",")),
         cell(Num(int(candidates[j]), spec=",")))
        for j, v in enumerate(acc["view"].values)
    )
    return Table(header, rows, columns(len(header), numeric=True), **kw)


def assumptions_blocks(model: Model, acceptance: xr.Dataset | None) -> tuple[Block, ...]:
    """``## Assumptions``: how sources are pooled, and what else the model assumes."""
    items = [prose(f"Pooling: {_POOLS[model.run.pool]}.")]
    tables: list[Block] = []
    graded = {s.grade.code: s.grade for s in model.sources if s.grade is not None}
    if graded:
        items.append((Text("Source grades (Admiralty/NATO reliability letter and credibility "
                           "digit) set the spread of a source's bare numbers and its pool "
                           "weight, unless the source or estimate sets them itself. The numbers "
                           "are this tool's modelling assumption (see README), overridable in "),
                      Code("[grades]"), Text(":")))
        grade_rows = tuple((cell(g.code), cell(g.meaning), cell(Num(g.ci90_factor, "plain")),
                      cell(Num(g.weight, "plain")),
                      cell("config [grades]" if g.overridden else "default table"))
                     for g in graded.values())
        tables.append(Table(_texts("grade", "meaning", "ci90_factor", "weight", "from"), grade_rows,
                            columns(5, numeric=False)))
    for report in model.tables:
        if report.start is not None and report.as_of is not None:
            items.append(prose(
                f"Flows ({report.name}): each source's increment from "
                f"{report.start.isoformat()} to {report.as_of.isoformat()} is its later "
                f"cumulative figure minus its earlier one, the two drawn with latent (for "
                f"lognormal figures, log-error) correlation {report.flow_correlation:g} and "
                f"kept only where the later is at least the earlier, since a cumulative count "
                f"never falls; a source with a figure near one date only gives none."))
    out: list[Block] = [Heading(2, prose("Assumptions")), BulletList(tuple(items)), *tables]
    if model.correlations:
        plan = plan_copula(model.correlations, repair=model.repair_correlations)
        note = (" The requested correlations could not all hold together; the nearest valid "
                "correlation matrix was used (repair = true)." if plan.repaired else "")
        by_name = {c.name: c for c in model.correlations}
        rows = tuple((cell(name), cell(f"{':'.join(by_name[name].a)} ~ "
                                       f"{':'.join(by_name[name].b)}"),
                      cell(Num(asked, "plain")), cell(Num(used, "plain")))
                     for name, asked, used in plan.used)
        out += [BulletList((prose("Correlations: rank (Spearman) correlations imposed with a "
                                  "Gaussian copula; every marginal stays as specified." + note),)),
                Table(_texts("correlation", "between", "rho asked", "rho used"), rows,
                      columns(4, numeric=False))]
    if model.constraints and acceptance is not None:
        out += [BulletList((prose("Constraints, checked on every candidate draw in every "
                                  "view. Every view reads the same candidates (common random "
                                  "numbers) and keeps those that meet its constraints, so "
                                  "P(A > B) compares two views on the candidates both keep. "
                                  "The share of candidate draws meeting each:"),)),
                acceptance_table(acceptance)]
    return tuple(out)
