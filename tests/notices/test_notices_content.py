"""What the notices say: the real PDFs are opened and their text checked, the HTML says the same."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from notices_fixtures import ART_L162_1_17, ART_L162_22_7, ART_NON_ATTEINTE, ART_REFUS, INPUT_HASHES, RUN_ID
from pypdf import PdfReader

from caqes_tasks.notices.formatting import normalise_spaces

REPO = Path(__file__).resolve().parents[2]
PATIENTS = "la différence entre le montant remboursable et le montant remboursé ne peut être facturée aux patients"
RECOURS_DECISION = (
    "La présente décision peut faire l'objet d'un recours contentieux devant le tribunal administratif "
    "territorialement compétent, dans le délai de 2 mois à compter de sa réception (article R. 421-1 du code "
    "de justice administrative)."
)
RECOURS_INTERESSEMENT = (
    "En cas de contestation du montant de l'intéressement, l'établissement de santé peut saisir le tribunal "
    "administratif dans le ressort duquel l'autorité qui a pris la décision attaquée a légalement son siège, dans "
    "le délai de 2 mois à compter de la réception de la présente notification (article 12 du contrat type ; "
    "article R. 421-1 du code de justice administrative)."
)
TELERECOURS = "« Télérecours citoyens » accessible par le site internet www.telerecours.fr"
OBSERVATIONS = "après que l'établissement a été mis en mesure de présenter ses observations"
DELAI = "dans un délai de 30 jours à compter de la réception de la présente notification."
EUROS = re.compile(r"-?\d{1,3}(?: \d{3})*,\d{2} €")
PERCENTS = re.compile(r"\d+(?:,\d+)? %")
DATES = re.compile(r"\b(?:1er|\d{1,2}) (?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}")


def _flat(text: str) -> str:
    return " ".join(normalise_spaces(text).split())


FOOTER = re.compile(r"CAQES \d{4} — [^\n]*? — page \d+/\d+")


def pdf_text(path: Path) -> str:
    """The PDF's text, page footers left out (a sentence may run across a page break)."""
    return _flat(FOOTER.sub(" ", "\n".join(page.extract_text() for page in PdfReader(path).pages)))


