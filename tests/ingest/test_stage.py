import json
import shutil
import time
from decimal import Decimal

import duckdb
from valid_landing import BAD_INPUTS, national_extract, phev_text

from caqes_tasks.ingest.landing import scan_landing
from caqes_tasks.ingest.stage import ingest_stage


def q(ctx, sql, params=None):
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_valid_landing_loads_every_source_typed(loaded_base):
    root, result = loaded_base
    assert result["new_files"] == 13 and len(result["loaded"]) == 13
    assert result["rows"]["phev"] == 150 and result["rows"]["finess"] == 19
    assert result["rows"]["referentiel"] > 0
    assert all(s["status"] == "ok" for s in result["years"].values()) and set(result["years"]) == {"2022", "2023", "2024"}
    assert result["alert_sent"] is False
    json.dumps(result)  # travels as an XCom
    con = duckdb.connect(str(root / "out" / "warehouse" / "caqes.duckdb"), read_only=True)
    try:
        amount, line = con.execute(
            "SELECT montant_rembourse, _line FROM raw.phev WHERE finess_geo='330000019' AND annee=2020 AND indicateur='NAT_2'").fetchone()
        assert amount == Decimal("100001.01") and isinstance(amount, Decimal) and line == 3
        assert con.execute("SELECT libelle, realise FROM raw.engagements WHERE engagement_id='E1' AND finess_geo='330000019'").fetchone() == (
            "Réunion d'équipe antibiothérapie", True)
        assert str(con.execute("SELECT date_effet FROM raw.contrats WHERE finess_ej='330781196'").fetchone()[0]) == "2022-07-01"
        assert con.execute("SELECT coefficient FROM raw.modulations").fetchone()[0] == Decimal("0.8")
        assert con.execute("SELECT count(*) FROM raw.ref_indicateur").fetchone()[0] >= 16
        assert con.execute("SELECT count(*) FROM meta.ledger WHERE status='loaded'").fetchone()[0] == 13
    finally:
        con.close()
    # every accepted file has its report; Corsica noted
    report = (root / "out" / "runs" / result["run_id"] / "validation" / "phev" / "phev_2020_2024.csv.validation.txt").read_text()
    assert "corse" in report and "2A0000012" in report


def test_nothing_new_is_fast_and_does_nothing(loaded):
    before = q(loaded, "SELECT count(*) FROM meta.ledger")
    start = time.monotonic()
    r = ingest_stage(loaded)
    assert time.monotonic() - start < 2
    assert r["new_files"] == 0 and r["loaded"] == [] and r["quarantined"] == [] and r["rows"] == {}
    assert q(loaded, "SELECT count(*) FROM meta.ledger") == before


def test_same_bytes_again_is_a_no_op_and_copy_under_another_name_is_a_duplicate(loaded):
    src = loaded.landing / "modulations" / "modulations.csv"
    src.write_bytes(src.read_bytes())  # re-delivered: same bytes, new modification time
    assert ingest_stage(loaded)["new_files"] == 0
    shutil.copy(src, loaded.landing / "modulations" / "modulations_copie.csv")
    r = ingest_stage(loaded)
    assert r["duplicates"] == ["modulations/modulations_copie.csv"] and r["loaded"] == []
    assert q(loaded, "SELECT count(*) FROM raw.modulations") == [(1,)]
    assert ingest_stage(loaded)["new_files"] == 0


def test_corrected_file_with_same_name_supersedes(loaded):
    path = loaded.landing / "modulations" / "modulations.csv"
    old_sha = scan_landing(loaded.landing)["modulations/modulations.csv"]
    path.write_text("finess_ej;annee;coefficient;motif\n330781196;2023;0,9;corrigé\n640780003;2024;0,5;retard\n")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["modulations/modulations.csv"] and r["superseded"] == ["modulations/modulations.csv"]
    assert q(loaded, "SELECT finess_ej, coefficient FROM raw.modulations ORDER BY 1") == [
        ("330781196", Decimal("0.900000")), ("640780003", Decimal("0.500000"))]
    assert q(loaded, "SELECT status FROM meta.ledger WHERE sha256 = ?", [old_sha]) == [("superseded",)]


def test_new_file_replaces_rows_with_the_same_key(loaded):
    (loaded.landing / "phev" / "phev_2024_v2.csv").write_text(
        "finess_geo;annee;indicateur;montant_rembourse;volume;numerateur;denominateur\n330000019;2024;NAT_1;1,00;1;;\n")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev/phev_2024_v2.csv"]
    assert q(loaded, "SELECT montant_rembourse, _file FROM raw.phev WHERE finess_geo='330000019' AND annee=2024 AND indicateur='NAT_1'") == [
        (Decimal("1.00"), "phev_2024_v2.csv")]
    assert q(loaded, "SELECT count(*) FROM raw.phev") == [(150,)]


