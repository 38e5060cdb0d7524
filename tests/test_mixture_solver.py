"""The mixture's quantile solver against a plain transcription of its iteration: same bits.

`Mixture._solve` iterates on the points still going, lower half first, and skips work
the plain iteration does and then discards. `plain_solve` below is that plain iteration
(every array the grid's size, the active points gathered and scattered at each step, as
the solver was first written); the two must agree byte for byte, at normal scores over
the whole table and beyond it, bracketed (as when refining) and not, for mixtures with
every feature the solver handles: a log and a linear table, a gap between components, a
point mass, a scipy-backed component, a truncation.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import special

from uncertainty.distributions import (
    Gamma,
    LogNormal,
    Mixture,
    Normal,
    Point,
    Triangular,
    TruncNormal,
    Uniform,
)
from uncertainty.distributions.tabulated import _HUGE

F = NDArray[np.float64]


def plain_gap(m: Mixture, x: F, z: F, upper: NDArray[np.bool_]) -> F:
    out = np.empty_like(x)
    lower = ~upper
    with np.errstate(divide="ignore"):
        if lower.any():
            out[lower] = special.ndtri(m.cdf(x[lower])) - z[lower]
        if upper.any():
            out[upper] = -special.ndtri(m.sf(x[upper])) - z[upper]
    return out


def plain_solve(m: Mixture, z: F, log: bool, bracket: tuple[F, F] | None = None) -> F:
    """The solver's iteration as first written (a transcription, not an import)."""
    q, s = special.ndtr(z), special.ndtr(-z)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if bracket is None:
            members = np.array([c.from_normal(z) for c in m.components])
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
    quartiles = np.array([c.ppf(np.array([0.25, 0.75])) for c in m.components])
    floor = 1e-15 if log else 1e-16 * float(np.max(np.abs(quartiles)))
    upper = z > 0
    active = np.isfinite(z) & (q > 0) & (s > 0)
    idx = np.flatnonzero(active)
    g_lo, g_hi = np.zeros_like(lo), np.zeros_like(hi)
    with np.errstate(over="ignore"):
        g_lo[idx] = plain_gap(m, to_x(lo[idx]), z[idx], upper[idx])
        g_hi[idx] = plain_gap(m, to_x(hi[idx]), z[idx], upper[idx])
    kept = np.zeros(z.shape, dtype=np.int8)
    for step in range(300):
        idx = np.flatnonzero(active)
        if not idx.size:
            break
        a, b, ga, gb = lo[idx], hi[idx], g_lo[idx], g_hi[idx]
        tol = 4e-16 * np.maximum(np.abs(a), np.abs(b)) + floor
        with np.errstate(divide="ignore", invalid="ignore"):
            t = b - gb * (b - a) / (gb - ga)
        bisect = (step % 3 == 2) | ~np.isfinite(t)
        with np.errstate(over="ignore", invalid="ignore"):
            t = np.where(bisect, a + (b - a) / 2, np.clip(t, a + tol / 2, b - tol / 2))
        with np.errstate(over="ignore"):
            gt = plain_gap(m, to_x(t), z[idx], upper[idx])
        reached = gt >= 0
        k = kept[idx]
        g_lo[idx] = np.where(reached, np.where(k == -1, ga / 2, ga), gt)
        g_hi[idx] = np.where(reached, gt, np.where(k == 1, gb / 2, gb))
        lo[idx], hi[idx] = np.where(reached, a, t), np.where(reached, t, b)
        kept[idx] = np.where(reached, -1, 1)
        finished = (hi[idx] - lo[idx] <= tol) | (t <= a) | (t >= b)
        active[idx[finished]] = False
    with np.errstate(over="ignore"):
        x, x_lo = to_x(hi), to_x(lo)
    fuzz = 1e-13 * np.maximum(np.abs(x), np.abs(x_lo))
    for value, _ in m.atoms():
        x = np.where((x_lo - fuzz < value) & (value <= x + fuzz), value, x)
    ends = np.array([c.ppf(np.array([0.0, 1.0])) for c in m.components])
    low_end, high_end = float(ends[:, 0].min()), float(ends[:, 1].max())
    x = np.where(q == 0, low_end, np.where(s == 0, high_end, x))
    return np.where(np.isnan(z), np.nan, x)


MIXTURES = {
    "lognormals": ((LogNormal(8_000.0, 0.25), LogNormal(12_000.0, 0.17)), (0.3, 0.7)),
    "far apart": ((LogNormal(1.0, 0.3), LogNormal(1e3, 0.3)), (1.0, 1.0)),
    "normal and uniform (linear)": ((Normal(-3.0, 1.0), Uniform(5.0, 6.0)), (1.0, 1.0)),
    "point mass and lognormal": ((Point(0.0), LogNormal(1e4, 0.3)), (0.3, 0.7)),
    # infinite gaps at both ends of a bracket: the regula falsi point is NaN, bisected
    "two point masses": ((Point(5.0), Point(10.0)), (0.3, 0.7)),
    "gamma, triangular, truncated normal": (
        (Gamma(2.0, 3.0), Triangular(0.0, 2.0, 10.0), TruncNormal(3.0, 2.0, 0.0)),
        (1.0, 2.0, 1.0)),
}


@pytest.mark.parametrize("name", MIXTURES)
def test_the_solver_gives_the_plain_iterations_bits(name: str) -> None:
    m = Mixture(*MIXTURES[name])
    log = m._table.log
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.uniform(-9.5, 9.5, 150), [-np.inf, np.inf, np.nan, 0.0, -0.0]])
    solved, plain = m._solve(z, log), plain_solve(m, z, log)
    assert solved.tobytes() == plain.tobytes()
    # bracketed, as a refining round calls it: the cells of the table around random scores
    t = m._table
    cell = rng.integers(1, len(t.z), 200)
    zm = t.z[cell - 1] + (t.z[cell] - t.z[cell - 1]) / 2
    bracket = (t.x[cell - 1], t.x[cell])
    solved, plain = m._solve(zm, log, bracket), plain_solve(m, zm, log, bracket)
    assert solved.tobytes() == plain.tobytes()
