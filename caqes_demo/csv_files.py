"""Formatting and writing of the landing CSV files (``;``, header row, exact numbers)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path


def money(cents: int | None, *, comma: bool = False) -> str:
    """Euros with two decimals from integer cents (empty for None)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    text = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return text.replace(".", ",") if comma else text


def number(value: Decimal | None, *, places: int | None = None, comma: bool = False) -> str:
    """A Decimal written in plain notation (``places`` fixes the decimals)."""
    if value is None:
        return ""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value, "f")
    return text.replace(".", ",") if comma else text


def ddmmyyyy(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "utf-8",
              newline: str = "\n") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path
