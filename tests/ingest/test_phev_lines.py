"""phev_lines (line-level Parquet): every rule checked over every line at ingest, failing files
quarantined with their lines named, accepted files aggregated into raw.phev_lines_agg."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from caqes_tasks.context import RunContext
from caqes_tasks.ingest.landing import scan_landing
from caqes_tasks.ingest.stage import ingest_stage

ET = "330000019"  # in the fixture register
COLS = "finess_geo VARCHAR, date_execution DATE, indicateur VARCHAR, code VARCHAR, montant_rembourse DECIMAL(18,2), quantite INTEGER"
GOOD = [
    (ET, date(2023, 3, 10), "NAT_1", "1108330", Decimal("12.50"), 2),
    (ET, date(2023, 3, 20), "NAT_1", "1108330", Decimal("7.25"), 1),
    (ET, date(2023, 4, 10), "NAT_2", "3400930000017", Decimal("4.12"), 1),
]


def write_lines(landing: Path, name: str, rows: list[tuple], cols: str = COLS) -> Path:
    path = landing / "phev_lines" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE l ({cols})")
        if rows:
            con.executemany(f"INSERT INTO l VALUES ({', '.join('?' for _ in rows[0])})", rows)
        con.execute(f"COPY l TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def q(ctx, sql, params=None):
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def aggregate(ctx):
    return q(ctx, "SELECT finess_geo, annee, mois, indicateur, montant, volume, nb_lignes FROM raw.phev_lines_agg ORDER BY ALL")


def report(ctx, result, name):
    run = result["run_id"]
    return json.loads((ctx.quarantine / run / "phev_lines" / f"{name}.validation.json").read_text(encoding="utf-8"))


def test_valid_lines_are_aggregated_by_month_and_recorded(loaded):
    write_lines(loaded.landing, "annee=2023/part-0.parquet", GOOD)
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev_lines/annee=2023/part-0.parquet"] and r["quarantined"] == []
    assert r["rows"]["phev_lines"] == 3 and r["accepted_inputs"]["phev_lines/annee=2023/part-0.parquet"]
    assert aggregate(loaded) == [
        (ET, 2023, date(2023, 3, 1), "NAT_1", Decimal("19.75"), 3, 2),
        (ET, 2023, date(2023, 4, 1), "NAT_2", Decimal("4.12"), 1, 1),
    ]
    assert q(loaded, "SELECT file_name, status, rows FROM meta.ledger WHERE source = 'phev_lines'") == [
        ("annee=2023/part-0.parquet", "loaded", 3)]
    html = Path(r["run_id"] and loaded.out / "runs" / r["run_id"] / "validation" / "phev_lines" / "annee=2023" /
                "part-0.parquet.validation.html")
    assert html.is_file() and "accepté" in html.read_text(encoding="utf-8")
    assert r["data_docs"] and Path(r["data_docs"]).is_file()


def test_each_rule_names_file_line_and_rule_and_the_file_is_quarantined(loaded):
    bad = GOOD + [
        ("330000018", date(2023, 5, 1), "NAT_1", "1108330", Decimal("1.00"), 1),  # line 4: key
        ("010000032", date(2023, 5, 1), "NAT_1", "1108330", Decimal("1.00"), 1),  # line 5: valid key, unknown ET
        (ET, date(2022, 5, 1), "NAT_1", "1108330", Decimal("1.00"), 1),  # line 6: not the partition's year
        (ET, date(2023, 5, 1), "NAT_9", "1108330", Decimal("1.00"), 1),  # line 7: indicator
        (ET, date(2023, 5, 1), "NAT_1", "=HYPERLINK", Decimal("1.00"), 1),  # line 8: code
        (ET, date(2023, 5, 1), "NAT_1", "1108330", Decimal("-1.00"), 1),  # line 9: amount < 0
        (ET, date(2023, 5, 1), "NAT_1", "1108330", Decimal("1.00"), -2),  # line 10: quantity < 0
        (ET, None, "NAT_1", "1108330", None, None),  # line 11: date, amount, quantity missing
    ]
    write_lines(loaded.landing, "annee=2023/part-1.parquet", bad)
    r = ingest_stage(loaded)
    key = "phev_lines/annee=2023/part-1.parquet"
    assert r["quarantined"] == [key] and key not in r["loaded"] and aggregate(loaded) == []
    rep = report(loaded, r, "annee=2023/part-1.parquet")
    lines = {f["column"]: (f["count"], [s["ligne"] for s in f["sample"]]) for f in rep["failures"]}
    assert lines == {
        "finess_geo__cle_ok": (1, [4]),
        "_et_connu": (1, [5]),
        "_date_dans_annee": (2, [6, 11]),
        "_indicateur_connu": (1, [7]),
        "_code_ok": (1, [8]),
        "_montant_ok": (2, [9, 11]),
        "_quantite_ok": (2, [10, 11]),
    }
    assert rep["rows"] == 11 and rep["file"] == key
    assert all(f["regle"] and not f["regle"].startswith("expect_") for f in rep["failures"])
    # the quarantined copy holds the validated bytes; the file blocks the years its lines feed
    copy = loaded.quarantine / r["run_id"] / "phev_lines" / "annee=2023" / "part-1.parquet"
    assert copy.read_bytes() == (loaded.landing / key).read_bytes()
    assert rep["blocked_years"] == [2022, 2023, 2024]
    assert all(r["years"][y]["status"] == "blocked" for y in ("2022", "2023", "2024"))
    assert q(loaded, "SELECT status, rows FROM meta.ledger WHERE source = 'phev_lines'") == [("quarantined", 11)]
    # the same lines in the Data Docs of the run
    docs = Path(r["data_docs"]).parent
    pages = "".join(p.read_text(encoding="utf-8") for p in (docs / "validations").rglob("*.html"))
    assert "_indicateur_connu" in pages and "phev_lines" in pages


def test_a_line_of_a_year_outside_the_campaign_blocks_every_year(loaded):
    write_lines(loaded.landing, "lignes.parquet", [(ET, date(2019, 5, 1), "NAT_1", "1108330", Decimal("1.00"), 1)])
    r = ingest_stage(loaded)
    assert r["quarantined"] == ["phev_lines/lignes.parquet"]
    assert report(loaded, r, "lignes.parquet")["blocked_years"] == [2022, 2023, 2024]


def test_unreadable_empty_or_mistyped_files_are_refused_whole(loaded):
    (loaded.landing / "phev_lines").mkdir()
    (loaded.landing / "phev_lines" / "texte.parquet").write_text("finess_geo;annee\n", encoding="utf-8")
    write_lines(loaded.landing, "vide.parquet", [])
    write_lines(loaded.landing, "sans_code.parquet", [(ET, date(2023, 1, 2), "NAT_1", Decimal("1.00"), 1)],
                cols="finess_geo VARCHAR, date_execution DATE, indicateur VARCHAR, montant_rembourse DECIMAL(18,2), quantite INTEGER")
    write_lines(loaded.landing, "montant_texte.parquet", [(ET, date(2023, 1, 2), "NAT_1", "X", "1,00", 1)],
                cols="finess_geo VARCHAR, date_execution DATE, indicateur VARCHAR, code VARCHAR, montant_rembourse VARCHAR, quantite INTEGER")
    r = ingest_stage(loaded)
    assert sorted(r["quarantined"]) == ["phev_lines/montant_texte.parquet", "phev_lines/sans_code.parquet",
                                        "phev_lines/texte.parquet", "phev_lines/vide.parquet"]
    details = {}
    for name in ("texte.parquet", "vide.parquet", "sans_code.parquet", "montant_texte.parquet"):
        (f,) = report(loaded, r, name)["failures"]
        details[name] = (f["column"], f["sample"][0]["valeurs"].get("_detail", ""))
    assert details["texte.parquet"][0] == "_fichier_lisible" and "illisible" in details["texte.parquet"][1]
    assert details["vide.parquet"][0] == "_non_vide"
    assert details["sans_code.parquet"] == ("_fichier_lisible", "colonne(s) absente(s) : code")
    assert details["montant_texte.parquet"] == ("_fichier_lisible", "colonne(s) d'un type illisible : montant_rembourse (VARCHAR)")


def test_amounts_with_more_than_two_decimals_and_fractional_quantities_fail(loaded):
    write_lines(loaded.landing, "fins.parquet", [
        (ET, date(2023, 1, 2), "NAT_1", "X1", 1.5, 1.0),
        (ET, date(2023, 1, 3), "NAT_1", "X1", 1.005, 2.0),  # line 2: three decimals
        (ET, date(2023, 1, 4), "NAT_1", "X1", 2.25, 1.5),  # line 3: not an integer
    ], cols="finess_geo VARCHAR, date_execution DATE, indicateur VARCHAR, code VARCHAR, montant_rembourse DOUBLE, quantite DOUBLE")
    r = ingest_stage(loaded)
    lines = {f["column"]: [s["ligne"] for s in f["sample"]] for f in report(loaded, r, "fins.parquet")["failures"]}
    assert lines == {"_montant_ok": [2], "_quantite_ok": [3]}


def test_good_and_bad_files_of_one_delivery_are_judged_apart(loaded):
    write_lines(loaded.landing, "annee=2023/part-0.parquet", GOOD)
    write_lines(loaded.landing, "annee=2023/part-1.parquet", [(ET, date(2023, 6, 1), "NAT_1", "X1", Decimal("-3.00"), 1)])
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev_lines/annee=2023/part-0.parquet"]
    assert r["quarantined"] == ["phev_lines/annee=2023/part-1.parquet"]
    assert [row[4] for row in aggregate(loaded)] == [Decimal("19.75"), Decimal("4.12")]


def test_a_new_file_alone_is_read_and_added(loaded):
    write_lines(loaded.landing, "annee=2023/part-0.parquet", GOOD)
    ingest_stage(loaded)
    first = loaded.landing / "phev_lines" / "annee=2023" / "part-0.parquet"
    hashes = scan_landing(loaded.landing)
    write_lines(loaded.landing, "annee=2023/part-1.parquet", [(ET, date(2023, 3, 1), "NAT_1", "X1", Decimal("0.25"), 4)])
    hashes.update({k: v for k, v in scan_landing(loaded.landing).items() if k.endswith("part-1.parquet")})
    # the loaded file is no longer a Parquet file: the run must not open it (its hash was prepared)
    first.write_bytes(b"not read again")
    ctx = RunContext(year=loaded.year, landing=loaded.landing, out=loaded.out, as_of=loaded.as_of, input_hashes=hashes)
    r = ingest_stage(ctx)
    assert r["loaded"] == ["phev_lines/annee=2023/part-1.parquet"] and r["quarantined"] == []
    assert aggregate(loaded)[0] == (ET, 2023, date(2023, 3, 1), "NAT_1", Decimal("20.00"), 7, 3)
    # nothing new: nothing read, nothing changed
    assert ingest_stage(ctx)["new_files"] == 0


def test_a_corrected_file_replaces_the_lines_of_the_earlier_one(loaded):
    write_lines(loaded.landing, "annee=2023/part-0.parquet", GOOD)
    write_lines(loaded.landing, "annee=2023/part-1.parquet", [(ET, date(2023, 4, 2), "NAT_2", "X1", Decimal("1.00"), 1)])
    ingest_stage(loaded)
    write_lines(loaded.landing, "annee=2023/part-0.parquet", [(ET, date(2023, 3, 10), "NAT_1", "1108330", Decimal("100.00"), 5)])
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev_lines/annee=2023/part-0.parquet"]
    assert r["superseded"] == ["phev_lines/annee=2023/part-0.parquet"]
    assert aggregate(loaded) == [
        (ET, 2023, date(2023, 3, 1), "NAT_1", Decimal("100.00"), 5, 1),
        (ET, 2023, date(2023, 4, 1), "NAT_2", Decimal("1.00"), 1, 1),  # the earlier 4.12 is gone
    ]
    assert q(loaded, "SELECT file_name, status FROM meta.ledger WHERE source = 'phev_lines' ORDER BY file_name, recorded_at") == [
        ("annee=2023/part-0.parquet", "superseded"), ("annee=2023/part-0.parquet", "loaded"),
        ("annee=2023/part-1.parquet", "loaded")]


def test_a_quarantined_file_corrected_frees_its_years(loaded):
    write_lines(loaded.landing, "annee=2023/part-0.parquet", [(ET, date(2023, 6, 1), "NAT_1", "X1", Decimal("-3.00"), 1)])
    assert ingest_stage(loaded)["years"]["2023"]["status"] == "blocked"
    write_lines(loaded.landing, "annee=2023/part-0.parquet", GOOD)
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev_lines/annee=2023/part-0.parquet"]
    assert all(s["status"] == "ok" for s in r["years"].values())
    assert len(aggregate(loaded)) == 2


def test_same_bytes_under_another_name_is_a_duplicate(loaded):
    write_lines(loaded.landing, "a.parquet", GOOD)
    ingest_stage(loaded)
    (loaded.landing / "phev_lines" / "b.parquet").write_bytes((loaded.landing / "phev_lines" / "a.parquet").read_bytes())
    r = ingest_stage(loaded)
    assert r["duplicates"] == ["phev_lines/b.parquet"] and r["loaded"] == []
    assert [row[6] for row in aggregate(loaded)] == [2, 1]


def test_a_file_recorded_by_an_earlier_version_is_validated_and_aggregated_once(loaded):
    path = write_lines(loaded.landing, "annee=2023/part-0.parquet", GOOD)
    sha = scan_landing(loaded.landing)["phev_lines/annee=2023/part-0.parquet"]
    con = duckdb.connect(str(loaded.warehouse))
    try:  # the ledger of a warehouse whose phev_lines were read by dbt, not checked at ingest
        con.execute("INSERT INTO meta.ledger (source, file_name, sha256, rows, status, run_id, recorded_at) "
                    "VALUES ('phev_lines', 'annee=2023/part-0.parquet', ?, 3, 'recorded', 'ancien', now())", [sha])
    finally:
        con.close()
    r = ingest_stage(loaded)
    assert r["loaded"] == ["phev_lines/" + path.relative_to(loaded.landing / "phev_lines").as_posix()]
    assert len(aggregate(loaded)) == 2
    assert q(loaded, "SELECT status FROM meta.ledger WHERE source = 'phev_lines' ORDER BY recorded_at") == [
        ("superseded",), ("loaded",)]
    assert ingest_stage(loaded)["loaded"] == []
