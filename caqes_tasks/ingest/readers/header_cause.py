"""Why a file's first line cannot be read, named once: separator, encoding, header line, folder.

A file read with the wrong separator, saved in UTF-16, with a title line above its header or no
header at all, or dropped in another source's folder lacks every column of its contract: the
suite would report each column missing — the symptom, six times, not the cause. An official
FINESS extract re-saved by Excel or given a header loses its first line ``finess;etalab;…``,
and every row would be reported. The readers ask here first; a cause found is the file's only
failure (:func:`cause_frame`: ``_entete_ok`` False on the first line, the cause and what to do
in ``_entete__brut``, the suite rule ``_entete_ok`` marked ``cause_premiere``) and the file is
not read further.
"""

from __future__ import annotations

import csv
import re

import pandas as pd

from caqes_tasks.ingest.columns import COLUMNS

SEPARATOR_NAMES = {";": "« ; »", ",": "« , »", "\t": "tabulation", "|": "« | »"}
SCAN_LINES = 20  # lines looked at below the first one for a header placed lower
FINESS_FIRST = re.compile(r'^"?finess"?([;,\t|])"?etalab"?', re.I)
EXTRACT_HEADER_NAMES = {"nofinesset", "nofinessej"}
EXTRACT_ROWS = {"finess": "structureet", "finess_ej": "structureej"}
OFFICIAL = ("redéposer l'extrait tel que téléchargé sur data.gouv.fr, sans l'ouvrir dans Excel ni le modifier "
            "(première ligne « finess;etalab;<n>;<AAAA-MM-JJ> »)")
_DATA_CELL = re.compile(r"^[0-9AB][0-9AB\s.,/+-]*$")


