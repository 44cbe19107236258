"""What the notices say: the real PDFs are opened and their text checked, the HTML says the same."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from notices_fixtures import INPUT_HASHES, RUN_ID
from pypdf import PdfReader

from caqes_tasks.notices.formatting import normalise_spaces

REPO = Path(__file__).resolve().parents[2]
PATIENTS = "la différence entre le montant remboursable et le montant remboursé ne peut être facturée aux patients"
RECOURS = (
    "peut saisir le tribunal administratif dans le ressort duquel l'autorité qui a pris la décision attaquée "
    "a légalement son siège, par lettre recommandée, dans le délai de 2 mois à compter de la réception de la "
    "notification de la décision contestée (article 12 du contrat type)"
)
OBSERVATIONS = "après que l'établissement a été mis en mesure de présenter ses observations"
EUROS = re.compile(r"-?\d{1,3}(?: \d{3})*,\d{2} €")
PERCENTS = re.compile(r"\d+(?:,\d+)? %")
DATES = re.compile(r"\b(?:1er|\d{1,2}) (?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}")


def _flat(text: str) -> str:
    return " ".join(normalise_spaces(text).split())


def pdf_text(path: Path) -> str:
    return _flat("\n".join(page.extract_text() for page in PdfReader(path).pages))


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
        assert "Montant total de la sanction financière envisagée : 164 604,92 €" in text
        assert "123 456,78 €" in text and "41 148,14 €" in text
        # lines were split to the final amount by the decision: the préalable says so
        assert "le total des composantes (150 000,00 €) diffère du montant notifié le 1er avril 2025 (164 604,92 €)" in text
        assert "dernier exercice clos (exercice 2024) : 12 345 678,90 €" in text
        assert "(1 % de ces produits, article L. 162-30-4) : 123 456,78 €" in text
        assert "(5 % de ces produits, articles L. 162-30-2 et L. 162-30-4) : 617 283,94 €" in text
        assert OBSERVATIONS in text
        assert "dans un délai de 30 jours à compter du 1er avril 2025, soit au plus tard le 1er mai 2025" in text
        assert "Refus de conclure le contrat ou l'un de ses volets — volet V2" in text
        assert "L. 162-30-2" in text and "L. 162-30-4" in text
        # the indicators and scores it rests on
        assert "NAT_2 — Inhibiteurs de la pompe à protons (IPP)" in text
        assert "260 000,00 € 247 000,00 € 250 000,00 € 76,92 %" in text
        assert "Non : valeur de l'année N manquante" in text
        assert "Contrat CAQES — 66,67 %" in text
        assert "Aucun plafond n'a limité les montants calculés" in text


def test_notification_prealable_volet_cap_and_escaping(texts):
    pdf, html = texts[("870000106", "notification_prealable")]
    for text in (pdf, html):
        _common(text, "870000106")
        assert "Clinique Sainte-Anne & Saint-Rémy" in text
        assert "V1 2 500 000,00 € 1 % 27 500,00 € 25 000,00 € 25 000,00 €" in text
        assert "Plafond par volet appliqué au volet V1" in text
        assert "soit au plus tard le 16 juillet 2025" in text
        assert "Bordeaux, le 16 juin 2025" in text


def test_decision_with_recourse(texts):
    pdf, html = texts[("330000100", "decision_sanction")]
    for text in (pdf, html):
        _common(text, "330000100")
        assert "Décision de sanction financière" in text
        assert "Une sanction financière d'un montant de 150 000,00 € est prononcée à l'encontre de CH de Test-sur-Garonne (FINESS juridique n° 330000100)" in text
        assert "Vu la notification préalable du 1er avril 2025" in text
        assert "Vu les observations de l'établissement reçues le 20 avril 2025" in text
        assert "le montant notifié est réduit : montant notifié 164 604,92 €, montant retenu 150 000,00 €" in text
        assert RECOURS in text
        assert "112 502,82 €" in text and "37 497,18 €" in text and "Total 150 000,00 €" in text
        assert "diffère du montant" not in text
        assert "etablissement:330000407 : ET sous contrat absent du répertoire" in text


def test_interessement_lines_and_fir(texts):
    pdf, html = texts[("330000100", "notification_interessement")]
    for text in (pdf, html):
        _common(text, "330000100")
        assert "Notification d'intéressement" in text
        assert "330000209 NAT_2 — Inhibiteurs de la pompe à protons (IPP) 10 000,00 € 30 % 3 000,00 € — 3 000,00 €" in text
        assert "LES — Liste en sus 20 000,00 € 75,00 % 15 000,00 € 0,5 7 500,00 €" in text
        assert "est de 10 500,00 € (intéressement national : 3 000,00 € ; intéressement régional : 7 500,00 €)" in text
        assert "motif : rapport d'autoévaluation transmis hors délai" in text
        assert "article L. 1435-8 du code de la santé publique" in text
        assert "article 9 (intéressements)" in text
        assert "interessement_national:NAT_3:330000308 : montant de l'année N ou N-1 absent: économie non calculable" in text
        assert RECOURS in text
    pdf, html = texts[("640000105", "notification_interessement")]
    for text in (pdf, html):
        _common(text, "640000105")
        assert "ATB — Antibiotiques 20 000,00 € 100,00 % 20 000,00 € — 20 000,00 €" in text
        assert "Polyclinique de l'Adour" in text


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
