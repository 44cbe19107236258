"""The small demo goes through the real ingestion: every CSV file loaded (none quarantined),
the Parquet lines recorded, and the new sources' rows in their raw tables."""

from caqes_demo import SOURCES
from caqes_tasks.pipeline import prepare, run_stage
from caqes_tasks.warehouse import connect


def test_small_demo_is_ingested_without_quarantine(small_demo, tmp_path):
    landing, result = small_demo
    ctx = prepare(2022, landing, tmp_path / "out", as_of="2023-04-15")
    ingested = run_stage("ingest", ctx)
    assert ingested["quarantined"] == [] and ingested["still_quarantined"] == []
    assert sorted(ingested["recorded"]) == ["phev_lines/annee=2021/part-0.parquet",
                                            "phev_lines/annee=2022/part-0.parquet"]
    for source in SOURCES:
        if source not in ("finess", "phev_lines"):
            assert ingested["rows"][source] == result["counts"][source], source
    with connect(ctx.warehouse) as con:
        assert con.execute("SELECT count(*) FROM raw.contrats WHERE date_proposition IS NULL").fetchone() == (0,)
        actions = {a for (a,) in con.execute("SELECT DISTINCT action FROM raw.avenants").fetchall()}
        assert actions == {"ajout", "retrait", "resiliation"}
        assert con.execute("SELECT count(*) FROM raw.notifications WHERE date_reception IS NULL").fetchone()[0] > 0
