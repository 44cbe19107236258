"""The distribution list of the half-yearly analyses (contrat type, volet 1 art. 4).

Each analysis goes to four recipients: the establishment's commission or conférence médicale
(CSP R. 6111-10), the OMéDIT (CSP R. 1413-90, R. 1413-91), the director general of the ARS and the
organisme local d'assurance maladie. ``distribution.json`` and ``distribution.csv`` (``;``,
UTF-8 with BOM, for a spreadsheet) list one line per EJ × recipient with the document to send
and its SHA-256, for a mail step or a person; ``statut`` is ``a_envoyer``.
"""

from __future__ import annotations

import csv
import io
import json

DESTINATAIRES = (
    ("cme", "Commission médicale d'établissement ou conférence médicale d'établissement (CSP R. 6111-10)"),
    ("omedit", "Observatoire du médicament, des dispositifs médicaux et de l'innovation thérapeutique (OMéDIT) Nouvelle-Aquitaine"),
    ("ars", "Directeur général de l'Agence régionale de santé Nouvelle-Aquitaine"),
    ("cpam", "Organisme local d'assurance maladie"),
)
COLONNES = ("finess_ej", "raison_sociale_ej", "annee", "semestre", "destinataire", "libelle_destinataire",
            "departement", "document", "sha256", "statut")  # fmt: skip


def lignes(documents: list[dict], year: int, half: int) -> list[dict]:
    """``documents``: per EJ ``{finess_ej, nom, departement, pdf (path relative to the set), sha256}``."""
    out = []
    for d in sorted(documents, key=lambda d: d["finess_ej"]):
        for code, libelle in DESTINATAIRES:
            if code == "cpam" and d.get("departement"):
                libelle = f"{libelle} (caisse primaire du département {d['departement']})"
            out.append({
                "finess_ej": d["finess_ej"], "raison_sociale_ej": d["nom"], "annee": year, "semestre": f"S{half}",
                "destinataire": code, "libelle_destinataire": libelle, "departement": d.get("departement") or "",
                "document": d["pdf"], "sha256": d["sha256"], "statut": "a_envoyer",
            })  # fmt: skip
    return out


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formula injection


def files(documents: list[dict], year: int, half: int, run_id: str) -> dict[str, bytes]:
    """``distribution.json`` and ``distribution.csv``."""
    rows = lignes(documents, year, half)
    payload = {"annee": year, "semestre": f"S{half}", "run_id": run_id, "destinataires": [c for c, _ in DESTINATAIRES], "envois": rows}
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLONNES)
    for r in rows:
        writer.writerow([_cell(r[c]) for c in COLONNES])
    return {
        "distribution.json": (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        "distribution.csv": ("\ufeff" + buf.getvalue()).encode("utf-8"),
    }
