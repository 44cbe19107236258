"""How a validation failure reads for a person: the rule, then each failing line with its values
as the file wrote them, under the names the file's header uses.

No expectation type, helper flag or table name reaches the reader (they stay in the JSON report,
for machines): a value computed by a check is named for what it is (``_registre`` → « année du
répertoire FINESS consulté »), an explanation given by a reader (``_champs__brut``: « 3 champ(s)
au lieu de 7 ») is shown as such, and a cell's raw text (``montant_rembourse__brut``) under its
column's name.
"""

from __future__ import annotations

# computed values shown with a name of their own
LABELS = {
    "_registre": "année du répertoire FINESS consulté",
    "_mesure": "mesure de l'indicateur au référentiel",
    "_conflit": "en conflit avec",
    "extract_date__brut": "première ligne",
}
# explanations written by a reader or a check (shown as sentences, not as cell values)
EXPLANATIONS = {"_entete__brut", "_champs__brut", "_encodage__brut", "_ligne__brut", "_conflit"}
RAW_SUFFIX = "__brut"


def label(column: str) -> str:
    if column in LABELS:
        return LABELS[column]
    if column.endswith(RAW_SUFFIX):
        return column[: -len(RAW_SUFFIX)]
    return column


def value_text(column: str, value) -> str:
    """One value of a failing line: ``montant_rembourse = « -12,50 »``, or an explanation."""
    text = "" if value is None else str(value)
    if column in EXPLANATIONS:
        return f"{LABELS[column]} {text}" if column in LABELS else text
    return f"{label(column)} = « {text} »" if text else f"{label(column)} vide"


def values_text(values: dict) -> str:
    return " ; ".join(value_text(k, v) for k, v in values.items() if not (k in EXPLANATIONS and not v))


def sample_line(sample: dict, word: str = "ligne") -> str:
    """``ligne 7 : montant_rembourse = « -12,50 »`` (``word``: how the line number is introduced)."""
    vals = values_text(sample.get("valeurs") or {})
    head = f"{word} {sample['ligne']}" if sample.get("ligne") is not None else word
    return head + (f" : {vals}" if vals else "")


HEADER_FLAG = "_entete_ok"  # the file's first line cannot be read: its cause is the message


def cause_of(failure: dict) -> str | None:
    """The cause found when the file's first line cannot be read (see ``header_cause``), else None."""
    if failure.get("column") != HEADER_FLAG:
        return None
    sample = (failure.get("sample") or [{}])[0]
    return (sample.get("valeurs") or {}).get("_entete__brut") or None


def headline(failure: dict) -> str:
    """The rule, with how many lines break it; for an unreadable first line, its cause."""
    cause = cause_of(failure)
    if cause:
        return f"Fichier illisible tel que déposé : {cause}."
    count = failure.get("count")
    return failure["regle"] + (f" — {count} ligne(s) en défaut" if count else "")


def samples(failure: dict) -> list[dict]:
    """The failing lines to show (none when the headline gives the cause)."""
    return [] if cause_of(failure) else list(failure.get("sample") or [])
