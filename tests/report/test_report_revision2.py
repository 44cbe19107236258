"""The report shows what revision 2 of the rules added (docs/rules.md §4, §6, §7): the perimeter
by origin and the candidates for an avenant, the national formula, attainment and period, the
modulation's stated reason, the measures that are not financial sanctions (liste en sus
reduction, mise sous accord préalable) with the DG ARS's reason, the procedures waiting."""

import html as htmllib
import re
from datetime import date
from decimal import Decimal as D

import duckdb
from pypdf import PdfReader

from caqes_tasks.report import report_stage

YEAR = 2023

REV2 = {
    "fct_interessement": "atteinte DECIMAL(18,6), formule VARCHAR, debut_periode DATE, methode_periode VARCHAR, motif_modulation VARCHAR",
    "fct_sanction": "impact DECIMAL(18,2), date_proposition DATE, reference_article VARCHAR, motif_dg VARCHAR, base_liste_en_sus DECIMAL(18,2)",
    "fct_procedure": "date_reception_notification DATE, date_avis_cpam DATE, sens_avis_cpam VARCHAR, commentaire_avis_cpam VARCHAR, en_attente VARCHAR",
    "fct_ciblage": "dans_perimetre BOOLEAN",
    "fct_contractualisation": "date_proposition DATE, date_resiliation DATE",
    "fct_evaluation": "origine_perimetre VARCHAR",
}
PERIMETRE = """finess_ej VARCHAR, volet VARCHAR, finess_geo VARCHAR, indicateur VARCHAR, annee INTEGER,
    type_indicateur VARCHAR, theme VARCHAR, origine VARCHAR, date_proposition DATE, annee_reference_ciblage INTEGER,
    date_avenant DATE, motif_origine VARCHAR"""


def _text(html: str) -> str:
    body = html[html.index("<body>") :]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).replace("\u202f", " ").replace("\u00a0", " ").split())


def _revision_2_rows(path, sample) -> None:
    """Revision-2 facts on the sample: EJ 0 signed (intéressement), EJ 1 non-attainment with a
    décision, EJ 5 refusal."""
    assert sample.YEAR == YEAR
    ej_signe, ej_non_atteinte, ej_refus = sample.EJS[0][0], sample.EJS[1][0], sample.EJS[5][0]
    con = duckdb.connect(str(path))
    try:
        for table, cols in REV2.items():
            for col in cols.split(", "):
                con.execute(f"ALTER TABLE marts.{table} ADD COLUMN IF NOT EXISTS {col}")
        con.execute(f"CREATE TABLE IF NOT EXISTS marts.fct_perimetre ({PERIMETRE})")
        geo = sample._geo
        rows = [
            (ej_signe, geo(0, 0), "NAT_1", "signature", None),
            (ej_signe, geo(0, 0), "ATB", "avenant", date(2022, 10, 12)),
            (ej_non_atteinte, geo(1, 0), "NAT_1", "signature", None),
            (ej_non_atteinte, geo(1, 1), "NAT_1", "signature", None),
        ]
        for ej, g, ind, origine, avenant in rows:
            con.execute(
                "INSERT INTO marts.fct_perimetre (finess_ej, volet, finess_geo, indicateur, annee, origine, date_avenant) "
                "VALUES (?, 'V1', ?, ?, ?, ?, ?)",
                [ej, g, ind, YEAR, origine, avenant],
            )
        con.execute(
            "UPDATE marts.fct_evaluation SET origine_perimetre = CASE indicateur WHEN 'NAT_1' THEN 'signature' "
            "WHEN 'ATB' THEN 'avenant' END WHERE finess_geo = ? AND annee = ?",
            [geo(0, 0), YEAR],
        )
        con.execute("UPDATE marts.fct_ciblage SET dans_perimetre = (indicateur = 'NAT_1' OR finess_geo = ?)", [geo(0, 0)])
        con.execute(
            "UPDATE marts.fct_contractualisation SET date_proposition = DATE '2023-03-01', date_resiliation = DATE '2023-12-31' "
            "WHERE finess_ej = ? AND annee = ?",
            [ej_signe, YEAR],
        )
        con.execute(
            "UPDATE marts.fct_interessement SET formule = 'proportionnelle', atteinte = 0.75, debut_periode = DATE '2023-07-01', "
            "methode_periode = 'prorata_jours', coefficient_modulation = 0.5, motif_modulation = 'rapport transmis hors délai' "
            "WHERE finess_ej = ? AND annee = ? AND type = 'national'",
            [ej_signe, YEAR],
        )
        con.execute(
            "UPDATE marts.fct_sanction SET date_proposition = DATE '2023-03-01' WHERE finess_ej = ? AND annee = ?",
            [ej_refus, YEAR],
        )
        con.execute(
            "INSERT INTO marts.fct_sanction (finess_ej, annee, motif, volet, base_produits_am, montant, type_decision, statut, "
            "motif_dg, run_id) VALUES (?, ?, 'non_atteinte', 'V1', 8000000.00, 0, 'mise_sous_accord_prealable', 'decidee', "
            "'hausse des prescriptions hospitalières exécutées en ville.', 'r')",
            [ej_non_atteinte, YEAR],
        )
        con.execute(
            "UPDATE marts.fct_procedure SET date_reception_notification = DATE '2024-03-04', date_avis_cpam = DATE '2024-04-02', "
            "sens_avis_cpam = 'reserve' WHERE finess_ej = ? AND annee = ?",
            [ej_non_atteinte, YEAR],
        )
        con.execute(
            "INSERT INTO marts.fct_procedure (finess_ej, annee, etape, date_notification, montant_notifie, en_attente, run_id) "
            "VALUES (?, ?, 'notification_prealable', DATE '2024-04-20', 123456.78, 'accuse_reception', 'r')",
            [ej_refus, YEAR],
        )
    finally:
        con.close()


