"""The human-readable reports: the console table and ``summary.md``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from uncertainty.copula import plan_copula
from uncertainty.numbers import plain
from uncertainty.report.comparison import comparison_lines
from uncertainty.report.rows import row_counts, rows_section
from uncertainty.report.sensitivity import drivers, sensitivity_lines
from uncertainty.report.tables import (
    format_rows,
    markdown_table,
    text_table,
    variable_rows,
)
from uncertainty.stats import envelopes

if TYPE_CHECKING:
    from uncertainty.study import Result

__all__ = ["console_report", "markdown_report"]

_READING = (
    "Each row is a view: the same metric computed from one source's figures (other "
    "quantities from the pool of the sources that give them), from the pool of all "
    "sources, or from a named scenario. ETI = equal-tailed credible interval; HDI = "
    "highest-density interval. Digits shown are those the Monte Carlo error supports."
)

_POOLS = {
    "linear": "linear pool: each draw of a pooled quantity is one source's draw, chosen with "
              "probability proportional to the source weights",
    "log": "logarithmic pool: the normalized product of the sources' densities raised to "
           "their normalized weights (closed form for lognormal or normal estimates)",
    "envelope": "envelope: no pooling; a view that would pool is computed once per "
                "combination of sources, and reported as the range from the lowest to the "
                "highest of them",
}


def _run_line(run: Result) -> str:
    p = run.provenance
    seed = f"seed {p['seed']}" + (" (drawn at random)" if p.get("seed_from") == "random" else "")
    line = f"{p['draws']:,} draws per view, {seed}"
    target = p.get("precision")
    if target:
        variable, view, stat = (target["worst"][k] for k in ("variable", "view", "statistic"))
        if target["capped"]:
            line += (f". Stopped at the cap of {target['max_draws']:,} draws short of the "
                     f"{target['target']:.2%} precision asked for: the worst Monte Carlo "
                     f"error is {target['achieved']:.2%} ({variable}, {view}, {stat})")
        else:
            line += (f", chosen for {target['target']:.2%} precision: the worst Monte Carlo "
                     f"error is {target['achieved']:.2%} of its value ({variable}, {view}, "
                     f"{stat})")
    return line


def _streaming_line(run: Result) -> str:
    """How a streamed run was computed, and what comes from its first draws only."""
    info = run.provenance.get("streaming")
    if not info:
        return ""
    gib = info.get("in_memory_bytes", 0) / 2**30
    return (f"Streamed in blocks ({info.get('engine', 'local')} engine, "
            f"{info.get('passes', '?')} passes over the draws; in memory the run would need "
            f"{gib:,.1f} GiB): every median, interval and Monte Carlo error is exactly what "
            f"the run in memory gives; overlap coefficients and density plots use the first "
            f"{info.get('prefix_draws', 0):,} draws of each view; no sensitivity analysis.")


def _percent(rate: float) -> str:
    """A share as a percentage that never shows 100% for a rate below 1."""
    if rate == 1:
        return "100%"
    return f"{rate:.3%}" if rate > 0.999 else f"{rate:.1%}"


def _acceptance_rows(run: Result) -> tuple[list[str], list[list[str]]]:
    acc = run.acceptance
    assert acc is not None  # callers check
    constraints = [str(c) for c in acc["constraint"].values]
    header = ["view", "all constraints", *constraints, "draws kept", "candidate draws"]
    rows = [
        [str(v), _percent(float(acc["overall"].sel(view=v))),
         *(_percent(float(acc["rate"].sel(view=v, constraint=c))) for c in constraints),
         f"{int(acc['accepted'].sel(view=v)):,}", f"{int(acc['candidates'].sel(view=v)):,}"]
        for v in acc["view"].values
    ]
    return header, rows


def console_report(run: Result, destination: str | None = None) -> str:
    """The table printed by ``uncertainty run``: one block per metric, ETIs by view."""
    model, summary = run.model, run.summary
    env = envelopes(summary)
    lines = [model.title, _run_line(run) + ". Equal-tailed credible intervals."]
    if _streaming_line(run):
        lines.append(_streaming_line(run))
    if destination:
        lines.append(f"Results: {destination}")
    for report in model.tables:
        lines.append(f"Table {report.name} ({report.file}): {row_counts(report)}; every row "
                     "and why is listed in summary.md.")
    names = [m.name for m in model.metrics] or list(model.quantities)
    for metric in model.metrics:
        lines += ["", f"{metric.name}: {metric.label}  [{metric.expression.text}]"]
        lines.append(text_table(summary, metric.name, env))
        if run.comparison is not None:
            lines += ["  " + line if line else line for line in
                      comparison_lines(run.comparison, metric.name, markdown=False)]
    if not model.metrics:
        for name in names:
            lines += ["", name, text_table(summary, name, env)]
    if run.sensitivity is not None:
        lines += ["", "What drives each metric (share of its variance one input explains alone;"
                      " details in summary.md):"]
        lines.append(format_rows(*_driver_rows(run)))
    if run.acceptance is not None:
        lines += ["", "Constraints: share of candidate draws that meet them, by view"]
        lines.append(format_rows(*_acceptance_rows(run)))
    invalid = int(summary["invalid"].sel(variable=names).sum())
    if invalid:
        lines += ["", f"Note: {invalid:,} draws were invalid (NaN or infinite, e.g. a "
                      "division by zero) and are left out of the intervals; see invalid draws."]
    return "\n".join(lines) + "\n"


def _said(provenance: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in provenance) or ""


def _assumptions(run: Result) -> list[str]:
    model = run.model
    out = ["", "## Assumptions", "", f"- Pooling: {_POOLS[model.run.pool]}."]
    graded = [s for s in model.sources if s.grade is not None]
    if graded:
        out += ["- Source grades (Admiralty/NATO reliability letter and credibility digit) set "
                "the spread of a source's bare numbers and its pool weight, unless the source "
                "or estimate sets them itself. The numbers are this tool's modelling "
                "assumption (see README), overridable in `[grades]`:", ""]
        seen = {}
        for s in graded:
            assert s.grade is not None
            seen[s.grade.code] = s.grade
        rows = [[g.code, g.meaning, plain(g.ci90_factor), plain(g.weight),
                 "config [grades]" if g.overridden else "default table"]
                for g in seen.values()]
        out += [markdown_table(["grade", "meaning", "ci90_factor", "weight", "from"], rows,
                               numeric=False), ""]
    if model.correlations:
        plan = plan_copula(model.correlations, repair=model.repair_correlations)
        note = (" The requested correlations could not all hold together; the nearest valid "
                "correlation matrix was used (repair = true)." if plan.repaired else "")
        out += [f"- Correlations: rank (Spearman) correlations imposed with a Gaussian copula; "
                f"every marginal stays as specified.{note}", ""]
        by_name = {c.name: c for c in model.correlations}
        rows = [[name, f"{':'.join(by_name[name].a)} ~ {':'.join(by_name[name].b)}",
                 plain(asked), plain(used)] for name, asked, used in plan.used]
        out += [markdown_table(["correlation", "between", "rho asked", "rho used"], rows,
                               numeric=False), ""]
    if model.constraints and run.acceptance is not None:
        out += ["- Constraints, checked on every candidate draw in every view. Every view "
                "reads the same candidates (common random numbers) and keeps those that meet "
                "its constraints, so P(A > B) compares two views on the candidates both keep. "
                "The share of candidate draws meeting each:", ""]
        out += [markdown_table(*_acceptance_rows(run)), ""]
    return out


def _driver_rows(run: Result) -> tuple[list[str], list[list[str]]]:
    assert run.sensitivity is not None  # callers check
    rows = [[metric, view, *(f"{label} ({share:.0%})" for label, share, _ in top),
             *([""] * (2 - len(top)))] for metric, view, top in drivers(run.sensitivity)]
    return ["metric", "view", "drives most of its uncertainty (share)", "next (share)"], rows


def _sensitivity(run: Result, figures: tuple[str, ...]) -> list[str]:
    sens = run.sensitivity
    assert sens is not None  # callers check
    out = ["", "## Sensitivity: what drives each metric", "",
           "For each metric and view, the input (a source's estimate of a quantity, or which "
           "source a pool takes) whose uncertainty explains most of the metric's variance on "
           "its own.", "", markdown_table(*_driver_rows(run), numeric=False)]
    for metric in run.model.metrics:
        figure = f"tornado-{metric.name}.png" if "tornado" in figures else None
        out += ["", f"### Sensitivity of {metric.name}"]
        out += sensitivity_lines(sens, metric.name, markdown=True, figure=figure)
    if sens.notes:
        out += ["", "Not computed:", "", *(f"- {note}" for note in sens.notes)]
    return out


def markdown_report(run: Result, figures: tuple[str, ...] = ()) -> str:
    """``summary.md``: title, provenance, metric tables, inputs, sources and views.

    `figures` names the plot kinds written beside it (``"forest"``, ``"density"``,
    ``"tornado"``), as ``<kind>-<metric>.png``; the report embeds them.
    """
    model, summary, p = run.model, run.summary, run.provenance
    env = envelopes(summary)
    versions = ", ".join(f"{k} {v}" for k, v in p["versions"].items())
    out = [
        f"# {model.title}",
        "",
        f"{_run_line(run)}; config sha256 `{p['config_sha256'][:16]}`; created "
        f"{p['created_utc']}; {versions}.",
        "",
        _READING,
        "",
        *([_streaming_line(run), ""] if _streaming_line(run) else []),
        "## Metrics",
    ]
    for metric in model.metrics:
        header, rows = variable_rows(summary, metric.name, hdi=True, env=env)
        out += ["", f"### {metric.name}: {metric.label}", "", f"`{metric.expression.text}`",
                "", markdown_table(header, rows)]
        for kind in figures:
            if kind != "tornado":  # the sensitivity section shows it
                out += ["", f"![{kind} plot of {metric.name}]({kind}-{metric.name}.png)"]
        if run.comparison is not None:
            out += comparison_lines(run.comparison, metric.name, markdown=True)
    if run.sensitivity is not None:
        out += _sensitivity(run, figures)
    out += _assumptions(run)
    out += ["## Inputs", "", "Each quantity as drawn in each view."]
    for quantity in model.quantities:
        header, rows = variable_rows(summary, quantity, hdi=True, env=env)
        out += ["", f"### {quantity}", "", markdown_table(header, rows)]
    out += ["", "## Sources", "",
            "What each source said, the distribution it became, and where its spread came "
            "from.", ""]
    header = ["source", "quantity", "written", "distribution", "spread from", "said"]
    rows = []
    for src in model.sources:
        facts = [f"grade {src.grade.code}"] if src.grade is not None else []
        facts.append(f"weight {plain(src.weight)}"
                     + (" set by the source" if src.weight_from == "source's weight" else ""))
        name = f"{src.id}: {src.label} ({', '.join(facts)})"
        rows += [[name, e.quantity, f"`{e.written}`", e.distribution.describe(), e.spread,
                  _said(e.provenance)] for e in src.estimates]
    out.append(markdown_table(header, rows, numeric=False))
    out += ["", "## Views", "", "Where each quantity's draws come from in each view "
            "(`pooled`: the pool of every source that estimates it).", ""]
    header = ["view", *model.quantities]
    rows = [[f"{v.id}: {v.label}", *(v.source_of(q) for q in model.quantities)]
            for v in run.views]
    out.append(markdown_table(header, rows, numeric=False))
    out += rows_section(model)
    return "\n".join(out) + "\n"
