"""The human-readable reports: the console table and ``summary.md``."""

from __future__ import annotations

from uncertainty.numbers import plain
from uncertainty.pipeline import Run
from uncertainty.report.tables import markdown_table, text_table, variable_rows

__all__ = ["console_report", "markdown_report"]

_READING = (
    "Each row is a view: the same metric computed from one source's figures (other "
    "quantities from the pool of the sources that give them), from the linear pool of all "
    "sources, or from a named scenario. ETI = equal-tailed credible interval; HDI = "
    "highest-density interval. Digits shown are those the Monte Carlo error supports."
)


def _run_line(run: Run) -> str:
    p = run.provenance
    seed = f"seed {p['seed']}" + (" (drawn at random)" if p.get("seed_from") == "random" else "")
    return f"{p['draws']:,} draws per view, {seed}"


def console_report(run: Run, destination: str | None = None) -> str:
    """The table printed by ``uncertainty run``: one block per metric, ETIs by view."""
    model, summary = run.model, run.summary
    lines = [model.title, _run_line(run) + ". Equal-tailed credible intervals."]
    if destination:
        lines.append(f"Results: {destination}")
    names = [m.name for m in model.metrics] or list(model.quantities)
    for metric in model.metrics:
        lines += ["", f"{metric.name}: {metric.label}  [{metric.expression.text}]"]
        lines.append(text_table(summary, metric.name))
    if not model.metrics:
        for name in names:
            lines += ["", name, text_table(summary, name)]
    invalid = int(summary["invalid"].sel(variable=names).sum())
    if invalid:
        lines += ["", f"Note: {invalid:,} draws were invalid (NaN or infinite, e.g. a "
                      "division by zero) and are left out of the intervals; see invalid draws."]
    return "\n".join(lines) + "\n"


def markdown_report(run: Run) -> str:
    """``summary.md``: title, provenance, metric tables, inputs, sources and views."""
    model, summary, p = run.model, run.summary, run.provenance
    versions = ", ".join(f"{k} {v}" for k, v in p["versions"].items())
    out = [
        f"# {model.title}",
        "",
        f"{_run_line(run)}; config sha256 `{p['config_sha256'][:16]}`; created "
        f"{p['created_utc']}; {versions}.",
        "",
        _READING,
        "",
        "## Metrics",
    ]
    for metric in model.metrics:
        header, rows = variable_rows(summary, metric.name, hdi=True)
        out += ["", f"### {metric.name}: {metric.label}", "", f"`{metric.expression.text}`",
                "", markdown_table(header, rows)]
    out += ["", "## Inputs", "", "Each quantity as drawn in each view."]
    for quantity in model.quantities:
        header, rows = variable_rows(summary, quantity, hdi=True)
        out += ["", f"### {quantity}", "", markdown_table(header, rows)]
    out += ["", "## Sources", "",
            "What each source said, the distribution it became, and where its spread came "
            "from.", ""]
    header = ["source", "quantity", "written", "distribution", "spread from"]
    rows = [
        [f"{src.id}: {src.label}" + (f" (weight {plain(src.weight)})" if src.weight != 1 else ""),
         e.quantity, f"`{e.written}`", e.distribution.describe(), e.spread]
        for src in model.sources for e in src.estimates
    ]
    out.append(markdown_table(header, rows, numeric=False))
    out += ["", "## Views", "", "Where each quantity's draws come from in each view "
            "(`pooled`: the linear pool of every source that estimates it).", ""]
    header = ["view", *model.quantities]
    rows = [[f"{v.id}: {v.label}", *(v.source_of(q) for q in model.quantities)]
            for v in run.views]
    out.append(markdown_table(header, rows, numeric=False))
    return "\n".join(out) + "\n"


