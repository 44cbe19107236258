"""stg_phev_lines reads the phev_lines aggregate the ingest stage wrote (raw.phev_lines_agg),
never the Parquet lines: absent feed -> empty model; aggregated lines -> by month, summed per year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from caqes_tasks.transform.runner import NIGHTLY_SELECT, transform_stage

from .conftest import make_context
from .fixture_data import ET_D, build_raw_warehouse, load_phev_lines, write_phev_lines


def _read(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lines = con.execute(
            "select finess_geo, annee, mois, indicateur, montant, volume, nb_lignes from staging.stg_phev_lines "
            "where finess_geo = ? order by all", [ET_D]).fetchall()
        nat4 = con.execute(
            "select annee, montant from marts.fct_indicateur where finess_geo = ? and indicateur = 'NAT_4' order by annee",
            [ET_D],
        ).fetchall()
    finally:
        con.close()
    return lines, nat4


def test_the_model_reads_the_ingested_aggregate_not_the_parquet(tmp_path):
    ctx1 = make_context(tmp_path, run_id="run-1")
    build_raw_warehouse(ctx1.warehouse)

    # 1. no feed: the model is empty
    transform_stage(ctx1, select=NIGHTLY_SELECT)
    assert _read(ctx1.warehouse) == ([], [])

    # 2. a Parquet file dropped but not ingested is not read by dbt
    files = [write_phev_lines(ctx1.landing, annee) for annee in (2022, 2023)]
    ctx2 = make_context(tmp_path, run_id="run-2")
    transform_stage(ctx2, select=NIGHTLY_SELECT)
    assert _read(ctx2.warehouse) == ([], [])

    # 3. once aggregated (as ingest does for accepted files): by month, and per year in the marts
    load_phev_lines(ctx2.warehouse, files)
    ctx3 = make_context(tmp_path, run_id="run-3")
    transform_stage(ctx3, select=NIGHTLY_SELECT)
    lines, nat4 = _read(ctx3.warehouse)
    assert lines == [
        (ET_D, 2022, date(2022, 3, 1), "NAT_4", Decimal("30000.00"), 10, 1),
        (ET_D, 2022, date(2022, 9, 1), "NAT_4", Decimal("30000.50"), 5, 1),
        (ET_D, 2023, date(2023, 2, 1), "NAT_4", Decimal("20000.00"), 4, 1),
        (ET_D, 2023, date(2023, 6, 1), "NAT_4", Decimal("12000.25"), 2, 1),
    ]
    assert nat4 == [(2022, Decimal("60000.50")), (2023, Decimal("32000.25"))]
    log = (ctx3.run_dir / "dbt" / "logs" / "dbt.log").read_text()
    assert "read_parquet(" not in log
