import time
from datetime import date
from decimal import Decimal

from valid_landing import FIXTURES, national_extract

from caqes_tasks.ingest.landing import SourceFormat
from caqes_tasks.ingest.readers import read_file
from caqes_tasks.ingest.readers.values import parse_date, parse_decimal, parse_int

REAL_SAMPLE = FIXTURES / "finess" / "finess-extract-sample.csv"


def test_value_parsers():
    assert parse_decimal("1 234,56", 2) == (Decimal("1234.56"), True)
    assert parse_decimal("1234.5", 2) == (Decimal("1234.5"), True)
    assert parse_decimal("-0,10", 2) == (Decimal("-0.10"), True)
    assert parse_decimal("1,005", 2) == (None, False)  # would be rounded: refused
    assert parse_decimal("1.234,56", 2) == (None, False)
    assert parse_decimal("", 2) == (None, True)
    assert parse_int("12") == (12, True) and parse_int("12,0") == (None, False)
    assert parse_date("2024-02-29") == (date(2024, 2, 29), True)
    assert parse_date("29/02/2024") == (date(2024, 2, 29), True)
    assert parse_date("31/02/2024") == (None, False)
    assert parse_date("2024/02/01") == (None, False)


def test_real_finess_extract_reads_unchanged():
    r = read_file("finess", REAL_SAMPLE)
    f = r.frame
    assert len(f) == 14 and f["_champs_ok"].all() and f["_encodage_ok"].all()
    assert f["_line"].tolist() == list(range(2, 16))
    assert set(f["annee"]) == {2026} and set(f["extract_date"]) == {date(2026, 5, 12)}
    row = f[f["finess_geo"] == "980501506"].iloc[0]
    assert row["raison_sociale"] == 'LIEU DE VIE "MAVOUNA MEMA 1"'
    assert row["departement"] == "9F" and row["categorie"] == "462"
    assert row["date_ouverture"] == date(2019, 4, 1)
    cross = f[f["finess_geo"] == "970216057"].iloc[0]
    assert cross["finess_ej"] == "590799730"  # an ET whose EJ sits in another département
    first = f.iloc[0]
    assert (first["finess_geo"], first["finess_ej"], first["commune"], first["siret"], first["code_ape"]) == (
        "010000024", "010780054", "451", "26010004500012", "8610Z")
    assert first["date_maj"] == date(2020, 2, 4) and first["libelle_sph"] == "Etablissement public de santé"


def test_fixture_extract_with_corsica_and_geolocalisation():
    r = read_file("finess", FIXTURES / "finess" / "etalab-cs1100507-stock-20240115.csv")
    f = r.frame
    assert len(f) == 19 and f["_champs_ok"].all()
    assert "2A0000012" in set(f["finess_geo"])
    assert any("geolocalisation" in n for n in r.notes)
    assert f[f["finess_geo"] == "870000049"].iloc[0]["raison_sociale_longue"] == 'CENTRE HOSPITALIER "ESQUIROL"'


def test_national_extract_of_100k_rows_loads_quickly(tmp_path):
    """A full national extract (~100 000 ET) must read in a few seconds."""
    from caqes_tasks.ingest.loader import to_arrow

    path = national_extract(tmp_path / "etalab-cs1100507-stock-20260512.csv", 100_000, "2026-05-12")
    start = time.monotonic()
    r = read_file("finess", path)
    table = to_arrow("finess", r.frame, path.name, "0" * 64)
    elapsed = time.monotonic() - start
    assert len(r.frame) == 100_000 and r.frame["_champs_ok"].all()
    assert table.num_rows == 100_000
    assert r.frame.iloc[99_999]["raison_sociale"] == 'ETABLISSEMENT "99999"'
    assert elapsed < 20, f"{elapsed:.1f}s"


