"""The summary stage (xarray): draws in, statistics and comparisons out.

Thin Dataset-level wrappers over the numpy functions of `uncertainty.stats`.
"""

from uncertainty.summary.compare import claim_percentiles, compare_views, thresholds_table
from uncertainty.summary.dataset import envelopes, summarize, summary_dataset

__all__ = ["claim_percentiles", "compare_views", "envelopes", "summarize", "summary_dataset",
           "thresholds_table"]
