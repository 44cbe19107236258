"""Excel-friendly CSV: ``;`` separator, UTF-8 with BOM, decimal comma, ISO dates, CRLF lines.

Text cells that a spreadsheet would read as a formula (first character ``=``, ``+``, ``-``,
``@``, tab or carriage return) get a leading apostrophe, so opening a feed never runs a formula.
Numbers are written from ``Decimal`` as they are (no float round trip).

Identifiers (``IDENTIFIER_COLUMNS``: FINESS numbers, SIREN, INSEE commune code, département)
are written ``="010780054"``: Excel opens a plain ``010780054`` as the number 10780054 and loses
the leading zero of the départements 01–09, so the cell is written as Excel's text constant,
shown as ``010780054``. Only a value made of digits and capital letters is written so (nothing
else can reach a formula); programs read the Parquet files, where identifiers are plain text.
A sentence (a text cell with a space: ``detail``, ``motif``…) writes its decimals with a comma
(``score du volet 82,35 %``), like the number cells.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Columns holding codes Excel would turn into numbers (leading zeros lost).
IDENTIFIER_COLUMNS = frozenset({"finess_geo", "finess_ej", "siren_ej", "commune_insee", "departement"})
_IDENTIFIER = re.compile(r"^[0-9A-Z]{1,20}$")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def identifier_cell(value) -> str:
    """An identifier as Excel's text constant ``="…"`` (see the module docstring)."""
    if isinstance(value, str) and _IDENTIFIER.match(value):
        return f'="{value}"'
    return format_cell(value)


def sentence_cell(text: str) -> str:
    """A text cell; in a sentence (it holds a space), decimals get a comma: ``0.85`` → ``0,85``."""
    return neutralise(_DECIMAL_POINT.sub(",", text) if " " in text else text)


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
    return sentence_cell(str(value))


def write_excel_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` as an Excel-friendly CSV (see module docstring)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(n) for n in table.column_names])
    cells = [identifier_cell if n in IDENTIFIER_COLUMNS else format_cell for n in table.column_names]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(buf.getvalue())
        for batch in table.to_batches(max_chunksize=50_000):
            buf = io.StringIO(newline="")
            writer = csv.writer(buf, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            for row in batch.to_pylist():
                writer.writerow([cell(v) for cell, v in zip(cells, row.values())])
            fh.write(buf.getvalue())
