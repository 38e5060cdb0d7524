"""Drawing: distributions and views in, draws out.

Steps, all vectorized over draws:

1. every (source, quantity) estimate gets a latent standard normal from its own named
   stream; correlated groups are mixed by the copula; each estimate maps its latent
   draws through its distribution (`kernel`);
2. each pooled quantity: a linear pool picks, draw by draw, one source's draw with
   probability proportional to the weights (its own named stream); a log pool draws its
   closed-form distribution from its own named stream (`kernel`);
3. with constraints, those are *candidate* draws: every view reads every candidate, and a
   candidate that fails a view's constraints is masked out of that view (`acceptance`);
4. views select among these arrays; each metric is evaluated once per distinct selection
   (`rows`), in memory (`memory`) or block by block (`uncertainty.streaming`).

Steps 1 to 3 run as independent pieces of work in threads (`uncertainty.runtime.parallel`); all of
it is elementwise along the draw axis, so the draws are the same for any thread count and
any chunk size.
"""

from uncertainty.sampling.acceptance import (
    MIN_ACCEPTANCE,
    Accepted,
    acceptance_dataset,
    accepted_mask,
    check_conflicts,
    count_accepted,
)
from uncertainty.sampling.derive import Rerun
from uncertainty.sampling.kernel import Candidates, Hold, make_candidates, mix, pool_choice
from uncertainty.sampling.memory import Drawn, ViewDraws, draw_dataset, draw_view, view_draws
from uncertainty.sampling.plan import Plan, constraint_key, make_plan
from uncertainty.sampling.rows import distinct_rows, draws_dataset, row_groups, view_keys

__all__ = ["MIN_ACCEPTANCE", "Accepted", "Candidates", "Drawn", "Hold", "Plan", "Rerun",
           "ViewDraws", "acceptance_dataset", "accepted_mask", "check_conflicts", "constraint_key",
           "count_accepted", "distinct_rows", "draw_dataset", "draw_view", "draws_dataset",
           "make_candidates", "make_plan", "mix", "pool_choice", "row_groups", "view_draws",
           "view_keys"]
