"""Reader of an official FINESS open-data extract (establishments or legal entities), unchanged.

Both extracts published by etalab share one layout: no header; a first line
``finess;etalab;<n>;<YYYY-MM-DD>`` (the extract date, whose year is the register year
``annee``); then one row per structure, ``;``-separated, a row type in the first field and a
trailing ``;``. Fields may be quoted with doubled quotes inside. What differs between the two
extracts — the row type, its width, the fields loaded, the rows skipped and what is said of a
row that does not fit — is an :class:`ExtractLayout`, declared by
:mod:`caqes_tasks.ingest.readers.finess` and :mod:`caqes_tasks.ingest.readers.finess_ej`.

Nothing is rejected here: a row of another type or width has ``_champs_ok`` False (what is wrong
in ``_champs__brut``), a date that does not read has ``<col>__type_ok`` False; lines are flagged
like those of the delimited reader (``_encodage_ok``, ``_ligne_ok``: lone CR, line too long,
unreadable CSV). Dates are parsed through a cache: a national extract reads in about a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.decoding import Decoded, decode_lines
from caqes_tasks.ingest.readers.delimited import ReadResult, final_newline_warning, split_fields
from caqes_tasks.ingest.readers.header_cause import cause_frame, extract_cause

FIRST_LINE_RE = re.compile(r"^finess;etalab;[^;]*;(\d{4}-\d{2}-\d{2})\s*;?\s*$")
FLAG_COLUMNS = ("_line", "_champs_ok", "_champs__brut", "_encodage_ok", "_encodage__brut", "_ligne_ok", "_ligne__brut")


def parse_date_field(text: str, cache: dict) -> tuple[date | None, bool]:
    """A ``YYYY-MM-DD`` field of an extract (empty: ``(None, True)``), through ``cache``."""
    if text in cache:
        return cache[text]
    if not text:
        result = (None, True)
    else:
        try:
            result = (date.fromisoformat(text), True) if len(text) == 10 else (None, False)
        except ValueError:
            result = (None, False)
    cache[text] = result
    return result


@dataclass(frozen=True)
class ExtractLayout:
    """What one official extract holds and how its rows are checked."""

    source: str  # the landing source (``finess``, ``finess_ej``)
    label: str  # the extract as named in the read notes
    fields: dict[str, int]  # raw column -> index of the field in a row
    date_fields: dict[str, int]  # raw date column -> index of the field in a row
    # what is wrong with a row's fields (None: the row fits), given the date cache;
    # called with at least one field
    row_fault: Callable[[list[str], dict], str | None]
    skipped_row_type: str | None = None  # rows of this type are passed over (and counted)


@dataclass(frozen=True)
class ExtractHeader:
    """The first line of an official FINESS extract (ET or EJ), as read."""

    first: str  # the first line as found (shown when it is not the expected one)
    extract_date: date | None
    ok: bool  # the line is ``finess;etalab;<n>;<YYYY-MM-DD>`` with a real date
    start: int  # number of lines before the data rows (1 when the first line is a header)


def read_extract_header(decoded: Decoded) -> ExtractHeader:
    """The extract date of an official FINESS extract; its year is the register year ``annee``."""
    lines, problems = decoded.lines, decoded.line_problems
    first = lines[0] if lines else ""
    m = FIRST_LINE_RE.match(first.strip("\ufeff")) if 1 not in problems or first else None
    extract_date, extract_ok = (None, False)
    if m:
        try:
            extract_date, extract_ok = date.fromisoformat(m[1]), True
        except ValueError:
            pass
    return ExtractHeader(first, extract_date, extract_ok, 1 if m or first.startswith("finess;") else 0)


def add_extract_columns(frame: pd.DataFrame, header: ExtractHeader, notes: list[str]) -> None:
    """``extract_date`` (with its type flag and raw text) and ``annee`` on every row, typed flags."""
    n = len(frame)
    frame["_line"] = frame["_line"].astype("int64")
    for flag in [k for k in frame.columns if k.endswith("_ok")]:
        frame[flag] = frame[flag].astype("bool")
    frame["extract_date"] = pd.Series([header.extract_date] * n, dtype="object")
    frame["extract_date__type_ok"] = pd.Series([header.ok] * n, dtype="bool")
    frame["extract_date__brut"] = pd.Series([None if header.ok else header.first[:80]] * n, dtype="object")
    frame["annee"] = pd.array([header.extract_date.year if header.extract_date else None] * n, dtype="Int64")
    if header.ok:
        notes.append(f"date d'extraction {header.extract_date.isoformat()} (registre {header.extract_date.year})")


def read_extract(layout: ExtractLayout, path: Path, fmt: SourceFormat, data: bytes | None = None) -> ReadResult:
    """Read one delivered extract of ``layout`` (never raises on bad content)."""
    name = Path(path).name
    data = Path(path).read_bytes() if data is None else data
    decoded = decode_lines(data, fmt.encoding)
    notes = [f"{layout.label}, encodage {fmt.encoding}"]
    lines, problems = decoded.lines, decoded.line_problems
    header = read_extract_header(decoded)
    cause = extract_cause(layout.source, lines, data[:4096], fmt.encoding, header.ok)
    if cause:
        return ReadResult(layout.source, name, cause_frame(1, cause), notes, [], final_newline_warning(decoded))
    columns: dict[str, list] = {k: [] for k in (*FLAG_COLUMNS, *layout.fields)}
    for k in layout.date_fields:
        columns[k], columns[f"{k}__type_ok"], columns[f"{k}__brut"] = [], [], []
    cache: dict = {}
    skipped = 0
    row_fault, skipped_type = layout.row_fault, layout.skipped_row_type
    value_fields, date_fields = tuple(layout.fields.items()), tuple(layout.date_fields.items())
    for number in range(header.start + 1, len(lines) + 1):
        line = lines[number - 1]
        problem = problems.get(number)
        if not line and problem is None:
            continue
        fields, error = split_fields(line, ";")
        problem = problem or error
        if fields is None or (problem and not line):
            fields = []
        elif not fields:
            continue
        elif fields[0] == skipped_type and problem is None:
            skipped += 1
            continue
        fault = row_fault(fields, cache) if fields else "aucun champ"
        ok = fault is None
        columns["_line"].append(number)
        columns["_champs_ok"].append(ok or problem is not None)
        columns["_champs__brut"].append(fault if problem is None else None)
        bad = decoded.bad_lines.get(number)
        columns["_encodage_ok"].append(bad is None)
        columns["_encodage__brut"].append(bad)
        columns["_ligne_ok"].append(problem is None)
        columns["_ligne__brut"].append(problem)
        for k, i in value_fields:
            columns[k].append((fields[i].strip() or None) if i < len(fields) else None)
        for k, i in date_fields:
            text = fields[i].strip() if i < len(fields) else ""
            value, good = parse_date_field(text, cache)
            if not ok:
                value, good = None, True  # the fields of this row cannot be placed: reported as such
            columns[k].append(value)
            columns[f"{k}__type_ok"].append(good)
            columns[f"{k}__brut"].append(None if good else text[:80])
    frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in columns.items()})
    if skipped:
        notes.append(f"{skipped} lignes {layout.skipped_row_type} ignorées")
    add_extract_columns(frame, header, notes)
    positions = {**layout.fields, **layout.date_fields}

    def cells(number: int) -> dict[str, str]:
        fields, _ = split_fields(lines[number - 1], ";") if 0 < number <= len(lines) else (None, None)
        fields = fields or []
        return {k: fields[i].strip() for k, i in positions.items() if i < len(fields)}

    return ReadResult(layout.source, name, frame, notes, [], final_newline_warning(decoded), cells)
