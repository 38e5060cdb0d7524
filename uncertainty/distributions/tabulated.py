"""Mixtures: an exact CDF, and a quantile function tabulated in normal-score space.

Sampling needs ``ppf(ndtr(z))`` for every draw, and a mixture has no closed-form quantile
function. `Mixture` therefore solves ``F(x) = ndtr(z)`` once, at build time, on a grid of
normal scores refined until linear interpolation is accurate to `TABLE_RTOL`, and evaluates
its quantile function by monotone linear interpolation of that table (of ``log x`` when the
mixture is positive). Its CDF, survival function and density stay exact sums over the
components.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from uncertainty.distributions.base import Distribution, FloatArray
from uncertainty.distributions.kept import Kept
from uncertainty.numbers import plain

__all__ = ["GRID_POINTS", "GRID_Z", "TABLES_KEPT", "TABLE_RTOL", "Mixture"]

#: The table spans normal scores ``[-GRID_Z, GRID_Z]`` (tail probability 9.5e-18): beyond,
#: quantiles are solved exactly, draw by draw.
GRID_Z = 8.5
#: Evenly spaced nodes of the table, before anchors and breakpoints are added.
GRID_POINTS = 1025
#: Largest error of the table's linear interpolation at a cell's midpoint: relative to x
#: (log x interpolated), or to |x| plus the distribution's spread (x interpolated).
TABLE_RTOL = 1e-8
#: Most halvings of a cell.
REFINE_ROUNDS = 40
#: Cells holding less probability are not halved further: they lie across a near-jump of
#: the quantile function (a gap between components) or so far in a tail that a component's
#: CDF there is only absolutely, not relatively, precise.
MIN_CELL_PROBABILITY = 1e-13
#: Probabilities that get a node of their own, so reported quantiles are exact roots.
ANCHORS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995)
#: Largest finite value a bracket may take (its log, too, stays finite).
_HUGE = 1e300
#: Tables of the most recently built mixtures, kept so that building the same mixture again
#: (a study loaded twice, a model rebuilt for another run) costs nothing.
TABLES_KEPT = 16


@dataclass(frozen=True)
class _Table:
    """Nodes ``(z, x)``, non-decreasing in both; equal ``z`` twice marks a jump.

    ``y`` is ``log x`` when `log`, else ``x``: what is interpolated between nodes.
    """

    z: FloatArray
    x: FloatArray
    y: FloatArray
    log: bool


_TABLES: Kept[_Table] = Kept(TABLES_KEPT)


@dataclass(frozen=True)
class Mixture(Distribution):
    """A finite mixture: with probability ``weights[i]``, a draw of ``components[i]``.

    ``cdf``, ``sf`` and ``pdf`` are the exact weighted sums. ``ppf`` and ``from_normal``
    interpolate a table of exact quantiles (roots of the CDF to ~1e-15 relative). The table
    starts from `GRID_POINTS` normal scores evenly spaced on ``[-GRID_Z, GRID_Z]``, a node
    at each of `ANCHORS`, at each component breakpoint (support ends, kinks) and on both
    sides of each point mass, so that no interpolation straddles a kink, a gap or an atom;
    then every cell whose midpoint the interpolation misses by more than `TABLE_RTOL` is
    halved, until it does not or the cell holds less than `MIN_CELL_PROBABILITY`. Between
    nodes ``log x`` (or ``x``, when some component reaches zero or below) is linear in the
    normal score, so ``from_normal`` is monotone and equals ``ppf(ndtr(z))``.

    ===============================  ======================================================
    case                             behaviour
    ===============================  ======================================================
    accuracy, ``|z| <= 6`` (all but  relative error <= `TABLE_RTOL` (1e-8) of x, or of
    2e-9 of draws)                   ``|x|`` plus the spread when x is interpolated;
                                     measured against an independent root-find in
                                     ``tests/test_families.py``
    ``6 < |z| <= GRID_Z``            coarser: measured up to ~1e-4 relative; and no better
                                     than a component's CDF there (a truncation inside a
                                     component's support is only absolutely precise)
    anchors, breakpoints, atoms      exact roots
    ``|z| > GRID_Z`` (1 in 1e17)     solved exactly, draw by draw
    ``ppf(0)``, ``ppf(1)``           the components' extreme support ends
    point masses                     exact: draws take the atom's value with its
                                     probability; ``pdf`` raises `ValueError`
    build time                       10-200 ms for two or three components, up to ~1 s
                                     when they are orders of magnitude apart; nothing
                                     for a mixture equal to one of the `TABLES_KEPT`
                                     built last (its table is shared)
    ===============================  ======================================================

    Parameters
    ----------
    components : tuple of Distribution
        At least one.
    weights : tuple of float
        Positive, one per component; normalised here.
    knots : tuple of float
        Extra values to give a node of the table (a truncation's bounds), so that the
        quantile function is exact there.
    """

    components: tuple[Distribution, ...]
    weights: tuple[float, ...]
    knots: tuple[float, ...] = ()
    family = "mixture"
    _table: _Table = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        w = np.asarray(self.weights, dtype=np.float64)
        if len(w) != len(self.components) or not len(w) or not np.all(w > 0):
            raise ValueError("a mixture needs one positive weight per component")
        object.__setattr__(self, "weights", tuple(float(v) for v in w / w.sum()))
        object.__setattr__(self, "_table", self._kept_table())

    def _kept_table(self) -> _Table:
        """The table of an equal mixture built lately, else a new one (then kept)."""
        return _TABLES.get((self.components, self.weights, self.knots), self._tabulate)

    # -- exact ----------------------------------------------------------------------------
    def _sum(self, values: Sequence[FloatArray]) -> FloatArray:
        total = np.zeros_like(values[0])
        for w, v in zip(self.weights, values, strict=True):
            total = total + w * v
        return total

    def cdf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        return np.clip(self._sum([c.cdf(x) for c in self.components]), 0.0, 1.0)

    def sf(self, x: ArrayLike) -> FloatArray:  # noqa: D102
        x = np.asarray(x, dtype=np.float64)
        return np.clip(self._sum([c.sf(x) for c in self.components]), 0.0, 1.0)

    def cdf_left(self, x: ArrayLike) -> FloatArray:
        """``P(X < x)``: the CDF without the point mass at `x` itself."""
        x = np.asarray(x, dtype=np.float64)
        out = self.cdf(x)
        for value, mass in self.atoms():
            out = out - np.where(x == value, mass, 0.0)
        return np.clip(out, 0.0, 1.0)

    def pdf(self, x: ArrayLike) -> FloatArray:
        """The weighted sum of the components' densities.

        Raises
        ------
        ValueError
            When a component has a point mass.
        """
        if self.atoms():
            raise ValueError("a mixture with point masses has no density")
        x = np.asarray(x, dtype=np.float64)
        return self._sum([c.pdf(x) for c in self.components])

    def atoms(self) -> tuple[tuple[float, float], ...]:  # noqa: D102
        return self._atoms

    # The components' atoms, support ends and quartiles, asked for by every solve (dozens
    # per table, each a call per component): computed once, kept in the instance
    # ``__dict__`` (outside the dataclass fields: equality, hashing and repr unaffected).
    @functools.cached_property
    def _atoms(self) -> tuple[tuple[float, float], ...]:
        masses: dict[float, float] = {}
        for w, c in zip(self.weights, self.components, strict=True):
            for value, mass in c.atoms():
                masses[value] = masses.get(value, 0.0) + w * mass
        return tuple(sorted(masses.items()))

    def breakpoints(self) -> tuple[float, ...]:  # noqa: D102
        return tuple(sorted({b for c in self.components for b in c.breakpoints()}))

    # -- solving F(x) = q ------------------------------------------------------------------
    @functools.cached_property
    def _support(self) -> tuple[float, float]:
        """The least and greatest values of the components' supports."""
        ends = np.array([c.ppf(np.array([0.0, 1.0])) for c in self.components])
        return float(ends[:, 0].min()), float(ends[:, 1].max())

    def _gap(self, x: FloatArray, z: FloatArray, lower: int) -> FloatArray:
        """The normal score of `x` minus `z`: increasing in `x`, >= 0 from the quantile on.

        The first `lower` points are in the lower half (``z <= 0``), the rest in the upper
        one. Scores are ``ndtri(F(x))`` in the lower half and ``-ndtri(S(x))`` in the upper
        one, each precise in its tail; and on the score scale a lognormal (normal) mixture's
        CDF is nearly linear in ``log x`` (``x``), so regula falsi converges in a few steps
        even far in the tails.
        """
        out = np.empty_like(x)
        # A half with no point is not evaluated: each component's call costs as much as a
        # few thousand points (the iteration's late steps have a few points left). The
        # caller silences the warnings (a probability of 0 or 1 has an infinite score).
        if lower:
            out[:lower] = special.ndtri(self.cdf(x[:lower])) - z[:lower]
        if lower < len(x):
            out[lower:] = -special.ndtri(self.sf(x[lower:])) - z[lower:]
        return out

    def _solve(
        self, z: FloatArray, log: bool, bracket: tuple[FloatArray, FloatArray] | None = None
    ) -> FloatArray:
        """Exact quantiles at normal scores `z`: the least x with ``F(x) >= ndtr(z)``.

        A bracketed Illinois (modified regula falsi) iteration with a bisection step every
        third iteration, so it converges superlinearly on smooth CDFs and never slower than
        bisection at jumps. Without a `bracket`, the mixture's q-quantile lies between its
        components' q-quantiles (widened a little, so that components with tabulated
        quantiles still bracket it).
        """
        q, s = special.ndtr(z), special.ndtr(-z)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if bracket is None:
                members = np.array([c.from_normal(z) for c in self.components])
                lo_x, hi_x = members.min(axis=0), members.max(axis=0)
            else:
                lo_x, hi_x = bracket
            lo_x, hi_x = np.clip(lo_x, -_HUGE, _HUGE), np.clip(hi_x, -_HUGE, _HUGE)
            if log:
                lo_x, hi_x = np.maximum(lo_x, 1e-300), np.maximum(hi_x, 1e-300)
            lo, hi = (np.log(lo_x), np.log(hi_x)) if log else (lo_x, hi_x)
        widen = 1e-3 if bracket is None else 1e-9
        pad = widen * (hi - lo) + 1e-12 * np.maximum(np.abs(lo), np.abs(hi)) + 1e-300
        lo, hi = lo - pad, hi + pad
        to_x = np.exp if log else np.asarray
        # ~1e-15 relative (of x; of log x near x = 1; of the spread near x = 0)
        floor = 1e-15 if log else 1e-16 * self._magnitude
        upper = z > 0
        active = np.isfinite(z) & (q > 0) & (s > 0)
        # The points still iterating, those of the lower half first (so that each half is a
        # slice), with their brackets and gaps, and whether the last step moved the upper end
        # (the lower end stayed) or the lower one: the iteration works on these, and writes
        # a point's bracket back when it is done. Warnings are off for the whole iteration
        # (overflow to inf, 0/0 in a flat stretch: both handled), rather than step by step.
        at = np.concatenate([np.flatnonzero(active & ~upper), np.flatnonzero(active & upper)])
        lower = int(np.count_nonzero(active & ~upper))
        a, b, zs = lo[at], hi[at], z[at]
        moved_hi = moved_lo = np.zeros(at.shape, dtype=bool)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            ga = self._gap(to_x(a), zs, lower)
            gb = self._gap(to_x(b), zs, lower)
            for step in range(300):
                if not at.size:
                    break
                width = b - a
                tol = 4e-16 * np.maximum(np.abs(a), np.abs(b)) + floor
                if step % 3 == 2:
                    t = a + width / 2
                else:
                    t = b - gb * width / (gb - ga)
                    bisect = ~np.isfinite(t)
                    # never closer to an end than half the tolerance: a root found at one
                    # end is then bracketed from the other side at the next step
                    half = tol / 2
                    t = np.clip(t, a + half, b - half)
                    if bisect.any():
                        t = np.where(bisect, a + width / 2, t)
                gt = self._gap(to_x(t), zs, lower)
                reached = gt >= 0
                # Illinois: an end kept twice in a row has its gap halved, so it moves next.
                ga = np.where(reached, np.where(moved_hi, ga / 2, ga), gt)
                gb = np.where(reached, gt, np.where(moved_lo, gb / 2, gb))
                a_next, b_next = np.where(reached, a, t), np.where(reached, t, b)
                moved_hi, moved_lo = reached, ~reached
                finished = (b_next - a_next <= tol) | (t <= a) | (t >= b)
                a, b = a_next, b_next
                if finished.any():
                    done = at[finished]
                    lo[done], hi[done] = a[finished], b[finished]
                    going = ~finished
                    lower = int(np.count_nonzero(going[:lower]))
                    at, a, b, ga, gb, zs, moved_hi, moved_lo = (
                        v[going] for v in (at, a, b, ga, gb, zs, moved_hi, moved_lo))
        lo[at], hi[at] = a, b  # any still going after the last step
        with np.errstate(over="ignore"):
            x, x_lo = to_x(hi), to_x(lo)
        # The iteration closes in on an atom from above; the final bracket, give or take
        # rounding (1e-13 relative), holds the atom's exact value.
        fuzz = 1e-13 * np.maximum(np.abs(x), np.abs(x_lo))
        for value, _ in self.atoms():
            x = np.where((x_lo - fuzz < value) & (value <= x + fuzz), value, x)
        low_end, high_end = self._support
        x = np.where(q == 0, low_end, np.where(s == 0, high_end, x))
        return np.where(np.isnan(z), np.nan, x)

    @functools.cached_property
    def _magnitude(self) -> float:
        """A typical size of the values: the largest component quartile in absolute value."""
        quartiles = np.array([c.ppf(np.array([0.25, 0.75])) for c in self.components])
        return float(np.max(np.abs(quartiles)))

    def _score(self, below: float, above: float) -> float:
        """Normal score of a node with CDF `below` and survival `above`."""
        return float(special.ndtri(below) if below <= 0.5 else -special.ndtri(above))

    def _tabulate(self) -> _Table:
        low_end, _ = self._support
        atoms = dict(self.atoms())
        log = low_end >= 0 and not any(v <= 0 for v in atoms)
        grid = np.union1d(np.linspace(-GRID_Z, GRID_Z, GRID_POINTS),
                          special.ndtri(np.asarray(ANCHORS)))
        xs = [self._solve(grid, log)]
        zs = [grid]
        # Breakpoints get exact nodes: their value is known, their score comes from the CDF.
        values = sorted(v for v in {*self.breakpoints(), *self.knots, *atoms}
                        if math.isfinite(v))
        fx = self.cdf(np.asarray(values, dtype=np.float64))
        sx = self.sf(np.asarray(values, dtype=np.float64))
        knot_z, knot_x = [], []
        for value, below, above in zip(values, fx, sx, strict=True):
            mass = atoms.get(value, 0.0)
            for b, a in {(below - mass, above + mass), (below, above)}:
                if 0 < b < 1 and 0 < a < 1:
                    score = self._score(b, a)
                    if abs(score) <= GRID_Z:
                        knot_z.append(score)
                        knot_x.append(value)
        zs.append(np.asarray(knot_z, dtype=np.float64))
        xs.append(np.asarray(knot_x, dtype=np.float64))
        z, x = np.concatenate(zs), np.concatenate(xs)
        order = np.lexsort((x, z))
        z, x = z[order], np.maximum.accumulate(x[order])
        log = log and bool(np.all(x > 0))
        z, x = self._refine(z, x, log)
        return _Table(z, x, np.log(x) if log else x, log)

    def _refine(self, z: FloatArray, x: FloatArray, log: bool) -> tuple[FloatArray, FloatArray]:
        """Halve every cell whose midpoint the interpolation misses by more than `TABLE_RTOL`.

        The error of linear interpolation shrinks fourfold per halving where the quantile
        function is smooth; steep stretches (the sparse gap between two well-separated
        components) get as many nodes as they need. Jumps and flat stretches are left alone.
        """
        y = np.log(x) if log else x
        # Linear mode judges errors against |x| plus the spread, so zero crossings are fair.
        scale = 0.0 if log else float(np.interp(1.0, z, x) - np.interp(-1.0, z, x))
        cell = (np.diff(z) > 0) & (np.diff(y) > 0)
        z0, z1, y0, y1 = z[:-1][cell], z[1:][cell], y[:-1][cell], y[1:][cell]
        new_z, new_x = [z], [x]
        for _ in range(REFINE_ROUNDS):
            # a cell holding too little probability is not halved, whatever its error: its
            # midpoint is not solved for
            held = np.where(z1 <= 0, special.ndtr(z1) - special.ndtr(z0),
                            special.ndtr(-z0) - special.ndtr(-z1))
            halvable = held > MIN_CELL_PROBABILITY
            if not halvable.all():
                z0, z1, y0, y1 = z0[halvable], z1[halvable], y0[halvable], y1[halvable]
            if not z0.size:
                break
            zm = z0 + (z1 - z0) / 2
            # the quantile at the midpoint lies between those at the cell's ends
            ends = (np.exp(y0), np.exp(y1)) if log else (y0, y1)
            xm = self._solve(zm, log, ends)
            with np.errstate(divide="ignore"):
                ym = np.log(xm) if log else xm
            error = np.abs(ym - (y0 + (y1 - y0) / 2)) / (1.0 if log else np.abs(xm) + scale)
            bad = error > TABLE_RTOL
            new_z.append(zm[bad])
            new_x.append(xm[bad])
            z0, zm, z1 = z0[bad], zm[bad], z1[bad]
            y0, ym, y1 = y0[bad], ym[bad], y1[bad]
            z0, z1 = np.concatenate([z0, zm]), np.concatenate([zm, z1])
            y0, y1 = np.concatenate([y0, ym]), np.concatenate([ym, y1])
        z, x = np.concatenate(new_z), np.concatenate(new_x)
        order = np.lexsort((x, z))
        return z[order], np.maximum.accumulate(x[order])

    # -- quantiles -------------------------------------------------------------------------
    def from_normal(self, z: FloatArray) -> FloatArray:  # noqa: D102
        z = np.asarray(z, dtype=np.float64)
        flat = np.atleast_1d(z).ravel()
        t = self._table
        out = np.empty_like(flat)
        inside = (flat >= t.z[0]) & (flat <= t.z[-1])
        zi = flat[inside]
        k = np.searchsorted(t.z, zi, side="left")  # first node at or above zi
        values = t.x[k]  # exact at a node, and across a flat stretch (an atom)
        between = np.flatnonzero((t.z[k] != zi) & (t.y[k - 1] != t.y[k]))
        kb = k[between]
        z0, z1, y0, y1 = t.z[kb - 1], t.z[kb], t.y[kb - 1], t.y[kb]
        y = y0 + (y1 - y0) * ((zi[between] - z0) / (z1 - z0))
        with np.errstate(over="ignore"):
            values[between] = np.exp(y) if t.log else y
        out[inside] = values
        outside = ~inside
        if np.any(outside):
            exact = self._solve(flat[outside], t.log)
            # never inside the table's range: keep monotone against its end nodes
            ends = t.x[[0, -1]]
            out[outside] = np.where(flat[outside] < 0, np.minimum(exact, ends[0]),
                                    np.maximum(exact, ends[1]))
            out[outside & np.isnan(flat)] = np.nan
        return out.reshape(z.shape)

    def ppf(self, q: ArrayLike) -> FloatArray:  # noqa: D102
        return self.from_normal(special.ndtri(np.asarray(q, dtype=np.float64)))

    def _isf(self, q: FloatArray) -> FloatArray:
        return self.from_normal(-special.ndtri(np.asarray(q, dtype=np.float64)))

    def with_knots(self, knots: Sequence[float]) -> Mixture:
        """The same mixture with exact table nodes at `knots` too (a truncation's bounds)."""
        finite = tuple(float(k) for k in knots if math.isfinite(k))
        return Mixture(self.components, self.weights, self.knots + finite)

    def describe(self) -> str:  # noqa: D102
        parts = "; ".join(
            f"{plain(100 * w, 3)}% {c.describe()}"
            for w, c in zip(self.weights, self.components, strict=True)
        )
        return f"mixture of {len(self.components)}: {parts}"
