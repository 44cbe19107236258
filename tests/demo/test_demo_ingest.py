"""The small demo goes through the real ingestion: every CSV file loaded (none quarantined),
the Parquet lines validated and aggregated, and the new sources' rows in their raw tables. Optional sources the
ingestion does not know yet (finess_ej, autoevaluations before their readers exist) are listed
as ignored folders, never quarantined."""

from caqes_demo import OPTIONAL_SOURCES, SOURCES
from caqes_tasks.ingest.landing import SOURCES as CONTRACT_SOURCES
from caqes_tasks.pipeline import prepare, run_stage
from caqes_tasks.warehouse import connect


def test_small_demo_is_ingested_without_quarantine(small_demo, tmp_path):
    landing, result = small_demo
    ctx = prepare(2022, landing, tmp_path / "out", as_of="2023-04-15")
    ingested = run_stage("ingest", ctx)
    assert ingested["quarantined"] == [] and ingested["still_quarantined"] == []
    lines = sorted(p.relative_to(landing / "phev_lines").as_posix() for p in (landing / "phev_lines").rglob("*.parquet"))
    assert lines == ["annee=2021/part-0.parquet", "annee=2022/part-0.parquet"]
    for source in SOURCES:
        if source not in ("finess", "phev_lines") and source in CONTRACT_SOURCES:
            assert ingested["rows"][source] == result["counts"][source], source
    unknown = {f"{s}/" for s in OPTIONAL_SOURCES if s not in CONTRACT_SOURCES}
    assert {i["file"] for i in ingested["ignored"]} == unknown
    with connect(ctx.warehouse) as con:
        assert con.execute("SELECT count(*) FROM raw.contrats WHERE date_proposition IS NULL").fetchone() == (0,)
        loaded = con.execute("SELECT file_name FROM meta.ledger WHERE source = 'phev_lines' AND status = 'loaded' "
                             "ORDER BY 1").fetchall()
        assert [f for (f,) in loaded] == lines
        # every line counted once in the aggregate, amounts to the cent
        glob = str(landing / "phev_lines" / "**" / "*.parquet")
        expected = con.execute("SELECT count(*), sum(montant_rembourse)::DECIMAL(18,2), sum(quantite) "
                               "FROM read_parquet(?)", [glob]).fetchone()
        assert con.execute("SELECT sum(nb_lignes), sum(montant), sum(volume) FROM raw.phev_lines_agg").fetchone() == expected
        actions = {a for (a,) in con.execute("SELECT DISTINCT action FROM raw.avenants").fetchall()}
        assert actions == {"ajout", "retrait", "resiliation"}
        assert con.execute("SELECT count(*) FROM raw.notifications WHERE date_reception IS NULL").fetchone()[0] > 0
