"""The ingest stage: the run's hashed inputs → read → validate (GX) → load or quarantine → alert.

**Inputs.** A run ingests exactly the files ``pipeline.prepare`` hashed (``ctx.input_hashes``:
``"<source>/<file>"``, ``"sources.yml"``, ``"referentiel/<file>"``); the landing zone is scanned
only when that set is empty (a direct call). A file dropped after ``prepare`` is not read: it is
listed in ``ignored`` (kind ``tardif``) and read by the next run. Each file is read once; the
bytes parsed are the bytes hashed, compared with the prepared hash. A mismatch (a file changed
or removed after ``prepare``, or a changed référentiel or ``sources.yml``) fails the run with one
line (:class:`~caqes_tasks.ingest.landing.InputChangedError`): the run's id, manifest and
notices name the prepared hashes, so it must not load anything else, and a quarantine would
wrongly blame the provider. New files are checked before anything is written; a change caught
while reading (a race) stops the stage after the files already loaded, each loaded whole.

**What is read.** Only files never seen before (source, name, SHA-256 not in ``meta.ledger``),
and quarantined files whose validation context changed (re-validated, listed in
``revalidated``): the format declared for their source, or — when every failure depended on
it — the FINESS register (ET/EJ unknown) or the other contract files (conflicting proposals).
A night with nothing new opens the ledger, recomputes which years are blocked and returns,
without importing Great Expectations. FINESS extracts are handled first, so that the other
sources of the same delivery are checked against the register they bring. While an extract of
the run is in quarantine, a new file whose only failures are ETs/EJs unknown to the register is
not quarantined: it *waits* (``waiting``; nothing loaded, not in the ledger, read again by the
next run). The run's référentiel YAML (the campaign evaluating the run's year) is (re)loaded
into ``raw.ref_*`` whenever its SHA-256 differs from the one the warehouse holds for that
campaign: only that campaign's rows are replaced, every other campaign's are kept, so that each
year is evaluated under its own campaign (``referentiel``: the campaign, version and SHA-256 used).

**Checks beyond one file.** Contract files are compared with each other and with the contracts
loaded (:func:`~caqes_tasks.quality.helpers.mark_contract_conflicts`); ``phev``/``regional``
deliveries are checked for completeness against the year before (a warning,
:mod:`caqes_tasks.quality.completeness`); a missing final end of line is a warning.

**Result** (JSON, an XCom): ``accepted_inputs`` (``{key: sha256}``: the landing files whose rows
the warehouse holds, plus ``sources.yml`` and the référentiel — exactly what the run's results
rest on; ``input_hashes`` is the same mapping), ``rejected_inputs`` (``{key: {sha256, status
(quarantined | waiting | refused), reason}}``), ``ignored`` (``[{file, kind, reason}]``: not
inputs — unknown source folder, file at the landing root, late file, link to a folder),
``warnings`` (``[{file, sha256, warnings, report}]``), and the lists ``loaded``, ``duplicates``,
``superseded``, ``quarantined``, ``still_quarantined``, ``revalidated``, ``waiting``,
``recorded``, with ``years`` (per evaluation year: ok/blocked and why).

Which evaluation years a rejected file blocks is decided in :mod:`caqes_tasks.ingest.blocking`;
a refused link in a source folder blocks every evaluation year while it is there.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from caqes_tasks.context import RunContext, compute_run_id
from caqes_tasks.ingest.blocking import blocked_years
from caqes_tasks.ingest.landing import (
    SOURCES,
    SOURCES_KEY,
    InputChangedError,
    SourceFormat,
    parse_formats,
    read_landing_bytes,
    scan_landing,
    sha256_bytes,
    sha256_landing,
    source_of,
    survey_landing,
)
from caqes_tasks.ingest.loader import (
    ledger_rows,
    load_file,
    load_referentiel_tables,
    record,
    referentiel_sha256,
    upgrade_raw_tables,
)
from caqes_tasks.ingest.quarantine import quarantine_file
from caqes_tasks.ingest.readers import read_file
from caqes_tasks.quality.completeness import SOURCES as COMPLETENESS_SOURCES
from caqes_tasks.quality.completeness import completeness_warnings, years_needed
from caqes_tasks.quality.helpers import CONTRAT_KEY, CONTRAT_VALUES, Catalogue, Register, add_helpers
from caqes_tasks.quality.helpers import contract_rows, mark_contract_conflicts
from caqes_tasks.quality.report import write_report
from caqes_tasks.quality.wording import headline
from caqes_tasks.referentiel import Referentiel, load_referentiel
from caqes_tasks.warehouse import connect, writer_lock
from caqes_tasks.warehouse.schema import create_schemas

log = logging.getLogger(__name__)

ORDER = ("finess", "finess_ej", "contrats", "avenants", "produits_am", "phev", "regional", "engagements",
         "enveloppes", "modulations", "observations", "notifications", "avis_cpam", "decisions_dg",
         "autoevaluations", "phev_lines")
REGISTER_CHECKS = frozenset({"_et_connu", "_ej_connu", "_et_de_l_ej"})
CONFLICT_CHECKS = frozenset({"_sans_conflit"})
# landing entries already alerted (ignored, refused, waiting): each is alerted once while it lasts
ALERTED_STATE = ("state", "ingest-signalements.json")
LATE = ("déposé ou remplacé après la préparation du run : non lu par ce run, il le sera par le prochain")


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


def _register_fingerprint(con) -> list[list[str]]:
    rows = con.execute("SELECT file_name, sha256 FROM meta.ledger WHERE source = 'finess' AND status = 'loaded' "
                       "ORDER BY 1, 2").fetchall()
    return [[a, b] for a, b in rows]


def _changed(key: str, prepared: str, now: str) -> InputChangedError:
    return InputChangedError(
        f"{key} : le fichier a changé depuis la préparation du run (SHA-256 préparé {prepared[:12]}…, lu {now[:12]}…) : "
        "rien de ce fichier n'est chargé ; relancer le run (nouvelle préparation) pour lire la version déposée"
    )


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


def _block(years: dict, blocked: list[int], reason: str) -> None:
    for y in blocked:
        if str(y) in years:
            years[str(y)]["status"] = "blocked"
            years[str(y)]["reasons"].append(reason)


class _Plan:
    """The run's inputs and what the landing zone holds besides them."""

    def __init__(self, ctx: RunContext, ref: Referentiel):
        self.ref_key = f"referentiel/{Path(ref.path).name}"
        survey = survey_landing(ctx.landing)
        prepared = bool(ctx.input_hashes)
        planned = dict(ctx.input_hashes) if prepared else scan_landing(ctx.landing, survey)
        for key, sha in planned.items():
            if key.startswith("referentiel/") and (key != self.ref_key or sha != ref.sha256):
                raise InputChangedError(f"{key} : le référentiel a changé depuis la préparation du run : "
                                        "relancer le run (nouvelle préparation)")
        self.planned = planned
        self.hashes = {k: v for k, v in planned.items() if source_of(k) in SOURCES}
        self.ignored: list[dict] = [
            {"file": k, "kind": "source_inconnue", "reason": "source inconnue du contrat de données : non lu"}
            for k in sorted(planned) if k not in self.hashes and k != SOURCES_KEY and not k.startswith("referentiel/")
        ]
        self.ignored += survey.ignored
        self.refused = list(survey.refused)
        self.sources_sha = None
        if SOURCES_KEY in planned:
            data = read_landing_bytes(ctx.landing, SOURCES_KEY)
            now = sha256_bytes(data)
            if now != planned[SOURCES_KEY]:
                raise _changed(SOURCES_KEY, planned[SOURCES_KEY], now)
            self.formats = parse_formats(data)
            self.sources_sha = now
        else:
            self.formats = parse_formats(None)
            if survey.sources_yml is not None:
                self.ignored.append({"file": SOURCES_KEY, "kind": "tardif",
                                     "reason": LATE + " (formats par défaut pour ce run)"})
        for key in survey.files:
            if key not in self.hashes:
                self.ignored.append({"file": key, "kind": "tardif", "reason": LATE})

    def fmt(self, source: str) -> SourceFormat:
        return self.formats.get(source) or SourceFormat()