def html_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    body = raw[raw.index("<body>") :]
    return _flat(htmllib.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def texts(published):
    ctx, result = published
    out = {}
    for kind, paths in result["notices"].items():
        for p in paths:
            pdf = Path(p)
            out[(pdf.parent.name, kind)] = (pdf_text(pdf), html_text(pdf.with_suffix(".html")))
    return out


def _common(text: str, ej: str) -> None:
    assert "AGENCE RÉGIONALE DE SANTÉ NOUVELLE-AQUITAINE" in text
    assert f"FINESS juridique n° {ej}" in text
    assert f"run {RUN_ID}" in text
    assert PATIENTS in text
    for name, sha in INPUT_HASHES.items():
        assert name in text and sha in text  # annex: full list


def test_notification_prealable_with_observations_deadline(texts):
    pdf, html = texts[("330000100", "notification_prealable")]
    for text in (pdf, html):
        _common(text, "330000100")
        assert "Notification préalable de sanction financière" in text
        assert "Montant total de la sanction financière envisagée : 153 456,78 €" in text
        assert "123 456,78 €" in text and "30 000,00 €" in text
        # lines were split to the final amount by the decision: the préalable says so
        assert "le total des composantes (150 000,00 €) diffère du montant notifié le 1er avril 2025 (153 456,78 €)" in text
        assert "dernier exercice clos (exercice 2024) : 12 345 678,90 €" in text
        assert "(1 % de ces produits, article L. 162-30-4) : 123 456,78 €" in text
        assert "(5 % de ces produits, articles L. 162-30-2 et L. 162-30-4) : 617 283,94 €" in text
        assert OBSERVATIONS in text
        # the deadline runs from the receipt, whose date is known in this state
        assert DELAI + " La présente notification ayant été reçue le 3 avril 2025, ce délai expire le 3 mai 2025" in text
        assert "à compter du 1er avril 2025" not in text
        # the refusal with the date of the refused proposal
        assert "Refus de conclure le contrat ou l'un de ses volets — volet V2 (Pertinence des parcours et des séjours) — proposition du 1er mars 2024" in text
        assert "sanction au titre du refus de la proposition de contrat du 1er mars 2024" in text
        # non-attainment limited by its impact on spending, the binding term
        assert (
            "impact du manquement sur les dépenses d'assurance maladie (dépenses constatées au-delà des cibles des "
            "indicateurs du volet) : 30 000,00 €. Le montant calculé est limité à cet impact"
        ) in text
        # MSAP in addition, with the DG ARS's reason
        assert (
            "mise sous accord préalable (L. 162-1-17), prononcée en plus de la sanction financière et non à sa place "
            "(article L. 162-30-4) ; elle n'a pas de montant propre ; motif : prescriptions de produits de la liste en "
            "sus en hausse de 12 % en deux ans"
        ) in text
        # the article versions applied, each with the facts it governs
        assert f"{ART_REFUS} : Refus de conclure le contrat ou l'un de ses volets." in text
        assert (
            f"{ART_NON_ATTEINTE} : Non-réalisation ou réalisation partielle des objectifs du contrat — mise sous accord "
            "préalable (L. 162-1-17) ; Non-réalisation ou réalisation partielle des objectifs du contrat." in text
        )
        assert f"{ART_L162_1_17} : Non-réalisation ou réalisation partielle des objectifs du contrat — mise sous accord préalable" in text
        assert "après avis de l'organisme local d'assurance maladie, le directeur général arrêtera sa décision" in text
        # the indicators and scores it rests on
        assert "NAT_2 — Inhibiteurs de la pompe à protons (IPP)" in text
        assert "260 000,00 € 247 000,00 € 250 000,00 € 76,92 %" in text
        assert "Non : valeur de l'année N manquante" in text
        assert "Hors contrat, non pris en compte dans les scores : PLAN_ATB (ET 330000308) : aucun indicateur du thème ATB sous contrat pour cet ET" in text
        assert "Contrat CAQES — 66,67 %" in text
        assert "Aucun plafond n'a limité les montants calculés" in text


def test_notification_prealable_without_receipt_volet_cap_and_dg_reduction(texts):
    pdf, html = texts[("870000106", "notification_prealable")]
    for text in (pdf, html):
        _common(text, "870000106")
        assert "Clinique Sainte-Anne & Saint-Rémy" in text
        assert "V1 2 500 000,00 € 1 % 25 000,00 € 25 000,00 € 20 000,00 €" in text
        assert "Plafond par volet appliqué au volet V1" in text
        assert (
            "le directeur général de l'Agence régionale de santé réduit cette sanction de 25 000,00 € à 20 000,00 € ; "
            "motif : plan de retour à l'équilibre en cours"
        ) in text
        assert "impact du manquement sur les dépenses d'assurance maladie" in text and "61 000,00 €" in text
        assert "limité à cet impact" not in text  # the 1 % cap binds, not the impact
        # receipt not known yet: the deadline is stated from the receipt, no date computed
        assert DELAI in text
        assert "ce délai expire" not in text and "soit au plus tard" not in text and "16 juillet 2025" not in text
        assert "Bordeaux, le 16 juin 2025" in text


def test_notification_prealable_liste_en_sus_and_waiver(texts):
    pdf, html = texts[("240000109", "notification_prealable")]
    for text in (pdf, html):
        _common(text, "240000109")
        assert "Réduction de la prise en charge des produits de la liste en sus" in text
        assert (
            "Refus de conclure le contrat ou l'un de ses volets (volet V1), proposition du 15 février 2024 : en lieu et "
            "place de la sanction financière, le directeur général de l'Agence régionale de santé retient la réduction "
            "de la part prise en charge par l'assurance maladie des produits de la liste en sus (article L. 162-22-7), "
            "au taux de 30 %, sur une base de 250 000,00 € (part de l'assurance maladie des produits de la liste en "
            "sus), soit une réduction de 75 000,00 € ; motif : établissement fortement prescripteur de la liste en sus."
        ) in text
        assert (
            "le directeur général de l'Agence régionale de santé renonce à cette sanction (montant calculé 12 000,00 €, "
            "montant retenu 0,00 €) ; motif : établissement repris par un nouvel organisme gestionnaire en cours d'année"
        ) in text
        assert DELAI + " La présente notification ayant été reçue le 21 mai 2025, ce délai expire le 20 juin 2025" in text
        # the reduction is a line of the table, on its own base, and counts in the amount notified
        assert "réduction liste en sus (L. 162-22-7) V1 250 000,00 € 30 % 75 000,00 € 75 000,00 € 75 000,00 €" in text
        assert "V2 4 000 000,00 € 1 % 12 000,00 € 40 000,00 € 0,00 €" in text and "75 000,00 € Total 75 000,00 €" in text
        assert (
            "Montant total envisagé (sanction financière et réduction de la prise en charge des produits de la liste "
            "en sus) : 75 000,00 €" in text
        )
        assert "diffère du montant" not in text
        assert f"{ART_L162_22_7} : Refus de conclure le contrat ou l'un de ses volets — réduction de la prise en charge" in text


def test_decision_with_avis_receipt_and_recourse(texts):
    pdf, html = texts[("330000100", "decision_sanction")]
    for text in (pdf, html):
        _common(text, "330000100")
        assert "Décision de sanction financière" in text
        assert "Une sanction financière d'un montant de 150 000,00 € est prononcée à l'encontre de CH de Test-sur-Garonne (FINESS juridique n° 330000100)" in text
        # receipt of the préalable and the deadline that ran from it
        assert (
            "Vu la notification préalable du 1er avril 2025 (référence : run 2024-0123456789ab), reçue par "
            "l'établissement le 3 avril 2025, l'invitant à "
            "présenter ses observations dans un délai de 30 jours à compter de sa réception, soit au plus tard le "
            "3 mai 2025, pour un montant envisagé de 153 456,78 €" in text
        )
        # the CPAM's avis with its date and sense, not a fixed sentence
        assert (
            "Vu l'avis favorable de l'organisme local d'assurance maladie du 12 mai 2025 : « favorable au montant "
            "réduit après observations »" in text
        )
        assert "Après avis de l'organisme local d'assurance maladie." not in text
        assert "Vu les observations de l'établissement reçues le 20 avril 2025" in text
        assert "le montant notifié est réduit : montant notifié 153 456,78 €, montant retenu 150 000,00 €" in text
        assert (
            "Article 1er bis. En outre, en plus de la sanction financière : la mise sous accord préalable "
            "(L. 162-1-17) est prononcée au titre du volet V1" in text
        )
        # voies de recours: tribunal administratif, CJA R. 421-1, Télérecours citoyens
        assert "Vu le code de justice administrative, notamment son article R. 421-1" in text
        assert RECOURS_DECISION in text and TELERECOURS in text
        assert "article 12 du contrat type" not in text
        assert f"{ART_REFUS} : Refus de conclure le contrat ou l'un de ses volets." in text
        assert f"{ART_NON_ATTEINTE} : Non-réalisation ou réalisation partielle des objectifs du contrat — mise sous" in text
        assert f"{ART_L162_1_17} : Non-réalisation" in text
        assert "120 675,78 €" in text and "29 324,22 €" in text and "Total 150 000,00 €" in text
        assert "Le montant calculé est limité à cet impact" in text
        assert "diffère du montant" not in text
        assert "etablissement:330000407 : ET sous contrat absent du répertoire" in text


def test_interessement_perimeter_formula_period_and_modulation(texts):
    pdf, html = texts[("330000100", "notification_interessement")]
    for text in (pdf, html):
        _common(text, "330000100")
        assert "Notification d'intéressement" in text
        # where each ET × indicator of the contract comes from
        assert "330000209 V1 NAT_2 — Inhibiteurs de la pompe à protons (IPP) ciblé sur 2021 à la proposition du 01/03/2022" in text
        assert "330000308 V1 NAT_1 — Perfusions (PERFADOM) avenant d'ajout signé le 12/10/2023, effet au 01/01/2024" in text
        assert "NAT_5" not in text  # perimeter of another year
        # formula, attainment and part per ET × indicator
        assert "Formule proportionnelle : montant = part × économie réalisée × taux d'atteinte de l'objectif de l'indicateur." in text
        assert "330000209 NAT_2 — Inhibiteurs de la pompe à protons (IPP) 10 000,00 € 76,92 % proportionnelle 30 % 2 307,69 € 0,5 1 153,84 €" in text
        assert "330000308 NAT_1 — Perfusions (PERFADOM) 5 000,00 € 100 % proportionnelle 30 % 1 500,00 € 0,5 750,00 €" in text
        assert (
            "NAT_1 (ET 330000308), NAT_2 (ET 330000209) : année civile 2024 (du 1er janvier 2024 au 31 décembre 2024), "
            "comparée à l'année 2023." in text
        )
        assert "LES — Liste en sus 20 000,00 € 75,00 % 15 000,00 € 0,5 7 500,00 €" in text
        # the DG ARS's modulation of the whole intéressement, with its stated reason only
        assert (
            "adapte l'ensemble de l'intéressement de l'établissement (national et régional) par un coefficient de 0,5 "
            "(article 9 du contrat type) : 18 807,69 € avant adaptation, 9 403,84 € après. Motif : rapport "
            "d'autoévaluation transmis hors délai." in text
        )
        assert "enveloppe du thème" not in text and "économie = " not in text  # computation detail is not a reason
        assert "est de 9 403,84 € (intéressement national : 1 903,84 € ; intéressement régional : 7 500,00 €)" in text
        assert "article L. 1435-8 du code de la santé publique" in text
        assert "articles 9 (intéressements)" in text
        assert "interessement_national:NAT_3:330000308 : montant de l'année N ou N-1 absent: économie non calculable" in text
        assert RECOURS_INTERESSEMENT in text and TELERECOURS in text


def test_interessement_first_year_period_exact_or_prorated(texts):
    pdf, html = texts[("640000105", "notification_interessement")]
    for text in (pdf, html):
        _common(text, "640000105")
        assert "640000204 V1 NAT_4 — Pansements ciblé sur 2023 à la proposition du 02/05/2024" in text
        assert "640000204 NAT_1 — Perfusions (PERFADOM) 4 000,00 € 50 % proportionnelle 30 % 600,00 € — 600,00 €" in text
        assert (
            "NAT_1 (ET 640000204) : du 1er juillet 2024, date d'effet du contrat, au 31 décembre 2024, comparée à la "
            "même période de l'année 2023 (du 1er juillet 2023 au 31 décembre 2023) ; montants exacts, calculés sur "
            "les lignes de facturation d'après leur date d'exécution." in text
        )
        assert (
            "NAT_4 (ET 640000204) : du 1er juillet 2024, date d'effet du contrat, au 31 décembre 2024, comparée à la "
            "même période de l'année 2023 (du 1er juillet 2023 au 31 décembre 2023) ; montants proratisés au nombre "
            "de jours (184 jours sur 366), faute de données par ligne de facturation." in text
        )
        assert "ATB — Antibiotiques 20 000,00 € 100,00 % 20 000,00 € — 20 000,00 €" in text
        assert "Adaptation par le directeur général" not in text  # no modulation
        assert "Polyclinique de l'Adour" in text


def test_no_registered_letter_in_any_notice(texts):
    assert len(texts) == 6
    for key, (pdf, html) in texts.items():
        assert "lettre recommandée" not in pdf and "lettre recommandée" not in html, key
        assert ".." not in pdf, key  # a stated reason's own full stop is not doubled


def test_html_and_pdf_carry_the_same_figures(texts):
    for key, (pdf, html) in texts.items():
        for pattern in (EUROS, PERCENTS, DATES):
            assert set(pattern.findall(pdf)) == set(pattern.findall(html)), (key, pattern.pattern)
        assert EUROS.findall(pdf), key


def test_pdf_metadata_is_fixed_by_the_run(published):
    ctx, result = published
    reader = PdfReader(result["notices"]["decision_sanction"][0])
    assert reader.metadata["/CreationDate"] == "D:20250616000000Z"  # as_of, not the clock
    assert "Décision de sanction financière" in reader.metadata["/Title"]


def test_page_one_renders(published, tmp_path):
    """Page 1 of the decision as PNG, for a human look (also under var/test-output/notices/)."""
    _, result = published
    pdf = pdfium.PdfDocument(result["notices"]["decision_sanction"][0])
    image = pdf[0].render(scale=1.5).to_pil()
    for folder in (tmp_path / "test-output", REPO / "var" / "test-output" / "notices"):
        folder.mkdir(parents=True, exist_ok=True)
        image.save(folder / "decision_sanction-330000100-p1.png")
    assert image.size[0] > 800 and image.size[1] > 1100
    grey = image.convert("L")
    dark = sum(1 for px in grey.getdata() if px < 128)
    assert dark > 0.01 * grey.size[0] * grey.size[1]  # text was drawn
    pdf.close()
