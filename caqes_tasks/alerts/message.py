"""The alert text: one message per failing run, naming each file, expectation and sample rows."""

from __future__ import annotations

from pathlib import Path

MAX_FAILURES_PER_FILE = 12
MAX_SAMPLE = 5


def report_link(path: str | Path, out: Path | None, base_url: str) -> str:
    """URL of a report: under ``base_url`` when the OUT folder is served, else a file path."""
    path = Path(path)
    if base_url and out is not None:
        try:
            return base_url.rstrip("/") + "/" + path.resolve().relative_to(Path(out).resolve()).as_posix()
        except ValueError:
            pass
    return path.resolve().as_uri() if path.is_absolute() else str(path)


def _subject(run_id: str, files: list, warnings: list, ignored: list, refused: list, waiting: list) -> str:
    if files:
        return f"[CAQES] Validation échouée — {len(files)} fichier(s) en quarantaine — run {run_id}"
    if refused or waiting:
        return f"[CAQES] Dépôt : {len(refused) + len(waiting)} fichier(s) refusé(s) ou en attente — run {run_id}"
    if warnings:
        return f"[CAQES] Avertissements de validation — {len(warnings)} fichier(s) chargé(s) avec avertissement — run {run_id}"
    return f"[CAQES] Dépôt : {len(ignored)} élément(s) ignoré(s) — run {run_id}"


def compose(run_id: str, files: list[dict], years: dict, data_docs: str = "", *, warnings: list[dict] = (),
            ignored: list[dict] = (), refused: list[dict] = (), waiting: list[dict] = ()) -> tuple[str, str]:
    """``files``: one dict per quarantined file with ``file``, ``sha256``, ``report``,
    ``blocked_years`` and ``failures`` (list of dicts: expectation, column, regle, count, sample).
    ``warnings``: one dict per file loaded with warnings (``file``, ``sha256``, ``warnings``,
    ``report``); ``ignored``, ``refused`` and ``waiting``: ``{"file", "reason"}`` — what is not an
    input (unknown folder, file at the root), links refused, files waiting for the register."""
    files, warnings, ignored, refused, waiting = (list(x) for x in (files, warnings, ignored, refused, waiting))
    subject = _subject(run_id, files, warnings, ignored, refused, waiting)
    lines = []
    if files:
        lines += [
            f"Run {run_id} : {len(files)} fichier(s) déposé(s) ont échoué à la validation et sont en quarantaine.",
            "Rien de ces fichiers n'a été chargé ; les données et résultats publiés précédemment sont conservés.",
            "",
        ]
    for f in files:
        lines.append(f"■ {f['file']} (sha256 {f.get('sha256', '')[:12]})")
        if f.get("blocked_years"):
            lines.append("  Années de campagne bloquées : " + ", ".join(map(str, f["blocked_years"])))
        for fail in f["failures"][:MAX_FAILURES_PER_FILE]:
            col = f" « {fail['column']} »" if fail.get("column") else ""
            count = f" — {fail['count']} ligne(s)" if fail.get("count") else ""
            lines.append(f"  - {fail['expectation']}{col}{count}")
            lines.append(f"    Règle : {fail['regle']}")
            for s in fail.get("sample", [])[:MAX_SAMPLE]:
                vals = ", ".join(f"{k}={v!r}" for k, v in s.get("valeurs", {}).items())
                lines.append(f"    ligne {s.get('ligne')}" + (f" : {vals}" if vals else ""))
        if len(f["failures"]) > MAX_FAILURES_PER_FILE:
            lines.append(f"  … {len(f['failures']) - MAX_FAILURES_PER_FILE} autre(s) contrôle(s) en échec")
        for w in f.get("warnings", []):
            lines.append(f"  ! {w}")
        lines.append(f"  Rapport : {f['report']}")
        lines.append("")
    for title, items in (("Fichiers refusés (ni lus ni copiés)", refused),
                         ("Fichiers en attente (non chargés, relus au prochain run)", waiting)):
        if items:
            lines.append(f"{title} :")
            lines += [f"■ {i['file']} : {i['reason']}" for i in items]
            lines.append("")
    if warnings:
        lines.append(f"Fichiers chargés avec avertissement ({len(warnings)}) :")
        for w in warnings:
            lines.append(f"■ {w['file']} (sha256 {w.get('sha256', '')[:12]})")
            lines += [f"  ! {text}" for text in w.get("warnings", [])]
            if w.get("report"):
                lines.append(f"  Rapport : {w['report']}")
        lines.append("")
    if ignored:
        lines.append("Éléments du dépôt ignorés (ne sont pas des entrées du run) :")
        lines += [f"■ {i['file']} : {i['reason']}" for i in ignored]
        lines.append("")
    blocked = [y for y, s in sorted(years.items()) if s.get("status") == "blocked"]
    if blocked:
        lines.append("Calculs suspendus pour les années d'évaluation : " + ", ".join(blocked))
    if data_docs:
        lines.append(f"Rapports Great Expectations (Data Docs) : {data_docs}")
    return subject, "\n".join(lines) + "\n"
