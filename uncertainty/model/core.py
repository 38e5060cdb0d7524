"""The validated model: immutable, built once from a config, shared by every later stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from uncertainty.config.tables import TableReport
from uncertainty.distributions import Distribution
from uncertainty.model.expr import Constraint, Expression
from uncertainty.model.grades import Grade

__all__ = [
    "CONSENSUS",
    "DEFAULT_CI90_FACTOR",
    "DEFAULT_DRAWS",
    "DEFAULT_LEVELS",
    "POOLED",
    "POOL_METHODS",
    "ConsensusLaw",
    "ConsensusSettings",
    "Correlation",
    "Estimate",
    "Metric",
    "Model",
    "RunSettings",
    "Scenario",
    "SensitivitySettings",
    "Source",
]

#: The view id of the linear pool, and the word a scenario uses to ask for the pool.
POOLED = "pooled"
#: The view id of the consensus, and the key of its draws of each quantity.
CONSENSUS = "consensus"
DEFAULT_DRAWS = 200_000
DEFAULT_LEVELS = (0.5, 0.9, 0.95)
DEFAULT_CI90_FACTOR = 1.5
#: How the sources of one quantity are pooled: a mixture, a normalized product of
#: densities, or the envelope of the sources reported as bounds.
POOL_METHODS = ("linear", "log", "envelope")


@dataclass(frozen=True)
class Estimate:
    """One source's estimate of one quantity, with the distribution built for it.

    Parameters
    ----------
    source, quantity : str
        Who said it and of what (``"us_intel"``, ``"ua.kia"``).
    written : str
        What the config says, as inline TOML.
    distribution : Distribution
        The checked distribution built from it.
    spread : str
        Where the distribution's spread came from, in words.
    provenance : tuple of (str, str)
        ``cite``, ``date``, ``quote`` and ``note`` as given, in that order.
    stated : float
        The source's own point figure: the number it said (``8000`` in ``at_least = 8000``),
        or the distribution's median where it stated a distribution.
    """

    source: str
    quantity: str
    written: str
    distribution: Distribution
    spread: str
    provenance: tuple[tuple[str, str], ...] = ()
    stated: float = float("nan")


@dataclass(frozen=True)
class Source:
    """A source of estimates and how far it is trusted in the pool."""

    id: str
    label: str
    weight: float
    estimates: tuple[Estimate, ...]
    grade: Grade | None = None
    weight_from: str = "default"

    def estimate(self, quantity: str) -> Estimate | None:
        """Return the estimate of `quantity` by this source, or None."""
        return next((e for e in self.estimates if e.quantity == quantity), None)


@dataclass(frozen=True)
class Metric:
    """A derived quantity: an expression over quantity names."""

    name: str
    label: str
    expression: Expression
    thresholds: tuple[float, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A named choice of source (or `POOLED`) for each quantity it lists."""

    id: str
    label: str
    use: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Correlation:
    """A rank (Spearman) correlation between two estimates, each a (source, quantity)."""

    name: str
    a: tuple[str, str]
    b: tuple[str, str]
    rho: float


@dataclass(frozen=True)
class RunSettings:
    """How many draws, which seed, which credible levels.

    `seed` is None when the config gives none; the pipeline then draws one and records it.
    With `precision`, `draws` is only the first attempt of an adaptive run (see
    `uncertainty.analysis.precision`), which stops at `max_draws`.
    """

    draws: int = DEFAULT_DRAWS
    seed: int | None = None
    levels: tuple[float, ...] = DEFAULT_LEVELS
    ci90_factor: float = DEFAULT_CI90_FACTOR
    pool: str = "linear"
    precision: float | None = None
    max_draws: int | None = None


@dataclass(frozen=True)
class SensitivitySettings:
    """What the sensitivity analysis varies.

    Parameters
    ----------
    tornado : (float, float)
        The percentiles each input is held at for the tornado (default 5th and 95th).
    spread_scales : tuple of float
        Factors applied to the log-spread of every default spread (grades, source and run
        ``ci90_factor``) in the assumption sweep; 1 (the run itself) is always shown.
    """

    tornado: tuple[float, float] = (0.05, 0.95)
    spread_scales: tuple[float, ...] = (0.5, 2.0)


