"""Layout of the official FINESS open-data extract of the legal entities (etalab cs1100501 stock), unchanged.

Read like the establishments' extract (:mod:`caqes_tasks.ingest.readers.finess`), by
:mod:`caqes_tasks.ingest.readers.extract`: a first line ``finess;etalab;<n>;<YYYY-MM-DD>`` (the
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

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.delimited import ReadResult
from caqes_tasks.ingest.readers.extract import ExtractLayout, read_extract

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


def _row_fault(fields: list[str], cache: dict) -> str | None:
    if fields[:1] == [ROW_TYPE] and len(fields) == WIDTH and fields[-1] == "":
        return None
    if fields[:1] in (["structureet"], ["geolocalisation"]):
        return (f"ligne « {fields[0]} » : extrait des établissements, à déposer dans le dossier finess/ "
                f"({ROW_TYPE} attendu ici)")
    if fields[:1] != [ROW_TYPE]:
        return f"type de ligne « {fields[0][:40]} » inconnu ({ROW_TYPE} attendu)"
    return f"{len(fields)} champs au lieu de {WIDTH} (23 valeurs puis un ';' final)"


LAYOUT = ExtractLayout("finess_ej", "extrait FINESS des entités juridiques", FIELDS, DATE_FIELDS, _row_fault)


def read_finess_ej(path: Path, fmt: SourceFormat, data: bytes | None = None) -> ReadResult:
    return read_extract(LAYOUT, path, fmt, data)
