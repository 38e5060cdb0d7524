"""Sources from tables: a ``[tables.NAME]`` section (`spec`) and its rows (`rows`)."""

from uncertainty.config.tables.rows import (
           TableRow,
           estimate_spec,
           number,
           read_rows,
           select,
           source_id,
)
from uncertainty.config.tables.spec import (
           Carry,
           Flag,
           RowOutcome,
           TableReport,
           TableSpec,
           table_spec,
)

__all__ = ["Carry", "Flag", "RowOutcome", "TableReport", "TableRow", "TableSpec",
           "estimate_spec", "number", "read_rows", "select", "source_id", "table_spec"]
