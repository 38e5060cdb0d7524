"""Command line: parse arguments, call the pipeline, print, map errors to exit codes.

Heavy modules (numpy, scipy, xarray, matplotlib) are imported inside the commands that
need them, so ``--help`` and ``--version`` start fast.

Exit codes: 0 success; 2 bad input (config, arguments, a results folder that must not be
replaced), with one line ``Error: <file>: <place>: <what is wrong>`` on stderr and nothing
written; 1 an internal error (a bug, not the input), with one line naming the stage and the
input (``uncertainty --debug ...`` shows the traceback instead); 130 interrupted.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from uncertainty.engines import ENGINES
from uncertainty.errors import ConfigError, ResourceError, ResultsError, UncertaintyError
from uncertainty.formats import TEXT_FORMATS

if TYPE_CHECKING:
    from uncertainty.io.saved import SavedSummary
    from uncertainty.model.core import Model

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])


class InputError(click.ClickException):
    """A user error shown as one line, exit status 2."""

    exit_code = 2


class Interrupted(click.ClickException):
    """Ctrl-C: one line, exit status 130 (128 + SIGINT); what was written, if anything."""

    exit_code = 130

    def __init__(self, written: list[str]) -> None:
        if written:  # a Ctrl-C after the new results were in place: they are whole
            super().__init__(f"interrupted after the results were written to "
                             f"{', '.join(written)}; they are complete")
        else:
            super().__init__("interrupted; no results were written, earlier results are as "
                             "they were")


class InternalError(click.ClickException):
    """Any other exception (a bug, or a numeric warning made an error): one line, exit 1."""

    exit_code = 1


#: Key in the click context's ``meta``: whether ``--debug`` was given.
_DEBUG = "uncertainty.debug"
#: Arguments that name a command's input, for the internal-error line.
_INPUT_ARGUMENTS = ("config", "target", "results_dir", "path")
#: Where a command is before the pipeline reports its first stage.
_FIRST_STAGE = "loading the config"


def _one_line_errors(func: F) -> F:
    """Translate errors into one-line messages: exit 2 for bad input, 1 for anything else.

    Click's own exceptions pass through. Under ``uncertainty --debug`` an unexpected
    exception propagates with its traceback instead.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from uncertainty.runtime import interrupts, progress

        # Ctrl-C is latched, so that one a finalizer swallows still stops the run before
        # its results are written (`uncertainty.runtime.interrupts`).
        with progress.tracking() as where, interrupts.latched():
            try:
                return func(*args, **kwargs)
            except UncertaintyError as exc:
                raise InputError(" ".join(str(exc).split())) from None
            except KeyboardInterrupt:
                raise Interrupted(interrupts.written()) from None
            except BrokenPipeError:
                # The reader closed stdout (`uncertainty ... | head`): stop quietly, as a
                # command killed by SIGPIPE does, and keep Python from reporting the flush.
                with contextlib.suppress(OSError, ValueError):  # no real stdout: nothing to do
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise SystemExit(128 + 13) from None
            except (click.ClickException, click.exceptions.Exit, click.Abort):
                raise
            except Exception as exc:
                if click.get_current_context().meta.get(_DEBUG):
                    raise
                stage = where.name or _FIRST_STAGE
                given = next((kwargs[k] for k in _INPUT_ARGUMENTS if kwargs.get(k) is not None),
                             None)
                what = " ".join(f"{type(exc).__name__}: {exc}".split())
                raise InternalError(
                    f"internal error while {stage}" + (f" {given}" if given is not None else "")
                    + f": {what} (rerun with --debug for the traceback)") from None

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


#: ``--format``: what a command prints on stdout.
_format_option = click.option("--format", "fmt", type=click.Choice([*TEXT_FORMATS, "json"]),
                              default="table", show_default=True,
                              help="What to print on stdout.")