@dataclass(frozen=True)
class ConsensusSettings:
    """How the consensus of each quantity's sources is computed (``[consensus]``).

    Parameters
    ----------
    ranges : tuple of (str, (float, float))
        The prior range of the true value ``T`` for a quantity (``[consensus] range``); a
        quantity without one gets the default, from the smallest claim / 1000 to the
        largest claim * 1000. The key ``""`` gives the range of every quantity.
    heterogeneity : float or None
        The between-source scale tau on the log scale: None to estimate it (its prior a
        half-normal with scale `tau_scale`), a number >= 0 to fix it (0: fixed effect).
    tau_scale : float
        The scale of the half-normal prior of tau.
    min_ess : int
        The least effective sample size of the importance sampler; below it the run stops.
    flag_level : float
        Two-sided level of the out-of-line flag (0.05: below 2.5% or above 97.5%).
    """

    ranges: tuple[tuple[str, tuple[float, float]], ...] = ()
    heterogeneity: float | None = None
    tau_scale: float = 0.5
    min_ess: int = 1000
    flag_level: float = 0.05

    def range_of(self, quantity: str) -> tuple[float, float] | None:
        """The stated prior range of `quantity`'s true value, or None for the default."""
        found = dict(self.ranges)
        return found.get(quantity, found.get(""))


@dataclass(frozen=True)
class ConsensusLaw:
    """What the consensus view draws a quantity from (`uncertainty.analysis.consensus`).

    Parameters
    ----------
    quantity : str
    law : Distribution or None
        The consensus of the quantity's sources, for the run's seed and draw count; None
        in a variant without a source where the others alone make no consensus (the view
        then takes their pool).
    ess : float
        The effective sample size behind `law`: the view's MCSEs of this quantity grow by
        ``sqrt(1 + draws / ess)`` for its error.
    without : tuple of (str, Distribution or None)
        For each source with a claim of the quantity, the consensus without it (the same
        importance draws reweighted), or None where the others alone do not make one; with
        its effective sample size. Empty when not kept (a streamed run).
    """

    quantity: str
    law: Distribution | None
    ess: float
    without: tuple[tuple[str, Distribution | None, float], ...] = ()


@dataclass(frozen=True)
class Origin:
    """What a model was built from: the parsed config and the bytes of its tables.

    Kept so that the model can be rebuilt with other default spreads
    (`uncertainty.config.schema.with_spread_scale`) without its file.
    """

    data: Mapping[str, Any]
    tables: Mapping[str, bytes]


@dataclass(frozen=True)
class Model:
    """Everything a run needs, validated.

    Invariants (established by `uncertainty.config.schema.build_model`): ids are unique across
    sources, scenarios, `POOLED` and `CONSENSUS`; every quantity is estimated by at least one
    source;
    metrics use only known quantities; scenarios only pick sources that estimate the
    quantity; `counts` declares, for some quantities, the kinds of casualty each counts
    (words of `uncertainty.model.counts.COUNT_WORDS`).
    """

    title: str
    run: RunSettings
    sources: tuple[Source, ...]
    metrics: tuple[Metric, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    repair_correlations: bool = False
    constraints: tuple[Constraint, ...] = ()
    sensitivity: SensitivitySettings = SensitivitySettings()
    tables: tuple[TableReport, ...] = ()
    counts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    consensus: ConsensusSettings = ConsensusSettings()
    origin: Origin | None = field(default=None, compare=False, repr=False)
    consensus_laws: tuple[ConsensusLaw, ...] | None = field(default=None, compare=False,
                                                            repr=False)
    quantities: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = sorted({e.quantity for s in self.sources for e in s.estimates})
        object.__setattr__(self, "quantities", tuple(names))

    def consensus_law(self, quantity: str) -> Distribution | None:
        """The law the consensus view draws `quantity` from, or None (not a consensus).

        `consensus_laws` is set for a run (`uncertainty.analysis.consensus.with_laws`), from
        the run's seed and draw count: a model as loaded has None (not yet computed), and no
        consensus view.
        """
        return next((c.law for c in self.consensus_laws or () if c.quantity == quantity), None)

    def estimators(self, quantity: str) -> tuple[Source, ...]:
        """The sources that estimate `quantity`, in file order."""
        return tuple(s for s in self.sources if s.estimate(quantity) is not None)

    def source(self, source_id: str) -> Source:
        """The source with id `source_id`."""
        return next(s for s in self.sources if s.id == source_id)
