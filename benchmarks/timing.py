"""What the in-process benchmarks time with: the best wall time of repeated calls."""

from __future__ import annotations

import time
from collections.abc import Callable


def best(func: Callable[[], object], repeat: int) -> float:
    """Seconds of the fastest of `repeat` calls of `func`, after one untimed call."""
    func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
