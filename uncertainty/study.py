"""The study layer: the whole job, owned by one object, for the command line and for Python.

load → validate → simulate (fixed draws, or to a precision) → compare → sensitivity →
figures → results folder, with progress reported through `uncertainty.runtime.progress`::

    import uncertainty
    study = uncertainty.load("configs/seed-article-2025.toml")
    result = study.run(draws=100_000, seed=7)
    result.summary["median"].sel(variable="kia_ratio")
    result.compare().pairs["prob_greater"].sel(variable="kia_ratio")
    result.plot_forest("kia_ratio")          # a matplotlib Figure
    result.write("results/seed-study")        # what `uncertainty run` writes

The command line (`uncertainty.cli`) only turns arguments into these calls, so a run from
Python and ``uncertainty run`` write the same ``summary.json``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from uncertainty.config.loader import LoadedConfig, TableReader, load_config, parse_config
from uncertainty.errors import ConfigError
from uncertainty.runtime import progress

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

    from uncertainty.analysis.comparison import Comparison
    from uncertainty.analysis.consensus import Consensus
    from uncertainty.analysis.precision import Precision
    from uncertainty.analysis.sensitivity import Sensitivity
    from uncertainty.engines import Engine, EngineName
    from uncertainty.io.results import SavedResults
    from uncertainty.model.core import Model
    from uncertainty.model.views import View
    from uncertainty.pipeline import Run
    from uncertainty.report.blocks import Document
    from uncertainty.runtime.ahead import Ahead

__all__ = ["FIGURE_KINDS", "Result", "Study", "load", "parse", "recorded_run", "reopen"]

#: The plots a results folder holds for each metric (the tornado only when analysed).
FIGURE_KINDS = ("forest", "density", "tornado")


def load(path: str | Path) -> Study:
    """The study a config file describes, validated (see `uncertainty.config.loader.load_config`).

    Raises
    ------
    ConfigError
        With the file, the key path and what is wrong.
    """
    return Study(load_config(path))


def reopen(folder: str | Path, *, draws: bool = False) -> tuple[Study, SavedResults]:
    """The study a results folder was made from, and what the folder holds.

    The folder's own ``config.toml`` and copies of its tables are read, never the files
    they once came from (`uncertainty.io.results.load_results`).
    """
    from uncertainty.io.results import load_results

    path = Path(folder)
    saved = load_results(path, draws=draws)
    return Study(parse_config(saved.config, file=str(path / "config.toml"),
                              read_table=saved.read_table)), saved


def recorded_run(saved: SavedResults, folder: str | Path, purpose: str) -> tuple[int, int]:
    """The seed and draw count a saved result records, to `purpose` (e.g. "rerun with").

    Raises
    ------
    ResultsError
        When its ``summary.json`` records none.
    """
    from uncertainty.errors import ResultsError

    provenance = saved.summary.get("provenance") or {}
    seed, draws = provenance.get("seed"), provenance.get("draws")
    if not isinstance(seed, int) or not isinstance(draws, int):
        raise ResultsError(str(Path(folder) / "summary.json"),
                           f"provenance: no recorded seed and draw count to {purpose}")
    return seed, draws


def parse(text: bytes | str, *, file: str = "<config>", default_title: str = "",
          read_table: TableReader | None = None) -> Study:
    """The study a config's text describes: no file is read unless it names tables."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Study(parse_config(data, file=file, default_title=default_title,
                              read_table=read_table))


