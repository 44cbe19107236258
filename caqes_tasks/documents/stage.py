"""Stages of the documents: the rapports d'évaluation of the annual run (after the notices).

``rapports_stage(ctx)`` publishes ``OUT/rapports/<N>/<finess_ej>/rapport_evaluation.html`` and
``.pdf`` for every EJ concerned (``caqes_tasks.documents.rapport_evaluation``). A rapport issued
by an earlier run is kept byte for byte and never drawn again (``caqes_tasks.documents.publish``);
the first annual run of year N issues it, as of its date.

The half-yearly analyses are produced by ``caqes_tasks.documents.semester`` (``caqes semester``,
``caqes_semestriel`` DAG).
"""

from __future__ import annotations

import logging

from caqes_tasks.context import RunContext
from caqes_tasks.documents import publish as pub
from caqes_tasks.documents.rapport_evaluation import TITRE, Poids, ejs_concerned, rapport_context, read_rapport_data
from caqes_tasks.documents.render import new_documents, pending_jobs
from caqes_tasks.feeds.manifest import run_inputs
from caqes_tasks.notices.model import Libelles, RunInfo
from caqes_tasks.warehouse import connect

log = logging.getLogger(__name__)


def _referentiel(ctx: RunContext):
    from caqes_tasks.referentiel import load_referentiel

    try:
        return load_referentiel(ctx.referentiel), Libelles.from_referentiel(ctx.referentiel)
    except Exception as exc:  # noqa: BLE001 - labels and weights only: every figure comes from the marts
        log.warning("référentiel %s unreadable (%s): rapports show codes without labels or weights", ctx.referentiel, exc)
        return None, Libelles()


def run_info(ctx: RunContext) -> RunInfo:
    inputs = run_inputs(ctx)
    return RunInfo(run_id=ctx.run_id or "pending", input_hashes=inputs["accepted"], as_of=ctx.as_of_date,
                   rejected=inputs["rejected"], ignored=tuple(inputs["ignored"]))  # fmt: skip


def rapports_stage(ctx: RunContext) -> dict:
    """Issue the rapports d'évaluation of ``ctx.year`` not issued yet; keep the others."""
    folder = pub.rapports_dir(ctx.out, ctx.year)
    current, register = pub.open_set(folder)  # an altered issued rapport stops the run here
    run = run_info(ctx)
    ref, lib = _referentiel(ctx)
    poids = Poids.from_referentiel(ref)
    with connect(ctx.wh, read_only=True) as con:
        data, extras = read_rapport_data(con, ctx.year)
    ejs = ejs_concerned(data, extras)
    jobs = pending_jobs(
        ejs, pub.RAPPORT, register, "rapport_evaluation.html.j2",
        lambda ej: rapport_context(data, extras, ej, run, lib, poids),
        lambda context: f"{TITRE} — {context['ej']['nom']} — {ctx.year}",
        lambda ej: f"CAQES {ctx.year} — {TITRE} — FINESS EJ {ej} — run {run.run_id}",
        run.as_of,
    )
    new = new_documents(jobs, run.as_of.isoformat())
    changes = pub.publish_set(
        folder, run.run_id, current=current, register=register, new=new, files={},
        extra={"annee": ctx.year, "as_of": run.as_of.isoformat(), "document": pub.RAPPORT},
    )  # fmt: skip
    log.info("rapports d'évaluation: %d issued, %d kept", len(new), len(ejs) - len(new))
    return {
        "rows": {"rapports": len(ejs), "emis": len(new)},
        "rapports": [str(folder / ej / f"{pub.RAPPORT}.pdf") for ej in ejs],
        "outputs": [str(folder / ej / f"{pub.RAPPORT}.{ext}") for ej in ejs for ext in ("html", "pdf")]
        + [str(folder / "manifest.json")],
        **changes,
    }
