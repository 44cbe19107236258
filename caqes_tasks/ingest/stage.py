"""The ingest stage: the run's hashed inputs → read → validate (GX) → load or quarantine → alert.

**Steps** (:func:`ingest_stage`): :func:`read_inputs` (the référentiel, the landing plan, the
run id) → :func:`load_new_files` (each new or re-validated file read, validated, then loaded,
left waiting or quarantined; its ledger row) → :func:`record_verdicts` (per evaluation year ok
or blocked, accepted and rejected inputs, ``meta.year_status``) → :func:`alert_and_keep` (Data
Docs, one alert, ``runs/<run_id>/ingest.json``). One file goes through ``_Ingest.read``,
``validate``, then ``load``, ``wait`` or ``quarantine``.

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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

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
)
from caqes_tasks.ingest.quarantine import quarantine_file
from caqes_tasks.ingest.readers import ReadResult, read_file
from caqes_tasks.quality.completeness import SOURCES as COMPLETENESS_SOURCES
from caqes_tasks.quality.completeness import completeness_warnings, years_needed
from caqes_tasks.quality.helpers import CONTRAT_KEY, CONTRAT_VALUES, Catalogue, Register, add_helpers
from caqes_tasks.quality.helpers import contract_rows, mark_contract_conflicts
from caqes_tasks.quality.report import write_report
from caqes_tasks.quality.wording import headline
from caqes_tasks.referentiel import Referentiel, load_referentiel
from caqes_tasks.warehouse import connect, writer_lock
from caqes_tasks.warehouse.schema import create_schemas

if TYPE_CHECKING:  # Great Expectations is imported only when a file is validated
    from caqes_tasks.quality.validation import Validation

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


@dataclass(frozen=True)
class IngestInputs:
    """What one ingest run reads: its context, its référentiel, its landing plan and its run id."""

    ctx: RunContext
    ref: Referentiel
    plan: _Plan
    run_id: str

    @property
    def run_dir(self) -> Path:
        return self.ctx.out / "runs" / self.run_id

    @property
    def evaluation(self) -> list[int]:
        return list(self.ref.annees_evaluation)


@dataclass(frozen=True)
class InputFile:
    """One landing file the run validates: new, or quarantined and validated again (``recheck``)."""

    key: str  # "<source>/<file>"
    sha: str  # as prepared
    recheck: bool = False

    @property
    def source(self) -> str:
        return source_of(self.key)

    @property
    def file_name(self) -> str:
        return self.key.split("/", 1)[1]


@dataclass(frozen=True)
class FileRead:
    """A file's bytes (the ones hashed) and what the reader made of them."""

    file: InputFile
    data: bytes
    rr: ReadResult


