"""Summary statistics: numpy functions (`array`) and the Dataset-level stage (`summary`)."""

from uncertainty.stats.array import (
    eti_sorted,
    hdi_sorted,
    quantile_mcse_sorted,
    quantile_sorted,
    summarize_draws,
)
from uncertainty.stats.summary import envelopes, summarize

__all__ = [
    "envelopes",
    "eti_sorted",
    "hdi_sorted",
    "quantile_mcse_sorted",
    "quantile_sorted",
    "summarize",
    "summarize_draws",
]