@dataclass(frozen=True)
class Study:
    """A validated config, ready to run.

    Parameters
    ----------
    config : LoadedConfig
        The model and the exact bytes (config and tables) it came from.
    """

    config: LoadedConfig

    @property
    def model(self) -> Model:
        """The validated model."""
        return self.config.model

    def run(self, *, draws: int | None = None, seed: int | None = None,
            precision: float | None = None, max_draws: int | None = None,
            threads: int | None = None, engine: EngineName | Engine = "local",
            scheduler: str | None = None, memory_budget: int | None = None,
            stream: bool | None = None, sensitivity: bool = True) -> Result:
        """Simulate, compare and (unless told not to) analyse the study.

        Parameters
        ----------
        draws, seed, precision, max_draws : optional
            Override the config's ``[run]`` settings; ``draws`` fixes the draw count and
            turns a precision target off (see `uncertainty.config.schema.with_overrides`).
            Without ``draws``, a precision target (the config's or ``precision``) draws
            until every median and interval end is that precise
            (`uncertainty.analysis.precision`).
        threads : int or None
            Threads to use; every number is the same for any count. None: every core.
        engine, scheduler, memory_budget, stream
            Where and how a run too large for memory streams
            (`uncertainty.pipeline.simulate`).
        sensitivity : bool
            Also run the sensitivity analysis (not on a streamed run, whose draws are not
            all held).

        Returns
        -------
        Result

        Raises
        ------
        ConfigError
            For an override out of range, a model that cannot be simulated (e.g.
            constraints that conflict), or a consensus whose importance sampler falls below
            its effective-sample floor, naming the config file.
        ResourceError
            When the run would not fit the memory budget in the form allowed.
        """
        result = self._simulated(draws=draws, seed=seed, precision=precision,
                                 max_draws=max_draws, threads=threads, engine=engine,
                                 scheduler=scheduler, memory_budget=memory_budget,
                                 stream=stream, keep=sensitivity)
        return self._analysed(result, sensitivity=sensitivity, threads=threads)

    def _simulated(self, *, draws: int | None = None, seed: int | None = None,
                   precision: float | None = None, max_draws: int | None = None,
                   threads: int | None = None, engine: EngineName | Engine = "local",
                   scheduler: str | None = None, memory_budget: int | None = None,
                   stream: bool | None = None, keep: bool = False) -> Result:
        """`run` without the sensitivity analysis; with `keep`, the run keeps its candidates.

        A run that will be analysed keeps them: the analysis derives its variants from them
        instead of drawing the run again (`uncertainty.sampling.Rerun`; no number changes).
        """
        from uncertainty.config.schema import with_overrides
        from uncertainty.config.validation import Node
        from uncertainty.runtime.parallel import resolve_threads

        if threads is not None:
            Node(threads, "threads").integer(minimum=1)
        if scheduler is not None and engine != "dask":
            raise ConfigError("--scheduler", "needs --engine dask")
        model = with_overrides(self.model, draws=draws, seed=seed, precision=precision,
                               max_draws=max_draws)
        options: dict[str, Any] = {"threads": resolve_threads(threads), "engine": engine,
                                   "scheduler": scheduler, "memory_budget": memory_budget,
                                   "stream": stream, "keep": keep and bool(model.metrics)}
        try:
            simulated, reached = _simulate(model, self.config.sha256, options)
        except ConfigError as exc:
            raise exc.with_file(self.config.file) from None
        return Result(self, simulated, reached)

    def _analysed(self, result: Result, *, sensitivity: bool, threads: int | None) -> Result:
        """`result` with its sensitivity analysis, if asked for and possible (see `run`)."""
        if not (sensitivity and result.model.metrics and not result.streamed):
            return result
        try:
            return result.with_sensitivity(threads=threads)
        except ConfigError as exc:
            raise exc.with_file(self.config.file) from None

    def run_into(self, folder: str | Path, *, force: bool = False, plots: bool = True,
                 save_draws: bool = False, png: bool = False, **options: Any) -> Result:
        """`run` the study and write its results folder: what ``uncertainty run`` does.

        `folder` is held from before the work until the results are in place, so a second
        run writing it meanwhile stops at once, and results of another config are refused
        (unless `force`) before any work. A run whose draws are saved never streams.
        `plots`, `save_draws` and `png` are as in `Result.write`; `options` go to `run`.
        With more than one thread, the figures that need no sensitivity analysis are drawn
        in the background while it runs (`uncertainty.runtime.ahead`): the same bytes.
        """
        from uncertainty.io.results import check_replaceable, results_lock
        from uncertainty.runtime.parallel import resolve_threads

        path = Path(folder)
        with results_lock(path):
            check_replaceable(path, self.config.sha256, force=force)
            if save_draws:
                options["stream"] = False
            sensitivity = options.pop("sensitivity", True)
            result = self._simulated(**options, keep=sensitivity)
            # The forest and density figures need no sensitivity analysis: with a thread to
            # spare, they are drawn in the background while it runs (`_figures_ahead`),
            # byte for byte as the figures stage would draw them.
            spare = resolve_threads(options.get("threads")) > 1
            ahead = result._figures_ahead(png=png) if plots and spare else None
            try:
                result = self._analysed(result, sensitivity=sensitivity,
                                        threads=options.get("threads"))
                # One report for the folder and the console: it names the folder the
                # console shows, and the files' renderers do not show that line.
                result.report(plots=plots, destination=str(path))
                result._write(path, plots=plots, save_draws=save_draws, png=png, force=force,
                              ahead=ahead)
            except BaseException:
                if ahead is not None:  # no figure drawn for a run that stopped
                    ahead.cancel()
                raise
        return result


