"""The report stage as it publishes through ``caqes_tasks.report.publish`` (what
``caqes_tasks.report.stage.report_stage`` does once it calls ``publish_report``)."""

from __future__ import annotations

import os

from caqes_tasks.context import RunContext
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.report.data import load_campaign
from caqes_tasks.report.publish import publish_report
from caqes_tasks.report.render import render_html
from caqes_tasks.warehouse import connect


def report_published(ctx: RunContext, pdf_engine: str | None = None) -> dict:
    with connect(ctx.warehouse, read_only=True) as con:
        campaign = load_campaign(con, ctx.year)
    ref = load_referentiel(ctx.referentiel)
    html = render_html(campaign, run_id=ctx.run_id, as_of=ctx.as_of, ref=ref, n_inputs=len(ctx.input_hashes))
    engine = pdf_engine or os.environ.get("CAQES_REPORT_PDF_ENGINE", "auto")
    return publish_report(ctx, html, campaign, ref, engine=engine)
