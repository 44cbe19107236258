"""Publish stage: the notices of year N to each EJ, in French, as HTML and PDF.

Reads (read-only) marts.fct_sanction, fct_procedure, fct_interessement, fct_retenue,
fct_evaluation, fct_score and dim_etablissement for ``ctx.year``; publishes
``ctx.notices/<finess_ej>/<kind>.html`` and ``.pdf`` for kind in notification_prealable,
decision_sanction, notification_interessement, plus ``retenues.html`` / ``retenues.csv``
(what was withheld and why) and ``manifest.json``. The same run writes the same bytes.
A notice's annex lists the inputs the run accepted (``caqes_tasks.feeds.manifest.run_inputs``)
with their SHA-256, and apart the files of the landing zone refused or ignored.

A notice issued by an earlier run is never drawn again: it is kept byte for byte, and a
décision cites the date and reference of the notification préalable it follows
(``caqes_tasks.notices.publish``: issued notices, verification, all-or-nothing switch). The
notices not issued yet are drawn in a small process pool (``CAQES_NOTICES_WORKERS``, default 2;
1 draws in this process), results in a fixed order: this process makes each notice's HTML while
the workers typeset the PDFs of the ones before it (``caqes_tasks.notices.pdf``). Speed is
measured by ``python -m benchmarks.notices``.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date

from caqes_tasks.context import RunContext
from caqes_tasks.feeds.manifest import run_inputs
from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData, read_year
from caqes_tasks.notices.model import Libelles, RunInfo, interessement_context, sanction_context
from caqes_tasks.notices.pdf import compiled_here, html_to_pdf, render_key, warm_fonts
from caqes_tasks.notices.publish import IssuedNotice, NewNotice, open_year, publish_year
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
    date_lettre: date | None = None  # the date the letter bears

    def key(self) -> str:
        return render_key(self.html, title=self.title, footer_text=self.footer_text, created=self.created)

    def render(self) -> bytes:
        return html_to_pdf(self.html, title=self.title, footer_text=self.footer_text, created=self.created)


def notice_job(
    data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles, prealable: dict | None = None
) -> PdfJob:
    """The HTML of one notice and what its PDF is drawn from. ``prealable`` (a décision only):
    the notification préalable it follows, ``{"run_id", "date"}`` (see ``sanction_context``)."""
    if kind == v.INTERESSEMENT:
        context = interessement_context(data, ej, run, lib)
    else:
        context = sanction_context(data, ej, kind, run, lib, prealable=prealable if kind == v.DECISION else None)
    html = render_html(kind, context)
    footer = f"CAQES {data.year} — {v.TITRES[kind]} — FINESS EJ {ej} — run {run.run_id}"
    title = f"{v.TITRES[kind]} — {context['ej']['nom']} — {data.year}"
    return PdfJob(html=html, title=title, footer_text=footer, created=run.as_of, date_lettre=context["date_lettre"])


def render_notice(
    data: YearData, ej: str, kind: str, run: RunInfo, lib: Libelles, prealable: dict | None = None
) -> tuple[str, bytes]:
    """HTML text and PDF bytes of one notice."""
    job = notice_job(data, ej, kind, run, lib, prealable)
    return job.html, job.render()


def prealable_reference(register: dict[str, IssuedNotice], ej: str, run: RunInfo, issued_now: bool) -> dict | None:
    """The notification préalable a décision of ``ej`` follows: the one issued earlier (its run and
    the date it bears), or the one this run issues; None when none was issued."""
    earlier = register.get(f"{ej}/{v.PREALABLE}")
    if earlier is not None:
        return {"run_id": earlier.run_id, "date": date.fromisoformat(earlier.date) if earlier.date else None}
    return {"run_id": run.run_id, "date": None} if issued_now else None


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


def _worker_start() -> None:
    """One thread per worker for Typst: the pool already gives each core its process."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")


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


