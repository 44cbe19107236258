"""Validation reports for the ARS reader: JSON (for machines), text and HTML (for people)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from caqes_tasks.ingest.producers import redeposit
from caqes_tasks.quality.validation import Failure, Validation
from caqes_tasks.quality.wording import headline, sample_line, samples


def failure_lines(f: Failure) -> list[str]:
    """The failure in plain French: the rule (or the cause), then its lines as the file wrote them."""
    d = f.__dict__
    out = [headline(d)]
    shown = samples(d)
    out += [f"   {sample_line(s, 'Ligne')}" for s in shown]
    if f.count and shown and f.count > len(shown):
        out.append(f"   … et {f.count - len(shown)} autre(s) ligne(s)")
    if f.detail:
        out.append(f"   Détail technique : {f.detail}")
    return out


def _source(header: dict, v: Validation) -> str:
    return header.get("source") or v.source


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
    if not v.success:
        lines.append(redeposit(_source(header, v)))
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
        d = f.__dict__
        sample = "<br>".join(e(sample_line(s, "ligne")) for s in samples(d))
        detail = f"<br><small>Détail technique : {e(f.detail)}</small>" if f.detail else ""
        rows.append(f"<tr><td>{e(headline(d))}</td><td>{f.count if f.count is not None else ''}</td>"
                    f"<td>{sample}{detail}</td></tr>")
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
        + (f"<p><strong>{e(redeposit(_source(header, v)))}</strong></p>" if not v.success else "")
        + (f"<h2>Avertissements</h2><ul>{warnings}</ul>" if warnings else "")
        + "<table><tr><th>Règle</th><th>Lignes en défaut</th><th>Lignes (valeurs telles qu'écrites dans le fichier)</th></tr>"
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
