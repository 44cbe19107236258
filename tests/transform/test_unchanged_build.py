"""A build whose inputs did not change is not redone; any change to them rebuilds."""

from __future__ import annotations

import shutil

import duckdb

from caqes_tasks.transform.runner import transform_stage

from .conftest import make_context


def _copy_built(built, tmp_path, run_id):
    source, _ = built
    ctx = make_context(tmp_path, run_id=run_id)
    ctx.warehouse.parent.mkdir(parents=True, exist_ok=True)
    if not ctx.warehouse.exists():
        shutil.copyfile(source.warehouse, ctx.warehouse)
        shutil.copytree(source.landing, ctx.landing)
    return ctx


def test_same_inputs_reuse_the_build_and_any_change_rebuilds(built, tmp_path):
    source, first = built
    assert first["models_built"] > 0 and first["reused_build"] is None

    ctx = _copy_built(built, tmp_path, "second")
    inode = ctx.warehouse.stat().st_ino
    again = transform_stage(ctx)
    assert again["reused_build"] == source.run_id
    assert again["models_built"] == 0
    assert again["fingerprint"] == first["fingerprint"]
    assert again["rows"] == first["rows"]
    assert again["tests"] == first["tests"]
    assert ctx.warehouse.stat().st_ino == inode  # the live file was not replaced
    assert (ctx.run_dir / "dbt" / "target" / "index.html").is_file()  # docs kept with the run

    # a raw row changed outside any ledger: the digest changes, the marts are rebuilt
    con = duckdb.connect(str(ctx.warehouse))
    con.execute("UPDATE raw.phev SET montant_rembourse = montant_rembourse + 1 "
                "WHERE rowid = (SELECT min(rowid) FROM raw.phev)")
    con.close()
    third = transform_stage(make_context(tmp_path, run_id="third"))
    assert third["reused_build"] is None and third["models_built"] > 0
    assert third["fingerprint"] != first["fingerprint"]
    # a full build covers any selection
    assert transform_stage(make_context(tmp_path, run_id="fourth"), select="indicators")["reused_build"] == "third"

    # another change of the raw content (a line-level aggregate row) rebuilds too; a
    # selection's build is reused by the same selection only
    con = duckdb.connect(str(ctx.warehouse))
    assert con.execute("SELECT count(*) FROM raw.phev_lines_agg").fetchone()[0] > 0
    con.execute("UPDATE raw.phev_lines_agg SET nb_lignes = nb_lignes + 1 "
                "WHERE rowid = (SELECT min(rowid) FROM raw.phev_lines_agg)")
    con.close()
    fifth = transform_stage(make_context(tmp_path, run_id="fifth"), select="indicators")
    assert fifth["reused_build"] is None and fifth["models_built"] > 0
    assert transform_stage(make_context(tmp_path, run_id="sixth"), select="indicators")["reused_build"] == "fifth"