def _pool_context():
    """fork when this process has not compiled yet (the workers inherit the imports, nothing is
    imported again); spawn once it has (Typst's threads do not survive a fork: a forked worker
    would wait for them for ever). spawn re-imports the caller's main module in each worker, as
    ``__mp_main__`` (code under a ``__main__`` guard does not run)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and not compiled_here():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def render_pdfs(jobs: Iterable[PdfJob], workers: int | None = None, *, n_jobs: int | None = None) -> list[bytes]:
    """The PDF bytes of ``jobs``, in the order of ``jobs`` whatever the number of processes.

    ``jobs`` may be a generator (then ``n_jobs`` says how many it yields): the workers draw the
    first PDFs while this process still renders the next notices' HTML."""
    if n_jobs is None:
        jobs = list(jobs)
        n_jobs = len(jobs)
    if not n_jobs:
        return [job.render() for job in jobs]  # an empty generator still runs to its end
    workers = workers_for(n_jobs) if workers is None else workers
    warm_fonts()  # fonts found and page setup read before the fork: the workers inherit them
    with _gc_frozen():  # frozen before a fork: the workers inherit that too
        if workers > 1:
            source = iter(jobs)
            made: list[PdfJob] = []

            def recorded() -> Iterator[PdfJob]:
                for job in source:
                    made.append(job)
                    yield job

            try:
                with ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_worker_start) as pool:
                    return list(pool.map(_render_job, recorded(), chunksize=_chunksize(n_jobs, workers)))
            except (OSError, BrokenProcessPool, AssertionError) as exc:  # no child process here
                log.warning("notices: process pool unavailable (%s): PDFs drawn in this process", exc)
                jobs = itertools.chain(made, source)  # the ones handed to the pool, then the rest
        return [job.render() for job in jobs]


def _chunksize(n_jobs: int, workers: int) -> int:
    """Chunks small enough to even out the workers' loads, big enough to keep the trips few."""
    return max(1, min(4, n_jobs // (workers * 8)))


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
    """Publish every notice of ``ctx.year``; return counts per kind and the paths published."""
    inputs = run_inputs(ctx)  # accepted inputs; refused or ignored files apart
    run = RunInfo(run_id=ctx.run_id or "pending", input_hashes=inputs["accepted"], as_of=ctx.as_of_date,
                  rejected=inputs["rejected"], ignored=tuple(inputs["ignored"]))  # fmt: skip
    current, register = open_year(ctx.notices)  # before any work: an altered issued notice stops here
    lib = _libelles(ctx)
    with connect(ctx.wh, read_only=True) as con:
        data = read_year(con, ctx.year)
    sel = select_notices(data)

    paths: dict[str, list[str]] = {k: [] for k in v.KINDS}
    due = set(sel.notices)
    todo: list[tuple[str, str]] = []
    for ej, kind in sel.notices:
        paths[kind].append(str(ctx.notices / ej / f"{kind}.pdf"))
        if f"{ej}/{kind}" not in register:
            todo.append((ej, kind))  # not issued yet (an issued one is kept as it was sent)
    jobs: dict[str, PdfJob] = {}

    def make_jobs() -> Iterator[PdfJob]:
        """Each notice's HTML, made while the workers draw the PDFs of the ones before it."""
        for ej, kind in todo:
            prealable = None
            if kind == v.DECISION:
                prealable = prealable_reference(register, ej, run, (ej, v.PREALABLE) in due)
            job = jobs[f"{ej}/{kind}"] = notice_job(data, ej, kind, run, lib, prealable)
            yield job

    pdfs = render_pdfs(make_jobs(), n_jobs=len(todo))
    drawn = dict(zip((f"{ej}/{kind}" for ej, kind in todo), pdfs, strict=True))
    kept_due = sum(1 for ej, kind in sel.notices if f"{ej}/{kind}" in register)
    log.info("notices: %d drawn, %d issued earlier kept as sent", len(drawn), kept_due)
    new = {
        key: NewNotice(
            date=job.date_lettre.isoformat() if job.date_lettre else None,
            files={f"{key}.html": job.html.encode("utf-8"), f"{key}.pdf": drawn[key]},
        )
        for key, job in jobs.items()
    }
    others = retenues_files(data, sel, run)
    changes = publish_year(
        ctx.notices, run.run_id, current=current, register=register, new=new, files=others,
        extra={"annee": ctx.year, "as_of": run.as_of.isoformat()},
    )  # fmt: skip

    counts = {k: len(p) for k, p in paths.items()}
    published = sorted({rel for n in register.values() for rel in n.files} | {rel for n in new.values() for rel in n.files} | set(others))
    return {
        "rows": {**counts, "retenues": len(sel.retenues)},
        "counts": counts,
        "notices": paths,
        "retenues": [str(ctx.notices / "retenues.html"), str(ctx.notices / "retenues.csv")],
        "en_attente": [dict(x) for x in sel.en_attente],
        "outputs": [str(ctx.notices / rel) for rel in published],
        "pdf": {"drawn": len(drawn), "kept": kept_due},
        **changes,
    }
