"""The exception hierarchy, translated to exit codes once, at the CLI boundary.

Every error carries the data a caller needs (the file, the place in it, what is wrong) and
renders as one line. None of them has side effects.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConstraintConflict",
    "ExpressionError",
    "ResourceError",
    "ResultsError",
    "UncertaintyError",
]


class UncertaintyError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(UncertaintyError):
    """A configuration that cannot be turned into a valid model.

    Parameters
    ----------
    path : str
        Dotted key path of the offending entry (``sources.us_intel.estimates.ua.kia.ci90``),
        or a place such as ``line 3, column 7`` or ``--draws``; empty for the whole file.
    message : str
        What is wrong, in words a user can act on.
    file : str, optional
        The file the entry came from; filled in by the loader.
    """

    def __init__(self, path: str, message: str, file: str | None = None) -> None:
        super().__init__(path, message, file)
        self.path = path
        self.message = message
        self.file = file

    def with_file(self, file: str) -> ConfigError:
        """Return the same error attributed to `file`."""
        return type(self)(self.path, self.message, file)

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.path, self.message) if part)


class ResourceError(ConfigError):
    """A request refused before allocating: it would need more memory than allowed.

    Parameters
    ----------
    path, message, file
        As `ConfigError`.
    needed : int
        Bytes the request would need.
    """

    def __init__(self, path: str, message: str, file: str | None = None, *,
                 needed: int = 0) -> None:
        super().__init__(path, message, file)
        self.needed = needed

    def with_file(self, file: str) -> ResourceError:  # noqa: D102
        return ResourceError(self.path, self.message, file, needed=self.needed)


class ConstraintConflict(ConfigError):
    """Sources whose figures almost never satisfy a constraint together.

    That conflict is a finding about the sources, reported instead of a run.

    Parameters
    ----------
    path : str
        ``constraints[i]``.
    constraint : str
        The constraint as written.
    view : str
        The view where it was met least often.
    rate : float
        Share of that view's draws that met it.
    sources : tuple of (str, str)
        (quantity, source) for each quantity the constraint uses, in that view.
    file : str, optional
        The config file.
    """

    def __init__(self, path: str, constraint: str, view: str, rate: float,
                 sources: tuple[tuple[str, str], ...], file: str | None = None) -> None:
        given = ", ".join(f"{q} from {s}" for q, s in sources)
        message = (
            f"{constraint!r} holds in only {rate:.2%} of the draws of view {view!r} "
            f"({given}): these sources conflict, which is itself a finding; the run stops "
            "below 1% acceptance"
        )
        super().__init__(path, message, file)
        self.constraint, self.view, self.rate, self.sources = constraint, view, rate, sources

    def with_file(self, file: str) -> ConstraintConflict:  # noqa: D102
        return ConstraintConflict(self.path, self.constraint, self.view, self.rate,
                                  self.sources, file)


class ExpressionError(UncertaintyError):
    """A metric expression outside the whitelisted grammar, or naming unknown things.

    The parser does not know where the expression came from; the config layer re-raises it
    as a `ConfigError` with the key path.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResultsError(UncertaintyError):
    """A results folder that cannot be written without losing someone's earlier results.

    Parameters
    ----------
    folder : str
        The results folder concerned.
    message : str
        What is wrong and how to proceed.
    """

    def __init__(self, folder: str, message: str) -> None:
        super().__init__(folder, message)
        self.folder = folder
        self.message = message

    def __str__(self) -> str:
        return f"{self.folder}: {self.message}"
