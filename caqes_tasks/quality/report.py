"""Validation reports for the ARS reader: JSON (for machines), text and HTML (for people)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from caqes_tasks.quality.validation import Failure, Validation


def failure_lines(f: Failure) -> list[str]:
    head = f"{f.expectation}" + (f" sur « {f.column} »" if f.column else "")
    count = f" — {f.count} ligne(s) en défaut" if f.count else ""
    out = [head + count, f"   Règle : {f.regle}"]
    if f.detail:
        out.append(f"   Détail : {f.detail}")
    for s in f.sample:
        vals = ", ".join(f"{k}={v!r}" for k, v in s["valeurs"].items())
        out.append(f"   Ligne {s['ligne']}" + (f" : {vals}" if vals else ""))
    if f.count and f.count > len(f.sample) and f.sample:
        out.append(f"   … et {f.count - len(f.sample)} autre(s) ligne(s)")
    return out


def render_text(v: Validation, header: dict) -> str:
    verdict = ("ACCEPTÉ avec avertissement(s)" if v.warnings else "ACCEPTÉ") if v.success else "REJETÉ — fichier mis en quarantaine, rien n'en est chargé"
    lines = [
        f"Rapport de validation CAQES — {v.source}/{v.file_name}",
        f"Run : {header.get('run_id', '')}",
        f"SHA-256 : {header.get('sha256', '')}",
        f"Lignes lues : {v.rows} — contrôles évalués : {v.evaluated} — {verdict}",
    ]
    if header.get("blocked_years"):
        lines.append("Années de campagne bloquées : " + ", ".join(str(y) for y in header["blocked_years"]))
    lines.append("")
    if v.warnings:
        lines.append("Avertissements (le fichier n'est pas rejeté pour autant) :")
        lines += [f" ! {w}" for w in v.warnings]
        lines.append("")
    for i, f in enumerate(v.failures, 1):
        first, *rest = failure_lines(f)
        lines.append(f"{i}. {first}")
        lines += rest
        lines.append("")
    if v.notes:
        lines.append("Notes :")
        lines += [f" - {n}" for n in v.notes]
    return "\n".join(lines) + "\n"


def render_html(v: Validation, header: dict) -> str:
    e = html.escape
    rows = []
    for f in v.failures:
        sample = "<br>".join(
            e(f"ligne {s['ligne']} : " + ", ".join(f"{k}={val!r}" for k, val in s["valeurs"].items())) for s in f.sample
        )
        rows.append(
            f"<tr><td>{e(f.expectation)}</td><td>{e(f.column or '')}</td><td>{e(f.regle)}</td>"
            f"<td>{f.count if f.count is not None else ''}</td><td>{sample}{e(f.detail)}</td></tr>"
        )
    notes = "".join(f"<li>{e(n)}</li>" for n in v.notes)
    warnings = "".join(f"<li>{e(w)}</li>" for w in v.warnings)
    status = "accepté" if v.success else "rejeté (quarantaine)"
    return (
        "<!doctype html><html lang='fr'><meta charset='utf-8'>"
        f"<title>Validation {e(v.source)}/{e(v.file_name)}</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #999;padding:4px;vertical-align:top}"
        "table{border-collapse:collapse}</style>"
        f"<h1>Validation {e(v.source)}/{e(v.file_name)} : {status}</h1>"
        f"<p>Run {e(header.get('run_id', ''))} — SHA-256 {e(header.get('sha256', ''))} — {v.rows} lignes</p>"
        + (f"<p>Années bloquées : {e(', '.join(map(str, header.get('blocked_years', []))))}</p>" if header.get("blocked_years") else "")
        + (f"<h2>Avertissements</h2><ul>{warnings}</ul>" if warnings else "")
        + "<table><tr><th>Contrôle</th><th>Colonne</th><th>Règle</th><th>Lignes en défaut</th><th>Exemples</th></tr>"
        + "".join(rows)
        + f"</table><ul>{notes}</ul></html>\n"
    )


def write_report(v: Validation, folder: Path, header: dict) -> dict[str, Path]:
    """Write ``<file>.validation.json|.txt|.html`` in ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {k: folder / f"{v.file_name}.validation.{ext}" for k, ext in (("json", "json"), ("text", "txt"), ("html", "html"))}
    paths["json"].parent.mkdir(parents=True, exist_ok=True)
    payload = {**header, **v.to_dict()}
    paths["json"].write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    paths["text"].write_text(render_text(v, header), encoding="utf-8")
    paths["html"].write_text(render_html(v, header), encoding="utf-8")
    return paths
