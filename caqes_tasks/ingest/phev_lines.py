"""Ingest of ``phev_lines`` (line-level PHEV Parquet, up to 10⁸ lines a year): validate and aggregate in DuckDB.

The lines are never loaded as such, nor read by pandas or by dbt. For the new files of a run
(grouped by partition ``annee=AAAA`` and column types), ONE DuckDB scan aggregates them to the
grain the models need — ET × year × month (of ``date_execution``) × indicator: sum of the
amounts, of the quantities, number of lines — while the rules of the data contract
(:mod:`caqes_tasks.quality.phev_lines_rules`) are decided without any per-line output:

- the rules on ET, year and indicator on the aggregated grain (its keys), FINESS numbers and the
  register checked once per distinct value;
- ``code`` on its distinct values (a second read of that one column);
- amounts and quantities from the Parquet statistics of every row group (no NULL, minimum ≥ 0)
  and their types (≤ 2 decimals, integer); only when the statistics cannot clear them are they
  counted line by line in the same scan.

When every file passes (the usual night), their aggregate is added to ``raw.phev_lines_agg``
and each file gets its ledger entry (``loaded``), in one transaction. When a rule fails, a second
pass, over the files of that group only, counts the failing lines per file and rule and samples
them with their row number; failing files are quarantined (copy + report, years blocked like a
``phev`` file: a line of year Y blocks evaluation years Y to Y+2), the others are aggregated again
without them. The results go through Great Expectations (the failing sample, with the counts of
the whole file) into the same reports and Data Docs as the other sources: one validation per
failing file, one for the files accepted in the run.

Incremental: only new files are read. A corrected file delivered under the name of a loaded one
supersedes it: the aggregate is then rebuilt from the accepted files still delivered (the old
bytes are gone), a loaded file no longer in the landing zone stops counting (ledger
``superseded``). DuckDB's ``memory_limit`` (``CAQES_DUCKDB_MEMORY_LIMIT``, default 2GB) and a
``temp_directory`` under OUT bound the memory of the scans.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from caqes_tasks.finess.numbers import check_finess
from caqes_tasks.ingest.blocking import blocked_years
from caqes_tasks.ingest.loader import record
from caqes_tasks.quality.phev_lines_rules import (
    BY_FLAG, CODE_RULE, COLUMNS, GRAIN_RULES, LINE_RULES, RULES, VALUE_RULES,
)

SOURCE = "phev_lines"
SAMPLE = 10
MEMORY_LIMIT = "2GB"
PARTITION = re.compile(r"(?:^|/)annee=(\d{4})/")
TEXT = ("VARCHAR",)
INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
FLOATING = ("FLOAT", "DOUBLE")
DECIMAL = re.compile(r"^DECIMAL\((\d+),(\d+)\)$")
AGG_KEYS = "finess_geo, annee, mois, indicateur"


@dataclass
class LinesFile:
    key: str
    sha: str
    path: Path
    rows: int = 0
    types: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why it cannot be read as the contract says (file rule)
    stats_clear: dict[str, bool] = field(default_factory=dict)  # value rule -> cleared by statistics

    @property
    def name(self) -> str:
        return self.key.split("/", 1)[1]

    @property
    def partition(self) -> int | None:
        m = PARTITION.search(self.name)
        return int(m.group(1)) if m else None


def _q(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _files_sql(files: list[LinesFile]) -> str:
    return "[" + ", ".join(_q(f.path) for f in files) + "]"


def _montant_scale(typ: str) -> str:
    m = DECIMAL.match(typ)
    if typ in INTEGER or (m and int(m.group(2)) <= 2):
        return "true"
    if m:
        return "montant = round(montant, 2)"
    return "CAST(montant AS DECIMAL(38, 6)) = round(CAST(montant AS DECIMAL(38, 6)), 2)"


def _quantite_integer(typ: str) -> str:
    m = DECIMAL.match(typ)
    if typ in INTEGER or (m and int(m.group(2)) == 0):
        return "true"
    return "quantite = trunc(quantite)"


def _accepted(col: str, typ: str) -> bool:
    if col in ("finess_geo", "indicateur", "code"):
        return typ in TEXT
    if col == "date_execution":
        return typ == "DATE" or typ.startswith("TIMESTAMP")
    return typ in INTEGER or typ in FLOATING or bool(DECIMAL.match(typ))


def inspect(con, f: LinesFile) -> None:
    """Column types, number of lines and what the row-group statistics already prove."""
    path = _q(f.path)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({path}, hive_partitioning = false)").fetchall()
        meta = con.execute(
            f"SELECT path_in_schema, stats_null_count, stats_min, row_group_num_rows FROM parquet_metadata({path})").fetchall()
    except Exception as exc:  # noqa: BLE001 - any reading error is the file's problem, named in its report
        f.problem = "fichier Parquet illisible : " + " ".join(str(exc).split())[:300]
        return
    f.types = {name: typ for name, typ, *_ in described}
    missing = [c for c in COLUMNS if c not in f.types]
    wrong = [f"{c} ({f.types[c]})" for c in COLUMNS if c in f.types and not _accepted(c, f.types[c])]
    if missing or wrong:
        f.problem = "; ".join(filter(None, [
            f"colonne(s) absente(s) : {', '.join(missing)}" if missing else "",
            f"colonne(s) d'un type illisible : {', '.join(wrong)}" if wrong else "",
        ]))
        return
    groups: dict[str, list] = {}
    rows_by_group = {}
    for i, (col, nulls, minimum, group_rows) in enumerate(meta):
        groups.setdefault(col, []).append((nulls, minimum))
        rows_by_group.setdefault(col, []).append(group_rows)
    f.rows = sum(rows_by_group.get("finess_geo", [])) if meta else 0
    for rule, col, exact in (("_montant_ok", "montant_rembourse", _montant_scale(f.types["montant_rembourse"]) == "true"),
                             ("_quantite_ok", "quantite", _quantite_integer(f.types["quantite"]) == "true")):
        stats = groups.get(col, [])
        clear = exact and bool(stats)
        for nulls, minimum in stats:
            try:
                clear = clear and nulls == 0 and minimum is not None and float(minimum) >= 0
            except ValueError:
                clear = False
        f.stats_clear[rule] = clear


def _projection(files: list[LinesFile], extra: str = "") -> str:
    """The lines of ``files`` with the columns the rules are written on."""
    types = files[0].types
    date = "CAST(date_execution AS DATE)"
    return (
        f"SELECT CAST(finess_geo AS VARCHAR) AS finess_geo, {date} AS date_execution, "
        f"CAST(year({date}) AS INTEGER) AS annee, CAST(month({date}) AS INTEGER) AS mois, "
        f"CAST(indicateur AS VARCHAR) AS indicateur, CAST(code AS VARCHAR) AS code, "
        f"montant_rembourse AS montant, quantite{extra} "
        f"FROM read_parquet({_files_sql(files)}, hive_partitioning = false"
        f"{', filename = true, file_row_number = true' if extra else ''})"
    ) if types else ""


def _rule_sql(flag: str, types: dict[str, str]) -> str:
    return (BY_FLAG[flag].sql.replace("{montant_scale}", _montant_scale(types["montant_rembourse"]))
            .replace("{quantite_integer}", _quantite_integer(types["quantite"])))


def _aggregate(con, files: list[LinesFile], counted: list[str]) -> None:
    """One scan of ``files`` into the temp table ``_pl_agg`` (grain + failing counts of ``counted``)."""
    types = files[0].types
    counts = "".join(f", count_if(NOT coalesce({_rule_sql(flag, types)}, false)) AS \"n{flag}\"" for flag in counted)
    # no cast per line when the type is already the contract's (the sum is cast once per group)
    montant = "montant" if types["montant_rembourse"] == "DECIMAL(18,2)" else "CAST(montant AS DECIMAL(18, 2))"
    quantite = "quantite" if types["quantite"] in INTEGER else "CAST(quantite AS BIGINT)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _pl_agg AS SELECT {AGG_KEYS}, "
        f"CAST(sum({montant}) AS DECIMAL(18, 2)) AS montant, CAST(sum({quantite}) AS BIGINT) AS volume, "
        f"count(*) AS nb_lignes{counts} FROM ({_projection(files)}) GROUP BY ALL"
    )


def _checked_values(con, register) -> None:
    """``_pl_cle`` and ``_pl_connu``: each distinct ET (× year) of ``_pl_agg`` checked once."""
    pairs = con.execute("SELECT DISTINCT finess_geo, annee FROM _pl_agg WHERE finess_geo IS NOT NULL").fetchall()
    cle = {geo: check_finess(geo).ok for geo in {g for g, _ in pairs}}
    connu = []
    for geo, annee in pairs:
        if annee is None:
            continue
        year = register.year_for(int(annee))
        connu.append((geo, int(annee), bool(year is not None and register.by_year[year].get(geo))))
    import pyarrow as pa

    tables = {
        "_pl_cle": pa.table({"cle_geo": pa.array(list(cle), pa.string()), "cle_ok": pa.array(list(cle.values()), pa.bool_())}),
        "_pl_connu": pa.table({"connu_geo": pa.array([r[0] for r in connu], pa.string()),
                               "connu_annee": pa.array([r[1] for r in connu], pa.int32()),
                               "connu": pa.array([r[2] for r in connu], pa.bool_())}),
    }
    for name, table in tables.items():
        con.register("_pl_incoming", table)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _pl_incoming")
        finally:
            con.unregister("_pl_incoming")


JOINS = ("LEFT JOIN _pl_cle AS k ON k.cle_geo = x.finess_geo "
         "LEFT JOIN _pl_connu AS c ON c.connu_geo = x.finess_geo AND c.connu_annee = x.annee")


def _failing_rules(con, files: list[LinesFile], params: dict) -> list[str]:
    """Rules that fail somewhere in the group, decided on the aggregate and the distinct codes."""
    types = files[0].types
    preds = ", ".join(f"sum(CASE WHEN coalesce({_rule_sql(flag, types)}, false) THEN 0 ELSE x.nb_lignes END)"
                      for flag in GRAIN_RULES)
    counts = con.execute(f"SELECT {preds} FROM _pl_agg AS x {JOINS}", params).fetchone()
    failing = [flag for flag, n in zip(GRAIN_RULES, counts) if n]
    bad_codes = con.execute(
        f"SELECT count(*) FROM (SELECT code FROM read_parquet({_files_sql(files)}, hive_partitioning = false) "
        f"GROUP BY code) WHERE NOT coalesce({_rule_sql(CODE_RULE, types)}, false)").fetchone()[0]
    if bad_codes:
        failing.append(CODE_RULE)
    for flag in VALUE_RULES:
        if not all(f.stats_clear.get(flag) for f in files):
            if con.execute(f'SELECT coalesce(sum("n{flag}"), 0) FROM _pl_agg').fetchone()[0]:
                failing.append(flag)
    return failing


def _merge(con) -> None:
    """Add ``_pl_agg`` to raw.phev_lines_agg (same grain: amounts, volumes and lines summed)."""
    if con.execute("SELECT count(*) FROM (SELECT 1 FROM raw.phev_lines_agg LIMIT 1)").fetchone()[0] == 0:
        con.execute("INSERT INTO raw.phev_lines_agg SELECT finess_geo, annee, make_date(annee, mois, 1), indicateur, "
                    "montant, volume, nb_lignes FROM _pl_agg")
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pl_merged AS SELECT finess_geo, annee, mois, indicateur, "
        "CAST(sum(montant) AS DECIMAL(18, 2)) AS montant, CAST(sum(volume) AS BIGINT) AS volume, "
        "CAST(sum(nb_lignes) AS BIGINT) AS nb_lignes FROM ("
        "SELECT finess_geo, annee, mois, indicateur, montant, volume, nb_lignes FROM raw.phev_lines_agg "
        "UNION ALL SELECT finess_geo, annee, make_date(annee, mois, 1), indicateur, montant, volume, nb_lignes "
        "FROM _pl_agg) GROUP BY ALL")
    con.execute("DELETE FROM raw.phev_lines_agg")
    con.execute("INSERT INTO raw.phev_lines_agg SELECT * FROM _pl_merged")
    con.execute("DROP TABLE _pl_merged")


def aggregate_files(con, paths: list[Path]) -> None:
    """Add the lines of ``paths`` to raw.phev_lines_agg without checking them (already accepted)."""
    files = [LinesFile(key=f"{SOURCE}/{Path(p).name}", sha="", path=Path(p)) for p in paths]
    for f in files:
        inspect(con, f)
        if f.problem:
            raise ValueError(f"{f.path} : {f.problem}")
    by_types: dict[tuple, list[LinesFile]] = {}
    for f in files:
        by_types.setdefault(tuple(sorted(f.types.items())), []).append(f)
    for group in by_types.values():
        _aggregate(con, group, [])
        _merge(con)


class LinesIngest:
    """The ``phev_lines`` files of one ingest run (``job`` is the run's ``_Ingest``)."""

    def __init__(self, job):
        self.job = job
        self.con = job.con
        self.accepted: list[LinesFile] = []
        self.rebuild = False

    # -- settings ---------------------------------------------------------------------------------
    def _limits(self) -> None:
        tmp = Path(self.job.ctx.out) / "tmp" / "duckdb"
        tmp.mkdir(parents=True, exist_ok=True)
        limit = os.environ.get("CAQES_DUCKDB_MEMORY_LIMIT", MEMORY_LIMIT).strip() or MEMORY_LIMIT
        self.con.execute(f"SET memory_limit = {_q(limit)}")
        self.con.execute(f"SET temp_directory = {_q(tmp)}")

    def allowed_years(self, partition: int | None) -> list[int]:
        years = list(self.job.data_years)
        return [y for y in years if partition is None or y == partition]

    # -- the run ----------------------------------------------------------------------------------
    def run(self, items: list[tuple[str, str]]) -> None:
        if not items:
            return
        self._limits()
        files = [LinesFile(key, sha, self.job.ctx.landing / key) for key, sha in items]
        groups: dict[tuple, list[LinesFile]] = {}
        for f in files:
            inspect(self.con, f)
            if f.problem:
                self.refuse(f, {"_fichier_lisible": 1}, self._file_frame(f, "_fichier_lisible", f.problem), None)
            elif f.rows == 0:
                self.refuse(f, {"_non_vide": 1}, self._file_frame(f, "_non_vide", "aucune ligne"), None)
            else:
                groups.setdefault((f.partition, tuple(sorted(f.types.items()))), []).append(f)
        for (partition, _), group in sorted(groups.items(), key=lambda kv: (kv[0][0] or 0, kv[1][0].key)):
            self.group(group, partition)
        if self.rebuild:
            self.rebuild_aggregate()
        self.record_accepted()

    def group(self, files: list[LinesFile], partition: int | None) -> None:
        params = {"annees": self.allowed_years(partition), "indicateurs": list(self.job.params["indicateurs_nationaux"])}
        counted = [flag for flag in VALUE_RULES if not all(f.stats_clear.get(flag) for f in files)]
        _aggregate(self.con, files, counted)
        _checked_values(self.con, self.job.register)
        failing = _failing_rules(self.con, files, params)
        if not failing:
            self.load(files)
            return
        counts, samples = self.failing_lines(files, params)
        good = [f for f in files if not counts.get(f.name)]
        for f in files:
            if counts.get(f.name):
                self.refuse(f, counts[f.name], samples.get(f.name), self.years_of(f))
        if good:
            _aggregate(self.con, good, [])
            self.load(good)

    # -- failing lines ----------------------------------------------------------------------------
    def failing_lines(self, files: list[LinesFile], params: dict) -> tuple[dict, dict]:
        """Per file: failing lines per rule, and a sample (≤ 10 lines per rule, with row numbers)."""
        types = files[0].types
        flags = [r.flag for r in LINE_RULES]
        preds = ", ".join(f"coalesce({_rule_sql(flag, types)}, false) AS \"{flag}\"" for flag in flags)
        root = len(str(self.job.ctx.landing / SOURCE)) + 2
        source = _projection(files, extra=", substr(filename, %d) AS _fichier, file_row_number + 1 AS _line" % root)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pl_bad AS SELECT * FROM (SELECT x.*, {preds} FROM ({source}) AS x {JOINS}) "
            f"WHERE NOT ({' AND '.join(chr(34) + f + chr(34) for f in flags)})", params)
        sums = ", ".join(f"count_if(NOT \"{f}\")" for f in flags)
        counts = {}
        for name, *ns in self.con.execute(f"SELECT _fichier, {sums} FROM _pl_bad GROUP BY _fichier").fetchall():
            counts[name] = {flag: int(n) for flag, n in zip(flags, ns) if n}
        picks = " UNION ".join(
            f"SELECT * FROM _pl_bad WHERE NOT \"{f}\" QUALIFY row_number() OVER (PARTITION BY _fichier ORDER BY _line) <= {SAMPLE}"
            for f in flags)
        sample = self.con.execute(f"SELECT * FROM ({picks}) ORDER BY _fichier, _line").df()
        self.con.execute("DROP TABLE _pl_bad")
        samples = {name: self._frame(part.drop(columns=["_fichier"])) for name, part in sample.groupby("_fichier", sort=True)}
        return counts, samples

    def years_of(self, f: LinesFile) -> pd.DataFrame:
        rows = self.con.execute(
            f"SELECT DISTINCT CAST(year(CAST(date_execution AS DATE)) AS INTEGER) FROM read_parquet({_q(f.path)}, "
            "hive_partitioning = false)").fetchall()
        return pd.DataFrame({"annee": pd.array([r[0] for r in rows], dtype="Int64")})

    @staticmethod
    def _frame(sample: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame({"_line": sample["_line"].astype("int64")})
        for col, src in (("finess_geo", "finess_geo"), ("date_execution", "date_execution"), ("annee", "annee"),
                         ("indicateur", "indicateur"), ("code", "code"), ("montant_rembourse", "montant"),
                         ("quantite", "quantite")):
            out[col] = [None if pd.isna(v) else (pd.Timestamp(v).date().isoformat() if col == "date_execution" else str(v))
                        for v in sample[src]]
        out["_detail"] = None
        for r in RULES:
            out[r.flag] = sample[r.flag].astype(bool) if r.flag in sample.columns else True
        return out

    @staticmethod
    def _file_frame(f: LinesFile, flag: str, detail: str) -> pd.DataFrame:
        row = {"_line": 0, **{c: None for c in ("finess_geo", "date_execution", "annee", "indicateur", "code",
                                                "montant_rembourse", "quantite")}, "_detail": detail}
        row.update({r.flag: r.flag != flag for r in RULES})
        return pd.DataFrame([row])

    # -- outcomes ---------------------------------------------------------------------------------
    def load(self, files: list[LinesFile]) -> None:
        """Add the group's aggregate (``_pl_agg``) and the files' ledger entries, in one transaction."""
        con, job = self.con, self.job
        names = [f.name for f in files]
        con.execute("BEGIN TRANSACTION")
        try:
            loaded = con.execute(
                "SELECT file_name FROM meta.ledger WHERE source = ? AND status = 'loaded' AND list_contains(?, file_name)",
                [SOURCE, names]).fetchall()
            if loaded:
                self.rebuild = True  # a corrected file: its earlier lines cannot be taken out of the sums
            else:
                _merge(con)
            for f in files:
                con.execute(
                    "UPDATE meta.ledger SET status = 'superseded', superseded_by = ? "
                    "WHERE source = ? AND file_name = ? AND status IN ('loaded', 'quarantined', 'recorded')",
                    [f.sha, SOURCE, f.name])
                record(con, SOURCE, f.name, f.sha, f.rows, "loaded", job.run_id,
                       message="lignes validées, agrégées dans raw.phev_lines_agg")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        for f in files:
            job.out["loaded"].append(f.key)
            job.out["superseded"] += [f.key] if (f.name,) in loaded else []
            job.out["rows"][SOURCE] = job.out["rows"].get(SOURCE, 0) + f.rows
            job.kept.add((SOURCE, f.sha))
            job.quarantined.pop((SOURCE, f.name), None)
        self.accepted += files

    def rebuild_aggregate(self) -> None:
        """raw.phev_lines_agg recomputed from the accepted files still delivered (a file was corrected)."""
        con, job = self.con, self.job
        rows = con.execute("SELECT file_name, sha256 FROM meta.ledger WHERE source = ? AND status = 'loaded'",
                           [SOURCE]).fetchall()
        present = [(n, s) for n, s in rows if job.plan.hashes.get(f"{SOURCE}/{n}") == s]
        gone = [n for n, s in rows if job.plan.hashes.get(f"{SOURCE}/{n}") != s]
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM raw.phev_lines_agg")
            if present:
                aggregate_files(con, [job.ctx.landing / SOURCE / n for n, _ in present])
            for n in gone:
                con.execute(
                    "UPDATE meta.ledger SET status = 'superseded', message = ? WHERE source = ? AND file_name = ? "
                    "AND status = 'loaded'",
                    [f"retiré du dépôt : ses lignes ne comptent plus depuis le recalcul du run {job.run_id}", SOURCE, n])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    def _validation(self, file_name: str, frame: pd.DataFrame, totals: dict[str, int], rows: int):
        job = self.job
        if job.validator is None:
            from caqes_tasks.quality.validation import Validator

            job.validator = Validator(job.run_dir / "data_docs")
        validation, _ = job.validator.run(SOURCE, file_name, frame, job.params, job.run_id, totals=totals, rows=rows)
        return validation

    def refuse(self, f: LinesFile, counts: dict[str, int], frame: pd.DataFrame | None, years) -> None:
        """Quarantine ``f`` with its report (GX validation of its failing sample, counts of the whole file)."""
        from caqes_tasks.ingest.landing import read_landing_bytes, sha256_bytes
        from caqes_tasks.ingest.quarantine import quarantine_file
        from caqes_tasks.ingest.stage import InputFile

        job = self.job
        if frame is None:
            frame = self._file_frame(f, next(iter(counts)), "")
        validation = self._validation(f.name, frame, counts, f.rows)
        blocked = blocked_years(SOURCE, years, job.evaluation, job.data_years)
        data = read_landing_bytes(job.ctx.landing, f.key)
        if sha256_bytes(data) != f.sha:
            from caqes_tasks.ingest.landing import InputChangedError

            raise InputChangedError(f"{f.key} : le fichier a changé pendant sa validation : relancer le run")
        now = datetime.now()
        header = {"run_id": job.run_id, "source": SOURCE, "file": f.key, "sha256": f.sha, "blocked_years": blocked,
                  "validated_at": now.isoformat(timespec="seconds"),
                  "contexte": {"format": {}, "registre": [], "autres_fichiers": []}}
        paths = quarantine_file(f.name, data, job.ctx.quarantine, job.run_id, SOURCE, validation, header)
        job.record_quarantined(InputFile(f.key, f.sha), f.rows, validation, blocked, paths, now)

    def record_accepted(self) -> None:
        """One GX validation for the files accepted in the run, and each file's report."""
        if not self.accepted:
            return
        from caqes_tasks.quality.report import write_report

        job = self.job
        rows = sum(f.rows for f in self.accepted)
        frame = self._file_frame(self.accepted[0], "", "").iloc[0:0]
        label = self.accepted[0].name if len(self.accepted) == 1 else f"{len(self.accepted)} fichiers acceptés"
        validation = self._validation(label, frame, {}, rows)
        now = datetime.now().isoformat(timespec="seconds")
        for f in self.accepted:
            validation.file_name, validation.rows = f.name, f.rows
            header = {"run_id": job.run_id, "source": SOURCE, "file": f.key, "sha256": f.sha, "validated_at": now}
            paths = write_report(validation, job.run_dir / "validation" / SOURCE, header)
            job.out["reports"].append(str(paths["html"]))

