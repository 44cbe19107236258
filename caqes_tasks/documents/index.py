"""Which documents are published for a year, per EJ: for the feeds' manifest and the campaign
report's links. Read from the published sets' manifests (``caqes_tasks.documents.publish``)."""

from __future__ import annotations

from pathlib import Path

from caqes_tasks.documents import publish as pub

LIBELLES = {
    pub.RAPPORT: "Rapport d'évaluation annuel",
    "S1": "Analyse semestrielle des prescriptions, S1",
    "S2": "Analyse semestrielle des prescriptions, S2",
}


def _set(out: Path, folder: Path, document: str) -> dict[str, dict]:
    manifest = pub.published_manifest(folder)
    files = manifest.get("files") or {}
    found: dict[str, dict] = {}
    for key, issued in sorted((manifest.get("issued") or {}).items()):
        ej, _, kind = key.partition("/")
        if kind != document:
            continue
        entry = {"date": issued.get("date"), "run_id": issued.get("run_id")}
        for rel in issued.get("files") or []:
            ext = rel.rsplit(".", 1)[-1]
            entry[ext] = str((folder / rel).relative_to(out))
            entry[f"sha256_{ext}"] = (files.get(rel) or {}).get("sha256")
        found[ej] = entry
    return found


def documents_index(out: Path, year: int) -> dict:
    """``{"rapport_evaluation": {ej: {pdf, html, sha256_pdf, sha256_html, date, run_id}},
    "analyses_semestrielles": {"S1": {ej: …}, "S2": {ej: …}}}``, paths relative to OUT; empty
    where nothing is published."""
    out = Path(out)
    return {
        pub.RAPPORT: _set(out, pub.rapports_dir(out, year), pub.RAPPORT),
        "analyses_semestrielles": {f"S{h}": _set(out, pub.analyses_dir(out, year, h), pub.ANALYSE) for h in (1, 2)},
    }


def links_for(index: dict, ej: str, base: Path, out: Path) -> list[dict]:
    """The documents of ``ej`` as ``{"libelle", "href"}``, ``href`` relative to the folder
    ``base`` (the page that links to them), for the PDF of each."""
    import os

    entries = [(LIBELLES[pub.RAPPORT], index.get(pub.RAPPORT, {}).get(ej))]
    entries += [(LIBELLES[h], index.get("analyses_semestrielles", {}).get(h, {}).get(ej)) for h in ("S1", "S2")]
    return [
        {"libelle": libelle, "href": os.path.relpath(Path(out) / e["pdf"], base)}
        for libelle, e in entries
        if e and e.get("pdf")
    ]
