"""A read-only DuckDB file for BI tools: one view per mart over every year's ``latest`` Parquet.

``OUT/feeds/caqes_bi.duckdb`` holds no data, only views reading
``OUT/feeds/<annee>/latest/<mart>.parquet`` (absolute paths through the ``latest`` symlink, so
the views follow each new publication without a rebuild) and a small table ``feeds_latest``
(annee, run_id, mart, rows) describing what ``latest`` held when the file was built. The file
is rebuilt under a temporary name and swapped in with ``os.replace``.

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

from caqes_tasks.feeds.marts import MARTS
from caqes_tasks.feeds.publish import LATEST

BI_FILE = "caqes_bi.duckdb"


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
    """What the BI file must hold: files per view and the rows of ``feeds_latest``."""
    years = _published_years(feeds_root)
    views = {
        mart: [str(feeds_root / str(y) / LATEST / f"{mart}.parquet") for y, m in years if mart in m["marts"]]
        for mart in MARTS
    }
    latest = [[y, m["run_id"], mart, m["marts"][mart]["rows"]] for y, m in years for mart in MARTS if mart in m["marts"]]
    return {"views": {k: v for k, v in views.items() if v}, "feeds_latest": latest}


def build_bi_database(feeds_root: Path) -> Path:
    """(Re)build ``feeds_root/caqes_bi.duckdb`` atomically when what it must hold changed."""
    feeds_root = feeds_root.absolute()
    feeds_root.mkdir(parents=True, exist_ok=True)
    target = feeds_root / BI_FILE
    spec_file = feeds_root / f".{BI_FILE}.spec.json"
    with open(feeds_root / f".{BI_FILE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        spec = json.dumps(_spec(feeds_root), sort_keys=True, indent=1)
        if target.exists() and spec_file.exists() and spec_file.read_text(encoding="utf-8") == spec:
            return target
        tmp = feeds_root / f".{BI_FILE}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            _write_bi(tmp, json.loads(spec))
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
            spec_file.write_text(spec, encoding="utf-8")
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                if leftover.exists():
                    leftover.unlink()
    return target


def _write_bi(path: Path, spec: dict) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE feeds_latest (annee INTEGER, run_id VARCHAR, mart VARCHAR, rows BIGINT)")
        if spec["feeds_latest"]:
            con.executemany("INSERT INTO feeds_latest VALUES (?, ?, ?, ?)", spec["feeds_latest"])
        for mart, files in spec["views"].items():
            listing = ", ".join(_sql_str(f) for f in files)
            con.execute(f"CREATE VIEW {mart} AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
        con.execute("CHECKPOINT")
    finally:
        con.close()
