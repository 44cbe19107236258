"""Reader of the delimited sources (phev, regional, engagements, contrats, ...).

The first line is the header (column names, any order, case and spaces ignored). Each data row
keeps its physical line number in ``_line``. Nothing is rejected here: a cell that cannot be
typed is ``None`` with ``<col>__type_ok = False`` and its raw text in ``<col>__brut``; a row
with the wrong number of fields has ``_champs_ok = False``; a line not valid in the declared
encoding has ``_encodage_ok = False``. A column the contract allows to be absent
(``Column.may_be_absent``) is added empty when the header lacks it. The Great Expectations suite of the source then reports
every such defect with the file, the line and the rule.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from caqes_tasks.ingest.columns import COLUMNS, Column
from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.decoding import decode_lines
from caqes_tasks.ingest.readers.values import parse_date, parse_decimal, parse_int, parse_text

PARSERS = {
    "finess": parse_text,
    "text": parse_text,
    "code": parse_text,
    "int": parse_int,
    "dec2": lambda s: parse_decimal(s, 2),
    "dec6": lambda s: parse_decimal(s, 6),
    "date": parse_date,
}
TYPED = {"int", "dec2", "dec6", "date"}


@dataclass
class ReadResult:
    source: str
    file_name: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)  # facts for the report (BOM, encoding, ...)
    missing_columns: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    return name.strip().strip("\ufeff").strip('"').strip().lower()


def empty_frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})


def read_delimited(source: str, path: Path, fmt: SourceFormat) -> ReadResult:
    spec: tuple[Column, ...] = COLUMNS[source]
    decoded = decode_lines(path.read_bytes(), fmt.encoding)
    notes = [f"encodage {fmt.encoding}" + (" (déclaré)" if fmt.encoding_declared else " (par défaut)")
             + (", BOM UTF-8 présent" if decoded.had_bom else "") + f", séparateur '{fmt.separator}'"]
    lines = decoded.lines
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        frame = empty_frame(["_line", "_champs_ok", "_encodage_ok"])
        return ReadResult(source, path.name, frame, notes + ["fichier vide"], [c.name for c in spec])
    header = [_norm(h) for h in next(csv.reader([lines[header_index]], delimiter=fmt.separator))]
    position = {name: i for i, name in reversed(list(enumerate(header)))}
    present = [c for c in spec if c.name in position]
    missing = [c.name for c in spec if c.name not in position and not c.may_be_absent]
    width = len(header)

    data: dict[str, list] = {"_line": [], "_champs_ok": [], "_encodage_ok": [], "_encodage__brut": []}
    for c in present:
        data[c.name] = []
        if c.kind in TYPED:
            data[f"{c.name}__type_ok"] = []
            data[f"{c.name}__brut"] = []
    numbered = ((i + 1, line) for i, line in enumerate(lines) if i > header_index and line.strip())
    for number, line in numbered:
        fields = next(csv.reader([line], delimiter=fmt.separator))
        if len(fields) == width + 1 and fields[-1] == "":
            fields.pop()  # trailing separator, as Excel sometimes writes
        data["_line"].append(number)
        data["_champs_ok"].append(len(fields) == width)
        bad = decoded.bad_lines.get(number)
        data["_encodage_ok"].append(bad is None)
        data["_encodage__brut"].append(bad)
        for c in present:
            i = position[c.name]
            raw = fields[i] if i < len(fields) else ""
            value, ok = PARSERS[c.kind](raw)
            data[c.name].append(value)
            if c.kind in TYPED:
                data[f"{c.name}__type_ok"].append(ok)
                data[f"{c.name}__brut"].append(None if ok else raw)
    frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in data.items()})
    frame["_line"] = frame["_line"].astype("int64")
    for flag in [k for k in data if k.endswith("_ok")]:
        frame[flag] = frame[flag].astype("bool")
    for c in present:
        if c.kind == "int":
            frame[c.name] = pd.array(data[c.name], dtype="Int64")
    for c in spec:
        if c.name not in position and c.may_be_absent:
            # a column added to the contract later: older files stay readable, values are NULL
            frame[c.name] = pd.Series([None] * len(frame), index=frame.index, dtype="object")
            if c.kind in TYPED:
                frame[f"{c.name}__type_ok"] = pd.Series([True] * len(frame), index=frame.index, dtype="bool")
                frame[f"{c.name}__brut"] = pd.Series([None] * len(frame), index=frame.index, dtype="object")
            notes.append(f"colonne « {c.name} » absente de l'en-tête : valeur vide (NULL) sur chaque ligne")
    extra = [h for h in header if h not in {c.name for c in spec}]
    if extra:
        notes.append("colonnes ignorées: " + ", ".join(extra))
    return ReadResult(source, path.name, frame, notes, missing)
