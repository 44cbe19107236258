"""The phev_lines feed: absent -> empty model; then each run reads only the files it has not loaded."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from caqes_tasks.transform.runner import NIGHTLY_SELECT, transform_stage

from .conftest import make_context
from .fixture_data import ET_D, build_raw_warehouse, write_phev_lines


def _lines(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lines = con.execute(
            "select fichier, annee, indicateur, montant, volume, invocation_id from staging.stg_phev_lines "
            "order by fichier, finess_geo, indicateur"
        ).fetchall()
        phev = con.execute("select count(*) from staging.stg_phev").fetchone()[0]
        nat4 = con.execute(
            "select annee, montant from marts.fct_indicateur where finess_geo = ? and indicateur = 'NAT_4' order by annee",
            [ET_D],
        ).fetchall()
    finally:
        con.close()
    return lines, phev, nat4


def _parquet_reads(ctx) -> str:
    """The read_parquet calls dbt executed during the run (its debug log holds every statement)."""
    log = (ctx.run_dir / "dbt" / "logs" / "dbt.log").read_text()
    return "\n".join(line for line in log.splitlines() if "read_parquet(" in line)


def test_incremental_runs_only_process_new_partitions(tmp_path):
    ctx1 = make_context(tmp_path, run_id="run-1")
    build_raw_warehouse(ctx1.warehouse)

    # 1. no feed at all: the model is empty and the aggregated phev feed is untouched
    transform_stage(ctx1, select=NIGHTLY_SELECT)
    lines, phev, nat4 = _lines(ctx1.warehouse)
    assert lines == [] and phev == 10 and nat4 == []

    # 2. first partition
    write_phev_lines(ctx1.landing, 2022)
    ctx2 = make_context(tmp_path, run_id="run-2")
    transform_stage(ctx2, select=NIGHTLY_SELECT)
    lines2, _, nat4 = _lines(ctx2.warehouse)
    assert {r[0] for r in lines2} == {"annee=2022/part-0.parquet"}
    assert nat4 == [(2022, Decimal("60000.50"))]
    first_invocation = {r[5] for r in lines2}
    assert len(first_invocation) == 1

    # 3. one new partition: only it is read, the rows already loaded are kept as they were
    write_phev_lines(ctx1.landing, 2023)
    ctx3 = make_context(tmp_path, run_id="run-3")
    transform_stage(ctx3, select=NIGHTLY_SELECT)
    reads = _parquet_reads(ctx3)
    assert "annee=2023/part-0.parquet" in reads and "annee=2022" not in reads
    lines3, _, nat4 = _lines(ctx3.warehouse)
    assert [r for r in lines3 if r[0].startswith("annee=2022")] == lines2
    new = [r for r in lines3 if r[0].startswith("annee=2023")]
    assert new and {r[5] for r in new}.isdisjoint(first_invocation)
    assert nat4 == [(2022, Decimal("60000.50")), (2023, Decimal("32000.25"))]

    # 4. nothing new: nothing read, nothing added
    ctx4 = make_context(tmp_path, run_id="run-4")
    transform_stage(ctx4, select=NIGHTLY_SELECT)
    assert _parquet_reads(ctx4) == ""
    assert _lines(ctx4.warehouse)[0] == lines3


def test_table_built_before_the_month_is_reloaded_once(tmp_path):
    """A stg_phev_lines built without `mois` (earlier grain) is emptied and reloaded by month."""
    ctx1 = make_context(tmp_path, run_id="run-1")
    build_raw_warehouse(ctx1.warehouse)
    for annee in (2022, 2023):
        write_phev_lines(ctx1.landing, annee)
    transform_stage(ctx1, select=NIGHTLY_SELECT)
    con = duckdb.connect(str(ctx1.warehouse))
    try:
        by_month = con.execute(
            "select fichier, finess_geo, annee, mois, indicateur, montant from staging.stg_phev_lines order by all"
        ).fetchall()
        # the earlier grain: file × ET × year × indicator, no month
        con.execute(
            "create or replace table staging.stg_phev_lines as select fichier, finess_geo, annee, indicateur, "
            "cast(sum(montant) as decimal(18, 2)) as montant, cast(sum(volume) as bigint) as volume, "
            "cast(sum(nb_lignes) as bigint) as nb_lignes, min(invocation_id) as invocation_id "
            "from staging.stg_phev_lines group by fichier, finess_geo, annee, indicateur"
        )
    finally:
        con.close()
    assert len({r[3] for r in by_month}) > 2

    ctx2 = make_context(tmp_path, run_id="run-2")
    transform_stage(ctx2, select=NIGHTLY_SELECT)
    assert "annee=2022/part-0.parquet" in _parquet_reads(ctx2)
    con = duckdb.connect(str(ctx2.warehouse), read_only=True)
    try:
        reloaded = con.execute(
            "select fichier, finess_geo, annee, mois, indicateur, montant from staging.stg_phev_lines order by all"
        ).fetchall()
    finally:
        con.close()
    assert reloaded == by_month

    # and the next run reads nothing again
    ctx3 = make_context(tmp_path, run_id="run-3")
    transform_stage(ctx3, select=NIGHTLY_SELECT)
    assert _parquet_reads(ctx3) == ""