def _fields(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:
        return line.split(sep)


def _names(line: str, sep: str) -> set[str]:
    return {f.strip().strip("\ufeff").strip('"').strip().lower() for f in _fields(line, sep)}


def required(source: str) -> set[str]:
    return {c.name for c in COLUMNS.get(source, ()) if not c.may_be_absent}


def encoding_cause(head: bytes, first_line: str, encoding: str) -> str | None:
    """UTF-16 (Excel's « Texte Unicode »), or a UTF-8 BOM read as Windows-1252."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:400]:
        return ("fichier enregistré en UTF-16 (« Texte Unicode » d'Excel) : l'enregistrer en « CSV UTF-8 » "
                "(ou Windows-1252 déclaré dans landing/sources.yml) puis le redéposer")
    if first_line.startswith("ï»¿"):
        return (f"fichier en UTF-8 (avec BOM) alors que landing/sources.yml déclare l'encodage {encoding} pour "
                "cette source : retirer cette déclaration (le fichier est relu tel quel, sans redépôt)")
    return None


def _other_source(names: set[str], source: str) -> str | None:
    for other in COLUMNS:
        if other != source and required(other) <= names and not required(source) <= names:
            return other
    return None


def _looks_like_data(line: str) -> bool:
    best = max((_fields(line, sep) for sep in SEPARATOR_NAMES), key=len)
    return len(best) > 1 and sum(bool(_DATA_CELL.match(f.strip())) for f in best) >= 1


def delimited_cause(source: str, lines: list[str], header_index: int, head: bytes, separator: str,
                    encoding: str) -> str | None:
    """The cause when the header line (``lines[header_index]``) lacks required columns, or None
    (a column really missing: the suite names it)."""
    need = required(source)
    first = lines[header_index]
    declared = SEPARATOR_NAMES[separator]
    cause = encoding_cause(head, first, encoding)
    if cause:
        return cause
    if FINESS_FIRST.match(first.lstrip("\ufeff")):
        rows = {line.split(";", 1)[0] for line in lines[header_index + 1:header_index + 1 + SCAN_LINES]}
        folder = "finess_ej/" if "structureej" in rows else "finess/"
        return f"ce fichier est un extrait FINESS (première ligne « finess;etalab;… ») : le déposer dans le dossier {folder}"
    cells = _fields(first, separator)
    if len(cells) == 1 and separator in cells[0] and need <= _names(cells[0], separator):
        return ("chaque ligne est entre guillemets, d'un seul bloc (export d'une seule colonne) : enregistrer le "
                f"fichier en CSV avec le séparateur {declared} sans guillemets autour des lignes, puis le redéposer")
    for sep, name in SEPARATOR_NAMES.items():
        if sep != separator and need <= _names(first, sep):
            if sep in (";", ","):
                return (f"séparateur {name} : lu avec le séparateur déclaré {declared}, l'en-tête ne donne pas les "
                        f"colonnes attendues ; lu avec {name}, il les donne. Déclarer « {source}: {{separator: "
                        f"\"{sep}\"}} » dans landing/sources.yml (le fichier est relu tel quel, sans redépôt) ou "
                        f"redéposer le fichier avec le séparateur {declared}")
            return (f"séparateur {name} : seuls « ; » et « , » sont acceptés ; redéposer le fichier avec le "
                    f"séparateur {declared}")
    for i in range(header_index + 1, min(len(lines), header_index + 1 + SCAN_LINES)):
        for sep, name in SEPARATOR_NAMES.items():
            if need <= _names(lines[i], sep):
                also = "" if sep == separator else f", avec le séparateur {name}"
                return (f"l'en-tête est à la ligne {i + 1}{also}, pas à la ligne {header_index + 1} : supprimer les "
                        f"lignes au-dessus (titre ou commentaire d'export) puis redéposer le fichier")
    names = set().union(*(_names(first, sep) for sep in SEPARATOR_NAMES))
    other = _other_source(names, source)
    if other:
        return (f"l'en-tête est celui de la source « {other} », pas de « {source} » : fichier déposé dans le "
                f"mauvais dossier ? le déposer dans {other}/")
    known = {c.name for c in COLUMNS.get(source, ())}
    if not names & known and _looks_like_data(first):
        wanted = separator.join(c.name for c in COLUMNS[source])
        return (f"pas d'en-tête : la ligne {header_index + 1} est une ligne de données. Ajouter en première ligne "
                f"l'en-tête « {wanted} » puis redéposer le fichier")
    return None


def extract_cause(source: str, lines: list[str], head: bytes, encoding: str, first_ok: bool) -> str | None:
    """The cause when an official FINESS extract (``finess`` or ``finess_ej``) is not one as
    published, or None (the per-row checks name what is wrong)."""
    first = lines[0] if lines else ""
    if not first_ok:
        cause = encoding_cause(head, first, encoding)
        if cause:
            return cause
        m = FINESS_FIRST.match(first.lstrip("\ufeff"))
        if m and m[1] != ";":
            return (f"extrait FINESS réenregistré avec le séparateur {SEPARATOR_NAMES[m[1]]} (ouvert puis enregistré "
                    f"dans Excel ?) : {OFFICIAL}")
        names = set().union(*(_names(first, sep) for sep in SEPARATOR_NAMES))
        if names & EXTRACT_HEADER_NAMES:
            return f"la ligne 1 est un en-tête de colonnes (« {first[:60]} ») : ce n'est pas l'extrait officiel ; {OFFICIAL}"
        if first.split(";", 1)[0] in EXTRACT_ROWS.values():
            return f"la première ligne de l'extrait, qui le date, manque : {OFFICIAL}"
        other = _other_source(names, source)
        if other:
            return (f"l'en-tête est celui de la source « {other} », pas un extrait FINESS : fichier déposé dans le "
                    f"mauvais dossier ? le déposer dans {other}/")
        return None
    mine = EXTRACT_ROWS[source]
    kinds = {line.split(";", 1)[0] for line in lines[1:] if line}
    if mine not in kinds:
        for other, row in EXTRACT_ROWS.items():
            if other != source and row in kinds:
                what = "des entités juridiques" if other == "finess_ej" else "des établissements"
                return f"extrait FINESS {what} (lignes « {row} ») : le déposer dans le dossier {other}/"
    return None


def cause_frame(number: int, cause: str) -> pd.DataFrame:
    """The one row a file with a cause gives: its line ``number`` flagged ``_entete_ok`` False."""
    return pd.DataFrame({
        "_line": pd.Series([number], dtype="int64"),
        "_entete_ok": pd.Series([False], dtype="bool"),
        "_entete__brut": pd.Series([cause], dtype="object"),
        "_champs_ok": pd.Series([True], dtype="bool"),
        "_champs__brut": pd.Series([None], dtype="object"),
        "_encodage_ok": pd.Series([True], dtype="bool"),
        "_encodage__brut": pd.Series([None], dtype="object"),
        "_ligne_ok": pd.Series([True], dtype="bool"),
        "_ligne__brut": pd.Series([None], dtype="object"),
    })


def add_header_flag(frame: pd.DataFrame) -> None:
    """``_entete_ok`` True on every row of a frame whose first line was read (no cause)."""
    if "_entete_ok" not in frame.columns:
        frame["_entete_ok"] = pd.Series([True] * len(frame), index=frame.index, dtype="bool")
        frame["_entete__brut"] = pd.Series([None] * len(frame), index=frame.index, dtype="object")