class _Ingest:
    """One ingest run over an open warehouse connection (see the module doc)."""

    def __init__(self, ctx: RunContext, ref: Referentiel, plan: _Plan, con, run_id: str, out: dict):
        self.ctx, self.ref, self.plan, self.con, self.run_id, self.out = ctx, ref, plan, con, run_id, out
        self.run_dir = ctx.out / "runs" / run_id
        self.evaluation = list(ref.annees_evaluation)
        self.data_years = list(ref.annees_donnees)
        self.params = suite_parameters(ref)
        self.catalogue = Catalogue.from_referentiel(ref)
        self.validator = None
        self.register: Register | None = None
        self.failing: list[dict] = []
        self.waiting: list[dict] = []
        ledger = ledger_rows(con)
        self.seen = {(r["source"], r["file_name"], r["sha256"]) for r in ledger}
        self.kept = {(r["source"], r["sha256"]) for r in ledger if r["status"] in ("loaded", "recorded")}
        self.quarantined = {(r["source"], r["file_name"]): r for r in ledger
                            if r["status"] == "quarantined" and plan.hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]}
        self.new = sorted(((ORDER.index(source_of(k)), k, sha) for k, sha in plan.hashes.items()
                           if (source_of(k), k.split("/", 1)[1], sha) not in self.seen))

    # -- reading ----------------------------------------------------------------------------------
    def verify_new(self) -> None:
        """Hash every new file before anything is written: a file changed since prepare stops the run."""
        for _, key, sha in self.new:
            now = sha256_landing(self.ctx.landing, key)
            if now != sha:
                raise _changed(key, sha, now)

    def read(self, key: str, sha: str) -> bytes:
        data = read_landing_bytes(self.ctx.landing, key)
        now = sha256_bytes(data)
        if now != sha:
            raise _changed(key, sha, now)
        return data

    # -- re-validation ----------------------------------------------------------------------------
    def _report_of(self, r: dict) -> dict | None:
        candidates = [Path(r["report"])] if r.get("report") else []
        candidates.append(self.ctx.quarantine / r["run_id"] / r["source"] / f"{r['file_name']}.validation.json")
        for path in candidates:
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
        return None

    def _others_fingerprint(self, key: str) -> list[list[str]]:
        source = source_of(key)
        return sorted([k, s] for k, s in self.plan.hashes.items() if source_of(k) == source and k != key)

    def to_revalidate(self, source: str) -> list[str]:
        """Quarantined files of ``source`` (still delivered, same bytes) whose context changed."""
        keys = []
        for (src, name), r in sorted(self.quarantined.items()):
            if src != source:
                continue
            report = self._report_of(r)
            context = (report or {}).get("contexte")
            if not context:
                continue
            key = f"{src}/{name}"
            cols = {f.get("column") for f in report.get("failures", [])}
            if context.get("format") != self.plan.fmt(src).to_dict():
                keys.append(key)
            elif cols and cols <= REGISTER_CHECKS | CONFLICT_CHECKS and (
                    (cols & REGISTER_CHECKS and context.get("registre") != _register_fingerprint(self.con))
                    or (cols & CONFLICT_CHECKS and context.get("autres_fichiers") != self._others_fingerprint(key))):
                keys.append(key)
        return keys

    # -- the run ----------------------------------------------------------------------------------
    def run(self) -> None:
        out = self.out
        if referentiel_sha256(self.con, self.ref.campagne) != self.ref.sha256:
            out["rows"]["referentiel"] = load_referentiel_tables(self.con, self.ref.campagne, self.ref.tables())
        for source in ORDER:
            new = [(k, sha) for _, k, sha in self.new if source_of(k) == source]
            again = self.recorded_lines() if source == "phev_lines" else self.to_revalidate(source)
            if not new and not again:
                continue
            if source == "phev_lines":
                self.phev_lines(new, again)
                continue
            items = []
            for key, sha in new:
                if (source, sha) in self.kept:
                    record(self.con, source, key.split("/", 1)[1], sha, None, "duplicate", self.run_id,
                           message="mêmes octets qu'un fichier déjà chargé")
                    out["duplicates"].append(key)
                else:
                    items.append((key, sha, False))
            items += [(key, self.plan.hashes[key], True) for key in again]
            if source != "finess" and self.register is None:
                self.register = _register(self.con)
            if source == "contrats":
                self.contrats(items)
            else:
                for key, sha, recheck in items:
                    data = self.read(key, sha)
                    rr = read_file(source, self.ctx.landing / key, self.plan.fmt(source), data)
                    self.check(key, sha, recheck, data, rr)
            if source == "finess":
                self.register = None  # re-read with what was loaded

    def recorded_lines(self) -> list[str]:
        """phev_lines files a warehouse recorded before they were validated at ingest (read by dbt
        then): still delivered with the same bytes, they are validated and aggregated once."""
        rows = self.con.execute("SELECT file_name, sha256 FROM meta.ledger WHERE source = 'phev_lines' "
                                "AND status = 'recorded' ORDER BY file_name").fetchall()
        return [f"phev_lines/{n}" for n, sha in rows if self.plan.hashes.get(f"phev_lines/{n}") == sha]

    def phev_lines(self, new: list[tuple[str, str]], recorded: list[str]) -> None:
        """Line-level Parquet: validated and aggregated in DuckDB (:mod:`caqes_tasks.ingest.phev_lines`)."""
        from caqes_tasks.ingest.phev_lines import LinesIngest

        items = [(key, self.plan.hashes[key]) for key in recorded]
        for key, sha in new:  # hashed by verify_new before anything was written
            if ("phev_lines", sha) in self.kept:
                record(self.con, "phev_lines", key.split("/", 1)[1], sha, None, "duplicate", self.run_id,
                       message="mêmes octets qu'un fichier déjà chargé")
                self.out["duplicates"].append(key)
            else:
                items.append((key, sha))
        if self.register is None:
            self.register = _register(self.con)
        LinesIngest(self).run(items)

    def contrats(self, items: list[tuple[str, str, bool]]) -> None:
        """Contract files of the run, read together: a proposal given two ways refuses both files."""
        read = []
        for key, sha, recheck in items:
            data = self.read(key, sha)
            read.append((key, sha, recheck, data, read_file("contrats", self.ctx.landing / key, self.plan.fmt("contrats"), data)))
        names = [key.split("/", 1)[1] for key, *_ in read]
        cols = ", ".join(("_file",) + CONTRAT_KEY + CONTRAT_VALUES + ("_line",))
        raw = self.con.execute(
            f"SELECT {cols} FROM raw.contrats WHERE NOT list_contains(?, _file) ORDER BY _file, _line", [names]).fetchall()
        frame = pd.DataFrame(raw, columns=["_file", *CONTRAT_KEY, *CONTRAT_VALUES, "_line"], dtype="object")
        loaded = [(f"contrats/{name}", contract_rows(part)) for name, part in frame.groupby("_file", sort=True)]
        mine = {key: contract_rows(rr.frame) for key, _, _, _, rr in read}
        for key, sha, recheck, data, rr in read:
            others = loaded + [(k, rows) for k, rows in mine.items() if k != key]
            self.check(key, sha, recheck, data, rr, others=others)

    def check(self, key: str, sha: str, recheck: bool, data: bytes, rr, others=None) -> None:
        source, file_name = key.split("/", 1)
        out, con = self.out, self.con
        notes = rr.notes + add_helpers(source, rr.frame, self.register or Register(), self.catalogue)
        if others is not None:
            mark_contract_conflicts(rr.frame, others)
        warnings = list(rr.warnings)
        if source in COMPLETENESS_SOURCES:
            years = years_needed(rr.frame)
            earlier = con.execute(
                f"SELECT finess_geo, annee, indicateur FROM raw.{source} WHERE _file <> ? AND list_contains(?, annee)",
                [file_name, years]).fetchall() if years else []
            warnings += completeness_warnings(source, rr.frame, earlier, self.register or Register())
        if self.validator is None:
            from caqes_tasks.quality.validation import Validator

            self.validator = Validator(self.run_dir / "data_docs")
        validation, _ = self.validator.run(source, file_name, rr.frame, self.params, self.run_id, cells=rr.cells)
        validation.notes = notes
        validation.warnings = warnings
        now = datetime.now()
        if recheck:
            out["revalidated"].append(key)
        if validation.success:
            header = {"run_id": self.run_id, "source": source, "file": key, "sha256": sha,
                      "validated_at": now.isoformat(timespec="seconds")}
            paths = write_report(validation, self.run_dir / "validation" / source, header)
            out["reports"].append(str(paths["html"]))
            done = load_file(con, source, rr.frame, file_name, sha, self.run_id)
            out["loaded"].append(key)
            out["superseded"] += done["superseded"]
            out["rows"][source] = out["rows"].get(source, 0) + len(rr.frame)
            self.kept.add((source, sha))
            self.quarantined.pop((source, file_name), None)
            if warnings:
                out["warnings"].append({"file": key, "sha256": sha, "warnings": warnings, "report": str(paths["html"])})
            return
        blocked = blocked_years(source, rr.frame, self.evaluation, self.data_years, (self.ref.date_debut, self.ref.date_fin))
        columns = {f.column for f in validation.failures}
        failing_finess = self.failing_finess() if source != "finess" else []
        if not recheck and failing_finess and columns and columns <= REGISTER_CHECKS:
            reason = (f"établissement(s) ou entité(s) inconnu(s) du répertoire FINESS alors que l'extrait "
                      f"{', '.join(failing_finess)} est refusé : non chargé, relu au prochain run")
            self.waiting.append({"file": key, "sha256": sha, "reason": reason, "blocked_years": blocked})
            out["waiting"].append(key)
            return
        context = {"format": self.plan.fmt(source).to_dict(), "registre": _register_fingerprint(con),
                   "autres_fichiers": self._others_fingerprint(key)}
        header = {"run_id": self.run_id, "source": source, "file": key, "sha256": sha,
                  "blocked_years": blocked, "validated_at": now.isoformat(timespec="seconds"), "contexte": context}
        paths = quarantine_file(file_name, data, self.ctx.quarantine, self.run_id, source, validation, header)
        first = validation.failures[0] if validation.failures else None
        message = f"{len(validation.failures)} contrôle(s) en échec" + (f", dont : {headline(first.__dict__)}" if first else "")
        if recheck:
            con.execute(
                "UPDATE meta.ledger SET run_id = ?, recorded_at = ?, report = ?, message = ?, blocked_years = ?, rows = ? "
                "WHERE source = ? AND file_name = ? AND sha256 = ? AND status = 'quarantined'",
                [self.run_id, now, str(paths["json"]), message, json.dumps(blocked), len(rr.frame), source, file_name, sha])
        else:
            record(con, source, file_name, sha, len(rr.frame), "quarantined", self.run_id,
                   report=str(paths["json"]), message=message, blocked=blocked)
        self.quarantined[(source, file_name)] = {"source": source, "file_name": file_name, "sha256": sha,
                                                 "run_id": self.run_id, "report": str(paths["json"])}
        out["quarantined"].append(key)
        out["reports"] += [str(paths["html"]), str(paths["text"]), str(paths["json"])]
        self.failing.append({"file": key, "sha256": sha, "blocked_years": blocked, "report": str(paths["html"]),
                             "failures": [f.__dict__ for f in validation.failures], "warnings": warnings})

    def failing_finess(self) -> list[str]:
        """FINESS extracts of the run that are refused (quarantined, or a refused link)."""
        keys = [f"finess/{name}" for (src, name) in self.quarantined if src == "finess"]
        keys += [r["file"] for r in self.plan.refused if r.get("source") == "finess"]
        return sorted(keys)


