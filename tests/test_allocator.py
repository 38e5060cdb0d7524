"""The command line's allocator settings (`uncertainty.runtime.allocator`, glibc).

Each check runs in a fresh process, whose malloc has its default settings: a 16 MiB array
is then mapped afresh (glibc's first threshold is 128 KiB), and after `tune_allocator` it
comes from the heap, where a freed one is reused instead of being faulted in again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from uncertainty.cli import main

SEED = Path(__file__).parents[1] / "configs" / "seed-article-2025.toml"

MAPPED = textwrap.dedent("""
    import ctypes, sys
    import numpy as np
    from uncertainty.runtime.allocator import tune_allocator

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    if sys.argv[1] == "tuned":
        assert tune_allocator()
    before = libc.mallinfo2().hblkhd  # bytes in mapped blocks
    array = np.ones(2 << 20)  # 16 MiB
    print(libc.mallinfo2().hblkhd - before)
""")


def _mapped_bytes_of_a_16_mib_array(setting: str) -> int:
    # Without the MALLOC_* variables a process may inherit: a Dask local cluster's nannies
    # set them in this process's environment for the workers they start.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", MAPPED, setting], capture_output=True,
                          text=True, check=True, timeout=60, env=environ)
    return int(done.stdout)


def test_a_16_mib_array_comes_from_the_heap_once_tuned() -> None:
    assert _mapped_bytes_of_a_16_mib_array("default") >= 16 << 20
    assert _mapped_bytes_of_a_16_mib_array("tuned") == 0


def test_the_command_line_tunes_its_process(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    monkeypatch.setattr("uncertainty.runtime.allocator.tune_allocator",
                        lambda: calls.append(True) or True)
    result = CliRunner().invoke(main, ["validate", str(SEED)])
    assert result.exit_code == 0, result.output
    assert calls == [True]
