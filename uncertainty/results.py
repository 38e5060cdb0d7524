"""Writing a results folder (the only module that writes files) and reading one back.

A folder is written whole or not at all: files go to a temporary sibling folder, which
then takes the place of the old one by rename. Results made from a different config are
never replaced without ``force``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

from uncertainty.errors import ResultsError

__all__ = [
    "DRAWS_FILE",
    "SavedResults",
    "check_replaceable",
    "draws_bytes",
    "load_results",
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
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=parent))
        # mkdtemp makes the folder private (0700); results get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
    except OSError as exc:
        raise ResultsError(str(folder), f"cannot write here: {exc.strerror}") from None
    try:
        for name, content in files.items():
            with open(staging / name, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        if not os.path.lexists(folder):
            os.replace(staging, folder)
            return
        # Move the old folder aside, put the new one in place, then delete the old one; if
        # the second step fails the old folder goes back.
        retired = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=parent))
        os.replace(folder, retired / folder.name)
        try:
            os.replace(staging, folder)
        except OSError:
            os.replace(retired / folder.name, folder)
            raise
        finally:
            shutil.rmtree(retired, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ResultsError(str(folder), f"cannot write results: {exc.strerror}") from None


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
        """The saved copy of table `name` (a `uncertainty.config.TableReader`)."""
        return (self.folder / saved_table(name)).read_bytes()


def load_results(folder: Path) -> SavedResults:
    """Read a results folder written by `write_results`.

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
    draws = None
    if (folder / DRAWS_FILE).exists():
        with xr.open_dataset(folder / DRAWS_FILE, engine="scipy") as saved:
            draws = saved.load()
        for name in draws.data_vars:
            if "view_sources" in draws[name].attrs:
                draws[name].attrs["view_sources"] = json.loads(draws[name].attrs["view_sources"])
    return SavedResults(folder, config, summary, draws)
