"""HTML and PDF of the documents, with the notices' own building blocks.

Templates are looked up in ``documents/templates`` first, then in the notices' templates (their
layout ``base.html.j2`` and macros ``_macros.html.j2`` are shared); the filters are the notices'
(French figures, dates, FINESS numbers). The PDF is the notices' renderer: the same HTML body,
DejaVu fonts, dated by the run, deterministic.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from caqes_tasks.notices import render as notices_render
from caqes_tasks.notices.pdf import html_to_pdf
from caqes_tasks.notices.stage import PdfJob, render_pdfs

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    notices_env = notices_render.environment()
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)), FileSystemLoader(str(notices_render.TEMPLATES))]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(notices_env.filters)
    return env


def render_html(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)


def render_pdf(html: str, *, title: str, footer_text: str, created: date) -> bytes:
    return html_to_pdf(html, title=title, footer_text=footer_text, created=created)


def pending_jobs(ejs, document: str, register, template: str, context_of, title_of, footer_of, created: date) -> dict[str, PdfJob]:
    """``{"<ej>/<document>": PdfJob}`` for the EJs whose document is not issued yet (``register``):
    an issued document is kept as it was sent, never drawn again."""
    jobs: dict[str, PdfJob] = {}
    for ej in ejs:
        key = f"{ej}/{document}"
        if key in register:
            continue
        context = context_of(ej)
        jobs[key] = PdfJob(html=render_html(template, context), title=title_of(context), footer_text=footer_of(ej),
                           created=created)
    return jobs


def new_documents(jobs: dict[str, PdfJob], issued_on: str) -> dict:
    """The documents to issue: ``key`` → its HTML and PDF (``<key>.html``, ``<key>.pdf``), the
    PDFs drawn in the notices' process pool (``CAQES_NOTICES_WORKERS``), in a fixed order."""
    from caqes_tasks.documents.publish import NewDocument

    drawn = dict(zip(jobs, render_pdfs(list(jobs.values()))))
    return {
        key: NewDocument(date=issued_on, files={f"{key}.html": job.html.encode("utf-8"), f"{key}.pdf": drawn[key]})
        for key, job in jobs.items()
    }
