"""The warehouse (a DuckDB file, or PostgreSQL by CAQES_WAREHOUSE): one writer at a time, typed
tables declared in one place."""

from caqes_tasks.warehouse.connection import (  # noqa: F401
    WarehouseBusy,
    connect,
    holds_writer_lock,
    reader_lock,
    writer_lock,
)
from caqes_tasks.warehouse.location import Warehouse, WarehouseError, warehouse_for  # noqa: F401