class _Ingest:
    """One ingest run over an open warehouse connection (see the module doc)."""

    def __init__(self, inputs: IngestInputs, con, out: dict):
        ctx, ref, plan = inputs.ctx, inputs.ref, inputs.plan
        self.ctx, self.ref, self.plan, self.con, self.run_id, self.out = ctx, ref, plan, con, inputs.run_id, out
        self.run_dir = inputs.run_dir
        self.evaluation = inputs.evaluation
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

    def read(self, f: InputFile) -> FileRead:
        """Read a file once: the bytes parsed are the bytes hashed, compared with the prepared hash."""
        data = read_landing_bytes(self.ctx.landing, f.key)
        now = sha256_bytes(data)
        if now != f.sha:
            raise _changed(f.key, f.sha, now)
        return FileRead(f, data, read_file(f.source, self.ctx.landing / f.key, self.plan.fmt(f.source), data))

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
        """Every new or re-validated file, source by source in ORDER: read, validate, then load,
        wait or quarantine (the run's campaign référentiel first, when it changed)."""
        if referentiel_sha256(self.con, self.ref.campagne) != self.ref.sha256:
            self.out["rows"]["referentiel"] = load_referentiel_tables(self.con, self.ref.campagne, self.ref.tables())
        for source in ORDER:
            new = [(k, sha) for _, k, sha in self.new if source_of(k) == source]
            again = self.recorded_lines() if source == "phev_lines" else self.to_revalidate(source)
            if not new and not again:
                continue
            if source == "phev_lines":
                self.phev_lines(new, again)
                continue
            files = [InputFile(key, sha) for key, sha in new if not self.duplicate(key, sha)]
            files += [InputFile(key, self.plan.hashes[key], recheck=True) for key in again]
            if source != "finess" and self.register is None:
                self.register = _register(self.con)
            if source == "contrats":
                self.contrats(files)
            else:
                for f in files:
                    self.check(self.read(f))
            if source == "finess":
                self.register = None  # re-read with what was loaded

    def duplicate(self, key: str, sha: str) -> bool:
        """A new file with the same bytes as a file already loaded: recorded as a duplicate, not read."""
        source = source_of(key)
        if (source, sha) not in self.kept:
            return False
        record(self.con, source, key.split("/", 1)[1], sha, None, "duplicate", self.run_id,
               message="mêmes octets qu'un fichier déjà chargé")
        self.out["duplicates"].append(key)
        return True

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
        # hashed by verify_new before anything was written
        items += [(key, sha) for key, sha in new if not self.duplicate(key, sha)]
        if self.register is None:
            self.register = _register(self.con)
        LinesIngest(self).run(items)

    def contrats(self, files: list[InputFile]) -> None:
        """Contract files of the run, read together: a proposal given two ways refuses both files."""
        read = [self.read(f) for f in files]
        names = [r.file.file_name for r in read]
        cols = ", ".join(("_file",) + CONTRAT_KEY + CONTRAT_VALUES + ("_line",))
        raw = self.con.execute(
            f"SELECT {cols} FROM raw.contrats WHERE NOT list_contains(?, _file) ORDER BY _file, _line", [names]).fetchall()
        frame = pd.DataFrame(raw, columns=["_file", *CONTRAT_KEY, *CONTRAT_VALUES, "_line"], dtype="object")
        loaded = [(f"contrats/{name}", contract_rows(part)) for name, part in frame.groupby("_file", sort=True)]
        mine = {r.file.key: contract_rows(r.rr.frame) for r in read}
        for r in read:
            others = loaded + [(k, rows) for k, rows in mine.items() if k != r.file.key]
            self.check(r, others=others)

    # -- one file: validate, then load, wait or quarantine ----------------------------------------
    def check(self, r: FileRead, others: list | None = None) -> None:
        """Validate a file read, then load it, let it wait for the FINESS register, or quarantine it."""
        validation = self.validate(r, others)
        if r.file.recheck:
            self.out["revalidated"].append(r.file.key)
        if validation.success:
            self.load(r, validation)
            return
        blocked = blocked_years(r.file.source, r.rr.frame, self.evaluation, self.data_years,
                                (self.ref.date_debut, self.ref.date_fin))
        if self.waits_for_register(r.file, validation):
            self.wait(r.file, blocked)
        else:
            self.quarantine(r, validation, blocked)

    def validate(self, r: FileRead, others: list | None) -> Validation:
        """The file's helper columns (register, catalogue, conflicts with ``others``), its warnings
        (completeness against the year before) and its GX suite."""
        source = r.file.source
        frame = r.rr.frame
        notes = r.rr.notes + add_helpers(source, frame, self.register or Register(), self.catalogue)
        if others is not None:
            mark_contract_conflicts(frame, others)
        warnings = list(r.rr.warnings)
        if source in COMPLETENESS_SOURCES:
            years = years_needed(frame)
            earlier = self.con.execute(
                f"SELECT finess_geo, annee, indicateur FROM raw.{source} WHERE _file <> ? AND list_contains(?, annee)",
                [r.file.file_name, years]).fetchall() if years else []
            warnings += completeness_warnings(source, frame, earlier, self.register or Register())
        if self.validator is None:
            from caqes_tasks.quality.validation import Validator

            self.validator = Validator(self.run_dir / "data_docs")
        validation, _ = self.validator.run(source, r.file.file_name, frame, self.params, self.run_id, cells=r.rr.cells)
        validation.notes = notes
        validation.warnings = warnings
        return validation

    def load(self, r: FileRead, validation: Validation) -> None:
        """A valid file: its report, its rows in ``raw.<source>`` and its ledger row (``loaded``)."""
        f, out = r.file, self.out
        header = {"run_id": self.run_id, "source": f.source, "file": f.key, "sha256": f.sha,
                  "validated_at": datetime.now().isoformat(timespec="seconds")}
        paths = write_report(validation, self.run_dir / "validation" / f.source, header)
        out["reports"].append(str(paths["html"]))
        done = load_file(self.con, f.source, r.rr.frame, f.file_name, f.sha, self.run_id)
        out["loaded"].append(f.key)
        out["superseded"] += done["superseded"]
        out["rows"][f.source] = out["rows"].get(f.source, 0) + len(r.rr.frame)
        self.kept.add((f.source, f.sha))
        self.quarantined.pop((f.source, f.file_name), None)
        if validation.warnings:
            out["warnings"].append({"file": f.key, "sha256": f.sha, "warnings": validation.warnings,
                                    "report": str(paths["html"])})

    def waits_for_register(self, f: InputFile, validation: Validation) -> bool:
        """A new file whose only failures are ETs/EJs unknown to the register, while a FINESS
        extract of the run is refused: it waits for the next run instead of being quarantined."""
        columns = {x.column for x in validation.failures}
        failing_finess = self.failing_finess() if f.source != "finess" else []
        return not f.recheck and bool(failing_finess) and bool(columns) and columns <= REGISTER_CHECKS

    def wait(self, f: InputFile, blocked: list[int]) -> None:
        """Nothing loaded, nothing in the ledger: listed in ``waiting`` and read again by the next run."""
        reason = (f"établissement(s) ou entité(s) inconnu(s) du répertoire FINESS alors que l'extrait "
                  f"{', '.join(self.failing_finess())} est refusé : non chargé, relu au prochain run")
        self.waiting.append({"file": f.key, "sha256": f.sha, "reason": reason, "blocked_years": blocked})
        self.out["waiting"].append(f.key)

    def quarantine(self, r: FileRead, validation: Validation, blocked: list[int]) -> None:
        """An invalid file: copied to quarantine with its reports and its validation context, and
        its ledger row (``quarantined``) written or, for a file validated again, updated."""
        f = r.file
        now = datetime.now()
        context = {"format": self.plan.fmt(f.source).to_dict(), "registre": _register_fingerprint(self.con),
                   "autres_fichiers": self._others_fingerprint(f.key)}
        header = {"run_id": self.run_id, "source": f.source, "file": f.key, "sha256": f.sha,
                  "blocked_years": blocked, "validated_at": now.isoformat(timespec="seconds"), "contexte": context}
        paths = quarantine_file(f.file_name, r.data, self.ctx.quarantine, self.run_id, f.source, validation, header)
        self.record_quarantined(f, len(r.rr.frame), validation, blocked, paths, now)

    def record_quarantined(self, f: InputFile, rows: int, validation: Validation, blocked: list[int],
                           paths: dict[str, Path], now: datetime) -> None:
        """A file put in quarantine (``paths``: its reports): its ledger row (written, or updated for
        a file validated again), and its place in the run's result and alert. For every source,
        ``phev_lines`` included."""
        first = validation.failures[0] if validation.failures else None
        message = f"{len(validation.failures)} contrôle(s) en échec" + (f", dont : {headline(first.__dict__)}" if first else "")
        if f.recheck:
            self.con.execute(
                "UPDATE meta.ledger SET run_id = ?, recorded_at = ?, report = ?, message = ?, blocked_years = ?, rows = ? "
                "WHERE source = ? AND file_name = ? AND sha256 = ? AND status = 'quarantined'",
                [self.run_id, now, str(paths["json"]), message, json.dumps(blocked), rows, f.source, f.file_name, f.sha])
        else:
            record(self.con, f.source, f.file_name, f.sha, rows, "quarantined", self.run_id,
                   report=str(paths["json"]), message=message, blocked=blocked)
        self.quarantined[(f.source, f.file_name)] = {"source": f.source, "file_name": f.file_name, "sha256": f.sha,
                                                     "run_id": self.run_id, "report": str(paths["json"])}
        self.out["quarantined"].append(f.key)
        self.out["reports"] += [str(paths["html"]), str(paths["text"]), str(paths["json"])]
        self.failing.append({"file": f.key, "sha256": f.sha, "blocked_years": blocked, "report": str(paths["html"]),
                             "failures": [x.__dict__ for x in validation.failures], "warnings": validation.warnings})

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
    """Read the run's inputs, validate and load (or quarantine) its new files, record what the
    ledger now says of every input, then alert and keep the result (see the module doc)."""
    started = time.monotonic()
    inputs = read_inputs(ctx)
    out = _new_result(inputs)
    with writer_lock(ctx.wh), connect(ctx.wh) as con:
        job = load_new_files(con, inputs, out)
        record_verdicts(con, inputs, job, out)
    alert_and_keep(inputs, job, out, started)
    return out


