"""Reading a config file: the only module that reads user files."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uncertainty.config.schema import build_model
from uncertainty.errors import ConfigError
from uncertainty.model.core import Model

__all__ = ["LoadedConfig", "TableReader", "load_config", "parse_config"]

_TOML_PLACE = re.compile(r"^(?P<msg>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


@dataclass(frozen=True)
class LoadedConfig:
    """A validated model with the exact bytes it came from.

    Parameters
    ----------
    model : Model
        The validated model.
    text : bytes
        The file's bytes, kept so results can store the exact input.
    sha256 : str
        Hex digest of `text`.
    file : str
        The path as the user gave it.
    tables : mapping of str to bytes
        The bytes of each ``[tables.NAME]`` file, kept like `text`.
    """

    model: Model
    text: bytes
    sha256: str
    file: str
    tables: Mapping[str, bytes] = field(default_factory=dict)

    def with_spread_scale(self, scale: float) -> Model:
        """The model with every default spread's log-spread multiplied by `scale`.

        See `uncertainty.config.schema.build_model`; the text has validated once, so it does again.
        """
        data = tomllib.loads(self.text.decode("utf-8"))
        return build_model(data, default_title=self.model.title, spread_scale=scale,
                           tables=self.tables)


#: Reads a table: (table name, its ``file`` as written) to bytes; OSError when it cannot.
TableReader = Callable[[str, str], bytes]


def _read_tables(data: Mapping[str, Any], read: TableReader) -> dict[str, bytes]:
    """The bytes of every ``[tables.NAME]`` whose ``file`` is a string (others fail later)."""
    tables = data.get("tables")
    found: dict[str, bytes] = {}
    if not isinstance(tables, dict):
        return found
    for name, table in tables.items():
        file = table.get("file") if isinstance(table, dict) else None
        if not isinstance(file, str):
            continue
        try:
            found[name] = read(name, file)
        except FileNotFoundError:
            raise ConfigError(f"tables.{name}.file", f"{file!r}: file not found") from None
        except IsADirectoryError:
            raise ConfigError(f"tables.{name}.file", f"{file!r} is a folder") from None
        except OSError as exc:
            raise ConfigError(f"tables.{name}.file",
                              f"{file!r}: cannot read: {exc.strerror}") from None
    return found


def parse_config(text: bytes, *, file: str = "<config>", default_title: str = "",
                 read_table: TableReader | None = None) -> LoadedConfig:
    """Parse and validate config bytes; errors are attributed to `file`.

    `read_table` reads the files of ``[tables]`` sections (default: relative to the working
    folder).

    Raises
    ------
    ConfigError
        For text that is not UTF-8, not TOML (with line and column), or not a valid config.
    """
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"byte {exc.start}", "not valid UTF-8 text", file) from None
    try:
        data = tomllib.loads(decoded)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_PLACE.match(str(exc))
        if match:
            place = f"line {match['line']}, column {match['col']}"
            raise ConfigError(place, f"TOML syntax: {match['msg']}", file) from None
        raise ConfigError("", f"TOML syntax: {exc}", file) from None
    except RecursionError:
        raise ConfigError("", "TOML nested too deeply", file) from None
    reader = read_table or (lambda _name, path: Path(path).read_bytes())
    try:
        tables = _read_tables(data, reader)
        model = build_model(data, default_title=default_title, tables=tables)
    except ConfigError as exc:
        raise exc.with_file(file) from None
    return LoadedConfig(model, text, hashlib.sha256(text).hexdigest(), file, tables)


def load_config(path: str | Path) -> LoadedConfig:
    """Read, parse and validate the config file at `path`.

    Raises
    ------
    ConfigError
        When the file cannot be read or is not a valid config.
    """
    file = str(path)
    p = Path(path)
    try:
        text = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError("", "file not found", file) from None
    except IsADirectoryError:
        raise ConfigError("", "is a folder, not a config file", file) from None
    except OSError as exc:
        raise ConfigError("", f"cannot read: {exc.strerror}", file) from None
    folder = p.parent
    return parse_config(text, file=file, default_title=p.stem,
                        read_table=lambda _name, path: (folder / path).read_bytes())
