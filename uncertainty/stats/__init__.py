"""Summary statistics: numpy functions (`array`) and the Dataset-level stage (`summary`)."""

from uncertainty.stats.array import (
    eti_sorted,
    hdi_sorted,
    quantile_mcse_sorted,
    quantile_sorted,
    summarize_draws,
)
from uncertainty.stats.compare import claim_percentiles, compare_views, thresholds_table
from uncertainty.stats.pairwise import (
    IntervalOverlap,
    describe_percentile,
    exceedance,
    interval_overlap,
    overlap_coefficient,
    percentile_of,
    prob_greater,
)
from uncertainty.stats.sobol import (
    FirstOrder,
    Grouping,
    first_order,
    first_order_many,
    group_draws,
)
from uncertainty.stats.summary import envelopes, summarize

__all__ = [
    "FirstOrder",
    "Grouping",
    "IntervalOverlap",
    "claim_percentiles",
    "compare_views",
    "describe_percentile",
    "envelopes",
    "eti_sorted",
    "exceedance",
    "first_order",
    "first_order_many",
    "group_draws",
    "hdi_sorted",
    "interval_overlap",
    "overlap_coefficient",
    "percentile_of",
    "prob_greater",
    "quantile_mcse_sorted",
    "quantile_sorted",
    "summarize",
    "summarize_draws",
    "thresholds_table",
]
