"""Layout of the official FINESS open-data extract (etalab cs1100507 / cs1100502 stock), unchanged.

Layout as published: no header; a first line ``finess;etalab;<n>;<YYYY-MM-DD>`` (the extract
date, whose year is the register year ``annee``); then ``structureet`` rows of 32 fields
(31 values and a trailing ``;``: nofinesset, nofinessej, rs, rslongue, complrs, compldistrib,
numvoie, typvoie, voie, compvoie, lieuditbp, commune, departement, libdepartement,
ligneacheminement, telephone, telecopie, categetab, libcategetab, categagretab,
libcategagretab, siret, codeape, codemft, libmft, codesph, libsph, dateouv, dateautor,
datemaj, numuai); ``geolocalisation`` rows (coordinates, not used here) are skipped. Fields may
be quoted with doubled quotes inside. A national extract (~100 000 rows) reads in about a
second: one pass of the csv module, dates parsed through a cache.

Read by :mod:`caqes_tasks.ingest.readers.extract`, as the legal entities' extract is; this
module declares the establishments' layout.

A row with a field too many is reported as such (``_champs_ok`` False, with the count and where
the extra field seems to be in ``_champs__brut``), not as a date error: 33 fields are also the
width of an extract with ``numuai``, so such a row is taken as shifted when its ``numuai`` holds
a date, or when its dates only read once one field is dropped. The dates of a row whose fields
cannot be placed are not checked (the row already fails). Lines are flagged like those of the
delimited reader (``_ligne_ok``: lone CR, line too long, unreadable CSV).
"""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers.delimited import ReadResult
from caqes_tasks.ingest.readers.extract import ExtractLayout, parse_date_field, read_extract

# raw.finess column -> index of the field in a structureet row
FIELDS = {
    "finess_geo": 1, "finess_ej": 2, "raison_sociale": 3, "raison_sociale_longue": 4,
    "commune": 12, "departement": 13, "libelle_departement": 14, "ligne_acheminement": 15,
    "categorie": 18, "libelle_categorie": 19, "categorie_agregee": 20, "libelle_categorie_agregee": 21,
    "siret": 22, "code_ape": 23, "code_mft": 24, "libelle_mft": 25, "code_sph": 26, "libelle_sph": 27,
}
DATE_FIELDS = {"date_ouverture": 28, "date_autorisation": 29, "date_maj": 30}
STRUCTUREET_WIDTHS = (32, 33)  # 31 or 32 values, then the trailing ';'


def _dates_ok(values: list[str], cache: dict) -> bool:
    return all(parse_date_field(v.strip(), cache)[1] for v in values)


def _extra_field(fields: list[str], cache: dict) -> bool:
    """A 33-field row that is a 31-value row with one field inserted (see the module doc)."""
    if len(fields) != 33:
        return False
    numuai = fields[31].strip()
    own = _dates_ok(fields[28:31], cache)
    if own and not (numuai and parse_date_field(numuai, cache)[0] is not None):
        return False
    return any(_dates_ok((fields[:k] + fields[k + 1:])[28:31], cache) for k in range(28, 32))


def _row_fault(fields: list[str], cache: dict) -> str | None:
    extra = _extra_field(fields, cache)
    if fields[:1] == ["structureet"] and len(fields) in STRUCTUREET_WIDTHS and fields[-1] == "" and not extra:
        return None
    if extra:
        return "33 champs : un champ en trop (les dates sont décalées d'une position)"
    if fields[:1] == ["structureej"]:
        return ("ligne « structureej » : extrait des entités juridiques, à déposer dans le dossier "
                "finess_ej/ (structureet attendu ici)")
    if fields[:1] != ["structureet"]:
        return f"type de ligne « {fields[0][:40]} » inconnu (structureet ou geolocalisation attendu)"
    return f"{len(fields)} champs au lieu de 32 (31 valeurs puis un ';' final) ou 33 (avec numuai)"


LAYOUT = ExtractLayout("finess", "extrait FINESS", FIELDS, DATE_FIELDS, _row_fault,
                       skipped_row_type="geolocalisation")


def read_finess(path: Path, fmt: SourceFormat, data: bytes | None = None) -> ReadResult:
    return read_extract(LAYOUT, path, fmt, data)
