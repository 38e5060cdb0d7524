"""Tables of the summary, rounded for display only, as plain text or Markdown.

Every number is rounded to the digits its Monte Carlo standard error supports
(`uncertainty.numbers.rounded`), HDI endpoints with the error of the sample quantile at
their rank (`uncertainty.stats.array.hdi_mcse_sorted`).
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from uncertainty.numbers import rounded

__all__ = ["format_rows", "markdown_table", "text_table", "variable_rows"]


def _interval(values: Sequence[float], errors: Sequence[float]) -> str:
    lo, hi = values
    return f"[{rounded(lo, errors[0])}, {rounded(hi, errors[1])}]"


def _envelope_row(env: xr.Dataset, parent: str, variable: str, n_levels: int, hdi: bool,
                  width: int) -> list[str]:
    e = env.sel(envelope=parent, variable=variable)
    m_err = float(e["mcse_median"])
    lo, hi = (float(v) for v in e["median"].values)
    row = [f"{parent} (envelope)", f"{rounded(lo, m_err)} to {rounded(hi, m_err)}"]
    errors = e["mcse_eti"].values
    row += [_interval(e["eti"].values[i], errors[i]) for i in range(n_levels)]
    if hdi:
        hdi_errors = e["mcse_hdi"].values
        row += [_interval(e["hdi"].values[i], hdi_errors[i]) for i in range(n_levels)]
    return row + [""] * (width - len(row))


def variable_rows(
    summary: xr.Dataset, variable: str, *, hdi: bool = False, env: xr.Dataset | None = None
) -> tuple[list[str], list[list[str]]]:
    """Header and rows (one per view) of the table of `variable`.

    Columns: view, median, the equal-tailed interval at every level, with ``hdi`` the
    highest-density interval at every level too, and the invalid-draw count when any view
    has invalid draws. With envelopes `env`, each envelope's row (median range, lowest
    lower end to highest upper end) comes before its member views, which are indented.
    """
    s = summary.sel(variable=variable)
    levels = [float(p) for p in s["level"].values]
    header = ["view", "median"] + [f"{p:.0%} ETI" for p in levels]
    if hdi:
        header += [f"{p:.0%} HDI" for p in levels]
    show_invalid = bool((s["invalid"] > 0).any())
    if show_invalid:
        header.append("invalid draws")
    rows = []
    parents = s["envelope_of"].values if "envelope_of" in s.coords else [""] * s.sizes["view"]
    shown: set[str] = set()
    for view, parent in zip(s["view"].values, parents, strict=True):
        if parent and env is not None and parent not in shown:
            shown.add(parent)
            rows.append(_envelope_row(env, str(parent), variable, len(levels), hdi, len(header)))
        r = s.sel(view=view)
        name = f"  {view}" if parent else str(view)
        row = [name, rounded(float(r["median"]), float(r["mcse_median"]))]
        errors = r["mcse_eti"].values
        row += [_interval(r["eti"].values[i], errors[i]) for i in range(len(levels))]
        if hdi:
            hdi_errors = r["mcse_hdi"].values
            row += [_interval(r["hdi"].values[i], hdi_errors[i]) for i in range(len(levels))]
        if show_invalid:
            row.append(f"{int(r['invalid']):,} of {int(r['invalid']) + int(r['valid']):,}")
        rows.append(row)
    return header, rows


def format_rows(header: list[str], rows: list[list[str]], indent: str = "  ") -> str:
    """Aligned plain-text columns: the first left-aligned, the rest right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])]
        parts += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return indent + "  ".join(parts).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def markdown_table(header: list[str], rows: list[list[str]], *, numeric: bool = True) -> str:
    """A GitHub-flavoured Markdown table; with `numeric`, columns after the first align right."""
    align = ["---"] + ["---:" if numeric else "---"] * (len(header) - 1)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def text_table(summary: xr.Dataset, variable: str, env: xr.Dataset | None = None) -> str:
    """The plain-text table of `variable`, equal-tailed intervals only."""
    header, rows = variable_rows(summary, variable, env=env)
    return format_rows(header, rows)