def _metric_option(verb: str) -> Callable[[F], F]:
    """``--metric NAME`` (repeatable), its help starting with `verb`."""
    return click.option("--metric", "metrics", multiple=True,
                        help=f"{verb} only this metric (repeat for several). [default: all]")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="""\b
Example, from nothing to a table:
  uncertainty init study.toml
  uncertainty run study.toml
  uncertainty show results/study
""")
@click.version_option(package_name="uncertainty", prog_name="uncertainty")
@click.option("--debug", is_flag=True,
              help="Show the traceback of an internal error instead of one line.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Monte Carlo uncertainty for conflicting statistical claims.

    Turn each source's estimates into distributions, propagate them into derived metrics
    under every source's view, and report credible intervals.
    """
    ctx.meta[_DEBUG] = debug
    # A process that only runs: glibc's malloc set to reuse arrays instead of faulting
    # fresh pages in (`uncertainty.runtime.allocator`); no number changes.
    from uncertainty.runtime.allocator import tune_allocator

    tune_allocator()


@main.command(epilog="""\b
Examples:
  uncertainty run configs/seed-article-2025.toml --draws 100000 --seed 7
  uncertainty run study.toml --precision 0.005 --out results/study-precise
""")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--draws", type=int, help="Draws per view (overrides [run] draws).")
@click.option("--seed", type=int, help="Run seed (overrides [run] seed).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Results folder [default: results/<config stem>].")
@click.option("--force", is_flag=True, help="Replace results made from a different config.")
@_format_option
@click.option("--save-draws", is_flag=True,
              help="Also save every draw as draws.nc (netCDF), for `compare` and later use.")
@click.option("--no-plots", is_flag=True, help="Do not draw the plots (forest, density, tornado).")
@click.option("--png", is_flag=True,
              help="Also write each plot as PNG (150 dpi) beside its SVG, which the reports "
                   "show.")
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
@click.option("--quiet", "-q", is_flag=True,
              help="No progress line on stderr (there is none when stderr is not a terminal).")
@click.option("--memory-budget", metavar="SIZE",
              help="Memory the run may use, e.g. 4GiB; a run that would not fit streams its "
                   "draws in blocks instead [default: half the memory available].")
@click.option("--engine", type=click.Choice(ENGINES), default="local",
              show_default=True,
              help="Where the blocks of a streamed run are computed: this process, or Dask "
                   "(pip install 'uncertainty[dask]'; always streams).")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --engine dask: a Dask scheduler's address [default: a local cluster "
                   "of 2 worker processes].")
@_one_line_errors
def run(config: Path, draws: int | None, seed: int | None, out: Path | None, force: bool,
        fmt: str, save_draws: bool, no_plots: bool, png: bool, precision: float | None,
        max_draws: int | None, threads: int | None, no_sensitivity: bool,
        quiet: bool, memory_budget: str | None, engine: str, scheduler: str | None) -> None:
    """Simulate CONFIG and write its results folder.

    Writes summary.json (every number unrounded, with provenance), summary.md, summary.html
    (one self-contained page to share), the plots as SVG and config.toml (the exact input, with a
    copy of each table it reads) to results/<config stem>/, replacing earlier results of
    the same config atomically.
    """
    from uncertainty.config.validation import Node
    from uncertainty.study import load

    if threads is not None:
        Node(threads, "--threads").integer(minimum=1)
    study = load(config)
    folder = out if out is not None else Path("results") / config.stem
    with _progress(quiet):
        try:
            result = study.run_into(folder, force=force, plots=not no_plots,
                                    save_draws=save_draws, png=png, draws=draws, seed=seed,
                                    precision=precision, max_draws=max_draws, threads=threads,
                                    engine=engine, scheduler=scheduler,
                                    memory_budget=_budget(memory_budget),
                                    sensitivity=not no_sensitivity)
        except ResourceError as exc:  # a size refused before allocating: say where it was set
            raise (ResourceError("--draws", exc.message) if draws is not None
                   else exc.with_file(str(config))) from None
    if fmt == "json":
        click.echo(result.summary_json, nl=False)
    elif fmt == "markdown":
        click.echo(result.markdown(plots=not no_plots), nl=False)
    else:
        click.echo(result.console(destination=str(folder)), nl=False)


def _progress(quiet: bool) -> AbstractContextManager[None]:
    """A progress line on stderr while the block runs, if stderr is a terminal and not quiet."""
    from uncertainty.runtime.progress import TerminalProgress, reporting

    stream = sys.stderr
    show = not quiet and stream.isatty()
    return reporting(TerminalProgress(stream) if show else None)


def _budget(text: str | None) -> int | None:
    """``--memory-budget`` in bytes (None: the default, half the memory available)."""
    if text is None:
        return None
    from uncertainty.runtime.resources import parse_bytes

    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise ConfigError("--memory-budget", str(exc)) from None


@main.command(epilog="""\b
Examples:
  uncertainty run configs/seed-article-2025.toml --save-draws
  uncertainty compare results/seed-article-2025 --metric kia_ratio
""")
@click.argument("target", type=click.Path(path_type=Path))
@_metric_option("Compare")
@_format_option
@_one_line_errors
def compare(target: Path, metrics: tuple[str, ...], fmt: str) -> None:
    """Compare the views of TARGET: a results folder with saved draws, or a config to run.

    For each metric: every view's median and intervals, where each source's own point
    figure falls in every view, how far the views disagree, and threshold chances.
    """
    from uncertainty.io.results import DRAWS_FILE
    from uncertainty.pipeline import rebuild
    from uncertainty.report import RENDERERS, json_text
    from uncertainty.report.build_commands import compare_report
    from uncertainty.report.comparison import comparison_document, thresholds_document
    from uncertainty.study import Result, load, reopen

    if target.is_dir():
        study, saved = reopen(target, draws=True)
        if saved.draws is None:
            raise ResultsError(str(target), f"has no saved draws ({DRAWS_FILE}); rerun with "
                               "`uncertainty run CONFIG --save-draws`, or compare the config")
        chosen = _check_metrics(study.model, metrics)
        rebuilt = rebuild(study.model, saved.draws, saved.summary.get("provenance", {}), chosen)
        result = Result(study, rebuilt)
    else:
        study = load(target)
        chosen = _check_metrics(study.model, metrics)
        result = study.run(sensitivity=False)
    assert result.comparison is not None  # both paths compare
    if fmt == "json":
        document = {"comparisons": comparison_document(result.comparison),
                    "thresholds": thresholds_document(result.comparison)}
        document = {k: {m: v for m, v in d.items() if m in chosen} for k, d in document.items()}
        click.echo(json_text.dumps(document))
        return
    click.echo(RENDERERS[fmt](compare_report(result, chosen)), nl=False)


@main.command(epilog="""\b
Examples:
  uncertainty sensitivity configs/seed-article-2025.toml --metric kia_ratio
  uncertainty sensitivity results/seed-article-2025 --format markdown
""")
@click.argument("target", type=click.Path(path_type=Path))
@_metric_option("Analyse")
@_format_option
@click.option("--threads", type=int, help="Threads to use; the numbers are the same for any "
                                          "count [default: every core].")
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr.")
@_one_line_errors
def sensitivity(target: Path, metrics: tuple[str, ...], fmt: str, threads: int | None,
                quiet: bool) -> None:
    """What drives each metric of TARGET: a config, or a results folder to analyse again.

    For each metric and view: the share of its variance each input explains (first-order
    Sobol indices), the median with each input held at its 5th and 95th percentile
    (tornado), the pool and scenarios without each source in turn, and the intervals with
    our default spreads scaled. A results folder is analysed with its saved config, seed
    and draw count, so the numbers are those of its run.
    """
    from uncertainty.config.validation import Node
    from uncertainty.report import RENDERERS, json_text
    from uncertainty.report.build_commands import sensitivity_report
    from uncertainty.report.sensitivity import sensitivity_document
    from uncertainty.study import load, recorded_run, reopen

    if threads is not None:
        Node(threads, "--threads").integer(minimum=1)
    overrides: dict[str, Any] = {}
    if target.is_dir():
        study, saved = reopen(target)
        overrides["seed"], overrides["draws"] = recorded_run(saved, target, "analyse again")
    else:
        study = load(target)
    if not study.model.metrics:
        raise ConfigError("metrics", "no metrics to analyse", study.config.file)
    chosen = _check_metrics(study.model, metrics)
    with _progress(quiet):
        result = study.run(threads=threads, sensitivity=False, **overrides)
        try:
            result = result.with_sensitivity(threads=threads)
        except ConfigError as exc:
            raise exc.with_file(study.config.file) from None
    sens = result.sensitivity
    assert sens is not None  # just analysed
    if fmt == "json":
        document = sensitivity_document(sens)
        document["inputs"] = {m: v for m, v in document["inputs"].items() if m in chosen}
        for part in ("leave_out", "spread_sweep"):
            if part in document:
                document[part]["metrics"] = {m: v for m, v in document[part]["metrics"].items()
                                             if m in chosen}
        click.echo(json_text.dumps(document))
        return
    click.echo(RENDERERS[fmt](sensitivity_report(result, chosen)), nl=False)


@main.command(epilog="""\b
Example:
  uncertainty run configs/seed-article-2025.toml
  uncertainty rerun results/seed-article-2025
""")
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--threads", type=int, help="Threads to use; the numbers are the same for any "
                                          "count [default: every core].")
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr.")
@_one_line_errors
def rerun(results_dir: Path, threads: int | None, quiet: bool) -> None:
    """Run a saved result again and check that every number matches its summary.json.

    Uses the folder's own config (and tables), seed and draw count. Exit status 0 when
    every number matches exactly, 1 when any differs (each difference is listed with its
    size); the recorded library versions are compared with this environment's.
    """
    import json

    from uncertainty.config.validation import Node
    from uncertainty.io.rerun import compare_documents, environment_changes
    from uncertainty.study import recorded_run, reopen

    if threads is not None:
        Node(threads, "--threads").integer(minimum=1)
    study, saved = reopen(results_dir)
    seed, draws = recorded_run(saved, results_dir, "rerun with")
    if saved.summary["provenance"].get("config_sha256") not in (None, study.config.sha256):
        raise ResultsError(str(results_dir / "config.toml"),
                           "is not the config the results were made from (its sha256 "
                           "differs from the recorded one)")
    with _progress(quiet):
        result = study.run(draws=draws, seed=seed, threads=threads,
                           sensitivity=saved.summary.get("sensitivity") is not None)
    fresh = json.loads(json.dumps(result.document(), allow_nan=False))
    checked, differences = compare_documents(saved.summary, fresh)
    lines = [f"Rerun of {results_dir}: seed {seed}, {draws:,} draws per view."]
    changes = environment_changes(saved.summary, fresh)
    if changes:
        lines.append("The environment differs from the recorded one: " + "; ".join(changes)
                     + ". Numbers can differ in their last digits for that reason alone.")
    if not differences:
        lines.append(f"All {checked:,} values match the saved summary.json exactly.")
        click.echo("\n".join(lines))
        return
    lines.append(f"{len(differences):,} of {checked:,} values differ from the saved "
                 "summary.json:")
    lines += [f"  {d.describe()}" for d in differences[:50]]
    if len(differences) > 50:
        lines.append(f"  ... and {len(differences) - 50:,} more")
    click.echo("\n".join(lines))
    raise SystemExit(1)


def _check_metrics(model: Model, wanted: tuple[str, ...]) -> list[str]:
    return _chosen([m.name for m in model.metrics], wanted)


def _chosen(names: list[str], wanted: tuple[str, ...]) -> list[str]:
    """The metrics `--metric` names (all of `names` when none), each checked to exist."""
    from uncertainty.config.validation import unknown

    for name in wanted:
        if name not in names:
            raise ConfigError("--metric", unknown("metric", name, names,
                                                  listing=None if names else "none"))
    return list(wanted) or names


@main.command(epilog="""\b
Example:
  uncertainty validate configs/seed-article-2025.toml
""")
@click.argument("config", type=click.Path(path_type=Path))
@_one_line_errors
def validate(config: Path) -> None:
    """Check CONFIG without running it, and list what it defines."""
    from uncertainty.config.loader import load_config

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


@main.command(short_help="Write a commented starter config to start a study from.",
              epilog="""\b
Examples:
  uncertainty init                  # writes study.toml here
  uncertainty init studies/flood.toml
  uncertainty run studies/flood.toml
  uncertainty init --template casualties brigade.toml
""")
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option("--template", type=click.Choice(["starter", "casualties"]), default="starter",
              show_default=True,
              help="starter: every option explained; casualties: the case fatality rate, "
                   "%KIA and wounded per killed, with what each quantity counts.")
@_one_line_errors
def init(path: Path | None, force: bool, template: str) -> None:
    """Write a commented starter config to PATH [default: study.toml].

    The starter has two sources, one metric, a scenario, a correlation and a constraint,
    every common option explained in comments and the less common ones commented out.
    --template casualties writes the measures of military medicine instead (case fatality
    rate, percentage killed in action, wounded per killed), with the definitions in its
    comments. Either runs as written. PATH may be an existing folder, to write study.toml
    in it. An existing file is kept unless --force.
    """
    from uncertainty.config.starter import DEFAULT_NAME, TEMPLATES, starter_config

    target = Path(DEFAULT_NAME) if path is None else path
    if target.is_dir():
        target = target / DEFAULT_NAME
    if target.exists() and not force:
        raise InputError(f"{target}: exists already; use --force to replace it, or give "
                         "another path")
    try:
        with open(target, "w" if force else "x", encoding="utf-8") as fh:
            fh.write(starter_config(target, template))
    except FileExistsError:  # appeared since the check above
        raise InputError(f"{target}: exists already; use --force to replace it, or give "
                         "another path") from None
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror}") from None
    click.echo(f"Wrote {target}: {TEMPLATES[template].what}.")
    click.echo(f"Next: uncertainty run {target}")


@main.command(short_help="Print a saved result's tables without running anything again.",
              epilog="""\b
Examples:
  uncertainty run configs/seed-article-2025.toml
  uncertainty show results/seed-article-2025 --metric kia_ratio
  uncertainty show results/seed-article-2025 --format json
""")
@click.argument("results_dir", type=click.Path(path_type=Path))
@_metric_option("Show")
@_format_option
@_one_line_errors
def show(results_dir: Path, metrics: tuple[str, ...], fmt: str) -> None:
    """Print the tables of a saved result, RESULTS_DIR, without running anything again.

    Reads RESULTS_DIR/summary.json (written by `uncertainty run`) and prints each metric's
    table as run printed it (median and equal-tailed intervals by view, rounded to the
    digits their Monte Carlo error supports), with the run's draws, seed, date and config
    hash, then each quantity's consensus line (what its sources jointly imply; none for
    results saved without one). The config file itself is not needed. --format json
    prints the summary's records of the chosen metrics, unrounded, and its consensus
    section (null when there is none).
    """
    from dataclasses import asdict

    from uncertainty.io.results import load_results
    from uncertainty.io.saved import read_summary
    from uncertainty.report import json_text

    if results_dir.is_file():
        raise ResultsError(str(results_dir), "is a file, not a results folder; `uncertainty "
                           "run` it first, then show the folder it writes")
    saved = read_summary(load_results(results_dir, draws=False).summary,
                         str(results_dir / "summary.json"))
    names = [m.name for m in saved.metrics]
    chosen = _chosen(names, metrics) if names or metrics else saved.inputs
    if fmt == "json":
        document = {
            "title": saved.title,
            "provenance": saved.provenance,
            "levels": [float(p) for p in saved.summary["level"].values],
            "metrics": [asdict(m) for m in saved.metrics if m.name in chosen],
            "records": [r for r in saved.records if r.get("name") in chosen],
            "casualty_notes": [asdict(n) | {"outside": list(n.outside)}
                               for n in saved.casualty_notes if n.metric in chosen],
            "consensus": saved.consensus_document,
        }
        click.echo(json_text.dumps(document))
        return
    click.echo(_saved_tables(saved, chosen, str(results_dir), fmt), nl=False)


def _saved_tables(saved: SavedSummary, chosen: list[str], folder: str, fmt: str) -> str:
    """The tables of the `chosen` variables of a saved summary, as `run` prints them."""
    from uncertainty.report import RENDERERS
    from uncertainty.report.build_commands import saved_report

    return RENDERERS[fmt](saved_report(saved, chosen, folder))