def read_inputs(ctx: RunContext) -> IngestInputs:
    """The run's référentiel, its landing plan (its inputs, and what the landing holds besides
    them) and its run id (derived from them when the context has none: a direct call)."""
    ref = load_referentiel(ctx.referentiel)
    plan = _Plan(ctx, ref)
    run_id = ctx.run_id or compute_run_id(ctx.year, {**plan.planned, plan.ref_key: ref.sha256},
                                          ctx.as_of or date.today().isoformat())
    return IngestInputs(ctx, ref, plan, run_id)


def _new_result(inputs: IngestInputs) -> dict:
    plan, ref = inputs.plan, inputs.ref
    return {
        "run_id": inputs.run_id, "new_files": 0, "loaded": [], "duplicates": [], "superseded": [], "quarantined": [],
        "still_quarantined": [], "revalidated": [], "waiting": [], "recorded": [], "ignored": plan.ignored,
        "warnings": [], "years": {}, "rows": {}, "reports": [], "outputs": [], "data_docs": None,
        "alert_sent": False, "alert": {}, "accepted_inputs": {}, "rejected_inputs": {}, "input_hashes": {},
        "referentiel": ref.identite,
    }


def load_new_files(con, inputs: IngestInputs, out: dict) -> _Ingest:
    """Every new file hashed again before anything is written, then each new or re-validated
    file read, validated and loaded, or quarantined; each one gets its row in the ledger."""
    create_schemas(con)
    job = _Ingest(inputs, con, out)
    job.verify_new()
    try:
        job.run()
    finally:  # the Data Docs of every file validated, even when the stage stops on a file
        if job.validator is not None:
            job.validator.build_docs()
    return job


