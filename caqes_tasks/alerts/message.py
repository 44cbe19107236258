"""The alert: one message per failing run, as plain text and as HTML (the same content).

For each refused file: its name, the years it blocks, each rule it breaks in plain French (or
the one cause that makes it unreadable: separator, encoding, header line, folder) with sample
lines and their values as the file wrote them, who must correct and re-deposit it, and the link
to its validation report. No expectation type or helper column is shown (see
:mod:`caqes_tasks.quality.wording`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from caqes_tasks.ingest.producers import redeposit
from caqes_tasks.quality.wording import headline, sample_line, samples

MAX_FAILURES_PER_FILE = 12
MAX_SAMPLE = 5


class Alert(NamedTuple):
    subject: str
    text: str
    html: str


@dataclass
class _Item:
    """One rule (or one line of a list) and the lines under it."""

    text: str
    details: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    """A file named in the alert."""

    name: str
    items: list[_Item] = field(default_factory=list)
    link: str = ""
    link_text: str = "Rapport de validation"


@dataclass
class _Section:
    title: str
    intro: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)


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


def _short(sha: str) -> str:
    return f" (sha256 {sha[:12]})" if sha else ""


def _failing_entry(f: dict) -> _Entry:
    source = f["file"].split("/", 1)[0]
    entry = _Entry(f"{f['file']}{_short(f.get('sha256', ''))}", link=f.get("report", ""))
    if f.get("blocked_years"):
        entry.items.append(_Item("Années de campagne bloquées : " + ", ".join(map(str, f["blocked_years"]))))
    for fail in f["failures"][:MAX_FAILURES_PER_FILE]:
        entry.items.append(_Item(headline(fail), [sample_line(s) for s in samples(fail)[:MAX_SAMPLE]]))
    if len(f["failures"]) > MAX_FAILURES_PER_FILE:
        entry.items.append(_Item(f"… {len(f['failures']) - MAX_FAILURES_PER_FILE} autre(s) règle(s) non respectée(s)"))
    entry.items += [_Item(f"Avertissement : {w}") for w in f.get("warnings", [])]
    entry.items.append(_Item(redeposit(source)))
    return entry


def _sections(run_id: str, files: list[dict], years: dict, data_docs: str, warnings: list[dict],
              ignored: list[dict], refused: list[dict], waiting: list[dict]) -> list[_Section]:
    out = []
    if files:
        out.append(_Section(
            "Fichiers refusés (en quarantaine)",
            [f"Run {run_id} : {len(files)} fichier(s) déposé(s) ont échoué à la validation et sont en quarantaine.",
             "Rien de ces fichiers n'a été chargé ; les données et résultats publiés précédemment sont conservés."],
            [_failing_entry(f) for f in files]))
    for title, items in (("Fichiers refusés (ni lus ni copiés)", refused),
                         ("Fichiers en attente (non chargés, relus au prochain run)", waiting)):
        if items:
            out.append(_Section(title, entries=[_Entry(i["file"], [_Item(i["reason"])]) for i in items]))
    if warnings:
        out.append(_Section(f"Fichiers chargés avec avertissement ({len(warnings)})", entries=[
            _Entry(f"{w['file']}{_short(w.get('sha256', ''))}", [_Item(t) for t in w.get("warnings", [])],
                   link=w.get("report") or "")
            for w in warnings]))
    if ignored:
        out.append(_Section("Éléments du dépôt ignorés (ne sont pas des entrées du run)",
                            entries=[_Entry(i["file"], [_Item(i["reason"])]) for i in ignored]))
    end = []
    blocked = [y for y, s in sorted(years.items()) if s.get("status") == "blocked"]
    if blocked:
        end.append("Calculs suspendus pour les années d'évaluation : " + ", ".join(blocked))
    if end or data_docs:
        out.append(_Section("", end, [_Entry("", link=data_docs, link_text="Rapports détaillés des contrôles (Data Docs)")]
                            if data_docs else []))
    return out


def _text(sections: list[_Section]) -> str:
    lines: list[str] = []
    for sec in sections:
        if sec.title and not sec.intro:
            lines.append(f"{sec.title} :")
        lines += sec.intro
        if sec.intro and any(entry.name for entry in sec.entries):
            lines.append("")
        for entry in sec.entries:
            if not entry.name:
                lines.append(f"{entry.link_text} : {entry.link}")
            elif len(entry.items) == 1 and not entry.items[0].details and not entry.link:
                lines.append(f"■ {entry.name} : {entry.items[0].text}")  # a one-line reason
            else:
                lines.append(f"■ {entry.name}")
                for item in entry.items:
                    lines.append(f"  - {item.text}")
                    lines += [f"    {d}" for d in item.details]
                if entry.link:
                    lines.append(f"  {entry.link_text} : {entry.link}")
                lines.append("")
        if lines and lines[-1]:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _html(subject: str, sections: list[_Section]) -> str:
    e = html.escape
    parts = [
        '<!doctype html><html lang="fr"><head><meta charset="utf-8">',
        f"<title>{e(subject)}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;line-height:1.4">',
        f'<h1 style="font-size:18px">{e(subject)}</h1>',
    ]
    for sec in sections:
        if sec.title:
            parts.append(f'<h2 style="font-size:16px;border-bottom:1px solid #ccc">{e(sec.title)}</h2>')
        parts += [f"<p>{e(t)}</p>" for t in sec.intro]
        for entry in sec.entries:
            if not entry.name:
                parts.append(f'<p><a href="{e(entry.link, quote=True)}">{e(entry.link_text)}</a></p>')
                continue
            parts.append(f'<h3 style="font-size:15px;margin-bottom:4px"><code>{e(entry.name)}</code></h3><ul>')
            for item in entry.items:
                details = "".join(f"<li>{e(d)}</li>" for d in item.details)
                parts.append(f"<li>{e(item.text)}" + (f"<ul>{details}</ul>" if details else "") + "</li>")
            parts.append("</ul>")
            if entry.link:
                parts.append(f'<p><a href="{e(entry.link, quote=True)}">{e(entry.link_text)}</a></p>')
    parts.append("</body></html>\n")
    return "\n".join(parts)


def compose(run_id: str, files: list[dict], years: dict, data_docs: str = "", *, warnings: list[dict] = (),
            ignored: list[dict] = (), refused: list[dict] = (), waiting: list[dict] = ()) -> Alert:
    """``files``: one dict per quarantined file with ``file`` (``<source>/<name>``), ``sha256``,
    ``report``, ``blocked_years`` and ``failures`` (list of dicts: expectation, column, regle,
    count, sample). ``warnings``: one dict per file loaded with warnings (``file``, ``sha256``,
    ``warnings``, ``report``); ``ignored``, ``refused`` and ``waiting``: ``{"file", "reason"}`` —
    what is not an input (unknown folder, file at the root), links refused, files waiting for the
    register. Returns the subject, the text and the HTML version of the same message."""
    files, warnings, ignored, refused, waiting = (list(x) for x in (files, warnings, ignored, refused, waiting))
    subject = _subject(run_id, files, warnings, ignored, refused, waiting)
    sections = _sections(run_id, files, years, data_docs, warnings, ignored, refused, waiting)
    return Alert(subject, _text(sections), _html(subject, sections))
