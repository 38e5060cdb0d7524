"""Monte Carlo uncertainty for conflicting statistical claims.

Each source's estimate becomes a probability distribution; vectorized sampling propagates
the uncertainty into derived metrics under several views (each source, their pool, named
scenarios); the summary gives credible intervals with their Monte Carlo error.

The pipeline runs without files::

    from uncertainty import parse_config, simulate
    loaded = parse_config(open("configs/seed-article-2025.toml", "rb").read())
    run = simulate(loaded.model)
    run.summary["median"].sel(variable="kia_ratio")
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uncertainty.comparison import Comparison, compare_run
    from uncertainty.config import LoadedConfig, load_config, parse_config
    from uncertainty.errors import ConfigError, ExpressionError, ResultsError, UncertaintyError
    from uncertainty.expr import Expression, parse_expression
    from uncertainty.model import Model
    from uncertainty.pipeline import Run, simulate
    from uncertainty.schema import build_model, with_overrides
    from uncertainty.stats import summarize
    from uncertainty.views import View, build_views

# The public names, imported on first use (PEP 562): `import uncertainty` and the command
# line's --help stay fast, and numpy, scipy and xarray load only when something needs them.
_LAZY = {
    "Comparison": "uncertainty.comparison",
    "compare_run": "uncertainty.comparison",
    "LoadedConfig": "uncertainty.config",
    "load_config": "uncertainty.config",
    "parse_config": "uncertainty.config",
    "ConfigError": "uncertainty.errors",
    "ExpressionError": "uncertainty.errors",
    "ResultsError": "uncertainty.errors",
    "UncertaintyError": "uncertainty.errors",
    "Expression": "uncertainty.expr",
    "parse_expression": "uncertainty.expr",
    "Model": "uncertainty.model",
    "Run": "uncertainty.pipeline",
    "simulate": "uncertainty.pipeline",
    "build_model": "uncertainty.schema",
    "with_overrides": "uncertainty.schema",
    "summarize": "uncertainty.stats",
    "View": "uncertainty.views",
    "build_views": "uncertainty.views",
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
    "ResultsError",
    "Run",
    "UncertaintyError",
    "View",
    "build_model",
    "build_views",
    "compare_run",
    "load_config",
    "parse_config",
    "parse_expression",
    "simulate",
    "summarize",
    "with_overrides",
]
