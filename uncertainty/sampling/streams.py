"""Random streams keyed by names, drawn in fixed-size blocks.

Every stream is identified by a tuple of names (``("estimate", "us_intel", "ua.kia")``),
never by a position, and is a sequence of blocks of `BLOCK_SIZE` draws. Block ``b`` comes
from its own generator, seeded by ``SeedSequence(seed, spawn_key=(*hash(names), b))``. So:

- reordering a config, or adding a source, changes no other stream;
- the first N draws of a longer run equal an N-draw run exactly;
- blocks are independent units of work, drawn in any order or in parallel: `draw_streams`
  fills every block of several streams concurrently, each block its own slice of the
  output, so the numbers are the same for any thread count by construction;
- any block can be drawn alone (`draw_blocks`): a run too large for memory regenerates
  the blocks it needs, pass after pass, with the very same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from uncertainty.runtime.parallel import thread_map

__all__ = ["BLOCK_SIZE", "draw_blocks", "draw_streams", "standard_normal", "stream_key",
           "uniform"]

#: Draws per block. Part of the reproducibility contract: changing it changes every number.
BLOCK_SIZE = 1 << 16

FloatArray = NDArray[np.float64]
#: What a stream draws: standard normals, or uniforms on [0, 1).
Kind = Literal["normal", "uniform"]


def stream_key(names: tuple[str, ...]) -> tuple[int, ...]:
    """128 bits of SHA-256 over the names, as four 32-bit words for a spawn key."""
    digest = hashlib.sha256("\x1f".join(names).encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def _fill_block(seed: int, key: tuple[int, ...], b: int, kind: Kind, out: FloatArray) -> None:
    """Draw block `b` of the stream with spawn key `key` into `out` (at most one block)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(*key, b))))
    if kind == "normal":
        rng.standard_normal(out=out)
    else:
        rng.random(out=out)


def draw_streams(seed: int, streams: Sequence[tuple[Kind, tuple[str, ...]]], n: int, *,
                 threads: int = 1) -> list[FloatArray]:
    """`n` draws of each stream in `streams`, every block of every stream drawn in parallel.

    Parameters
    ----------
    seed : int
        Run seed (non-negative).
    streams : sequence of (kind, names)
        ``kind`` is ``"normal"`` (standard normal) or ``"uniform"`` (on [0, 1)); ``names``
        identify the stream.
    n : int
        Draws per stream.
    threads : int
        Threads to use; the draws are the same for any count.

    Returns
    -------
    list of ndarray
        One array of `n` draws per stream, in the order of `streams`.
    """
    outs = [np.empty(n, dtype=np.float64) for _ in streams]
    keys = [stream_key(names) for _, names in streams]
    jobs = [(i, b, start) for i in range(len(streams))
            for b, start in enumerate(range(0, n, BLOCK_SIZE))]

    def fill(job: tuple[int, int, int]) -> None:
        i, b, start = job
        _fill_block(seed, keys[i], b, streams[i][0], outs[i][start : start + BLOCK_SIZE])

    thread_map(fill, jobs, threads)
    return outs


def draw_blocks(seed: int, streams: Sequence[tuple[Kind, tuple[str, ...]]],
                blocks: Sequence[int], *, threads: int = 1) -> list[FloatArray]:
    """Whole blocks of each stream, in the order asked: a range of draws, not a prefix.

    Parameters
    ----------
    seed : int
        Run seed (non-negative).
    streams : sequence of (kind, names)
        As in `draw_streams`.
    blocks : sequence of int
        Block indices (non-negative); block ``b`` covers draws ``[b * BLOCK_SIZE,
        (b + 1) * BLOCK_SIZE)`` of every stream.
    threads : int
        Threads to use; the draws are the same for any count.

    Returns
    -------
    list of ndarray
        One array of ``len(blocks) * BLOCK_SIZE`` draws per stream: ``blocks[j]`` fills
        ``[j * BLOCK_SIZE, (j + 1) * BLOCK_SIZE)``, with exactly the draws `draw_streams`
        gives at those positions of the stream.
    """
    outs = [np.empty(len(blocks) * BLOCK_SIZE, dtype=np.float64) for _ in streams]
    keys = [stream_key(names) for _, names in streams]
    jobs = [(i, j, b) for i in range(len(streams)) for j, b in enumerate(blocks)]

    def fill(job: tuple[int, int, int]) -> None:
        i, j, b = job
        _fill_block(seed, keys[i], b, streams[i][0],
                    outs[i][j * BLOCK_SIZE : (j + 1) * BLOCK_SIZE])

    thread_map(fill, jobs, threads)
    return outs


def standard_normal(seed: int, names: tuple[str, ...], n: int, *,
                    threads: int = 1) -> FloatArray:
    """`n` standard-normal draws of the stream named `names` under run seed `seed`."""
    return draw_streams(seed, [("normal", names)], n, threads=threads)[0]


def uniform(seed: int, names: tuple[str, ...], n: int, *, threads: int = 1) -> FloatArray:
    """`n` uniform draws on [0, 1) of the stream named `names` under run seed `seed`."""
    return draw_streams(seed, [("uniform", names)], n, threads=threads)[0]