def _simulate(model: Model, sha256: str,
              options: Mapping[str, Any]) -> tuple[Run, Precision | None]:
    """A fixed-draws run, or an adaptive one when the model asks for a precision."""
    if model.run.precision is None:
        from uncertainty.pipeline import simulate

        return simulate(model, config_sha256=sha256, **options), None
    from uncertainty.analysis.precision import DEFAULT_MAX_DRAWS, simulate_to_precision

    return simulate_to_precision(model, model.run.precision, config_sha256=sha256,
                                 max_draws=model.run.max_draws or DEFAULT_MAX_DRAWS,
                                 **options)


@dataclass(frozen=True)
class Result:
    """A finished run of a study, and everything made from it.

    Parameters
    ----------
    study : Study
        What was run.
    simulation : Run
        The draws, their summary and comparison (`uncertainty.pipeline.Run`).
    precision : Precision or None
        How precise an adaptive run got; None for a fixed-draws run.
    sensitivity : Sensitivity or None
        What drives each metric, when analysed (`with_sensitivity`).
    """

    study: Study
    simulation: Run
    precision: Precision | None = None
    sensitivity: Sensitivity | None = None

    # -- what was simulated ------------------------------------------------------------------
    @property
    def model(self) -> Model:
        """The model as run (draws and seed as overridden)."""
        return self.simulation.model

    @property
    def views(self) -> tuple[View, ...]:
        """The views, in report order."""
        return self.simulation.views

    @property
    def draws(self) -> xr.Dataset:
        """The ``(view, draw)`` Dataset (a streamed run: its first draws)."""
        return self.simulation.draws

    @property
    def summary(self) -> xr.Dataset:
        """Every summary statistic, unrounded (`uncertainty.stats.summarize`)."""
        return self.simulation.summary

    @property
    def provenance(self) -> dict[str, Any]:
        """Seed, draws, config hash, creation time, library versions and BLAS in use."""
        return self.simulation.provenance

    @property
    def consensus(self) -> Consensus | None:
        """What the sources of each quantity jointly imply (None: no quantity has two claims).

        As the run computed it before drawing (`uncertainty.analysis.consensus.consensus`).
        """
        return self.simulation.consensus

    @property
    def acceptance(self) -> xr.Dataset | None:
        """With constraints, the share of candidates each view accepts."""
        return self.simulation.acceptance

    @property
    def comparison(self) -> Comparison | None:
        """How the views compare, as computed by the run."""
        return self.simulation.comparison

    @property
    def streamed(self) -> bool:
        """Whether the run streamed its draws instead of holding them."""
        return "streaming" in self.provenance

    # -- analyses ----------------------------------------------------------------------------
    def compare(self, metrics: list[str] | None = None) -> Comparison:
        """How the views compare for `metrics` (default every metric).

        P(A > B) on the draws both views accept, claim percentiles, thresholds
        (`uncertainty.analysis.comparison.compare_run`).
        """
        if metrics is None and self.comparison is not None:
            return self.comparison
        from uncertainty.analysis.comparison import compare_run

        return compare_run(self.model, self.views, self.draws, metrics, summary=self.summary)

    def with_sensitivity(self, *, threads: int | None = None) -> Result:
        """The result with its sensitivity analysis (`uncertainty.analysis.sensitivity.analyze`).

        Raises
        ------
        ResourceError
            For a streamed run: the analysis needs every draw.
        """
        from uncertainty.analysis.sensitivity import analyze
        from uncertainty.config.schema import with_spread_scale
        from uncertainty.errors import ResourceError

        if self.streamed:
            raise ResourceError("draws", "this run is too large to hold in memory and "
                                "streams its draws; the sensitivity analysis needs them all: "
                                "analyse a config with fewer draws")
        found = analyze(self.simulation,
                        rescale=functools.partial(with_spread_scale, self.model),
                        threads=threads)
        # The candidates kept for the analysis are not needed again: their memory is freed.
        return replace(self, sensitivity=found, simulation=replace(self.simulation, kept=None))

    # -- figures -----------------------------------------------------------------------------
    def plot_forest(self, metric: str) -> Figure:
        """Median and intervals of `metric` in every view, each source's claim marked."""
        from uncertainty.plots import forest_plot

        claims = self.comparison.claims.get(metric) if self.comparison is not None else None
        marks = ({str(c): float(v) for c, v in zip(claims["claim"].values,
                                                     claims["value"].values, strict=True)}
                 if claims is not None else None)
        return forest_plot(self.summary, metric, claims=marks, title=self.model.title)

    def plot_density(self, metric: str) -> Figure:
        """The density of `metric` in every distinct view."""
        from uncertainty.plots import density_plot

        return density_plot(self.draws, metric, title=self.model.title)

    def plot_tornado(self, metric: str) -> Figure:
        """The median of `metric` with each input held low and high (needs the analysis)."""
        from uncertainty.plots import tornado_plot

        if self.sensitivity is None:
            raise ValueError("no sensitivity analysis: call with_sensitivity() first")
        return tornado_plot(self.sensitivity.inputs, metric, title=self.model.title)

    def figure_kinds(self) -> tuple[str, ...]:
        """The plot kinds a results folder holds for this result."""
        return FIGURE_KINDS if self.sensitivity is not None else FIGURE_KINDS[:2]

    # -- outputs -----------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        """The content of ``summary.json`` (`uncertainty.report.summary_document`)."""
        from uncertainty.report import summary_document

        return summary_document(self)

    @functools.cached_property
    def envelopes(self) -> xr.Dataset | None:
        """Each envelope pool's range over its members (`uncertainty.summary.envelopes`).

        Made once per result: the report, ``summary.json`` and the notebook table read it.
        """
        from uncertainty.summary import envelopes

        return envelopes(self.summary)

    @functools.cached_property
    def summary_json(self) -> str:
        """``summary.json`` as text: `document` as `uncertainty.report.to_json` writes it.

        Made once per result (the results folder and ``--format json`` print the same).
        """
        from uncertainty.report import to_json

        return to_json(self.document())

    def report(self, *, plots: bool = True, destination: str | None = None) -> Document:
        """The report as blocks (`uncertainty.report.build_report`), rendered by each format.

        With `plots`, it embeds the figures a results folder holds; `destination` is the
        results folder the console names.
        """
        from uncertainty.report import build_report

        key = (self.figure_kinds() if plots else (), destination)
        built = self._documents()
        if key not in built:
            built[key] = build_report(self, key[0], destination=destination)
        return built[key]

    def _documents(self) -> dict[tuple[tuple[str, ...], str | None], Document]:
        """The reports built so far for this result, by (figures, destination).

        Kept in the instance's ``__dict__``, not a field, so `dataclasses.replace` (a result
        with its sensitivity, say) starts with none.
        """
        return cast("dict[tuple[tuple[str, ...], str | None], Document]",
                    self.__dict__.setdefault("_built_documents", {}))

    def markdown(self, *, plots: bool = True) -> str:
        """``summary.md``; with `plots`, embedding the figures a results folder holds."""
        from uncertainty.report import render_markdown

        return render_markdown(self.report(plots=plots))

    def console(self, destination: str | None = None) -> str:
        """The tables ``uncertainty run`` prints."""
        from uncertainty.report import render_console

        # Any report naming this folder will do: the console shows no figures.
        document = next((d for (_, named), d in self._documents().items()
                         if named == destination), None)
        return render_console(document or self.report(plots=False, destination=destination))

    def files(self, *, plots: bool = True, save_draws: bool = False,
              png: bool = False) -> dict[str, bytes]:
        """Every file of the results folder, by name: what `write` writes."""
        return self._files(plots=plots, save_draws=save_draws, png=png)

    def _files(self, *, plots: bool, save_draws: bool, png: bool,
               ahead: Ahead[dict[str, bytes]] | None = None) -> dict[str, bytes]:
        """`files`, taking the figures drawn `ahead` (`_figures_ahead`) as drawn."""
        from uncertainty.io.results import DRAWS_FILE, draws_bytes, saved_table
        from uncertainty.report import render_html, render_markdown

        config = self.study.config
        # Any report with these figures will do: the files do not show the folder's name.
        figures = self.figure_kinds() if plots else ()
        report = next((d for (shown, _), d in self._documents().items() if shown == figures),
                      None) or self.report(plots=plots)
        files = {"summary.json": self.summary_json.encode(),
                 "summary.md": render_markdown(report).encode(), "config.toml": config.text}
        files |= {saved_table(name): data for name, data in config.tables.items()}
        if plots:
            files |= self._figure_files(png=png, ahead=ahead)
        svgs = {name: data.decode("utf-8") for name, data in files.items()
                if name.endswith(".svg")}
        files["summary.html"] = render_html(report, svgs, self.model.title).encode()
        if save_draws:
            files[DRAWS_FILE] = draws_bytes(self.draws)
        return files

    def _figure_files(self, *, png: bool = False,
                      ahead: Ahead[dict[str, bytes]] | None = None) -> dict[str, bytes]:
        """``<kind>-<metric>.svg`` plots (the reports show these), and ``.png`` with `png`.

        Each figure is built once; the PNG, when asked for, is rendered from the same figure.
        A figure drawn ahead (`_figures_ahead`) is taken as drawn; any other, or one whose
        drawing ahead failed, is drawn here.
        """
        kinds = self.figure_kinds()
        formats = ("svg", "png") if png else ("svg",)
        progress.stage("plots", len(kinds) * len(self.model.metrics), "figures")
        files: dict[str, bytes] = {}
        for metric in self.model.metrics:
            for kind in kinds:
                make = functools.partial(self._figure_bytes, kind, metric.name, formats)
                name = f"{kind}-{metric.name}"
                drawn = ahead.take(f"{name}.{png}", make) if ahead is not None else make()
                files |= {f"{name}.{fmt}": data for fmt, data in drawn.items()}
                progress.advance()
        return files

    def _figure_bytes(self, kind: str, metric: str, formats: tuple[str, ...]) -> dict[str, bytes]:
        """One figure built once and rendered in each of `formats`, by format.

        Values near the float limit make matplotlib's log locators overflow (a tick a
        decade beyond 1e308 is inf, and dropped): no warning for that.
        """
        import numpy as np

        from uncertainty.plots import figure_bytes

        with np.errstate(over="ignore"):
            figure = getattr(self, f"plot_{kind}")(metric)
            return {fmt: figure_bytes(figure, fmt) for fmt in formats}

    def _figures_ahead(self, *, png: bool = False) -> Ahead[dict[str, bytes]]:
        """Start drawing, in the background, the figures that need no sensitivity analysis.

        The forest and density figures of every metric, each made by `_figure_bytes` as
        the figures stage makes it, for `_figure_files` to take (`uncertainty.runtime.ahead`).
        """
        from uncertainty.runtime.ahead import Ahead

        formats = ("svg", "png") if png else ("svg",)
        return Ahead({f"{kind}-{metric.name}.{png}":
                      functools.partial(self._figure_bytes, kind, metric.name, formats)
                      for metric in self.model.metrics for kind in FIGURE_KINDS[:2]})

    def write(self, folder: str | Path, *, plots: bool = True, save_draws: bool = False,
              png: bool = False, force: bool = False) -> Path:
        """Write the results folder atomically, replacing earlier results of this config.

        The folder holds ``summary.json``, ``summary.md``, ``summary.html``, ``config.toml``
        (and the tables it reads); with `plots`, each figure as ``<kind>-<metric>.svg``
        (which ``summary.md`` embeds and ``summary.html`` inlines), and with `png` also as
        ``<kind>-<metric>.png`` (150 dpi); with `save_draws`, every draw as ``draws.nc``.

        Raises
        ------
        ResultsError
            When `folder` holds results of another config (unless `force`), is being
            written by another run, or cannot be written.
        """
        from uncertainty.io.results import results_lock

        path = Path(folder)
        with results_lock(path):
            self._write(path, plots=plots, save_draws=save_draws, png=png, force=force)
        return path

    def _write(self, path: Path, *, plots: bool, save_draws: bool, force: bool,
               png: bool = False, ahead: Ahead[dict[str, bytes]] | None = None) -> None:
        """`write` for a caller holding the folder's lock (figures drawn `ahead` taken)."""
        from uncertainty.io.results import write_results

        write_results(path, self._files(plots=plots, save_draws=save_draws, png=png,
                                        ahead=ahead),
                      config_sha256=self.study.config.sha256, force=force)

    def _repr_html_(self) -> str:
        """The headline table in Jupyter: each metric's median and intervals by view."""
        from uncertainty.report.blocks import Code, Document, Heading, Paragraph, Text
        from uncertainty.report.render_html import render_html_fragment
        from uncertainty.report.tables import variable_table

        env = self.envelopes
        blocks: list[Any] = [Heading(3, (Text(self.model.title),))]
        for metric in self.model.metrics:
            blocks += [Paragraph((Text(f"{metric.name}: {metric.label} "),
                                  Code(metric.expression.text))),
                       variable_table(self.summary, metric.name, env=env, metric=metric.name)]
        return render_html_fragment(Document(tuple(blocks)))
