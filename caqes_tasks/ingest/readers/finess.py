"""Reader of the official FINESS open-data extract (etalab cs1100507 / cs1100502 stock), unchanged.

Layout as published: no header; a first line ``finess;etalab;<n>;<YYYY-MM-DD>`` (the extract
date, whose year is the register year ``annee``); then ``structureet`` rows of 32 fields
(31 values and a trailing ``;``: nofinesset, nofinessej, rs, rslongue, complrs, compldistrib,
numvoie, typvoie, voie, compvoie, lieuditbp, commune, departement, libdepartement,
ligneacheminement, telephone, telecopie, categetab, libcategetab, categagretab,
libcategagretab, siret, codeape, codemft, libmft, codesph, libsph, dateouv, dateautor,
datemaj, numuai); ``geolocalisation`` rows (coordinates, not used here) are skipped. Fields may
be quoted with doubled quotes inside. A national extract (~100 000 rows) reads in about a
second: one pass of the csv module, dates parsed through a cache.

A row with a field too many is reported as such (``_champs_ok`` False, with the count and where
the extra field seems to be in ``_champs__brut``), not as a date error: 33 fields are also the
width of an extract with ``numuai``, so such a row is taken as shifted when its ``numuai`` holds
a date, or when its dates only read once one field is dropped. The dates of a row whose fields
cannot be placed are not checked (the row already fails). Lines are flagged like those of the
delimited reader (``_ligne_ok``: lone CR, line too long, unreadable CSV).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.decoding import Decoded, decode_lines
from caqes_tasks.ingest.readers.delimited import ReadResult, final_newline_warning, split_fields
from caqes_tasks.ingest.readers.header_cause import cause_frame, extract_cause

FIRST_LINE_RE = re.compile(r"^finess;etalab;[^;]*;(\d{4}-\d{2}-\d{2})\s*;?\s*$")

# raw.finess column -> index of the field in a structureet row
FIELDS = {
    "finess_geo": 1, "finess_ej": 2, "raison_sociale": 3, "raison_sociale_longue": 4,
    "commune": 12, "departement": 13, "libelle_departement": 14, "ligne_acheminement": 15,
    "categorie": 18, "libelle_categorie": 19, "categorie_agregee": 20, "libelle_categorie_agregee": 21,
    "siret": 22, "code_ape": 23, "code_mft": 24, "libelle_mft": 25, "code_sph": 26, "libelle_sph": 27,
}
DATE_FIELDS = {"date_ouverture": 28, "date_autorisation": 29, "date_maj": 30}
STRUCTUREET_WIDTHS = (32, 33)  # 31 or 32 values, then the trailing ';'


def _date(text: str, cache: dict) -> tuple[date | None, bool]:
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


def _dates_ok(values: list[str], cache: dict) -> bool:
    return all(_date(v.strip(), cache)[1] for v in values)


def _extra_field(fields: list[str], cache: dict) -> bool:
    """A 33-field row that is a 31-value row with one field inserted (see the module doc)."""
    if len(fields) != 33:
        return False
    numuai = fields[31].strip()
    own = _dates_ok(fields[28:31], cache)
    if own and not (numuai and _date(numuai, cache)[0] is not None):
        return False
    return any(_dates_ok((fields[:k] + fields[k + 1:])[28:31], cache) for k in range(28, 32))


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


def parse_date_field(text: str, cache: dict) -> tuple[date | None, bool]:
    """A ``YYYY-MM-DD`` field of an extract (empty: ``(None, True)``), through ``cache``."""
    return _date(text, cache)


def read_finess(path: Path, fmt: SourceFormat, data: bytes | None = None) -> ReadResult:
    data = Path(path).read_bytes() if data is None else data
    decoded = decode_lines(data, fmt.encoding)
    notes = [f"extrait FINESS, encodage {fmt.encoding}"]
    lines = decoded.lines
    problems = decoded.line_problems
    header = read_extract_header(decoded)
    cause = extract_cause("finess", lines, data[:4096], fmt.encoding, header.ok)
    if cause:
        return ReadResult("finess", Path(path).name, cause_frame(1, cause), notes, [],
                          final_newline_warning(decoded))
    data_: dict[str, list] = {k: [] for k in ("_line", "_champs_ok", "_champs__brut", "_encodage_ok",
                                              "_encodage__brut", "_ligne_ok", "_ligne__brut", *FIELDS)}
    for k in DATE_FIELDS:
        data_[k], data_[f"{k}__type_ok"], data_[f"{k}__brut"] = [], [], []
    cache: dict = {}
    start = header.start
    skipped = 0
    for number in range(start + 1, len(lines) + 1):
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
        elif fields[0] == "geolocalisation" and problem is None:
            skipped += 1
            continue
        extra = _extra_field(fields, cache)
        ok = (fields[:1] == ["structureet"] and len(fields) in STRUCTUREET_WIDTHS and fields[-1] == "" and not extra)
        shown = None
        if not ok and problem is None:
            if extra:
                shown = "33 champs : un champ en trop (les dates sont décalées d'une position)"
            elif fields[:1] == ["structureej"]:
                shown = ("ligne « structureej » : extrait des entités juridiques, à déposer dans le dossier "
                         "finess_ej/ (structureet attendu ici)")
            elif fields[:1] != ["structureet"]:
                shown = f"type de ligne « {fields[0][:40]} » inconnu (structureet ou geolocalisation attendu)"
            else:
                shown = f"{len(fields)} champs au lieu de 32 (31 valeurs puis un ';' final) ou 33 (avec numuai)"
        if not ok:
            fields = fields + [""] * (31 - len(fields))
        data_["_line"].append(number)
        data_["_champs_ok"].append(ok or problem is not None)
        data_["_champs__brut"].append(shown)
        bad = decoded.bad_lines.get(number)
        data_["_encodage_ok"].append(bad is None)
        data_["_encodage__brut"].append(bad)
        data_["_ligne_ok"].append(problem is None)
        data_["_ligne__brut"].append(problem)
        for k, i in FIELDS.items():
            data_[k].append(fields[i].strip() or None if i < len(fields) else None)
        for k, i in DATE_FIELDS.items():
            text = fields[i].strip() if i < len(fields) else ""
            value, good = _date(text, cache)
            if not ok:
                value, good = None, True  # the fields of this row cannot be placed: reported as such
            data_[k].append(value)
            data_[f"{k}__type_ok"].append(good)
            data_[f"{k}__brut"].append(None if good else text[:80])
    frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in data_.items()})
    if skipped:
        notes.append(f"{skipped} lignes geolocalisation ignorées")
    add_extract_columns(frame, header, notes)

    def cells(number: int) -> dict[str, str]:
        fields, _ = split_fields(lines[number - 1], ";") if 0 < number <= len(lines) else (None, None)
        fields = fields or []
        return {k: fields[i].strip() for k, i in {**FIELDS, **DATE_FIELDS}.items() if i < len(fields)}

    return ReadResult("finess", Path(path).name, frame, notes, [], final_newline_warning(decoded), cells)