def test_report_shows_the_revision_2_facts(ctx, sample):
    _revision_2_rows(ctx.warehouse, sample)
    geo0 = sample._geo(0, 0)
    result = report_stage(ctx, pdf_engine="fpdf2")
    raw = open(result["outputs"]["html"], encoding="utf-8").read()
    text = _text(raw)
    # perimeter by origin, targeted pairs outside it
    assert 'data-perimetre="signature">3<' in raw and 'data-perimetre="avenant">1<' in raw
    assert "Ciblage annuel de 2023 (information) : 5 couple(s) ET × indicateur ciblé(s) hors du périmètre en vigueur, candidats à un avenant" in text
    # measures beside the financial sanctions, with the DG ARS's reason
    assert "dont mesure : mise sous accord préalable (L. 162-1-17) 1 0,00 €" in text
    assert "dont mesure : montant" not in text  # an unknown decision type is not a measure
    assert (
        "non-atteinte des objectifs (volet V1), mise sous accord préalable (L. 162-1-17) : décision du directeur général "
        "de l'ARS, motif : hausse des prescriptions hospitalières exécutées en ville." in text
    )
    assert "en ville.." not in text
    assert "refus de signer (proposition du 1er mars 2023)" in text
    # national formula, attainment, period; the modulation's reason
    assert "proportionnelle 75,00 % depuis le 1er juillet 2023 (montants annuels proratisés au nombre de jours)" in text
    assert "Intéressement adapté par le directeur général de l'ARS, coefficient 0,5 : rapport transmis hors délai." in text
    # contract and procedure facts
    assert "(proposition du 1er mars 2023)" in text and "résilié au 31 décembre 2023" in text
    assert "reçue le 4 mars 2024" in text and "avis réservé de l'organisme local d'assurance maladie du 2 avril 2024" in text
    assert "en attente de la date de réception de la notification préalable : le délai d'observations ne court pas 1" in text
    assert "par avenant 1 1 à la signature 3 2" in text
    # indicators under contract: the ET and the indicator by name, values in the indicator's unit
    et0 = "CH Libourne – site Robert Boulin"
    assert f"{et0} Antibiotiques (ATB) par avenant 42,0 % 38,0 %" in text
    assert f"{et0} Perfusions (PERFADOM) (NAT_1) à la signature 250 000,00 € 232 500,00 €" in text
    assert f"{geo0} ATB" not in text

    pdf = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(result["outputs"]["pdf"]).pages).replace("\u202f", " ").replace("\u00a0", " ").split()
    )
    assert "mise sous accord préalable" in pdf
    assert "coefficient 0,5 : rapport transmis hors délai" in pdf
    assert "Périmètre contractualisé par avenant 1 ET × indicateur (1 EJ)" in pdf
    assert "proportionnelle" in pdf


def test_report_totals_unchanged_by_measure_lines(ctx, sample):
    _revision_2_rows(ctx.warehouse, sample)
    result = report_stage(ctx, pdf_engine="fpdf2")
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        sanctions = con.execute("SELECT sum(montant) FROM marts.fct_sanction WHERE annee = ?", [YEAR]).fetchone()[0]
    finally:
        con.close()
    assert result["totals"]["sanctions"] == str(sanctions)
    assert D(result["totals"]["sanctions"]) > 0
