"""The BI file holds its data: it reads after the out folder moved, from any working directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace

import duckdb

from caqes_tasks.feeds import feeds_stage
from caqes_tasks.feeds.bi import descriptions

READ_EVERY_TABLE = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
latest = {m: n for m, n in con.execute("SELECT mart, sum(rows) FROM feeds_latest GROUP BY mart").fetchall()}
print(json.dumps({"counts": counts, "latest": {k: int(v) for k, v in latest.items()}}))
"""


def _read_elsewhere(bi, cwd):
    out = subprocess.run([sys.executable, "-c", READ_EVERY_TABLE, str(bi)], cwd=cwd, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": ""})
    import json

    return json.loads(out.stdout)


def test_moved_out_folder_and_lone_copy_still_read_every_table(ctx, tmp_path):
    feeds_stage(ctx)
    feeds_stage(replace(ctx, year=2022, run_id="2022-0123456789ab"))
    moved = tmp_path / "ailleurs" / "sortie"
    moved.parent.mkdir()
    shutil.move(str(ctx.out), str(moved))
    assert not ctx.out.exists()
    elsewhere = tmp_path / "autre_dossier"
    elsewhere.mkdir()
    got = _read_elsewhere(moved / "feeds" / "caqes_bi.duckdb", elsewhere)
    marts = set(got["latest"])
    assert "dim_etablissement" in marts and "fct_interessement" in marts
    assert set(got["counts"]) == marts | {"feeds_latest"}
    assert all(got["counts"][m] == got["latest"][m] for m in marts), got
    assert got["counts"]["fct_interessement"] > 0
    # the file alone, without the feeds beside it (a share without symbolic links)
    lone = elsewhere / "caqes_bi.duckdb"
    shutil.copyfile(moved / "feeds" / "caqes_bi.duckdb", lone)
    shutil.rmtree(moved)
    assert _read_elsewhere(lone, tmp_path) == got


def test_tables_and_columns_carry_the_dbt_descriptions(ctx):
    feeds_stage(ctx)
    con = duckdb.connect(str(ctx.out / "feeds" / "caqes_bi.duckdb"), read_only=True)
    try:
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal").fetchall())
        columns = {(t, c): d for t, c, d in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal").fetchall()}
    finally:
        con.close()
    wanted = descriptions()
    assert tables["dim_etablissement"] == wanted["dim_etablissement"][""]
    assert tables["fct_sanction"] == wanted["fct_sanction"][""] and tables["fct_sanction"].startswith("Sanctions par EJ")
    assert columns[("fct_score", "score")] == wanted["fct_score"]["score"]
    assert columns[("fct_interessement", "montant")] == "montant versé, en euros, exact au centime"
    assert tables["feeds_latest"]
    assert set(tables) == {t for t, _ in columns}
    undocumented = [k for k, d in columns.items() if not d]
    assert len(undocumented) < len(columns) / 4, undocumented
