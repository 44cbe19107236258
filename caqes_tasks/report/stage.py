"""The report stage: one campaign report per year, HTML (self-contained) and PDF.

Read at ``ctx.reports/<annee>/campagne_<annee>.html`` and ``.pdf``; both are written aside and
switched in as one by ``caqes_tasks.report.publish.publish_report`` (a reader sees the previous
pair or the new one, never one of each). Every figure is read from the marts of the warehouse
(read-only connection, which waits while another process writes), see
``caqes_tasks.report.data``. The PDF engine is chosen by ``$CAQES_REPORT_PDF_ENGINE``
(auto | chromium | fpdf2, default auto).
"""

from __future__ import annotations

import os

from caqes_tasks.context import RunContext
from caqes_tasks.documents.index import documents_index, links_for
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.report.data import load_campaign
from caqes_tasks.report.publish import publish_report
from caqes_tasks.report.render import render_html
from caqes_tasks.warehouse import connect


def report_stage(ctx: RunContext, pdf_engine: str | None = None) -> dict:
    """Write the campaign report of ``ctx.year``; return rows (EJ sections) and outputs."""
    with connect(ctx.wh, read_only=True) as con:
        campaign = load_campaign(con, ctx.year, as_of=ctx.as_of_date)
    ref = load_referentiel(ctx.referentiel)
    index = documents_index(ctx.out, ctx.year)
    for e in campaign.ej:  # links from OUT/reports/<N>/ to the EJ's documents
        e.documents = links_for(index, e.finess_ej, ctx.reports / str(ctx.year), ctx.out)
    html = render_html(campaign, run_id=ctx.run_id, as_of=ctx.as_of, ref=ref, n_inputs=len(ctx.input_hashes))
    published = publish_report(
        ctx, html, campaign, ref, engine=pdf_engine or os.environ.get("CAQES_REPORT_PDF_ENGINE", "auto")
    )
    return {
        "rows": {"ej": len(campaign.ej), "scores_contrat": len(campaign.scores_contrat)},
        "outputs": {"html": published["html"], "pdf": published["pdf"]},
        "pdf_engine": published["engine"],
        "folder": published["folder"],
        "switched": published["switched"],
        "swept": published["swept"],
        "totals": {
            "interessement": str(campaign.total_interessement),
            "sanctions": str(campaign.total_sanctions),
        },
    }
