"""Sources from tables: a ``[tables.NAME]`` section (`spec`) and its rows (`rows`)."""

from uncertainty.config.tables.flows import UNPAIRED, select_pairs
from uncertainty.config.tables.rows import (
           TableRow,
           estimate_spec,
           number,
           read_rows,
           select,
           source_id,
)
from uncertainty.config.tables.spec import (
           DEFAULT_FLOW_CORRELATION,
           Carry,
           Flag,
           RowOutcome,
           TableReport,
           TableSpec,
           table_spec,
)

__all__ = ["DEFAULT_FLOW_CORRELATION", "UNPAIRED", "Carry", "Flag", "RowOutcome",
           "TableReport", "TableRow", "TableSpec", "estimate_spec", "number", "read_rows",
           "select", "select_pairs", "source_id", "table_spec"]
