"""Rank correlations between estimates, imposed with a Gaussian copula.

Every estimate is drawn as ``distribution.from_normal(z)`` from one latent standard normal
``z``. Correlating the latent normals of a group of estimates (``z = L @ independent``, with
``L`` the Cholesky factor of their latent correlation matrix) correlates their ranks while
leaving every marginal exactly as specified. A requested Spearman rank correlation
``rho`` becomes the latent Pearson correlation ``2 sin(pi rho / 6)``, which gives exactly
that rank correlation for a Gaussian copula.

Estimates linked by correlations form groups (connected components); each group gets its
own matrix, ordered by (source, quantity), so the first member keeps its own stream.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from uncertainty.errors import ConfigError
from uncertainty.model.core import Correlation

__all__ = ["CopulaGroup", "CopulaPlan", "nearest_correlation", "plan_copula"]

Key = tuple[str, str]


def _latent(rho: float) -> float:
    return 2 * math.sin(math.pi * rho / 6)


def _rank(r: float) -> float:
    return 6 / math.pi * math.asin(r / 2)


@dataclass(frozen=True)
class CopulaGroup:
    """Estimates whose latent normals are correlated together.

    Parameters
    ----------
    members : tuple of (source, quantity)
        Sorted.
    factor : ndarray
        Lower-triangular Cholesky factor of the latent correlation matrix.
    """

    members: tuple[Key, ...]
    factor: NDArray[np.float64]


@dataclass(frozen=True)
class CopulaPlan:
    """How a model's correlations are imposed.

    Parameters
    ----------
    groups : tuple of CopulaGroup
    used : tuple of (name, requested rho, rho used)
        Differs from the request only where ``repair = true`` changed the matrix.
    repaired : bool
        Whether the nearest valid matrix replaced the requested one.
    """

    groups: tuple[CopulaGroup, ...] = ()
    used: tuple[tuple[str, float, float], ...] = ()
    repaired: bool = False


def nearest_correlation(a: NDArray[np.float64], *, floor: float = 1e-8,
                        tol: float = 1e-12, max_iter: int = 10_000) -> NDArray[np.float64]:
    """Nearest correlation matrix in the Frobenius norm (Higham 2002, with Dykstra's step).

    Alternates projections onto the matrices with eigenvalues ``>= floor`` and those with a
    unit diagonal. The result is symmetric, has a unit diagonal and is positive definite.
    """
    y = a.copy()
    correction = np.zeros_like(a)
    for _ in range(max_iter):
        r = y - correction
        w, v = np.linalg.eigh(r)
        x = (v * np.maximum(w, floor)) @ v.T
        correction = x - r
        previous = y
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if float(np.linalg.norm(y - previous)) <= tol * max(1.0, float(np.linalg.norm(y))):
            break
    y = (y + y.T) / 2
    w, v = np.linalg.eigh(y)
    y = (v * np.maximum(w, floor)) @ v.T
    d = np.sqrt(np.diag(y))
    return np.asarray(y / np.outer(d, d), dtype=np.float64)


def _components(correlations: Iterable[Correlation]) -> list[list[Correlation]]:
    parent: dict[Key, Key] = {}

    def find(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            k = parent[k]
        return k

    items = list(correlations)
    for c in items:
        parent[find(c.a)] = find(c.b)
    groups: dict[Key, list[Correlation]] = {}
    for c in items:
        groups.setdefault(find(c.a), []).append(c)
    return list(groups.values())


def _is_pd(m: NDArray[np.float64]) -> bool:
    return bool(np.linalg.eigvalsh(m).min() > 1e-10)


def plan_copula(correlations: tuple[Correlation, ...], *, repair: bool = False) -> CopulaPlan:
    """Check the correlations and prepare their Cholesky factors.

    Raises
    ------
    ConfigError
        When a group's correlations cannot hold together (the latent matrix is not positive
        definite) and `repair` is false; the message names the entries whose removal would
        resolve it, or all entries of the group when no single one does.
    """
    groups, used, repaired = [], [], False
    for component in _components(correlations):
        members = tuple(sorted({k for c in component for k in (c.a, c.b)}))
        index = {k: i for i, k in enumerate(members)}
        matrix = np.eye(len(members))
        for c in component:
            i, j = index[c.a], index[c.b]
            matrix[i, j] = matrix[j, i] = _latent(c.rho)
        if not _is_pd(matrix):
            if not repair:
                raise _conflict(component, matrix, index)
            matrix = nearest_correlation(matrix)
            repaired = True
        for c in component:
            used.append((c.name, c.rho, _rank(float(matrix[index[c.a], index[c.b]]))))
        factor = np.asarray(np.linalg.cholesky(matrix), dtype=np.float64)
        groups.append(CopulaGroup(members, factor))
    return CopulaPlan(tuple(groups), tuple(used), repaired)


def _conflict(component: list[Correlation], matrix: NDArray[np.float64],
              index: dict[Key, int]) -> ConfigError:
    culprits = []
    for c in component:
        trial = matrix.copy()
        i, j = index[c.a], index[c.b]
        trial[i, j] = trial[j, i] = 0.0
        if _is_pd(trial):
            culprits.append(c.name)
    names = culprits or [c.name for c in component]
    smallest = float(np.linalg.eigvalsh(matrix).min())
    return ConfigError(
        f"correlations.{names[0]}",
        f"correlations {', '.join(names)} cannot all hold together (the latent correlation "
        f"matrix of {', '.join(c.name for c in component)} has eigenvalue {smallest:.3g} "
        "< 0); weaken one, or set repair = true in [correlations] to use the nearest valid "
        "matrix",
    )
