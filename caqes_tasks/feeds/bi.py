"""A read-only DuckDB file for BI tools: one table per mart with every year's ``latest`` feed.

``OUT/feeds/caqes_bi.duckdb`` holds the data itself, copied from
``OUT/feeds/<annee>/latest/<mart>.parquet`` when the file is built, so it holds no path: the
out folder can be moved, copied to a Windows share or mounted anywhere in a Metabase or Superset
container, and the file still opens and reads. A small table ``feeds_latest`` (annee, run_id,
mart, rows) says which run of each year it holds. Each table and column carries the description
of the dbt YAML (``COMMENT ON``; ``duckdb_tables()`` and ``duckdb_columns()`` show them): each
mart's YAML (``dbt_project/models/marts/<mart>.yml``) and the outcome tables
(``dbt_project/models/outcomes.yml``), as :func:`caqes_tasks.transform.model_yaml.descriptions` reads them. The file is rebuilt under a temporary name and swapped in
with ``os.replace`` whenever a year's ``latest`` changes (each feeds publication).

Example (DuckDB CLI, Metabase, Superset, Power BI through ODBC, ...)::

    -- duckdb -readonly OUT/feeds/caqes_bi.duckdb
    SELECT s.annee, s.finess_ej, e.raison_sociale_ej, s.score AS score_contrat,
           coalesce(i.montant, 0) AS interessement
    FROM fct_score s
    LEFT JOIN (SELECT DISTINCT annee, finess_ej, raison_sociale_ej FROM dim_etablissement) e
           USING (annee, finess_ej)
    LEFT JOIN (SELECT annee, finess_ej, sum(montant) AS montant
               FROM fct_interessement GROUP BY ALL) i USING (annee, finess_ej)
    WHERE s.niveau = 'contrat'
    ORDER BY s.annee, s.finess_ej;
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from pathlib import Path

import duckdb

from caqes_tasks.audit import tracabilite
from caqes_tasks.feeds.marts import FEED_TABLES
from caqes_tasks.feeds.publish import LATEST
from caqes_tasks.transform.model_yaml import descriptions

BI_FILE = "caqes_bi.duckdb"
BI_FORMAT = 2  # 1: views over absolute paths; 2: data inside, with comments
FEEDS_LATEST_COMMENTS = {
    "": "Ce que contient ce fichier : pour chaque année et chaque mart, le run publié (latest) et son nombre de lignes.",
    "annee": "année d'évaluation", "run_id": "run publié pour l'année", "mart": "table", "rows": "nombre de lignes",
}


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _published_years(feeds_root: Path) -> list[tuple[int, dict]]:
    years = []
    for d in sorted(feeds_root.iterdir()):
        manifest = d / LATEST / "manifest.json"
        if d.name.isdigit() and manifest.is_file():
            years.append((int(d.name), json.loads(manifest.read_text(encoding="utf-8"))))
    return years


def _spec(feeds_root: Path) -> dict:
    """What the BI file must hold: per mart, the years (and runs) of its ``latest`` feeds."""
    years = _published_years(feeds_root)
    latest = [[y, m["run_id"], mart, m["marts"][mart]["rows"]] for y, m in years for mart in FEED_TABLES if mart in m["marts"]]
    comments = descriptions() | {tracabilite.FEED: tracabilite.commentaires()}
    return {"format": BI_FORMAT, "feeds_latest": latest, "comments": comments}


def build_bi_database(feeds_root: Path) -> Path:
    """(Re)build ``feeds_root/caqes_bi.duckdb`` atomically when what it must hold changed."""
    feeds_root = feeds_root.absolute()
    feeds_root.mkdir(parents=True, exist_ok=True)
    target = feeds_root / BI_FILE
    spec_file = feeds_root / f".{BI_FILE}.spec.json"
    with open(feeds_root / f".{BI_FILE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        spec = json.dumps(_spec(feeds_root), sort_keys=True, indent=1, ensure_ascii=False)
        if target.exists() and spec_file.exists() and spec_file.read_text(encoding="utf-8") == spec:
            return target
        tmp = feeds_root / f".{BI_FILE}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            _write_bi(tmp, feeds_root, json.loads(spec))
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
            spec_file.write_text(spec, encoding="utf-8")
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                if leftover.exists():
                    leftover.unlink()
    return target


def _comment(con, table: str, comments: dict[str, str], columns: list[str]) -> None:
    if comments.get(""):
        con.execute(f'COMMENT ON TABLE "{table}" IS {_sql_str(comments[""])}')
    for col in columns:
        if col and comments.get(col):
            con.execute(f'COMMENT ON COLUMN "{table}"."{col}" IS {_sql_str(comments[col])}')


def _write_bi(path: Path, feeds_root: Path, spec: dict) -> None:
    files: dict[str, list[str]] = {}
    for annee, _run, mart, _rows in spec["feeds_latest"]:
        # read through the link once, now: the file keeps the data, not the path
        files.setdefault(mart, []).append(os.path.realpath(feeds_root / str(annee) / LATEST / f"{mart}.parquet"))
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE feeds_latest (annee INTEGER, run_id VARCHAR, mart VARCHAR, rows BIGINT)")
        if spec["feeds_latest"]:
            con.executemany("INSERT INTO feeds_latest VALUES (?, ?, ?, ?)", spec["feeds_latest"])
        _comment(con, "feeds_latest", FEEDS_LATEST_COMMENTS, list(FEEDS_LATEST_COMMENTS))
        for mart in FEED_TABLES:
            if mart not in files:
                continue
            listing = ", ".join(_sql_str(f) for f in files[mart])
            con.execute(f"CREATE TABLE {mart} AS SELECT * FROM read_parquet([{listing}], union_by_name = true) ORDER BY ALL")
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [mart]).fetchall()]
            _comment(con, mart, spec["comments"].get(mart, {}), columns)
        con.execute("CHECKPOINT")
    finally:
        con.close()
