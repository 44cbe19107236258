"""Reader of the official FINESS open-data extract of the legal entities (etalab cs1100501 stock), unchanged.

Layout as published, beside the establishments' extract (:mod:`caqes_tasks.ingest.readers.finess`,
whose first-line logic this reader shares): a first line ``finess;etalab;<n>;<YYYY-MM-DD>`` (the
extract date, whose year is the register year ``annee``), then one ``structureej`` row per legal
entity, 24 fields (23 values and a trailing ``;``): structureej, nofinessej, rs, rslongue,
complrs, compldistrib, numvoie, typvoie, voie, compvoie, lieuditbp, commune, departement,
libdepartement, ligneacheminement, telephone, telecopie, statutjuridique, libstatutjuridique,
siren, codeape, datecrea, datemaj. Fields may be quoted with doubled quotes inside.

Nothing is rejected here: a row of another type or width has ``_champs_ok`` False (what is wrong
in ``_champs__brut``), a date that does not read has ``<col>__type_ok`` False; lines are flagged
like those of the other readers (``_encodage_ok``, ``_ligne_ok``). The suite
``expectations/finess_ej.json`` reports them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.decoding import decode_lines
from caqes_tasks.ingest.readers.delimited import ReadResult, final_newline_warning, split_fields
from caqes_tasks.ingest.readers.header_cause import cause_frame, extract_cause
from caqes_tasks.ingest.readers.finess import add_extract_columns, parse_date_field, read_extract_header

ROW_TYPE = "structureej"
WIDTH = 24  # 23 values, then the trailing ';'

# raw.finess_ej column -> index of the field in a structureej row
FIELDS = {
    "finess_ej": 1, "raison_sociale": 2, "raison_sociale_longue": 3, "complement_raison_sociale": 4,
    "complement_distribution": 5, "numero_voie": 6, "type_voie": 7, "voie": 8, "complement_voie": 9,
    "lieu_dit_bp": 10, "commune": 11, "departement": 12, "libelle_departement": 13,
    "ligne_acheminement": 14, "telephone": 15, "telecopie": 16, "statut_juridique": 17,
    "libelle_statut_juridique": 18, "siren": 19, "code_ape": 20,
}
DATE_FIELDS = {"date_creation": 21, "date_maj": 22}


def read_finess_ej(path: Path, fmt: SourceFormat, data: bytes | None = None) -> ReadResult:
    data = Path(path).read_bytes() if data is None else data
    decoded = decode_lines(data, fmt.encoding)
    notes = [f"extrait FINESS des entités juridiques, encodage {fmt.encoding}"]
    lines, problems = decoded.lines, decoded.line_problems
    header = read_extract_header(decoded)
    cause = extract_cause("finess_ej", lines, data[:4096], fmt.encoding, header.ok)
    if cause:
        return ReadResult("finess_ej", Path(path).name, cause_frame(1, cause), notes, [],
                          final_newline_warning(decoded))
    data_: dict[str, list] = {k: [] for k in ("_line", "_champs_ok", "_champs__brut", "_encodage_ok",
                                              "_encodage__brut", "_ligne_ok", "_ligne__brut", *FIELDS)}
    for k in DATE_FIELDS:
        data_[k], data_[f"{k}__type_ok"], data_[f"{k}__brut"] = [], [], []
    cache: dict = {}
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
        ok = fields[:1] == [ROW_TYPE] and len(fields) == WIDTH and fields[-1] == ""
        shown = None
        if not ok and problem is None:
            if fields[:1] in (["structureet"], ["geolocalisation"]):
                shown = (f"ligne « {fields[0]} » : extrait des établissements, à déposer dans le dossier finess/ "
                         f"({ROW_TYPE} attendu ici)")
            elif fields[:1] != [ROW_TYPE]:
                shown = f"type de ligne « {fields[0][:40]} » inconnu ({ROW_TYPE} attendu)"
            else:
                shown = f"{len(fields)} champs au lieu de {WIDTH} (23 valeurs puis un ';' final)"
        data_["_line"].append(number)
        data_["_champs_ok"].append(ok or problem is not None)
        data_["_champs__brut"].append(shown)
        bad = decoded.bad_lines.get(number)
        data_["_encodage_ok"].append(bad is None)
        data_["_encodage__brut"].append(bad)
        data_["_ligne_ok"].append(problem is None)
        data_["_ligne__brut"].append(problem)
        for k, i in FIELDS.items():
            data_[k].append((fields[i].strip() or None) if i < len(fields) else None)
        for k, i in DATE_FIELDS.items():
            text = fields[i].strip() if i < len(fields) else ""
            value, good = parse_date_field(text, cache)
            if not ok:
                value, good = None, True  # the fields of this row cannot be placed: reported as such
            data_[k].append(value)
            data_[f"{k}__type_ok"].append(good)
            data_[f"{k}__brut"].append(None if good else text[:80])
    frame = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in data_.items()})
    add_extract_columns(frame, header, notes)

    def cells(number: int) -> dict[str, str]:
        fields, _ = split_fields(lines[number - 1], ";") if 0 < number <= len(lines) else (None, None)
        fields = fields or []
        return {k: fields[i].strip() for k, i in {**FIELDS, **DATE_FIELDS}.items() if i < len(fields)}

    return ReadResult("finess_ej", Path(path).name, frame, notes, [], final_newline_warning(decoded), cells)
