"""Publish stage: the notices of year N to each EJ, in French, as HTML and PDF.

Reads (read-only) marts.fct_sanction, fct_procedure, fct_interessement, fct_retenue,
fct_evaluation, fct_score and dim_etablissement for ``ctx.year``; writes
``ctx.notices/<finess_ej>/<kind>.html`` and ``.pdf`` for kind in notification_prealable,
decision_sanction, notification_interessement, plus ``retenues.html`` / ``retenues.csv``
(what was withheld and why) and ``manifest.json``. The same run writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import logging

from caqes_tasks.context import RunContext
from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData, read_year
from caqes_tasks.notices.model import Libelles, RunInfo, interessement_context, sanction_context
from caqes_tasks.notices.pdf import html_to_pdf
from caqes_tasks.notices.publish import publish
from caqes_tasks.notices.render import environment, render_html
from caqes_tasks.notices.selection import Selection, select_notices
from caqes_tasks.warehouse import connect

log = logging.getLogger(__name__)


def _libelles(ctx: RunContext) -> Libelles:
    try:
        return Libelles.from_referentiel(ctx.referentiel)
    except Exception as exc:  # noqa: BLE001 - labels only: every figure comes from the marts
        log.warning("référentiel %s unreadable (%s): notices show codes without labels", ctx.referentiel, exc)
        return Libelles()


def render_notice(data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles) -> tuple[str, bytes]:
    """HTML text and PDF bytes of one notice."""
    if kind == v.INTERESSEMENT:
        context = interessement_context(data, ej, run, lib)
    else:
        context = sanction_context(data, ej, kind, run, lib)
    html = render_html(kind, context)
    footer = f"CAQES {data.year} — {v.TITRES[kind]} — FINESS EJ {ej} — run {run.run_id}"
    pdf = html_to_pdf(html, title=f"{v.TITRES[kind]} — {context['ej']['nom']} — {data.year}", footer_text=footer, created=run.as_of)
    return html, pdf


def _noms(data: YearData) -> dict[str, str]:
    return {
        ej: next((r["raison_sociale_ej"] for r in rows if r.get("raison_sociale_ej")), "")
        for ej, rows in data.tables.get("dim_etablissement", {}).items()
    }


def _csv_cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value  # no formula injection


def retenues_files(data: YearData, sel: Selection, run: RunInfo) -> dict[str, bytes]:
    """``retenues.html`` and ``retenues.csv`` (``;``, UTF-8 with BOM, for a spreadsheet)."""
    comptes = [(k, sum(1 for _, kind in sel.notices if kind == k)) for k in v.KINDS]
    html = environment().get_template("retenues.html.j2").render(
        annee=data.year, run=run, retenues=sel.retenues, en_attente=sel.en_attente,
        comptes=comptes, titres=v.TITRES, noms=_noms(data),
    )  # fmt: skip
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(["finess_ej", "annee", "objet", "raison", "notices_retenues", "origine", "run_id"])
    for r in sel.retenues:
        writer.writerow([r.finess_ej, data.year, _csv_cell(r.objet), _csv_cell(r.raison), ",".join(r.notices), r.origine, run.run_id])
    return {"retenues.html": html.encode("utf-8"), "retenues.csv": ("\ufeff" + buf.getvalue()).encode("utf-8")}


def notices_stage(ctx: RunContext) -> dict:
    """Write every notice of ``ctx.year``; return counts per kind and the paths written."""
    run = RunInfo(run_id=ctx.run_id or "pending", input_hashes=dict(ctx.input_hashes), as_of=ctx.as_of_date)
    lib = _libelles(ctx)
    with connect(ctx.warehouse, read_only=True) as con:
        data = read_year(con, ctx.year)
    sel = select_notices(data)

    files: dict[str, bytes] = {}
    paths: dict[str, list[str]] = {k: [] for k in v.KINDS}
    for ej, kind in sel.notices:
        html, pdf = render_notice(data, ej, kind, run, lib)
        files[f"{ej}/{kind}.html"] = html.encode("utf-8")
        files[f"{ej}/{kind}.pdf"] = pdf
        paths[kind].append(str(ctx.notices / ej / f"{kind}.pdf"))
    files.update(retenues_files(data, sel, run))
    changes = publish(ctx.notices, files, run.run_id)

    counts = {k: len(p) for k, p in paths.items()}
    return {
        "rows": {**counts, "retenues": len(sel.retenues)},
        "counts": counts,
        "notices": paths,
        "retenues": [str(ctx.notices / "retenues.html"), str(ctx.notices / "retenues.csv")],
        "en_attente": [dict(x) for x in sel.en_attente],
        "outputs": [str(ctx.notices / rel) for rel in sorted(files)],
        **changes,
    }
