"""The DuckDB warehouse: one writer at a time, typed tables declared in one place."""

from caqes_tasks.warehouse.connection import connect, writer_lock  # noqa: F401
