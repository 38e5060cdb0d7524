"""Writing a results folder (the only module that writes files) and reading one back.

A folder is written whole or not at all: files go to a hidden staging folder beside it,
which then takes the place of the old one in one atomic exchange of the two (Linux
``renameat2``; elsewhere two renames). A run killed at any moment leaves either the old
results or the new ones in place, never a mix; its staging folder is deleted by the next
write. `results_lock` keeps two runs from writing one folder at once. Results made from a
different config are never replaced without ``force``.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from uncertainty.errors import ResultsError
from uncertainty.runtime import interrupts

__all__ = [
    "DRAWS_FILE",
    "SavedResults",
    "check_replaceable",
    "draws_bytes",
    "load_results",
    "lock_path",
    "results_lock",
    "saved_table",
    "write_results",
]


def _recorded_config(folder: Path) -> str | None:
    """The config hash a results folder was made from; None if it is not one of ours."""
    try:
        document = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        return str(document["provenance"]["config_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_replaceable(folder: Path, config_sha256: str, *, force: bool) -> None:
    """Refuse to replace `folder` unless it is absent, ours from the same config, or forced.

    Raises
    ------
    ResultsError
        When `folder` holds something else: another config's results, or files that are
        not results of this tool.
    """
    if force or not os.path.lexists(folder):
        return
    if not folder.is_dir():
        raise ResultsError(str(folder), "exists and is not a folder; use --out elsewhere")
    recorded = _recorded_config(folder)
    if recorded == config_sha256:
        return
    if recorded is None:
        what = "holds files that are not results of this tool"
    else:
        what = f"holds results of a different config (sha256 {recorded[:12]})"
    raise ResultsError(
        str(folder), f"{what}; use --force to replace them, or --out to write elsewhere"
    )


def write_results(
    folder: Path, files: Mapping[str, bytes], *, config_sha256: str, force: bool = False
) -> None:
    """Atomically replace `folder` with a folder holding exactly `files`.

    Parameters
    ----------
    folder : Path
        Destination; its parent is created when missing.
    files : mapping of str to bytes
        File name to content.
    config_sha256 : str
        Hash of the config the results come from (see `check_replaceable`).
    force : bool
        Replace results of a different config too.

    Raises
    ------
    ResultsError
        As `check_replaceable`, or when the folder cannot be written.
    """
    check_replaceable(folder, config_sha256, force=force)
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _sweep_leftovers(folder)
        staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{folder.name}.{os.getpid()}.",
                                        dir=parent))
        # mkdtemp makes the folder private (0700); results get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        staged = os.lstat(staging)  # what identifies the new folder once it is in place
    except OSError as exc:
        raise ResultsError(str(folder), f"cannot write here: {exc.strerror}") from None
    try:
        for name, content in files.items():
            with open(staging / name, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_dir(staging)
        # The last moment to stop: an interrupt that a finalizer swallowed stops it here.
        interrupts.check()
        if not os.path.lexists(folder):
            os.replace(staging, folder)
        elif _exchange(staging, folder):
            shutil.rmtree(staging, ignore_errors=True)  # now the old results
        else:
            _replace_in_two_steps(staging, folder)
        interrupts.wrote(str(folder))  # an interrupt before this line: see below
        _fsync_dir(parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ResultsError(str(folder), f"cannot write results: {exc.strerror}") from None
    except KeyboardInterrupt:
        # Nothing of an interrupted run stays, unless its results were already in place
        # (the staging folder then holds the old ones, or is gone): they are whole, and
        # the command line says so (`interrupts.written`). The folder's identity, not
        # which line was reached, tells: the interrupt can come just as a rename returns.
        if _is(folder, staged):
            interrupts.wrote(str(folder))
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _is(path: Path, stat: os.stat_result) -> bool:
    """Whether `path` is the file or folder `stat` was taken of (renames keep that)."""
    try:
        now = os.lstat(path)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (stat.st_dev, stat.st_ino)


#: Prefix of the hidden folders a write stages its files in, beside the results folder.
_STAGING = ".staging-"

_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    False where the system cannot (no such call, or a file system without it): the caller
    falls back to two renames.
    """
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _replace_in_two_steps(staging: Path, folder: Path) -> None:
    """Move the old folder aside, the new one in place, then delete the old one.

    Used only where the atomic exchange is not available: between the two renames the
    results folder is briefly absent (the old results wait beside it).
    """
    retired = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{folder.name}.{os.getpid()}.old.",
                                    dir=folder.parent))
    old = retired / folder.name
    try:
        os.replace(folder, old)
        os.replace(staging, folder)
    except BaseException:
        # An error or a Ctrl-C before the new results got in: the old ones go back.
        if not os.path.lexists(folder) and os.path.lexists(old):
            os.replace(old, folder)
        raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def _sweep_leftovers(folder: Path) -> None:
    """Delete staging folders that killed runs left beside `folder`.

    A staging folder's name carries its process id; one whose process is gone is a
    leftover (a live run's is kept).
    """
    prefix = f"{_STAGING}{folder.name}."
    for leftover in folder.parent.glob(f"{prefix}*"):
        pid = leftover.name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    """Make a folder's entries durable (a rename is not, until its folder is synced)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def lock_path(folder: Path) -> Path:
    """The lock file that marks a run writing `folder`.

    It lives in the system's temporary folder, named by a hash of the folder's absolute
    path, so a run leaves nothing beside its results (not even when it fails before
    writing them).
    """
    key = hashlib.sha256(os.fsencode(os.path.abspath(folder))).hexdigest()[:32]
    return Path(tempfile.gettempdir()) / f"uncertainty-{os.getuid()}" / f"{key}.lock"


@contextmanager
def _lock(folder: Path, *, wait: bool) -> Iterator[None]:
    path = lock_path(folder)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise ResultsError(str(folder), f"another run (pid {holder}) is writing these "
                               "results; wait for it to finish, or use --out to write "
                               "elsewhere") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock, also when the process is killed


@contextmanager
def results_lock(folder: Path) -> Iterator[None]:
    """Hold `folder` for one run, from before its work until its results are written.

    A second run writing the same folder meanwhile fails at once with `ResultsError`
    (one wins, the other reports the conflict); the lock dies with its process, so a
    killed run never blocks the next.
    """
    if sys.platform == "win32":  # pragma: no cover - no fcntl
        yield
        return
    with _lock(folder, wait=False):
        yield


#: File name of saved draws in a results folder.
DRAWS_FILE = "draws.nc"


def draws_bytes(draws: xr.Dataset) -> bytes:
    """The draws as netCDF bytes (netCDF-3 via scipy: no extra dependency).

    netCDF attributes cannot hold lists, so each variable's ``view_sources`` is stored as
    JSON text; `load_results` turns it back.
    """
    encoded = draws.copy()
    for name in encoded.data_vars:
        attrs = dict(encoded[name].attrs)
        if "view_sources" in attrs:
            attrs["view_sources"] = json.dumps(list(attrs["view_sources"]))
        encoded[name].attrs = attrs
    out = encoded.to_netcdf(engine="scipy")
    return bytes(out if not isinstance(out, memoryview) else out.tobytes())


def saved_table(name: str) -> str:
    """The file name of the copy of table `name` in a results folder."""
    return f"table-{name}.csv"


@dataclass(frozen=True)
class SavedResults:
    """A results folder read back: the exact config bytes, the summary, the draws if saved."""

    folder: Path
    config: bytes
    summary: dict[str, Any]
    draws: xr.Dataset | None

    def read_table(self, name: str, _file: str) -> bytes:
        """The saved copy of table `name` (a `uncertainty.config.loader.TableReader`)."""
        return (self.folder / saved_table(name)).read_bytes()


def load_results(folder: Path, *, draws: bool = True) -> SavedResults:
    """Read a results folder written by `write_results` (its saved draws only if `draws`).

    Raises
    ------
    ResultsError
        When the folder is not a results folder of this tool.
    """
    try:
        config = (folder / "config.toml").read_bytes()
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ResultsError(str(folder), "is not a results folder of this tool (no readable "
                           "config.toml and summary.json)") from None
    found = None
    if draws and (folder / DRAWS_FILE).exists():
        with xr.open_dataset(folder / DRAWS_FILE, engine="scipy") as saved:
            found = saved.load()
        for name in found.data_vars:
            if "view_sources" in found[name].attrs:
                found[name].attrs["view_sources"] = json.loads(found[name].attrs["view_sources"])
    return SavedResults(folder, config, summary, found)
