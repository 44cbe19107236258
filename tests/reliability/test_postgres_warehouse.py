"""The PostgreSQL warehouse (``CAQES_WAREHOUSE``) gives what the DuckDB file gives, and its
writers exclude each other by PostgreSQL advisory locks.

- The annual run of the small demo (2022 as of 15 April 2023), once on the DuckDB file and once
  on a PostgreSQL database created for the test (``caqes_wh_<hex>``, dropped after): the same
  outcome tables to the cent and the same marts, and every published file byte for byte —
  feeds (Parquet, CSV, JSON, manifests), notices (HTML + PDF and their manifest), rapports
  d'évaluation and the campaign report. Excluded, as run metadata: ``runs/`` (stage timings,
  dbt logs and docs, the warehouse each stage names), ``warehouse/`` and ``state/`` (the DuckDB
  file and the locks). The BI file ``feeds/caqes_bi.duckdb`` is compared table by table, row by
  row: a DuckDB database file is not byte-reproducible (two builds of the same tables differ in
  their block layout), but what it holds must be the same.
- Two writers of the same year wait for each other; of different years they do not; a
  warehouse-wide writer waits for both; a killed writer's lock is released by PostgreSQL.
- A malformed URL or a server that does not answer: one line, exit 2, nothing created.

Skips with the reason when no PostgreSQL server answers at 127.0.0.1:5432.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from caqes_tasks.warehouse import WarehouseBusy, connect, warehouse_for, writer_lock
from caqes_tasks.warehouse.schema import DBT_MARTS, OUTCOME_TABLES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from local_services import postgres_database  # noqa: E402

CAQES = str(Path(sys.executable).parent / "caqes")
YEAR, APRIL = 2022, "2023-04-15"
PUBLISHED = ("feeds", "notices", "rapports", "reports")  # what the run publishes under OUT
BI = "feeds/caqes_bi.duckdb"


def _env(warehouse: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAQES_")}
    if warehouse:
        env["CAQES_WAREHOUSE"] = warehouse
    return env


def _run(landing: Path, out: Path, warehouse: str | None) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [CAQES, "run", "--landing", str(landing), "--year", str(YEAR), "--out", str(out), "--as-of", APRIL],
        capture_output=True, text=True, timeout=900, env=_env(warehouse),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return time.monotonic() - started


@pytest.fixture(scope="module")
def pg_url():
    with postgres_database("caqes_wh") as url:
        yield url


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory, pg_url) -> dict:
    from caqes_demo import generate_demo

    root = tmp_path_factory.mktemp("pgwh")
    landing = root / "landing"
    generate_demo(landing, size="small", seed=2022)
    seconds = {"duckdb": _run(landing, root / "duckdb", None), "postgres": _run(landing, root / "postgres", pg_url)}
    print(f"annual run of the small demo: DuckDB {seconds['duckdb']:.1f} s, PostgreSQL {seconds['postgres']:.1f} s")
    return {"duckdb": root / "duckdb", "postgres": root / "postgres", "url": pg_url, "seconds": seconds}


def _published(out: Path) -> dict[str, str]:
    """Every published file (links followed: notices/<N> is a link to its run's folder) → sha256."""
    files = {}
    for top in PUBLISHED:
        for dirpath, _dirs, names in os.walk(out / top, followlinks=True):
            for name in names:
                path = Path(dirpath) / name
                files[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def _table(con, table: str) -> tuple[list[str], list[tuple]]:
    cur = con.execute(f"SELECT * FROM {table} ORDER BY ALL")
    return [d[0] for d in cur.description], cur.fetchall()


@pytest.mark.postgres
def test_published_files_are_the_same_byte_for_byte(both_runs):
    duck, pg = _published(both_runs["duckdb"]), _published(both_runs["postgres"])
    assert sorted(duck) == sorted(pg)
    assert any(p.startswith("notices/") and p.endswith(".pdf") for p in duck)
    assert any(p.startswith("feeds/") and p.endswith(".parquet") for p in duck)
    assert any(p.startswith("reports/") and p.endswith(".html") for p in duck)
    assert any(p.startswith("rapports/") for p in duck)
    differing = sorted(p for p in duck if duck[p] != pg[p] and p != BI)
    assert differing == [], differing
    # the BI file: the same tables, the same rows
    a = duckdb.connect(str(both_runs["duckdb"] / BI), read_only=True)
    b = duckdb.connect(str(both_runs["postgres"] / BI), read_only=True)
    try:
        tables = [t for (t,) in a.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        assert tables == [t for (t,) in b.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        for table in tables:
            assert _table(a, table) == _table(b, table), table
    finally:
        a.close()
        b.close()


@pytest.mark.postgres
def test_outcomes_and_marts_are_the_same_to_the_cent(both_runs):
    duck_wh = warehouse_for(both_runs["duckdb"], setting="")
    pg_wh = warehouse_for(both_runs["postgres"], setting=both_runs["url"])
    assert pg_wh.is_postgres and not duck_wh.is_postgres
    tables = [f"marts.{t}" for t in (*OUTCOME_TABLES, *DBT_MARTS)] + ["meta.procedure"]
    with connect(duck_wh, read_only=True) as d, connect(pg_wh, read_only=True) as p:
        for table in tables:
            duck_cols, duck_rows = _table(d, table)
            pg_cols, pg_rows = _table(p, table)
            assert pg_cols == duck_cols, table
            assert pg_rows == duck_rows, table
            # decimals exactly: the same digits and scale (amounts to the cent)
            assert [[str(v) for v in r] for r in pg_rows] == [[str(v) for v in r] for r in duck_rows], table
        amounts = d.execute(f"SELECT sum(montant) FROM marts.fct_interessement WHERE annee = {YEAR}").fetchone()[0]
        assert amounts and amounts > 0
        # nothing left of the build: the live schemas only
        schemas = {s for (s,) in p.execute("SELECT DISTINCT table_schema FROM information_schema.tables "
                                           "WHERE table_catalog = current_database() "
                                           "AND table_schema NOT IN ('pg_catalog', 'information_schema')").fetchall()}
        assert schemas == {"raw", "meta", "staging", "intermediate", "marts"}, schemas


# -- advisory locks ----------------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from caqes_tasks.warehouse import warehouse_for, writer_lock
wh = warehouse_for(Path("."), setting=sys.argv[1])
year = int(sys.argv[2]) or None
with writer_lock(wh, year=year):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def _holder(url: str, year: int | None, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(year or 0), str(seconds)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert proc.stdout.readline().strip() == "held"
    return proc


def _waits(wh, year: int | None, timeout_s: float = 0.6) -> bool:
    try:
        with writer_lock(wh, timeout_s=timeout_s, year=year):
            return False
    except WarehouseBusy:
        return True


@pytest.mark.postgres
def test_writers_of_one_year_wait_for_each_other_not_of_two(pg_url):
    wh = warehouse_for(Path("."), setting=pg_url)
    holder = _holder(pg_url, YEAR, 6)
    held = time.monotonic()  # the holder keeps the lock 6 s from a moment just before this one
    try:
        assert _waits(wh, YEAR), "a second writer of the same year waits"
        assert not _waits(wh, YEAR + 1), "a writer of another year does not"
        assert _waits(wh, None), "a warehouse-wide writer (ingest, transform) waits"
        with writer_lock(wh, timeout_s=30, year=YEAR):  # waits for the holder to release it, then writes
            assert time.monotonic() - held > 5.5
        assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.postgres
def test_a_warehouse_wide_writer_excludes_every_year_and_dies_without_keeping_it(pg_url):
    wh = warehouse_for(Path("."), setting=pg_url)
    holder = _holder(pg_url, None, 60)
    try:
        assert _waits(wh, YEAR) and _waits(wh, YEAR + 1) and _waits(wh, None)
        holder.kill()  # SIGKILL: PostgreSQL ends its session and its locks
        holder.wait()
        with writer_lock(wh, timeout_s=10):
            pass
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.postgres
def test_a_reader_sees_one_committed_state_for_all_its_queries(pg_url):
    """A reader reads in one transaction: what a writer commits meanwhile is not half-seen."""
    wh = warehouse_for(Path("."), setting=pg_url)
    with writer_lock(wh), connect(wh) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS lecture")
        con.execute("CREATE OR REPLACE TABLE lecture.t AS SELECT 1 AS v")
    try:
        with connect(wh, read_only=True) as reader:
            assert reader.execute("SELECT count(*) FROM lecture.t").fetchone() == (1,)
            with writer_lock(wh), connect(wh) as con:
                con.execute("INSERT INTO lecture.t VALUES (2)")
            assert reader.execute("SELECT count(*) FROM lecture.t").fetchone() == (1,)
        with connect(wh, read_only=True) as reader:
            assert reader.execute("SELECT count(*) FROM lecture.t").fetchone() == (2,)
    finally:
        with writer_lock(wh), connect(wh) as con:
            con.execute("DROP SCHEMA lecture CASCADE")


# -- the setting -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "url, expected",
    [("mysql://root@127.0.0.1/caqes", "CAQES_WAREHOUSE invalide"),
     ("postgresql://postgres@127.0.0.1:1/caqes", "ne répond pas")],
    ids=["malformed", "not answering"],
)  # fmt: skip
def test_a_wrong_warehouse_is_one_line_exit_2_nothing_created(tmp_path, url, expected):
    landing, out = tmp_path / "landing", tmp_path / "out"
    (landing / "phev").mkdir(parents=True)
    done = subprocess.run([CAQES, "run", "--landing", str(landing), "--year", "2022", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=_env(url), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert "CAQES_WAREHOUSE" in lines[0]
    assert not out.exists()


# -- the switch of the built schemas -----------------------------------------------------------

@pytest.mark.postgres
def test_built_schemas_switch_in_one_transaction_keeping_what_was_not_rebuilt():
    """pg_switch on schemas made by hand: the rebuilt mart replaces the live one, the outcome
    table and a model left out of the selection are carried over, a view stays valid, and a
    switch that fails changes nothing."""
    import psycopg2

    from caqes_tasks.transform import pg_switch
    from caqes_tasks.warehouse.location import pg_connection

    with postgres_database("caqes_switch") as url:
        conn = pg_connection(warehouse_for(Path("."), setting=url))
        try:
            _switch_scenario(conn, pg_switch, psycopg2)
        finally:
            conn.close()


def _switch_scenario(conn, pg_switch, psycopg2) -> None:
    with conn.cursor() as cur:
        for schema in ("raw", "staging", "intermediate", "marts", "marts__build", "staging__build"):
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        cur.execute("CREATE TABLE raw.phev_test (montant numeric(18,2))")
        cur.execute("INSERT INTO raw.phev_test VALUES (1.10), (2.20)")
        cur.execute("CREATE VIEW staging.stg_test AS SELECT montant FROM raw.phev_test")
        cur.execute("CREATE TABLE marts.fct_score_test AS SELECT 1 AS version")      # rebuilt
        cur.execute("CREATE TABLE marts.fct_kept_test AS SELECT 1 AS version")       # not selected
        cur.execute("CREATE TABLE marts.fct_interessement_test AS SELECT 12.34::numeric(18,2) AS montant")
        cur.execute("CREATE TABLE marts__build.fct_score_test AS SELECT 2 AS version")
        cur.execute("CREATE VIEW staging__build.stg_test AS SELECT montant * 2 AS montant FROM raw.phev_test")
    record = {"fingerprint": "f", "selection": "+fct_score_test", "run_id": "r", "docs_dir": "", "summary": {}}
    pg_switch.switch_in(conn, record)
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM marts.fct_score_test")
        assert cur.fetchall() == [(2,)]
        cur.execute("SELECT version FROM marts.fct_kept_test")
        assert cur.fetchall() == [(1,)]
        cur.execute("SELECT montant FROM marts.fct_interessement_test")
        assert [str(m) for (m,) in cur.fetchall()] == ["12.34"]
        cur.execute("SELECT sum(montant) FROM staging.stg_test")
        assert str(cur.fetchone()[0]) == "6.60"
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%%\\_\\_%%'")
        assert cur.fetchall() == [], "no __build or __old schema left"
        cur.execute("SELECT run_id, selection FROM meta.dbt_builds")
        assert cur.fetchall() == [("r", "+fct_score_test")]
        # a switch that fails midway (a built schema that cannot be renamed in) changes nothing
        cur.execute("CREATE SCHEMA marts__build")
        cur.execute("CREATE TABLE marts__build.fct_score_test AS SELECT 3 AS version")
        cur.execute("CREATE SCHEMA marts__old")  # in the way of the rename of the live schema
    with pytest.raises(psycopg2.Error):
        pg_switch.switch_in(conn, {**record, "run_id": "r2"})
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM marts.fct_score_test")
        assert cur.fetchall() == [(2,)]
        cur.execute("SELECT count(*) FROM meta.dbt_builds")
        assert cur.fetchone()[0] == 1
    pg_switch.drop_build_schemas(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname IN ('marts__build', 'marts__old')")
        assert cur.fetchone()[0] == 0
        # a view left out of the selection that reads a rebuilt model would be dropped with the
        # previous build: the switch is refused, nothing changes
        cur.execute("CREATE VIEW marts.v_kept_test AS SELECT version FROM marts.fct_score_test")
        cur.execute("CREATE SCHEMA marts__build")
        cur.execute("CREATE TABLE marts__build.fct_score_test AS SELECT 4 AS version")
    with pytest.raises(RuntimeError, match="marts.v_kept_test"):
        pg_switch.switch_in(conn, {**record, "run_id": "r3"})
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM marts.v_kept_test")
        assert cur.fetchall() == [(2,)]
        cur.execute("SELECT count(*) FROM meta.dbt_builds")
        assert cur.fetchone()[0] == 1