def test_quarantined_file_blocks_until_corrected(loaded):
    path = loaded.landing / "enveloppes" / "enveloppes_2024.csv"
    shutil.copy(BAD_INPUTS / "enveloppes" / "zero_envelope.csv", path)
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["enveloppes/enveloppes_2024.csv"] and r["years"]["2024"]["status"] == "blocked"
    assert r["years"]["2023"]["status"] == "ok"
    assert q(loaded, "SELECT annee, status FROM meta.year_status WHERE run_id = ? ORDER BY 1", [r["run_id"]]) == [
        (2022, "ok"), (2023, "ok"), (2024, "blocked")]
    path.write_text("annee;theme;montant\n2024;ATB;175000,00\n")
    r = ingest_stage(loaded)
    assert r["loaded"] == ["enveloppes/enveloppes_2024.csv"] and r["superseded"] == ["enveloppes/enveloppes_2024.csv"]
    assert all(s["status"] == "ok" for s in r["years"].values())
    assert q(loaded, "SELECT montant FROM raw.enveloppes WHERE annee=2024 AND theme='ATB'") == [(Decimal("175000.00"),)]


def test_removing_a_quarantined_file_frees_its_years(loaded):
    path = loaded.landing / "phev" / "bad.csv"
    shutil.copy(BAD_INPUTS / "phev" / "negative_amount.csv", path)
    assert ingest_stage(loaded)["years"]["2023"]["status"] == "blocked"
    path.unlink()
    assert ingest_stage(loaded)["years"]["2023"]["status"] == "ok"


def test_several_bad_files_make_one_alert(loaded, alert_sinks):
    smtp, http = alert_sinks
    for name in ("phev/negative_amount.csv", "contrats/bad_statut.csv", "modulations/coefficient_out_of_range.csv"):
        shutil.copy(BAD_INPUTS / name, loaded.landing / name)
    r = ingest_stage(loaded)
    assert len(r["quarantined"]) == 3 and r["alert_sent"]
    assert len(smtp.messages) == 1 and len(http.posts) == 1
    body = smtp.text(0)
    for name in r["quarantined"]:
        assert name in body


def test_phev_lines_parquet_without_the_contract_columns_is_quarantined(loaded):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (loaded.landing / "phev_lines").mkdir()
    pq.write_table(pa.table({"finess_geo": ["330000019"], "indicateur": ["NAT_1"]}), loaded.landing / "phev_lines" / "lines_2024.parquet")
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["phev_lines/lines_2024.parquet"] and r["recorded"] == []
    assert q(loaded, "SELECT status FROM meta.ledger WHERE source='phev_lines'") == [("quarantined",)]


def test_referentiel_reloaded_when_it_changes(loaded, tmp_path):
    from caqes_tasks.referentiel import DEFAULT_REFERENTIEL

    import re
    from dataclasses import replace

    ref = tmp_path / "ref.yml"
    text, n = re.subn(r'^version: "([^"]+)"', r'version: "\1-essai"', DEFAULT_REFERENTIEL.read_text(encoding="utf-8"), flags=re.M)
    assert n == 1
    ref.write_text(text, encoding="utf-8")
    version = re.search(r'^version: "([^"]+)"', text, flags=re.M)[1]

    r = ingest_stage(replace(loaded, referentiel=ref))
    assert r["rows"]["referentiel"] > 0
    assert q(loaded, "SELECT DISTINCT version FROM raw.ref_campagne") == [(version,)]


def test_phev_fixture_matches_its_generator():
    assert phev_text().count("\n") == 151


def test_national_extract_through_the_stage(tmp_path):
    """A full national FINESS extract is read, validated by GX and loaded in a few seconds."""
    from caqes_tasks.context import RunContext

    national_extract(tmp_path / "landing" / "finess" / "etalab-cs1100507-stock-20240512.csv")
    ctx = RunContext(year=2024, landing=tmp_path / "landing", out=tmp_path / "out", as_of="2025-01-01")
    start = time.monotonic()
    r = ingest_stage(ctx)
    elapsed = time.monotonic() - start
    assert r["rows"]["finess"] == 100_000 and r["quarantined"] == []
    assert q(ctx, "SELECT count(*), min(annee), max(annee) FROM raw.finess") == [(100_000, 2024, 2024)]
    assert elapsed < 60, f"{elapsed:.1f}s"
