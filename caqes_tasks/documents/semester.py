"""The half-yearly run: ``caqes semester --year N --half 1|2`` and the ``caqes_semestriel`` DAG.

It reads the warehouse the nightly runs keep loaded (line-level ``phev_lines`` included) and
publishes, for every EJ concerned, ``OUT/analyses/<N>-S<h>/<finess_ej>/analyse_semestrielle.html``
and ``.pdf``, with ``distribution.json`` / ``distribution.csv`` (four recipients per EJ) and the
set's ``manifest.json`` (``caqes_tasks.documents.publish``: an analysis once issued has been sent
and is kept byte for byte; a later run issues only the missing ones).

It writes under OUT, so it holds the out dir's run lock for its duration
(``pipeline.hold_run_lock``); the run id is derived from the half-year, the loaded files, the
référentiel and the date, so the same data on the same day is the same run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.documents import distribution
from caqes_tasks.documents import publish as pub
from caqes_tasks.documents.analyse_semestrielle import TITRE, analyse_context, read_semester
from caqes_tasks.documents.render import new_documents, pending_jobs
from caqes_tasks.notices.model import Libelles, RunInfo
from caqes_tasks.notices.publish import sha256_bytes
from caqes_tasks.warehouse import connect, warehouse_for

log = logging.getLogger(__name__)
HALVES = (1, 2)


def check_half(half) -> int:
    from caqes_tasks.pipeline import InvalidRunSettings

    text = str(half if half is not None else "").strip().upper().removeprefix("S")
    if text not in ("1", "2"):
        raise InvalidRunSettings(f"semestre invalide : « {half if half is not None else ''} » (--half 1 ou 2 : 1 = janvier-juin, 2 = juillet-décembre)")
    return int(text)


def check_year(year) -> int:
    from caqes_tasks.pipeline import InvalidRunSettings

    text = str(year if year is not None else "").strip()
    if not (text.isdigit() and len(text) == 4):
        raise InvalidRunSettings(f"année manquante ou invalide : « {text} » (--year, par exemple 2024)")
    return int(text)


def semester_run_id(year: int, half: int, fichiers: dict[str, str], referentiel_sha: str, as_of: str) -> str:
    from caqes_tasks import __version__

    payload = json.dumps({"annee": year, "semestre": half, "fichiers": fichiers, "referentiel": referentiel_sha,
                          "as_of": as_of, "code": __version__}, sort_keys=True)  # fmt: skip
    return f"semestre-{year}-S{half}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


def semester_stage(ctx: RunContext, half: int) -> dict:
    """Publish the analyses of ``ctx.year`` / ``half`` (module docstring). ``ctx.run_id`` empty:
    derived here from what the warehouse holds."""
    from caqes_tasks.referentiel import load_referentiel

    ref = load_referentiel(ctx.referentiel)
    lib = Libelles.from_referentiel(ctx.referentiel)
    nationaux = ref.codes("national")
    mesures = {i.code: i.mesure for i in ref.indicateurs}
    folder = pub.analyses_dir(ctx.out, ctx.year, half)
    current, register = pub.open_set(folder)  # an altered issued analysis stops the run here
    with connect(ctx.wh, read_only=True) as con:
        data = read_semester(con, ctx.year, half, ctx.landing, nationaux)
    run_id = ctx.run_id or semester_run_id(ctx.year, half, data.fichiers, ref.sha256, ctx.as_of_date.isoformat())
    hashes = {f"phev_lines/{f}": sha for f, sha in data.fichiers.items()}
    run = RunInfo(run_id=run_id, input_hashes=hashes, as_of=ctx.as_of_date)
    jobs = pending_jobs(
        data.ejs, pub.ANALYSE, register, "analyse_semestrielle.html.j2",
        lambda ej: analyse_context(data, ej, lib, mesures, nationaux, run),
        lambda context: f"{TITRE} — {context['ej']['nom']} — {ctx.year} S{half}",
        lambda ej: f"CAQES {ctx.year} S{half} — {TITRE} — FINESS EJ {ej} — run {run_id}",
        run.as_of,
    )
    new = new_documents(jobs, run.as_of.isoformat())
    documents = []
    for ej in data.ejs:
        key, rel = f"{ej}/{pub.ANALYSE}", f"{ej}/{pub.ANALYSE}.pdf"
        sha = sha256_bytes(new[key].files[rel]) if key in new else register[key].files[rel]["sha256"]
        departements = sorted({r["departement"] for r in data.etablissements.get(ej, []) if r.get("departement")})
        documents.append({"finess_ej": ej, "nom": data.noms_ej.get(ej) or f"Entité juridique {ej}",
                          "departement": departements[0] if departements else "", "pdf": rel, "sha256": sha})  # fmt: skip
    others = distribution.files(documents, ctx.year, half, run_id)
    changes = pub.publish_set(
        folder, run_id, current=current, register=register, new=new, files=others,
        extra={"annee": ctx.year, "semestre": f"S{half}", "as_of": run.as_of.isoformat(), "document": pub.ANALYSE},
    )  # fmt: skip
    log.info("analyses semestrielles %s-S%s: %d issued, %d kept", ctx.year, half, len(new), len(data.ejs) - len(new))
    return {
        "run_id": run_id,
        "rows": {"analyses": len(data.ejs), "emises": len(new), "envois": len(data.ejs) * len(distribution.DESTINATAIRES)},
        "analyses": [str(folder / d["pdf"]) for d in documents],
        "distribution": str(folder / "distribution.json"),
        "outputs": [str(folder / d["pdf"]) for d in documents] + [str(folder / n) for n in sorted(others)],
        **changes,
    }


def output_folders(out: Path, year: int, half: int) -> list[Path]:
    folder = pub.analyses_dir(out, year, half)
    return [out / "state", folder.parent, folder, folder.parent / "runs" / folder.name]


def run_semester(
    year, half, landing: Path | str | None, out: Path | str, referentiel: Path | str | None = None,
    as_of: str | None = None, orchestrator_run_id: str = "",
) -> dict:  # fmt: skip
    """Check the settings, then publish the half-year's analyses under the out dir's run lock.
    Raises ``pipeline.RunError`` subclasses (one line for the user)."""
    from caqes_tasks.pipeline import InvalidRunSettings, check_as_of, check_referentiel, hold_run_lock, preflight

    year, half = check_year(year), check_half(half)
    ref = check_referentiel(referentiel, year)
    as_of_iso = check_as_of(as_of)
    out = Path(out).resolve()
    warehouse = warehouse_for(out)
    if not warehouse.exists():
        raise InvalidRunSettings(
            f"pas d'entrepôt dans {out} ({warehouse.describe()}) : lancez d'abord caqes nightly ou caqes run")
    landing_path = Path(landing).resolve() if landing else out / "landing"
    preflight(out, year, kind="semester")
    for folder in output_folders(out, year, half):
        if folder.exists() and not folder.is_dir():
            raise InvalidRunSettings(f"{folder} est un fichier, un dossier est attendu")
    ctx = RunContext(year=year, landing=landing_path, out=out, referentiel=ref.path, as_of=as_of_iso,
                     orchestrator_run_id=orchestrator_run_id)  # fmt: skip
    with connect(ctx.wh, read_only=True) as con:
        data_files = read_semester(con, year, half, None, ref.codes("national")).fichiers
    run_id = semester_run_id(year, half, data_files, ref.sha256, as_of_iso)
    with hold_run_lock(replace(ctx, run_id=run_id), "semestre") as held:
        return semester_stage(held, half)
