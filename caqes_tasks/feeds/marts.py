"""Read the marts of one campaign year from the warehouse (read-only, deterministic order)."""

from __future__ import annotations

import pyarrow as pa

from caqes_tasks.warehouse.schema import PUBLISHED_MARTS

# Every mart the feeds publish, in publication order (dbt marts, then outcome tables).
MARTS: tuple[str, ...] = PUBLISHED_MARTS
# Every table of a year's feeds: the marts, then the chain from amounts to input lines
# (caqes_tasks.audit.tracabilite), built from the warehouse when the feeds are published.
FEED_TABLES: tuple[str, ...] = MARTS + ("tracabilite",)


def existing_marts(con) -> list[str]:
    """The marts of MARTS present in schema ``marts`` (tables or views), in MARTS order."""
    found = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()
    }
    return [m for m in MARTS if m in found]


def mart_columns(con, mart: str) -> list[tuple[str, str]]:
    """(column, SQL type) of a mart, in declared order."""
    return [
        (name, dtype)
        for name, dtype in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
            [mart],
        ).fetchall()
    ]


def read_mart(con, mart: str, year: int) -> pa.Table:
    """Rows of year ``year`` as an Arrow table; rows sorted on every column (same bytes each run)."""
    cols = [c for c, _ in mart_columns(con, mart)]
    where = f"WHERE annee = {int(year)}" if "annee" in cols else ""
    return con.sql(f"SELECT * FROM marts.{mart} {where} ORDER BY ALL").to_arrow_table()