def test_cp1252_declared_and_bom(tmp_path):
    p = tmp_path / "e.csv"
    p.write_bytes("finess_geo;annee;theme;engagement_id;libelle;realise\n330000019;2023;ATB;E1;Réunion;oui\n".encode("cp1252"))
    r = read_file("engagements", p, SourceFormat("cp1252", True, ";"))
    assert r.frame["libelle"].tolist() == ["Réunion"] and r.frame["_encodage_ok"].all()
    q = tmp_path / "p.csv"
    q.write_bytes(b"\xef\xbb\xbffiness_geo,annee,indicateur,montant_rembourse\r\n330000019,2023,NAT_1,\"12,50\"\r\n")
    r = read_file("phev", q, SourceFormat("utf-8", False, ","))
    assert r.missing_columns == ["volume", "numerateur", "denominateur"]
    assert r.frame["montant_rembourse"].tolist() == [Decimal("12.50")]
    assert "BOM" in r.notes[0]


def test_undeclared_cp1252_is_flagged_with_line_and_byte(tmp_path):
    p = tmp_path / "o.csv"
    p.write_bytes("finess_ej;annee;date_reception;suite;montant_retenu;motif\n"
                  "330781196;2024;15/03/2025;maintenue;0;ok\n"
                  "330781196;2023;15/03/2025;maintenue;0;reçu\n".encode("cp1252"))
    f = read_file("observations", p).frame
    assert f["_encodage_ok"].tolist() == [True, False]
    assert "ligne" in f["_encodage__brut"][1] and "0xE7" in f["_encodage__brut"][1]


def test_lone_cr_line_endings_are_split_and_flagged(tmp_path):
    data = b"finess_ej;annee;coefficient;motif\r330781196;2024;0,9;retard\r640780003;2024;1;ok\r"
    r = read_file("modulations", tmp_path / "m.csv", None, data)
    f = r.frame
    assert f["_line"].tolist() == [2, 3] and f["coefficient"].tolist() == [Decimal("0.9"), Decimal("1")]
    assert f["_ligne_ok"].tolist() == [False, False] and "CR seule" in f["_ligne__brut"][0]
    crlf = read_file("modulations", tmp_path / "m.csv", None, data.replace(b"\r", b"\r\n")).frame
    assert crlf["_ligne_ok"].all() and r.warnings == []


def test_huge_line_and_unreadable_csv_line_are_flagged_not_raised(tmp_path):
    data = ("finess_ej;annee;coefficient;motif\n330781196;2024;" + "9" * 10_000_000 + ";x\n640780003;2024;1;ok\n").encode()
    f = read_file("modulations", tmp_path / "m.csv", None, data).frame
    assert f["_line"].tolist() == [2, 3] and f["_ligne_ok"].tolist() == [False, True]
    assert "10\u202f000\u202f0" in f["_ligne__brut"][0] and f["coefficient"][0] is None
    header = read_file("modulations", tmp_path / "m.csv", None, b"x" * 200_000 + b"\n1;2\n")
    assert header.frame["_line"].tolist() == [1] and not header.frame["_ligne_ok"][0]
    assert header.missing_columns == ["finess_ej", "annee", "coefficient", "motif"]


def test_missing_final_newline_is_a_warning(tmp_path):
    r = read_file("modulations", tmp_path / "m.csv", None, b"finess_ej;annee;coefficient;motif\n330781196;2024;0,9;retard")
    assert r.frame["_champs_ok"].all() and len(r.frame) == 1
    assert r.warnings and "ligne 2" in r.warnings[0]


def test_finess_row_with_an_extra_field_is_a_field_count_error(tmp_path):
    lines = (FIXTURES / "finess" / "etalab-cs1100507-stock-20240115.csv").read_text(encoding="utf-8").splitlines()
    row = lines[1].split(";")
    row.insert(7, "EN TROP")
    data = "\n".join([lines[0], ";".join(row), lines[2]]).encode() + b"\n"
    f = read_file("finess", tmp_path / "f.csv", None, data).frame
    assert f["_champs_ok"].tolist() == [False, True] and "champ en trop" in f["_champs__brut"][0]
    assert f["date_ouverture__type_ok"].all() and f["date_maj__type_ok"].all()
    # a real date error on a well-formed row is still a date error
    row = lines[1].split(";")
    row[28] = "2023-02-30"
    f = read_file("finess", tmp_path / "f.csv", None, "\n".join([lines[0], ";".join(row)]).encode()).frame
    assert f["_champs_ok"].tolist() == [True] and f["date_ouverture__type_ok"].tolist() == [False]
