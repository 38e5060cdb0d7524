"""Streaming: runs too large for memory, in passes over regenerated blocks of draws.

Every random stream is a sequence of independently seeded blocks
(`uncertainty.sampling.streams`), so any range of draws can be regenerated, exactly, at any time.
A streamed run never holds all its draws: each pass regenerates the candidate blocks,
keeps each view's accepted draws, evaluates the metrics, and reduces what it needs to a
small tally; the passes run on an engine (`uncertainty.engines`: threads, or Dask tasks).

What a streamed run gives, against an in-memory run of the same model, seed and draws:

=====================================  ================================================
result                                 streamed
=====================================  ================================================
median, ETI ends, their MCSEs          identical (the same order statistics, read by
                                       the same functions)
HDI ends and their MCSEs               identical, unless resolving them exactly would
                                       need too many draws (a nearly flat density):
                                       then within a stated resolution on the width
valid and invalid counts               identical
mean, sd and their MCSEs               from `math.fsum` of per-chunk sums: equal to
                                       about 1e-15 relative, not bit for bit
acceptance (constraints)               identical
P(A > B), claim percentiles,           identical (counted over every draw)
thresholds, ETI overlaps
overlap coefficients                   from the first `PREFIX_DRAWS` draws per view
``Run.draws``                          those first draws: exactly an in-memory run's
                                       of that size
=====================================  ================================================

Peak memory is bounded by `memory_bound`, whatever the number of draws.
"""

from uncertainty.streaming.cells import Resolution
from uncertainty.streaming.passes import PREFIX_DRAWS, Streamed, memory_bound, stream

__all__ = ["PREFIX_DRAWS", "Resolution", "Streamed", "memory_bound", "stream"]
