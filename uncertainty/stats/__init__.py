"""Statistics on plain numpy arrays of draws: no xarray, no I/O (see `uncertainty.summary`)."""

from uncertainty.stats.array import (
    eti_sorted,
    hdi_sorted,
    quantile_mcse_sorted,
    quantile_sorted,
    sd_mcse,
    summarize_draws,
)
from uncertainty.stats.pairwise import (
    IntervalOverlap,
    describe_percentile,
    exceedance,
    interval_overlap,
    overlap_coefficient,
    overlap_with_mcse,
    percentile_of,
    prob_greater,
)
from uncertainty.stats.sobol import (
    SUM_DRAWS,
    FirstOrder,
    Grouping,
    ShareTerms,
    first_order,
    first_order_many,
    group_draws,
    stable_order_within,
    sum_se,
)

__all__ = [
    "SUM_DRAWS",
    "FirstOrder",
    "Grouping",
    "IntervalOverlap",
    "ShareTerms",
    "describe_percentile",
    "eti_sorted",
    "exceedance",
    "first_order",
    "first_order_many",
    "group_draws",
    "hdi_sorted",
    "interval_overlap",
    "overlap_coefficient",
    "overlap_with_mcse",
    "percentile_of",
    "prob_greater",
    "quantile_mcse_sorted",
    "quantile_sorted",
    "sd_mcse",
    "stable_order_within",
    "sum_se",
    "summarize_draws",
]
