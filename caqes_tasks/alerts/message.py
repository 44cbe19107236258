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


def compose(run_id: str, files: list[dict], years: dict, data_docs: str = "") -> tuple[str, str]:
    """``files``: one dict per quarantined file with ``file``, ``sha256``, ``report``,
    ``blocked_years`` and ``failures`` (list of dicts: expectation, column, regle, count, sample)."""
    subject = f"[CAQES] Validation échouée — {len(files)} fichier(s) en quarantaine — run {run_id}"
    lines = [
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
        lines.append(f"  Rapport : {f['report']}")
        lines.append("")
    blocked = [y for y, s in sorted(years.items()) if s.get("status") == "blocked"]
    if blocked:
        lines.append("Calculs suspendus pour les années d'évaluation : " + ", ".join(blocked))
    if data_docs:
        lines.append(f"Rapports Great Expectations (Data Docs) : {data_docs}")
    return subject, "\n".join(lines) + "\n"