def record_verdicts(con, inputs: IngestInputs, job: _Ingest, out: dict) -> None:
    """What the ledger now says of the run's inputs: each evaluation year ok or blocked (kept in
    ``meta.year_status``), the inputs accepted and rejected, and how many files were new."""
    ledger = ledger_rows(con)
    years = _years(ledger, inputs, job.waiting)
    out["years"] = years
    _input_verdicts(ledger, inputs, job.waiting, out)
    out["new_files"] = len(job.new) - len(job.waiting) + len(out["revalidated"])
    con.execute("DELETE FROM meta.year_status WHERE run_id = ?", [inputs.run_id])
    con.executemany(
        "INSERT INTO meta.year_status (run_id, annee, status, reasons, recorded_at) VALUES (?, ?, ?, ?, ?)",
        [[inputs.run_id, int(y), s["status"], json.dumps(s["reasons"], ensure_ascii=False), datetime.now()]
         for y, s in years.items()],
    )


def _years(ledger: list[dict], inputs: IngestInputs, waiting: list[dict]) -> dict:
    """Each evaluation year ok or blocked, with the reasons: files in quarantine, files waiting
    for the register, refused links in a source folder."""
    evaluation = inputs.evaluation
    years = _year_status(ledger, inputs.plan.hashes, evaluation)
    for w in waiting:
        _block(years, w["blocked_years"], f"{w['file']} en attente : {w['reason']}")
    for r in inputs.plan.refused:
        if r.get("source"):
            _block(years, evaluation, f"{r['file']} refusé : {r['reason']}")
    return years


def _input_verdicts(ledger: list[dict], inputs: IngestInputs, waiting: list[dict], out: dict) -> None:
    """``still_quarantined``, ``accepted_inputs`` (and ``input_hashes``, the same) and ``rejected_inputs``."""
    plan = inputs.plan
    hashes = plan.hashes
    quarantined_now = set(out["quarantined"])
    still = {f"{r['source']}/{r['file_name']}": r for r in ledger
             if r["status"] == "quarantined" and hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]}
    out["still_quarantined"] = sorted(k for k in still if k not in quarantined_now)
    accepted = {f"{r['source']}/{r['file_name']}": r["sha256"] for r in ledger
                if r["status"] in ("loaded", "recorded") and hashes.get(f"{r['source']}/{r['file_name']}") == r["sha256"]}
    if plan.sources_sha is not None:
        accepted[SOURCES_KEY] = plan.sources_sha
    accepted[plan.ref_key] = inputs.ref.sha256
    out["accepted_inputs"] = dict(sorted(accepted.items()))
    out["input_hashes"] = dict(out["accepted_inputs"])
    rejected = {k: {"sha256": r["sha256"], "status": "quarantined", "reason": r["message"] or ""}
                for k, r in still.items()}
    rejected.update({w["file"]: {"sha256": w["sha256"], "status": "waiting", "reason": w["reason"]} for w in waiting})
    rejected.update({r["file"]: {"sha256": None, "status": "refused", "reason": r["reason"]} for r in plan.refused})
    out["rejected_inputs"] = dict(sorted(rejected.items()))


def alert_and_keep(inputs: IngestInputs, job: _Ingest, out: dict, started: float) -> None:
    """The run's Data Docs and alert, then its result kept as ``runs/<run_id>/ingest.json`` when
    it read anything."""
    validator = job.validator
    if validator is not None and validator.index.exists():
        out["data_docs"] = str(validator.index)
        out["reports"].append(str(validator.index))
    _alert(inputs, job, out)
    out["outputs"] = list(out["reports"])
    out["seconds"] = round(time.monotonic() - started, 3)
    if job.new or out["revalidated"]:
        inputs.run_dir.mkdir(parents=True, exist_ok=True)
        (inputs.run_dir / "ingest.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str),
                                                    encoding="utf-8")


def _alert(inputs: IngestInputs, job: _Ingest, out: dict) -> None:
    """One alert for the run: failing files, files loaded with warnings, and landing entries
    (ignored, refused, waiting) not alerted before. Late files are not alerted: the next run reads them."""
    ctx, run_id, plan = inputs.ctx, inputs.run_id, inputs.plan
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
