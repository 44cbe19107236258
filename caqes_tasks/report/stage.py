"""The report stage: one campaign report per year, HTML (self-contained) and PDF.

Written to ``ctx.reports/<annee>/campagne_<annee>.html`` and ``.pdf``. Every figure is read
from the marts of the warehouse (read-only connection), see ``caqes_tasks.report.data``.
The PDF engine is chosen by ``$CAQES_REPORT_PDF_ENGINE`` (auto | chromium | fpdf2, default auto).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.report.data import load_campaign
from caqes_tasks.report.pdf import write_pdf
from caqes_tasks.report.render import render_html
from caqes_tasks.warehouse import connect


def report_paths(ctx: RunContext) -> tuple[Path, Path]:
    folder = ctx.reports / str(ctx.year)
    return folder / f"campagne_{ctx.year}.html", folder / f"campagne_{ctx.year}.pdf"


def report_stage(ctx: RunContext, pdf_engine: str | None = None) -> dict:
    """Write the campaign report of ``ctx.year``; return rows (EJ sections) and outputs."""
    with connect(ctx.warehouse, read_only=True) as con:
        campaign = load_campaign(con, ctx.year)
    ref = load_referentiel(ctx.referentiel)
    html_path, pdf_path = report_paths(ctx)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(campaign, run_id=ctx.run_id, as_of=ctx.as_of, ref=ref, n_inputs=len(ctx.input_hashes))
    tmp = html_path.with_name(f".{html_path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, html_path)
    engine = write_pdf(
        html_path, pdf_path, campaign, run_id=ctx.run_id, ref=ref,
        engine=pdf_engine or os.environ.get("CAQES_REPORT_PDF_ENGINE", "auto"),
    )
    return {
        "rows": {"ej": len(campaign.ej), "scores_contrat": len(campaign.scores_contrat)},
        "outputs": {"html": str(html_path), "pdf": str(pdf_path)},
        "pdf_engine": engine,
        "totals": {
            "interessement": str(campaign.total_interessement),
            "sanctions": str(campaign.total_sanctions),
        },
    }
