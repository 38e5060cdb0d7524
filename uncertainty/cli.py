"""Command line: parse arguments, call the pipeline, print, map errors to exit codes.

Heavy modules (numpy, scipy, xarray, matplotlib) are imported inside the commands that
need them, so ``--help`` and ``--version`` start fast.

Exit codes: 0 success; 2 bad input (config, arguments, a results folder that must not be
replaced), with one line ``Error: <file>: <place>: <what is wrong>`` on stderr and nothing
written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from uncertainty.errors import ConfigError, ResourceError, ResultsError, UncertaintyError

if TYPE_CHECKING:
    from uncertainty.config import LoadedConfig
    from uncertainty.model import Model
    from uncertainty.pipeline import Run

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """A user error shown as one line, exit status 2."""

    exit_code = 2


def _one_line_errors(func: F) -> F:
    """Translate this package's errors into one-line messages with exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UncertaintyError as exc:
            raise InputError(" ".join(str(exc).split())) from None

    return wrapper  # type: ignore[return-value]


class _OneLineUsage:
    """Mix-in: command-line usage errors as one ``Error:`` line, like every other error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except click.UsageError as exc:
            raise InputError(f"{exc.format_message()} (see '{ctx.command_path} --help')") from None

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            raise InputError(f"{exc.format_message()} (see '{ctx.command_path} --help')") from None


class _Command(_OneLineUsage, click.Command):
    pass


class _Group(_OneLineUsage, click.Group):
    command_class = _Command


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="uncertainty", prog_name="uncertainty")
def main() -> None:
    """Monte Carlo uncertainty for conflicting statistical claims.

    Turn each source's estimates into distributions, propagate them into derived metrics
    under every source's view, and report credible intervals.
    """


@main.command()
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--draws", type=int, help="Draws per view (overrides [run] draws).")
@click.option("--seed", type=int, help="Run seed (overrides [run] seed).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Results folder [default: results/<config stem>].")
@click.option("--force", is_flag=True, help="Replace results made from a different config.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True, help="What to print on stdout.")
@click.option("--save-draws", is_flag=True,
              help="Also save every draw as draws.nc (netCDF), for `compare` and later use.")
@click.option("--no-plots", is_flag=True, help="Do not write the forest and density plots.")
@click.option("--precision", type=float,
              help="Draw until every median and interval end has an MCSE at most this share "
                   "of its value (e.g. 0.005); overrides [run] precision.")
@click.option("--max-draws", type=int, help="Cap on draws per view for --precision "
                                            "[default: 10,000,000].")
@click.option("--threads", type=int, help="Threads to use; the numbers are the same for any "
                                          "count [default: every core].")
@click.option("--no-sensitivity", is_flag=True,
              help="Skip the sensitivity analysis (variance shares, tornado, leave one "
                   "source out, spread sweep).")
@_one_line_errors
def run(config: Path, draws: int | None, seed: int | None, out: Path | None, force: bool,
        fmt: str, save_draws: bool, no_plots: bool, precision: float | None,
        max_draws: int | None, threads: int | None, no_sensitivity: bool) -> None:
    """Simulate CONFIG and write its results folder.

    Writes summary.json (every number unrounded, with provenance), summary.md and
    config.toml (the exact input, with a copy of each table it reads) to
    results/<config stem>/, replacing earlier results of the same config atomically.
    """
    from uncertainty.config import load_config
    from uncertainty.report import console_report, markdown_report, summary_document, to_json
    from uncertainty.results import check_replaceable, saved_table, write_results
    from uncertainty.schema import with_overrides
    from uncertainty.validation import Node

    if threads is not None:
        Node(threads, "--threads").integer(minimum=1)
    loaded = load_config(config)
    model = with_overrides(loaded.model, draws=draws, seed=seed, precision=precision,
                           max_draws=max_draws)
    folder = out if out is not None else Path("results") / config.stem
    check_replaceable(folder, loaded.sha256, force=force)  # fail before the work, not after
    try:
        result = _simulate(model, loaded.sha256, threads=threads)
        if not no_sensitivity and result.model.metrics:
            result = _analyze(result, loaded, threads)
    except ResourceError as exc:  # a size refused before allocating: say where it was set
        raise (ResourceError("--draws", exc.message) if draws is not None
               else exc.with_file(str(config))) from None
    except ConfigError as exc:
        raise exc.with_file(str(config)) from None
    figures: tuple[str, ...] = () if no_plots else ("forest", "density")
    if figures and result.sensitivity is not None:
        figures += ("tornado",)
    document = to_json(summary_document(result))
    markdown = markdown_report(result, figures)
    files = {"summary.json": document.encode(), "summary.md": markdown.encode(),
             "config.toml": loaded.text}
    files |= {saved_table(name): data for name, data in loaded.tables.items()}
    if figures:
        files |= _figure_files(result)
    if save_draws:
        from uncertainty.results import DRAWS_FILE, draws_bytes

        files[DRAWS_FILE] = draws_bytes(result.draws)
    write_results(folder, files, config_sha256=loaded.sha256, force=force)
    if fmt == "json":
        click.echo(document, nl=False)
    elif fmt == "markdown":
        click.echo(markdown, nl=False)
    else:
        click.echo(console_report(result, destination=str(folder)), nl=False)


def _simulate(model: Model, config_sha256: str, *, threads: int | None = None) -> Run:
    """A fixed-draws run, or an adaptive one when the model asks for a precision.

    `threads` None uses every core.
    """
    if model.run.precision is None:
        from uncertainty.pipeline import simulate

        return simulate(model, config_sha256=config_sha256, threads=threads)
    from uncertainty.precision import DEFAULT_MAX_DRAWS, simulate_to_precision

    result, _ = simulate_to_precision(model, model.run.precision, config_sha256=config_sha256,
                                      max_draws=model.run.max_draws or DEFAULT_MAX_DRAWS,
                                      threads=threads)
    return result


def _analyze(result: Run, loaded: LoadedConfig, threads: int | None) -> Run:
    """`result` with its sensitivity analysis."""
    from dataclasses import replace

    from uncertainty.sensitivity import analyze

    return replace(result, sensitivity=analyze(result, rescale=loaded.with_spread_scale,
                                                threads=threads))


def _figure_files(result: Run) -> dict[str, bytes]:
    """``forest-``, ``density-`` and ``tornado-<metric>`` plots, as PNG and SVG bytes."""
    from uncertainty.plots import density_plot, figure_bytes, forest_plot, tornado_plot

    files = {}
    comparison = result.comparison
    for metric in result.model.metrics:
        claims = comparison.claims.get(metric.name) if comparison is not None else None
        marks = ({str(c): float(v) for c, v in zip(claims["claim"].values,
                                                     claims["value"].values, strict=True)}
                 if claims is not None else None)
        figures = {
            "forest": forest_plot(result.summary, metric.name, claims=marks,
                                  title=result.model.title),
            "density": density_plot(result.draws, metric.name, title=result.model.title),
        }
        if result.sensitivity is not None:
            figures["tornado"] = tornado_plot(result.sensitivity.inputs, metric.name,
                                              title=result.model.title)
        for kind, figure in figures.items():
            for fmt in ("png", "svg"):
                files[f"{kind}-{metric.name}.{fmt}"] = figure_bytes(figure, fmt)
    return files


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--metric", "metrics", multiple=True,
              help="Compare only this metric (repeat for several). [default: all]")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True, help="What to print on stdout.")
@_one_line_errors
def compare(target: Path, metrics: tuple[str, ...], fmt: str) -> None:
    """Compare the views of TARGET: a results folder with saved draws, or a config to run.

    For each metric: every view's median and intervals, where each source's own point
    figure falls in every view, how far the views disagree, and threshold chances.
    """
    import json

    from uncertainty.config import load_config, parse_config
    from uncertainty.pipeline import rebuild
    from uncertainty.report.comparison import (
        comparison_document,
        comparison_lines,
        thresholds_document,
    )
    from uncertainty.report.tables import markdown_table, text_table, variable_rows
    from uncertainty.results import DRAWS_FILE, load_results

    if target.is_dir():
        saved = load_results(target)
        if saved.draws is None:
            raise ResultsError(str(target), f"has no saved draws ({DRAWS_FILE}); rerun with "
                               "`uncertainty run CONFIG --save-draws`, or compare the config")
        loaded = parse_config(saved.config, file=str(target / "config.toml"),
                              read_table=saved.read_table)
        chosen = _check_metrics(loaded.model, metrics)
        result = rebuild(loaded.model, saved.draws, saved.summary.get("provenance", {}),
                         chosen)
    else:
        loaded = load_config(target)
        chosen = _check_metrics(loaded.model, metrics)
        result = _simulate(loaded.model, loaded.sha256)
    assert result.comparison is not None  # both paths compare
    if fmt == "json":
        document = {"comparisons": comparison_document(result.comparison),
                    "thresholds": thresholds_document(result.comparison)}
        document = {k: {m: v for m, v in d.items() if m in chosen} for k, d in document.items()}
        click.echo(json.dumps(document, indent=2, allow_nan=False))
        return
    lines = [result.model.title]
    for metric in result.model.metrics:
        if metric.name not in chosen:
            continue
        lines += ["", f"{metric.name}: {metric.label}  [{metric.expression.text}]"]
        if fmt == "markdown":
            lines.append(markdown_table(*variable_rows(result.summary, metric.name)))
        else:
            lines.append(text_table(result.summary, metric.name))
        lines += comparison_lines(result.comparison, metric.name, markdown=fmt == "markdown")
    click.echo("\n".join(lines))


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--metric", "metrics", multiple=True,
              help="Analyse only this metric (repeat for several). [default: all]")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True, help="What to print on stdout.")
@click.option("--threads", type=int, help="Threads to use; the numbers are the same for any "
                                          "count [default: every core].")
@_one_line_errors
def sensitivity(target: Path, metrics: tuple[str, ...], fmt: str, threads: int | None) -> None:
    """What drives each metric of TARGET: a config, or a results folder to analyse again.

    For each metric and view: the share of its variance each input explains (first-order
    Sobol indices), the median with each input held at its 5th and 95th percentile
    (tornado), the pool and scenarios without each source in turn, and the intervals with
    our default spreads scaled. A results folder is analysed with its saved config, seed
    and draw count, so the numbers are those of its run.
    """
    import json

    from uncertainty.config import load_config, parse_config
    from uncertainty.report.sensitivity import sensitivity_document, sensitivity_lines
    from uncertainty.results import load_results
    from uncertainty.schema import with_overrides
    from uncertainty.validation import Node

    if threads is not None:
        Node(threads, "--threads").integer(minimum=1)
    if target.is_dir():
        saved = load_results(target)
        loaded = parse_config(saved.config, file=str(target / "config.toml"),
                              read_table=saved.read_table)
        provenance = saved.summary.get("provenance") or {}
        if not isinstance(provenance.get("seed"), int) or not isinstance(
                provenance.get("draws"), int):
            raise ResultsError(str(target / "summary.json"),
                               "provenance: no recorded seed and draw count to analyse again")
        model = with_overrides(loaded.model, draws=provenance["draws"],
                               seed=provenance["seed"])
    else:
        loaded = load_config(target)
        model = loaded.model
    if not model.metrics:
        raise ConfigError("metrics", "no metrics to analyse", loaded.file)
    chosen = _check_metrics(model, metrics)
    try:
        result = _analyze(_simulate(model, loaded.sha256, threads=threads), loaded, threads)
    except ConfigError as exc:
        raise exc.with_file(loaded.file) from None
    sens = result.sensitivity
    assert sens is not None  # just analysed
    if fmt == "json":
        document = sensitivity_document(sens)
        document["inputs"] = {m: v for m, v in document["inputs"].items() if m in chosen}
        for part in ("leave_out", "spread_sweep"):
            if part in document:
                document[part]["metrics"] = {m: v for m, v in document[part]["metrics"].items()
                                             if m in chosen}
        click.echo(json.dumps(document, indent=2, allow_nan=False))
        return
    lines = [result.model.title]
    for metric in result.model.metrics:
        if metric.name in chosen:
            heading = f"{metric.name}: {metric.label}  [{metric.expression.text}]"
            lines += ["", f"## {heading}" if fmt == "markdown" else heading]
            lines += sensitivity_lines(sens, metric.name, markdown=fmt == "markdown")
    if sens.notes:
        lines += ["", "Not computed:", *(f"- {note}" for note in sens.notes)]
    click.echo("\n".join(lines))


def _check_metrics(model: Model, wanted: tuple[str, ...]) -> list[str]:
    names = [m.name for m in model.metrics]
    for name in wanted:
        if name not in names:
            raise ConfigError("--metric", f"unknown metric {name!r} (expected one of: "
                              f"{', '.join(names)})")
    return list(wanted) or names


@main.command()
@click.argument("config", type=click.Path(path_type=Path))
@_one_line_errors
def validate(config: Path) -> None:
    """Check CONFIG without running it, and list what it defines."""
    from uncertainty.config import load_config

    loaded = load_config(config)
    model = loaded.model
    n_estimates = sum(len(s.estimates) for s in model.sources)
    counts = ", ".join(
        _count(n, word) for n, word in [
            (len(model.sources), "source"), (n_estimates, "estimate"),
            (len(model.quantities), "quantity"), (len(model.metrics), "metric"),
            (len(model.scenarios), "scenario"),
        ]
    )
    click.echo(f"{config}: valid. {counts}.")
    for source in model.sources:
        for e in source.estimates:
            click.echo(f"  {source.id}.{e.quantity}: {e.distribution.describe()} ({e.spread})")
    for metric in model.metrics:
        click.echo(f"  metric {metric.name} = {metric.expression.text}")
