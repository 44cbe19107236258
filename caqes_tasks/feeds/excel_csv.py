"""Excel-friendly CSV: ``;`` separator, UTF-8 with BOM, decimal comma, ISO dates, CRLF lines.

Text cells that a spreadsheet would read as a formula (first character ``=``, ``+``, ``-``,
``@``, tab or carriage return) get a leading apostrophe, so opening a feed never runs a formula.
Numbers are written from ``Decimal`` as they are (no float round trip).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix an apostrophe to a text a spreadsheet would evaluate as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_cell(value) -> str:
    """One cell as text: decimal comma, ISO dates, ``true``/``false``, empty for NULL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise(", ".join(format_cell(v) for v in value))
    return neutralise(str(value))


def write_excel_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` as an Excel-friendly CSV (see module docstring)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(n) for n in table.column_names])
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(buf.getvalue())
        for batch in table.to_batches(max_chunksize=50_000):
            buf = io.StringIO(newline="")
            writer = csv.writer(buf, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            for row in batch.to_pylist():
                writer.writerow([format_cell(v) for v in row.values()])
            fh.write(buf.getvalue())
