"""A fixed table looked up at many points: ``np.interp`` and ``np.searchsorted``, bit for bit.

Both numpy functions find each point's cell by a binary search of the nodes, one point at a
time: about 40 ns a point on a table of 1,000 nodes. A density tabulated once and evaluated
at every draw and quadrature node (`uncertainty.distributions.increment`) spent most of its
time there, twice over as it needs both. A `Table` finds the cells of all the points at
once: a first guess from evenly spaced buckets over the nodes (the count of nodes at the
bucket's lower edge), then a few steps up, each a vectorized comparison with the next node.
Every point is then checked against the nodes either side, and any point the steps did not
settle (a table far from evenly spaced, NaN) is searched by ``np.searchsorted`` itself. The
interpolation is then np.interp's own formula, ``slope * (x - xp[j]) + fp[j]``, with its
slopes and special cases: the same operations in the same order, so the same bits
(``tests/test_lookup.py`` checks that against numpy on the machine it runs on).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MAX_STEPS", "Table"]

#: Most steps from a point's first guess to its cell (a full pass over the points each).
MAX_STEPS = 4

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


class Table:
    """Nodes ``xp`` and their values ``fp``, to be looked up at many points.

    The fast path needs what np.interp's results assume: 1-D arrays of one length, at least
    2 nodes, finite nodes and values, nodes strictly increasing; and points in an array of
    at least one dimension. Any other table, and a single point, is looked up by numpy
    itself, with numpy's results (a numpy scalar for a point) and errors.
    """

    def __init__(self, xp: ArrayLike, fp: ArrayLike) -> None:
        xp = np.array(xp, dtype=np.float64)
        fp = np.array(fp, dtype=np.float64)
        xp.flags.writeable = fp.flags.writeable = False
        self.xp, self.fp = xp, fp
        paired = xp.ndim == 1 and fp.shape == xp.shape
        # np.interp does not warn (a subnormal cell's slope overflows to inf there too)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            #: The slope of each cell, as np.interp computes it.
            self.slopes = np.diff(fp) / np.diff(xp) if paired else np.empty(0)
        n = len(xp) if paired else 0
        self._fast = bool(n >= 2 and np.all(np.isfinite(xp))
                          and np.all(np.isfinite(fp)) and np.all(np.diff(xp) > 0))
        if not self._fast:
            return
        # For a count k of nodes at or below x: the node below (k - 1) and the next (k).
        # Past either end they compare as nothing does (-inf below; NaN, never <= x, above).
        self._below = np.concatenate([[-np.inf], xp])
        self._above = np.concatenate([xp, [np.nan]])
        self._node_below = np.concatenate([[np.nan], xp])  # equal to nothing below xp[0]
        # n buckets evenly over [xp[0], xp[-1]]; each one's guess is the count at its lower
        # edge, and a point's count exceeds it by at most the nodes inside its bucket.
        self._origin, self._per = float(xp[0]), n / float(xp[-1] - xp[0])
        edges = xp[0] + np.arange(n) / self._per
        self._guess = np.searchsorted(xp, edges, side="right")
        # Steps enough for the fullest bucket, up to `MAX_STEPS`: the points of fuller ones
        # are searched.
        self._steps = min(int(np.max(np.diff(np.append(self._guess, n)))), MAX_STEPS)

    def right(self, x: FloatArray) -> IntArray:
        """``np.searchsorted(xp, x, side="right")``: how many nodes are at or below each x."""
        x = np.asarray(x, dtype=np.float64)
        if not self._fast or not x.ndim:
            return np.searchsorted(self.xp, x, side="right")
        with np.errstate(over="ignore", invalid="ignore"):
            bucket = np.subtract(x, self._origin)
            bucket *= self._per
        # NaN to bucket 0 (fmax ignores it); past either end to the end bucket
        np.fmax(bucket, 0.0, out=bucket)
        np.fmin(bucket, len(self._guess) - 1, out=bucket)
        k = np.take(self._guess, bucket.astype(np.intp))
        for _ in range(self._steps):
            k += np.take(self._above, k) <= x
        settled = np.take(self._below, k) <= x
        settled &= ~(np.take(self._above, k) <= x)
        # Unsettled: NaN (numpy sorts it last), a point of a bucket fuller than the steps
        # reach, or one rounded into the bucket above its own with a node in between.
        if not settled.all():
            off = ~settled
            k[off] = np.searchsorted(self.xp, x[off], side="right")
        return k

    def left(self, x: FloatArray, right: IntArray | None = None) -> IntArray:
        """``np.searchsorted(xp, x, side="left")``: how many nodes are below each x.

        `right`, when known, is ``self.right(x)``.
        """
        x = np.asarray(x, dtype=np.float64)
        if not self._fast or not x.ndim:
            return np.searchsorted(self.xp, x, side="left")
        k = self.right(x) if right is None else right
        left: IntArray = k - (np.take(self._node_below, k) == x)
        return left

    def interp(self, x: FloatArray, right: IntArray | None = None) -> FloatArray:
        """``np.interp(x, xp, fp)``, bit for bit. `right`, when known, is ``self.right(x)``."""
        x = np.asarray(x, dtype=np.float64)
        if not self._fast or not x.ndim:
            found: FloatArray = np.interp(x, self.xp, self.fp)
            return found
        k = self.right(x) if right is None else right
        n = len(self.xp)
        j = np.clip(k - 1, 0, n - 2)  # numpy's cell, xp[j] <= x < xp[j + 1], inside
        at = np.take(self.xp, j)
        start = np.take(self.fp, j)
        with np.errstate(over="ignore", invalid="ignore"):
            out: FloatArray = np.subtract(x, at)
            out *= np.take(self.slopes, j)
            out += start
        # numpy's special cases: a node's own value at a node (no 0 * slope), fp[0] below
        # the table, fp[-1] from its last node on, and NaN for NaN. Inside, with finite
        # nodes and values, the formula cannot give NaN, so numpy's retry never applies.
        np.copyto(out, start, where=at == x)
        np.copyto(out, self.fp[0], where=k == 0)
        np.copyto(out, self.fp[-1], where=k == n)
        np.copyto(out, x, where=np.isnan(x))
        return out
