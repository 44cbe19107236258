"""The ingest stage: scan → read → validate (GX) → load or quarantine → alert.

Only files never seen before (source, name, SHA-256 not in ``meta.ledger``) are read; a night
with nothing new opens the ledger, recomputes which years are blocked and returns, without
importing Great Expectations. FINESS extracts are handled first, so that the other sources of
the same delivery are checked against the register they bring. The référentiel YAML is
(re)loaded into ``raw.ref_*`` whenever its SHA-256 differs from the loaded one.
Which evaluation years a rejected file blocks is decided in :mod:`caqes_tasks.ingest.blocking`.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime
from pathlib import Path

from caqes_tasks.context import RunContext, compute_run_id
from caqes_tasks.ingest.blocking import blocked_years
from caqes_tasks.ingest.landing import SOURCES, read_formats, scan_landing
from caqes_tasks.ingest.loader import ledger_rows, load_file, load_referentiel_tables, record, upgrade_raw_tables
from caqes_tasks.ingest.quarantine import quarantine_file
from caqes_tasks.ingest.readers import read_file
from caqes_tasks.quality.helpers import Catalogue, Register, add_helpers
from caqes_tasks.quality.report import write_report
from caqes_tasks.referentiel import Referentiel, load_referentiel
from caqes_tasks.warehouse import connect, writer_lock
from caqes_tasks.warehouse.schema import create_schemas

log = logging.getLogger(__name__)

ORDER = ("finess", "contrats", "avenants", "produits_am", "phev", "regional", "engagements",
         "enveloppes", "modulations", "observations", "notifications", "avis_cpam", "decisions_dg",
         "phev_lines")


def suite_parameters(ref: Referentiel) -> dict:
    """Values the suites take from the campaign's référentiel (``$PARAMETER`` in the JSON)."""
    return {
        "annee_min": min(ref.annees_donnees),
        "annee_max": max(ref.annees_donnees),
        "annee_evaluation_min": min(ref.annees_evaluation),
        "annee_evaluation_max": max(ref.annees_evaluation),
        "indicateurs_nationaux": ref.codes("national"),
        "indicateurs_regionaux": ref.codes("regional"),
        "themes": [t["code"] for t in ref.themes],
        "themes_regionaux": ref.themes_regionaux,
        "volets": [v["code"] for v in ref.volets],
    }


def _register(con) -> Register:
    reg = Register()
    for annee, geo, ej in con.execute("SELECT annee, finess_geo, finess_ej FROM raw.finess").fetchall():
        reg.by_year.setdefault(int(annee), {})[geo] = ej
    return reg


def _parquet_rows(path: Path) -> int | None:
    try:
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001 - recorded as is; dbt reads and checks it
        return None


def _year_status(ledger: list[dict], hashes: dict[str, str], evaluation: list[int]) -> dict:
    years = {str(y): {"status": "ok", "reasons": []} for y in evaluation}
    for r in ledger:
        key = f"{r['source']}/{r['file_name']}"
        if r["status"] != "quarantined" or hashes.get(key) != r["sha256"]:
            continue
        blocked = json.loads(r["blocked_years"]) if r["blocked_years"] else evaluation
        for y in blocked:
            if str(y) in years:
                years[str(y)]["status"] = "blocked"
                years[str(y)]["reasons"].append(f"{key} en quarantaine (run {r['run_id']}) : {r['message'] or ''}".strip())
    return years


