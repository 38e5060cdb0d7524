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

from uncertainty.config import LoadedConfig, load_config, parse_config
from uncertainty.errors import ConfigError, ExpressionError, ResultsError, UncertaintyError
from uncertainty.expr import Expression, parse_expression
from uncertainty.model import Model
from uncertainty.pipeline import Run, simulate
from uncertainty.schema import build_model, with_overrides
from uncertainty.stats import summarize
from uncertainty.views import View, build_views

__all__ = [
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
    "load_config",
    "parse_config",
    "parse_expression",
    "simulate",
    "summarize",
    "with_overrides",
]
