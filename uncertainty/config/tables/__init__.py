"""Sources from tables: a ``[tables.NAME]`` section (`spec`) and its rows (`rows`)."""

from uncertainty.config.tables.flows import UNPAIRED, select_pairs
from uncertainty.config.tables.rows import (
           TableRow,
           estimate_spec,
           number,
           read_rows,
           select,
)
from uncertainty.config.tables.spec import (
           DEFAULT_FLOW_CORRELATION,
           Carry,
           Flag,
           RowOutcome,
           TableReport,
           TableSpec,
           check_floor_names,
           source_id,
           table_spec,
)

__all__ = ["DEFAULT_FLOW_CORRELATION", "UNPAIRED", "Carry", "Flag", "RowOutcome",
           "TableReport", "TableRow", "TableSpec", "check_floor_names", "estimate_spec", "number",
           "read_rows", "select", "select_pairs", "source_id", "table_spec"]