def ingest_stage(ctx: RunContext) -> dict:
    started = time.monotonic()
    ref = load_referentiel(ctx.referentiel)
    hashes = scan_landing(ctx.landing, cache=ctx.out / "state" / "landing-hashes.json")
    ref_key = f"referentiel/{Path(ref.path).name}"
    run_id = ctx.run_id or compute_run_id(ctx.year, {**hashes, ref_key: ref.sha256}, ctx.as_of or date.today().isoformat())
    run_dir = ctx.out / "runs" / run_id
    formats = read_formats(ctx.landing)
    evaluation = list(ref.annees_evaluation)
    data_years = list(ref.annees_donnees)
    out = {
        "run_id": run_id, "new_files": 0, "loaded": [], "duplicates": [], "superseded": [], "quarantined": [],
        "still_quarantined": [], "recorded": [], "ignored": [], "years": {}, "rows": {}, "reports": [],
        "outputs": [], "data_docs": None, "alert_sent": False, "alert": {}, "input_hashes": {},
    }
    failing: list[dict] = []
    with writer_lock(ctx.warehouse), connect(ctx.warehouse) as con:
        create_schemas(con)
        upgrade_raw_tables(con)
        ledger = ledger_rows(con)
        seen = {(r["source"], r["file_name"], r["sha256"]) for r in ledger}
        kept = {(r["source"], r["sha256"]) for r in ledger if r["status"] in ("loaded", "recorded")}
        loaded_ref = con.execute("SELECT max(sha256) FROM raw.ref_campagne").fetchone()[0]
        if loaded_ref != ref.sha256:
            out["rows"]["referentiel"] = load_referentiel_tables(con, ref.tables())
        new = []
        for key, sha in hashes.items():
            source, file_name = key.split("/", 1)
            if source not in SOURCES:
                out["ignored"].append(key)
            elif (source, file_name, sha) not in seen:
                new.append((ORDER.index(source), file_name, source, sha))
        new.sort()
        out["new_files"] = len(new)
        validator = None
        register = None
        params = suite_parameters(ref)
        catalogue = Catalogue.from_referentiel(ref)
        for _, file_name, source, sha in new:
            key = f"{source}/{file_name}"
            path = ctx.landing / source / file_name
            if source == "phev_lines":
                record(con, source, file_name, sha, _parquet_rows(path), "recorded", run_id,
                       message="Parquet lu par dbt (agrégé au grain phev)")
                out["recorded"].append(key)
                continue
            if (source, sha) in kept:
                record(con, source, file_name, sha, None, "duplicate", run_id, message="mêmes octets qu'un fichier déjà chargé")
                out["duplicates"].append(key)
                continue
            if validator is None:
                from caqes_tasks.quality.validation import Validator

                validator = Validator(run_dir / "data_docs")
            if register is None and source != "finess":
                register = _register(con)
            rr = read_file(source, path, formats.get(source))
            notes = rr.notes + add_helpers(source, rr.frame, register or Register(), catalogue)
            validation, _ = validator.run(source, file_name, rr.frame, params, run_id)
            validation.notes = notes
            if validation.success:
                header = {"run_id": run_id, "source": source, "file": key, "sha256": sha,
                          "validated_at": datetime.now().isoformat(timespec="seconds")}
                paths = write_report(validation, run_dir / "validation" / source, header)
                out["reports"].append(str(paths["html"]))
                done = load_file(con, source, rr.frame, file_name, sha, run_id)
                out["loaded"].append(key)
                out["superseded"] += done["superseded"]
                out["rows"][source] = out["rows"].get(source, 0) + len(rr.frame)
                kept.add((source, sha))
                if source == "finess":
                    register = None  # re-read with the new extract
                continue
            blocked = blocked_years(source, rr.frame, evaluation, data_years, (ref.date_debut, ref.date_fin))
            header = {"run_id": run_id, "source": source, "file": key, "sha256": sha,
                      "blocked_years": blocked, "validated_at": datetime.now().isoformat(timespec="seconds")}
            paths = quarantine_file(path, ctx.quarantine, run_id, source, validation, header)
            first = validation.failures[0] if validation.failures else None
            message = f"{len(validation.failures)} contrôle(s) en échec" + (f", dont : {first.regle}" if first else "")
            record(con, source, file_name, sha, len(rr.frame), "quarantined", run_id,
                   report=str(paths["json"]), message=message, blocked=blocked)
            out["quarantined"].append(key)
            out["reports"] += [str(paths["html"]), str(paths["text"]), str(paths["json"])]
            failing.append({"file": key, "sha256": sha, "blocked_years": blocked, "report": str(paths["html"]),
                            "failures": [f.__dict__ for f in validation.failures]})
        ledger = ledger_rows(con)
        out["years"] = _year_status(ledger, hashes, evaluation)
        quarantined_now = set(out["quarantined"])
        out["still_quarantined"] = sorted(
            f"{r['source']}/{r['file_name']}" for r in ledger
            if r["status"] == "quarantined" and hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]
            and f"{r['source']}/{r['file_name']}" not in quarantined_now
        )
        out["input_hashes"] = {
            f"{r['source']}/{r['file_name']}": r["sha256"] for r in ledger
            if r["status"] in ("loaded", "recorded") and hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]
        } | {ref_key: ref.sha256}
        if new:
            con.execute("DELETE FROM meta.year_status WHERE run_id = ?", [run_id])
            now = datetime.now()
            con.executemany(
                "INSERT INTO meta.year_status (run_id, annee, status, reasons, recorded_at) VALUES (?, ?, ?, ?, ?)",
                [[run_id, int(y), s["status"], json.dumps(s["reasons"], ensure_ascii=False), now] for y, s in out["years"].items()],
            )
    if validator is not None and validator.index.exists():
        out["data_docs"] = str(validator.index)
        out["reports"].append(str(validator.index))
    if failing:
        from caqes_tasks.alerts import alert_config, compose, send_alert
        from caqes_tasks.alerts.message import report_link

        cfg = alert_config()
        for f in failing:
            f["report"] = report_link(f["report"], ctx.out, cfg.report_base_url)
        docs = report_link(out["data_docs"], ctx.out, cfg.report_base_url) if out["data_docs"] else ""
        subject, text = compose(run_id, failing, out["years"], docs)
        out["alert"] = send_alert(cfg, subject, text)
        out["alert_sent"] = out["alert"]["sent"]
    out["outputs"] = list(out["reports"])
    out["seconds"] = round(time.monotonic() - started, 3)
    if new:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "ingest.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return out
