"""The DuckDB warehouse: one writer at a time, typed tables declared in one place."""

from caqes_tasks.warehouse.connection import (  # noqa: F401
    WarehouseBusy,
    connect,
    holds_writer_lock,
    reader_lock,
    writer_lock,
)
