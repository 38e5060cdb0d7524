"""Monte Carlo uncertainty for conflicting statistical claims.

Each source's estimate becomes a probability distribution; vectorized sampling propagates
the uncertainty into derived metrics under several views (each source, their pool, named
scenarios); the summary gives credible intervals with their Monte Carlo error.

A study runs from Python as from the command line (`uncertainty.study`)::

    import uncertainty
    study = uncertainty.load("configs/seed-article-2025.toml")
    result = study.run(draws=100_000, seed=7)
    result.summary["median"].sel(variable="kia_ratio")
    result.compare()                  # P(A > B), claim percentiles, thresholds
    result.plot_forest("kia_ratio")   # a matplotlib Figure
    result.write("results/seed")      # the folder `uncertainty run` writes

`uncertainty.parse` takes a config's text instead of a file, and `simulate` runs one
model with no files at all.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uncertainty.analysis.comparison import Comparison, compare_run
    from uncertainty.config.loader import LoadedConfig, load_config, parse_config
    from uncertainty.config.schema import build_model, with_overrides
    from uncertainty.errors import ConfigError, ExpressionError, ResultsError, UncertaintyError
    from uncertainty.model.core import Model
    from uncertainty.model.expr import Expression, parse_expression
    from uncertainty.model.views import View, build_views
    from uncertainty.pipeline import Run, simulate
    from uncertainty.study import Result, Study, load, parse
    from uncertainty.summary import summarize

# The public names, imported on first use (PEP 562): `import uncertainty` and the command
# line's --help stay fast, and numpy, scipy and xarray load only when something needs them.
_LAZY = {
    "Comparison": "uncertainty.analysis.comparison",
    "compare_run": "uncertainty.analysis.comparison",
    "LoadedConfig": "uncertainty.config.loader",
    "load_config": "uncertainty.config.loader",
    "parse_config": "uncertainty.config.loader",
    "ConfigError": "uncertainty.errors",
    "ExpressionError": "uncertainty.errors",
    "ResultsError": "uncertainty.errors",
    "UncertaintyError": "uncertainty.errors",
    "Expression": "uncertainty.model.expr",
    "parse_expression": "uncertainty.model.expr",
    "Model": "uncertainty.model.core",
    "Run": "uncertainty.pipeline",
    "simulate": "uncertainty.pipeline",
    "build_model": "uncertainty.config.schema",
    "with_overrides": "uncertainty.config.schema",
    "summarize": "uncertainty.summary",
    "Result": "uncertainty.study",
    "Study": "uncertainty.study",
    "load": "uncertainty.study",
    "parse": "uncertainty.study",
    "View": "uncertainty.model.views",
    "build_views": "uncertainty.model.views",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'uncertainty' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Comparison",
    "ConfigError",
    "Expression",
    "ExpressionError",
    "LoadedConfig",
    "Model",
    "Result",
    "ResultsError",
    "Run",
    "Study",
    "UncertaintyError",
    "View",
    "build_model",
    "build_views",
    "compare_run",
    "load",
    "load_config",
    "parse",
    "parse_config",
    "parse_expression",
    "simulate",
    "summarize",
    "with_overrides",
]
