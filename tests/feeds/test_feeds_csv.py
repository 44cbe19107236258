"""The CSV feeds open in Excel as they should: BOM, ';', decimal comma, no formula, ISO dates."""

import csv
import re
from decimal import Decimal

import pyarrow as pa

from caqes_tasks.feeds import feeds_stage
from caqes_tasks.feeds.excel_csv import IDENTIFIER_COLUMNS, format_cell, neutralise, write_excel_csv
from caqes_tasks.transform.model_yaml import contract_columns

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXCEL_TEXT_CONSTANT = re.compile(r'^="[0-9A-Z]+"$')


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def test_csv_is_excel_friendly(ctx):
    feeds_stage(ctx)
    latest = ctx.feeds / "latest"
    raw = (latest / "dim_etablissement.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM missing"
    header = ";".join(c["name"] for c in contract_columns("dim_etablissement"))  # the mart's contract, in order
    assert header.startswith("finess_geo;finess_ej;annee;raison_sociale;")
    assert raw.split(b"\r\n", 1)[0] == b"\xef\xbb\xbf" + header.encode()

    rows = _read(latest / "dim_etablissement.csv")
    names = {r[4] for r in rows[1:]}
    # formula-like names come back verbatim, behind an apostrophe
    assert "'=HYPERLINK(\"http://x\") Centre hospitalier de Libourne" in names
    assert "'@Polyclinique de Limoges" in names
    assert "'-Centre hospitalier de Périgueux" in names
    # a ';' inside a text is quoted, not a new column
    assert "Clinique Saint-Augustin; « Bordeaux »" in names
    assert all(len(r) == len(rows[0]) for r in rows)
    assert {r[2] for r in rows[1:]} == {"2023"}  # only the run's year


def test_no_text_cell_starts_a_formula_anywhere(ctx):
    feeds_stage(ctx)
    for path in sorted((ctx.feeds / "latest").glob("*.csv")):
        rows = _read(path)
        header, body = rows[0], rows[1:]
        for row in body:
            for col, cell in zip(header, row):
                if col in IDENTIFIER_COLUMNS and cell:
                    assert EXCEL_TEXT_CONSTANT.match(cell), (path.name, col, cell)  # a text constant, no formula
                    continue
                if cell.startswith(FORMULA_START):
                    # only numbers may start with '-' (a negative amount or rate)
                    assert cell.startswith("-") and cell[1:].replace(",", "").isdigit(), (path.name, col, cell)


def test_numbers_have_a_decimal_comma_and_dates_are_iso(ctx):
    feeds_stage(ctx)
    latest = ctx.feeds / "latest"
    sanctions = _read(latest / "fct_sanction.csv")
    head = sanctions[0]
    refus = next(r for r in sanctions[1:] if r[head.index("motif")] == "refus")
    assert refus[head.index("montant")] == "123456,78"
    assert refus[head.index("base_produits_am")] == "12345678,90"
    assert refus[head.index("taux")] == "0,010000"
    assert refus[head.index("volet")] == "V1"

    contrats = _read(latest / "fct_contractualisation.csv")
    head = contrats[0]
    signed = [r for r in contrats[1:] if r[head.index("statut")] == "signe"]
    assert {r[head.index("date_effet")] for r in signed} == {"2022-07-01"}
    assert {r[head.index("en_vigueur")] for r in signed} == {"true"}
    refused = next(r for r in contrats[1:] if r[head.index("statut")] == "refus")
    assert refused[head.index("date_effet")] == ""  # NULL is an empty cell

    indicateurs = _read(latest / "fct_indicateur.csv")
    head = indicateurs[0]
    rates = [r[head.index("taux_evolution")] for r in indicateurs[1:]]
    assert "-0,070000" in rates  # a negative number stays a number, no apostrophe


def test_cell_formatting_rules():
    assert format_cell(Decimal("1E+3")) == "1000"
    assert format_cell(Decimal("-0.50")) == "-0,50"
    assert format_cell(None) == ""
    assert format_cell("+33 5 56 00 00 00") == "'+33 5 56 00 00 00"
    assert format_cell("\tcmd") == "'\tcmd"
    assert neutralise("Centre = hôpital") == "Centre = hôpital"


def test_identifiers_keep_their_leading_zeros_and_sentences_their_decimal_comma(tmp_path):
    table = pa.table({
        "finess_ej": ["010780054", "2A0000004", None],
        "departement": ["01", "2A", "9A"],
        "commune_insee": ["01451", "2A004", "97101"],
        "raison_sociale": ["CH DE BOURG 2.0", "=1+1", "C.H. LOUIS"],
        "detail": ["score du volet 82.35 %: P x 0.010000 x (1 - 82.35/100)", "version 1.2", "0.85"],
        "montant": [Decimal("1234.50"), None, Decimal("-0.01")],
    })
    path = tmp_path / "t.csv"
    write_excel_csv(table, path)
    raw = path.read_bytes().decode("utf-8-sig").split("\r\n")
    assert raw[1].startswith('"=""010780054""";"=""01""";"=""01451""";')  # Excel's text constants, quoted
    rows = _read(path)
    assert [r[0] for r in rows[1:]] == ['="010780054"', '="2A0000004"', ""]
    assert [r[1] for r in rows[1:]] == ['="01"', '="2A"', '="9A"']
    assert [r[2] for r in rows[1:]] == ['="01451"', '="2A004"', '="97101"']
    # a sentence writes its decimals with a comma; a name without a digit-dot-digit is untouched,
    # a text a spreadsheet would evaluate keeps its apostrophe, a lone code keeps its point
    assert [r[3] for r in rows[1:]] == ["CH DE BOURG 2,0", "'=1+1", "C.H. LOUIS"]
    assert [r[4] for r in rows[1:]] == ["score du volet 82,35 %: P x 0,010000 x (1 - 82,35/100)", "version 1,2", "0.85"]
    assert [r[5] for r in rows[1:]] == ["1234,50", "", "-0,01"]
