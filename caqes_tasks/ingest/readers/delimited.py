"""Reader of the delimited sources (phev, regional, engagements, contrats, ...).

The first line is the header (column names, any order, case and spaces ignored). Each data row
keeps its physical line number in ``_line``. Nothing is rejected here: a cell that cannot be
typed is ``None`` with ``<col>__type_ok = False`` and its raw text in ``<col>__brut``; a row
with the wrong number of fields has ``_champs_ok = False`` (and the count in ``_champs__brut``);
a line not valid in the declared encoding has ``_encodage_ok = False``; a line that is not a
readable CSV line (ended by a lone CR, longer than the decoder's limit, refused by the csv
module) has ``_ligne_ok = False`` and what is wrong in ``_ligne__brut``. A header line that
cannot be read gives one such row for line 1 and no column. A header lacking required columns
is first explained (:mod:`~caqes_tasks.ingest.readers.header_cause`: separator, encoding, header
line, folder): a cause found is the file's one failure. A missing end of line after the
last line is a warning (``ReadResult.warnings``), not an error. A column the contract allows to be absent
(``Column.may_be_absent``) is added empty when the header lacks it. The Great Expectations suite of the source then reports
every such defect with the file, the line and the rule.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from caqes_tasks.ingest.columns import COLUMNS, Column
from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.decoding import Decoded, decode_lines
from caqes_tasks.ingest.readers.header_cause import cause_frame, delimited_cause
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
    warnings: list[str] = field(default_factory=list)  # accepted, but the ARS should look (report, alert)
    # line number -> {column: text as the file wrote it}, for the rows a report shows
    cells: Callable[[int], dict[str, str]] | None = None


def _norm(name: str) -> str:
    return name.strip().strip("\ufeff").strip('"').strip().lower()


def empty_frame(columns: list[str]) -> pd.DataFrame:
    def dtype(c: str) -> str:
        return "bool" if c.endswith("_ok") else "int64" if c == "_line" else "object"

    return pd.DataFrame({c: pd.Series([], dtype=dtype(c)) for c in columns})


def split_fields(line: str, separator: str) -> tuple[list[str] | None, str | None]:
    """The fields of one line, or None and why the csv module cannot read it."""
    try:
        return next(csv.reader([line], delimiter=separator), []), None
    except csv.Error as exc:
        return None, f"ligne illisible en CSV ({exc})"


def final_newline_warning(decoded: Decoded) -> list[str]:
    if decoded.final_newline or not decoded.lines:
        return []
    return [f"pas de fin de ligne après la dernière ligne (ligne {len(decoded.lines)}) : le fichier a peut-être "
            "été coupé ; vérifier que la dernière ligne est complète"]


def _header_problem(source: str, file_name: str, number: int, problem: str, notes: list[str],
                    spec: tuple[Column, ...], decoded: Decoded) -> ReadResult:
    frame = pd.DataFrame({
        "_line": pd.Series([number], dtype="int64"),
        "_champs_ok": pd.Series([False], dtype="bool"),
        "_champs__brut": pd.Series(["en-tête illisible"], dtype="object"),
        "_encodage_ok": pd.Series([True], dtype="bool"),
        "_encodage__brut": pd.Series([None], dtype="object"),
        "_ligne_ok": pd.Series([False], dtype="bool"),
        "_ligne__brut": pd.Series([problem], dtype="object"),
    })
    return ReadResult(source, file_name, frame, notes + [f"en-tête (ligne {number}) illisible : {problem}"],
                      [c.name for c in spec], final_newline_warning(decoded))


def read_delimited(source: str, path: Path, fmt: SourceFormat, data: bytes | None = None) -> ReadResult:
    """Read ``data`` (the file's bytes; read from ``path`` when not given) as a file of ``source``."""
    spec: tuple[Column, ...] = COLUMNS[source]
    file_name = Path(path).name
    data = Path(path).read_bytes() if data is None else data
    decoded = decode_lines(data, fmt.encoding)
    notes = [f"encodage {fmt.encoding}" + (" (déclaré)" if fmt.encoding_declared else " (par défaut)")
             + (", BOM UTF-8 présent" if decoded.had_bom else "") + f", séparateur '{fmt.separator}'"]
    lines = decoded.lines
    problems = decoded.line_problems
    header_index = next((i for i, line in enumerate(lines) if line.strip() or (i + 1) in problems), None)
    if header_index is None:
        frame = empty_frame(["_line", "_champs_ok", "_encodage_ok", "_ligne_ok"])
        return ReadResult(source, file_name, frame, notes + ["fichier vide"], [c.name for c in spec])
    header_fields, error = split_fields(lines[header_index], fmt.separator)
    header_problem = problems.get(header_index + 1) if (header_index + 1) in problems and not lines[header_index] else None
    if header_fields is None or header_problem:
        return _header_problem(source, file_name, header_index + 1, header_problem or error, notes, spec, decoded)
    header = [_norm(h) for h in header_fields]
    position = {name: i for i, name in reversed(list(enumerate(header)))}
    present = [c for c in spec if c.name in position]
    missing = [c.name for c in spec if c.name not in position and not c.may_be_absent]
    width = len(header)
    cause = delimited_cause(source, lines, header_index, data[:4096], fmt.separator, fmt.encoding) if missing else None
    if cause:
        return ReadResult(source, file_name, cause_frame(header_index + 1, cause), notes,
                          missing, final_newline_warning(decoded))

    data_: dict[str, list] = {"_line": [], "_champs_ok": [], "_champs__brut": [], "_encodage_ok": [],
                              "_encodage__brut": [], "_ligne_ok": [], "_ligne__brut": []}
    for c in present:
        data_[c.name] = []
        if c.kind in TYPED:
            data_[f"{c.name}__type_ok"] = []
            data_[f"{c.name}__brut"] = []
    numbered = ((i + 1, line) for i, line in enumerate(lines)
                if i > header_index and (line.strip() or (i + 1) in problems))
    for number, line in numbered:
        fields, error = split_fields(line, fmt.separator)
        problem = problems.get(number) or error
        if fields is None or (number in problems and not line):
            fields = []  # nothing of the line is read: its cells are empty
        if len(fields) == width + 1 and fields[-1] == "":
            fields.pop()  # trailing separator, as Excel sometimes writes
        data_["_line"].append(number)
        fields_ok = len(fields) == width or problem is not None  # an unreadable line is reported as such
        data_["_champs_ok"].append(fields_ok)
        data_["_champs__brut"].append(None if fields_ok else f"{len(fields)} champ(s) au lieu de {width}")
        bad = decoded.bad_lines.get(number)
        data_["_encodage_ok"].append(bad is None)
        data_["_encodage__brut"].append(bad)
        data_["_ligne_ok"].append(problem is None)
        data_["_ligne__brut"].append(problem)
        for c in present:
            i = position[c.name]
            raw = fields[i] if i < len(fields) else ""
            value, ok = PARSERS[c.kind](raw)
            data_[c.name].append(value)
            if c.kind in TYPED:
                data_[f"{c.name}__type_ok"].append(ok)
                data_[f"{c.name}__brut"].append(None if ok else raw[:200])
    frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in data_.items()})
    frame["_line"] = frame["_line"].astype("int64")
    for flag in [k for k in data_ if k.endswith("_ok")]:
        frame[flag] = frame[flag].astype("bool")
    for c in present:
        if c.kind == "int":
            frame[c.name] = pd.array(data_[c.name], dtype="Int64")
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
        notes.append("colonnes ignorées: " + ", ".join(h[:80] for h in extra[:20]))
    sep = fmt.separator

    def cells(number: int) -> dict[str, str]:
        fields, _ = split_fields(lines[number - 1], sep) if 0 < number <= len(lines) else (None, None)
        fields = fields or []
        return {c.name: fields[position[c.name]].strip() for c in present if position[c.name] < len(fields)}

    return ReadResult(source, file_name, frame, notes, missing, final_newline_warning(decoded), cells)
