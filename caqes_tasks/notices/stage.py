"""Publish stage: the notices of year N to each EJ, in French, as HTML and PDF.

Reads (read-only) marts.fct_sanction, fct_procedure, fct_interessement, fct_retenue,
fct_evaluation, fct_score and dim_etablissement for ``ctx.year``; writes
``ctx.notices/<finess_ej>/<kind>.html`` and ``.pdf`` for kind in notification_prealable,
decision_sanction, notification_interessement, plus ``retenues.html`` / ``retenues.csv``
(what was withheld and why) and ``manifest.json``. The same run writes the same bytes.

A PDF depends only on its HTML, title, footer, date and the renderer (``pdf.render_key``): the
manifest keeps that key per PDF, and a PDF whose key and bytes are unchanged since the last run
is reused as is instead of being drawn again. The others are drawn in a small process pool
(``CAQES_NOTICES_WORKERS``, default 2; 1 draws in this process), results in a fixed order.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData, read_year
from caqes_tasks.notices.model import Libelles, RunInfo, interessement_context, sanction_context
from caqes_tasks.notices.pdf import html_to_pdf, render_key, warm_fonts
from caqes_tasks.notices.publish import publish, read_manifest, sha256_bytes
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


@dataclass(frozen=True)
class PdfJob:
    """Everything ``html_to_pdf`` reads for one notice (picklable: it travels to a worker)."""

    html: str
    title: str
    footer_text: str
    created: date

    def key(self) -> str:
        return render_key(self.html, title=self.title, footer_text=self.footer_text, created=self.created)

    def render(self) -> bytes:
        return html_to_pdf(self.html, title=self.title, footer_text=self.footer_text, created=self.created)


def notice_job(data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles) -> PdfJob:
    """The HTML of one notice and what its PDF is drawn from."""
    if kind == v.INTERESSEMENT:
        context = interessement_context(data, ej, run, lib)
    else:
        context = sanction_context(data, ej, kind, run, lib)
    html = render_html(kind, context)
    footer = f"CAQES {data.year} — {v.TITRES[kind]} — FINESS EJ {ej} — run {run.run_id}"
    title = f"{v.TITRES[kind]} — {context['ej']['nom']} — {data.year}"
    return PdfJob(html=html, title=title, footer_text=footer, created=run.as_of)


def render_notice(data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles) -> tuple[str, bytes]:
    """HTML text and PDF bytes of one notice."""
    job = notice_job(data, ej, kind, run, lib)
    return job.html, job.render()


WORKERS_ENV = "CAQES_NOTICES_WORKERS"
MIN_JOBS_PER_WORKER = 8  # below this, starting a worker costs more than it saves


def workers_for(n_jobs: int) -> int:
    """Processes to draw ``n_jobs`` PDFs with: ``CAQES_NOTICES_WORKERS`` (default 2, capped by
    the CPUs), 1 for a small batch or inside a daemon process (which cannot have children)."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    try:
        wanted = int(raw) if raw else min(2, os.cpu_count() or 1)
    except ValueError:
        log.warning("%s=%r is not an integer: PDFs drawn in this process", WORKERS_ENV, raw)
        wanted = 1
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(wanted, n_jobs // MIN_JOBS_PER_WORKER))


def _render_job(job: PdfJob) -> bytes:
    return job.render()


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the objects alive now (the year's data, the parsed fonts) out of the garbage
    collector's full passes while thousands of short-lived PDF objects come and go."""
    if gc.get_freeze_count():  # someone else froze objects: leave their freeze alone
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def render_pdfs(jobs: list[PdfJob], workers: int | None = None) -> list[bytes]:
    """The PDF bytes of ``jobs``, in the order of ``jobs`` whatever the number of processes."""
    if not jobs:
        return []
    workers = workers_for(len(jobs)) if workers is None else workers
    warm_fonts()  # before the workers fork: they inherit the parsed fonts
    with _gc_frozen():  # frozen before the fork: the workers inherit that too
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            # fork, not spawn: spawn re-imports the caller's main module in every worker (a script
            # without a ``__main__`` guard would run again). The warehouse is closed by now.
            try:
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                    return list(pool.map(_render_job, jobs, chunksize=4))
            except (OSError, BrokenProcessPool, AssertionError) as exc:  # no child process here
                log.warning("notices: process pool unavailable (%s): PDFs drawn in this process", exc)
        return [job.render() for job in jobs]


def reusable_pdfs(folder: Path, jobs: dict[str, PdfJob]) -> tuple[dict[str, str], dict[str, bytes]]:
    """Render keys of ``jobs`` (relative PDF path → job) and the PDFs of the last run that can be
    kept: same key in the manifest, and the file still holds the bytes the manifest lists."""
    previous = read_manifest(folder)
    old_keys: dict[str, str] = previous.get("pdf_render_keys", {}) or {}
    old_sha: dict[str, str] = previous.get("files", {}) or {}
    keys = {rel: job.key() for rel, job in jobs.items()}
    kept: dict[str, bytes] = {}
    for rel, key in keys.items():
        path = folder / rel
        if old_keys.get(rel) != key or rel not in old_sha or not path.is_file():
            continue
        content = path.read_bytes()
        if sha256_bytes(content) == old_sha[rel]:
            kept[rel] = content
    return keys, kept


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
    jobs: dict[str, PdfJob] = {}
    for ej, kind in sel.notices:
        job = notice_job(data, ej, kind, run, lib)
        files[f"{ej}/{kind}.html"] = job.html.encode("utf-8")
        jobs[f"{ej}/{kind}.pdf"] = job
        paths[kind].append(str(ctx.notices / ej / f"{kind}.pdf"))
    keys, kept = reusable_pdfs(ctx.notices, jobs)
    todo = [rel for rel in jobs if rel not in kept]
    drawn = dict(zip(todo, render_pdfs([jobs[rel] for rel in todo])))
    log.info("notices: %d PDF drawn, %d unchanged since the last run kept", len(drawn), len(kept))
    for rel in jobs:
        files[rel] = kept[rel] if rel in kept else drawn[rel]
    files.update(retenues_files(data, sel, run))
    changes = publish(ctx.notices, files, run.run_id, extra={"pdf_render_keys": dict(sorted(keys.items()))})

    counts = {k: len(p) for k, p in paths.items()}
    return {
        "rows": {**counts, "retenues": len(sel.retenues)},
        "counts": counts,
        "notices": paths,
        "retenues": [str(ctx.notices / "retenues.html"), str(ctx.notices / "retenues.csv")],
        "en_attente": [dict(x) for x in sel.en_attente],
        "outputs": [str(ctx.notices / rel) for rel in sorted(files)],
        "pdf": {"drawn": len(drawn), "kept": len(kept)},
        **changes,
    }