def _alert_state(ctx: RunContext) -> Path:
    return ctx.out.joinpath(*ALERTED_STATE)


def _read_alerted(ctx: RunContext) -> set[str]:
    try:
        return set(json.loads(_alert_state(ctx).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def _write_alerted(ctx: RunContext, keys: set[str]) -> None:
    path = _alert_state(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(sorted(keys), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def ingest_stage(ctx: RunContext) -> dict:
    started = time.monotonic()
    ref = load_referentiel(ctx.referentiel)
    plan = _Plan(ctx, ref)
    run_id = ctx.run_id or compute_run_id(ctx.year, {**plan.planned, plan.ref_key: ref.sha256},
                                          ctx.as_of or date.today().isoformat())
    run_dir = ctx.out / "runs" / run_id
    evaluation = list(ref.annees_evaluation)
    out = {
        "run_id": run_id, "new_files": 0, "loaded": [], "duplicates": [], "superseded": [], "quarantined": [],
        "still_quarantined": [], "revalidated": [], "waiting": [], "recorded": [], "ignored": plan.ignored,
        "warnings": [], "years": {}, "rows": {}, "reports": [], "outputs": [], "data_docs": None,
        "alert_sent": False, "alert": {}, "accepted_inputs": {}, "rejected_inputs": {}, "input_hashes": {},
        "referentiel": ref.identite,
    }
    hashes = plan.hashes
    with writer_lock(ctx.warehouse), connect(ctx.warehouse) as con:
        create_schemas(con)
        upgrade_raw_tables(con)
        job = _Ingest(ctx, ref, plan, con, run_id, out)
        job.verify_new()
        job.run()
        ledger = ledger_rows(con)
        years = _year_status(ledger, hashes, evaluation)
        for w in job.waiting:
            _block(years, w["blocked_years"], f"{w['file']} en attente : {w['reason']}")
        for r in plan.refused:
            if r.get("source"):
                _block(years, evaluation, f"{r['file']} refusé : {r['reason']}")
        out["years"] = years
        quarantined_now = set(out["quarantined"])
        still = {f"{r['source']}/{r['file_name']}": r for r in ledger
                 if r["status"] == "quarantined" and hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]}
        out["still_quarantined"] = sorted(k for k in still if k not in quarantined_now)
        accepted = {f"{r['source']}/{r['file_name']}": r["sha256"] for r in ledger
                    if r["status"] in ("loaded", "recorded") and hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]}
        if plan.sources_sha is not None:
            accepted[SOURCES_KEY] = plan.sources_sha
        accepted[plan.ref_key] = ref.sha256
        out["accepted_inputs"] = dict(sorted(accepted.items()))
        out["input_hashes"] = dict(out["accepted_inputs"])
        rejected = {k: {"sha256": r["sha256"], "status": "quarantined", "reason": r["message"] or ""}
                    for k, r in still.items()}
        rejected.update({w["file"]: {"sha256": w["sha256"], "status": "waiting", "reason": w["reason"]} for w in job.waiting})
        rejected.update({r["file"]: {"sha256": None, "status": "refused", "reason": r["reason"]} for r in plan.refused})
        out["rejected_inputs"] = dict(sorted(rejected.items()))
        out["new_files"] = len(job.new) - len(job.waiting) + len(out["revalidated"])
        con.execute("DELETE FROM meta.year_status WHERE run_id = ?", [run_id])
        con.executemany(
            "INSERT INTO meta.year_status (run_id, annee, status, reasons, recorded_at) VALUES (?, ?, ?, ?, ?)",
            [[run_id, int(y), s["status"], json.dumps(s["reasons"], ensure_ascii=False), datetime.now()]
             for y, s in years.items()],
        )
    validator = job.validator
    if validator is not None and validator.index.exists():
        out["data_docs"] = str(validator.index)
        out["reports"].append(str(validator.index))
    _alert(ctx, run_id, out, job, plan)
    out["outputs"] = list(out["reports"])
    out["seconds"] = round(time.monotonic() - started, 3)
    if job.new or out["revalidated"]:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "ingest.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return out


def _alert(ctx: RunContext, run_id: str, out: dict, job: _Ingest, plan: _Plan) -> None:
    """One alert for the run: failing files, files loaded with warnings, and landing entries
    (ignored, refused, waiting) not alerted before. Late files are not alerted: the next run reads them."""
    notices = [i for i in plan.ignored if i.get("kind") != "tardif"]
    keys = {f"ignored:{i['file']}" for i in notices} | {f"refused:{r['file']}" for r in plan.refused}
    keys |= {f"waiting:{w['file']}:{w['sha256']}" for w in job.waiting}
    alerted = _read_alerted(ctx)
    fresh = keys - alerted
    if job.failing or out["warnings"] or fresh:
        from caqes_tasks.alerts import alert_config, compose, send_alert
        from caqes_tasks.alerts.message import report_link

        cfg = alert_config()
        failing = [{**f, "report": report_link(f["report"], ctx.out, cfg.report_base_url)} for f in job.failing]
        warned = [{**w, "report": report_link(w["report"], ctx.out, cfg.report_base_url)} for w in out["warnings"]]
        docs = report_link(out["data_docs"], ctx.out, cfg.report_base_url) if out["data_docs"] else ""
        alert = compose(run_id, failing, out["years"], docs, warnings=warned, ignored=notices,
                        refused=plan.refused, waiting=job.waiting)
        out["alert"] = send_alert(cfg, alert.subject, alert.text, alert.html)
        out["alert_sent"] = out["alert"]["sent"]
    if keys != alerted:
        _write_alerted(ctx, keys)
