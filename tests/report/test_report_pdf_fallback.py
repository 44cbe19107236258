"""Without a browser the report still gets a PDF (fpdf2, DejaVu) with the same totals."""

from decimal import Decimal

import duckdb
from pypdf import PdfReader

from caqes_tasks.report import fmt, report_stage


def test_fpdf2_pdf_carries_the_totals(ctx):
    result = report_stage(ctx, pdf_engine="fpdf2")
    assert result["pdf_engine"] == "fpdf2"
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        total = con.execute("SELECT sum(montant) FROM marts.fct_interessement WHERE annee = 2023").fetchone()[0]
        sanctions = con.execute("SELECT sum(montant) FROM marts.fct_sanction WHERE annee = 2023").fetchone()[0]
    finally:
        con.close()
    assert isinstance(total, Decimal)
    assert result["totals"] == {"interessement": str(total), "sanctions": str(sanctions)}
    text = "\n".join(p.extract_text() for p in PdfReader(result["outputs"]["pdf"]).pages)
    norm = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert fmt.euros(total).replace("\u202f", " ").replace("\u00a0", " ") in norm
    assert fmt.euros(sanctions).replace("\u202f", " ").replace("\u00a0", " ") in norm
    assert "CHU de Poitiers" in text
    assert "EJ à risque" in norm and "sanction (refus de signer)" in norm  # the summary's list, on paper too


def test_html_is_self_contained(ctx):
    html = open(report_stage(ctx, pdf_engine="fpdf2")["outputs"]["html"], encoding="utf-8").read()
    # one inline script (filter, one EJ page at a time), nothing fetched
    assert html.count("<script") == 1 and "<script>" in html
    assert "<link" not in html and " src=" not in html and "http" not in html.split("<script>")[1]
    assert html.count("<svg") >= 4


def test_envelope_comes_from_an_envelope_mart_when_there_is_one(ctx):
    import re

    con = duckdb.connect(str(ctx.warehouse))
    try:
        con.execute(
            "INSERT INTO marts.fct_enveloppe (annee, theme, montant, montant_distribue, nb_ej_concernees, run_id) "
            "VALUES (2023, 'ATB', 200000.00, 0, 0, 'r'), (2023, 'GENBIO', 100000.05, 0, 0, 'r'), "
            "(2023, 'TS', 50000.00, 0, 0, 'r'), (2022, 'ATB', 1.00, 0, 0, 'r')"
        )
    finally:
        con.close()
    html = open(report_stage(ctx, pdf_engine="fpdf2")["outputs"]["html"], encoding="utf-8").read()
    found = dict(re.findall(r'data-enveloppe="([A-Z]+)" data-value="([0-9.]+)"', html))
    assert found == {"ATB": "200000.00", "GENBIO": "100000.05", "TS": "50000.00"}
    assert 'data-distribue="TS" data-value="0.00"' in html  # an unused theme shows 0 distributed
    assert 'data-enveloppe-source="arretee">Enveloppe : montants arrêtés par l\'ARS pour chaque thème.' in html
    assert "marts." not in html and "fct_" not in html  # table names are never shown


def test_contract_statuses_are_worded_as_the_dim_statut_mart_words_them(ctx, sample):
    """One list of labels: the report reads ``dim_statut``, the dimension analysts join on."""
    with duckdb.connect(str(ctx.warehouse)) as con:
        labels = dict(con.execute("SELECT statut, libelle FROM marts.dim_statut").fetchall())
        con.execute("UPDATE marts.dim_statut SET libelle = 'refus notifié' WHERE statut = 'refus'")
    assert labels["refus"] == "refusé" and labels["signe"] == "signé"
    html = open(report_stage(ctx, pdf_engine="fpdf2")["outputs"]["html"], encoding="utf-8").read()
    ej_refus = next(e for e in sample.EJS if e[4] == "refus")[0]
    section = html.split(f'data-ej="{ej_refus}"', 1)[1].split("</section>", 1)[0]
    assert "<strong>refus notifié</strong>" in section
    assert "<strong>signé</strong>" in html


def test_auto_prints_a_campaign_above_the_chromium_size_with_fpdf2(ctx, monkeypatch):
    """A campaign of more EJs than Chromium prints in time (France) goes to fpdf2 directly."""
    from caqes_tasks.report import pdf

    monkeypatch.setattr(pdf, "CHROMIUM_MAX_EJ", 1)
    result = report_stage(ctx, pdf_engine="auto")
    assert result["rows"]["ej"] > 1
    assert result["pdf_engine"] == "fpdf2"
    assert "CHU de Poitiers" in "\n".join(p.extract_text() for p in PdfReader(result["outputs"]["pdf"]).pages)
