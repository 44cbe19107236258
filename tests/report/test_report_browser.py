"""The campaign report in a real headless Chromium: loads cleanly, charts drawn, totals = marts."""

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from caqes_tasks.report import report_stage
from caqes_tasks.report.pdf import find_chromium

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-output" / "report"

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found (apt-get install chromium)")


def money(text: str) -> Decimal:
    """'123 456,78 €' as displayed → Decimal('123456.78')."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", ".")
    return Decimal(cleaned)


def sql(ctx, query: str):
    con = duckdb.connect(str(ctx.warehouse), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture
def page(ctx, open_report):
    result = report_stage(ctx)
    pg, problems, requests = open_report(result["outputs"]["html"])
    yield pg, result, problems, requests


def test_page_loads_with_no_error_and_no_external_resource(page):
    pg, result, problems, requests = page
    assert problems == []
    assert requests == [f"file://{result['outputs']['html']}"]  # self-contained: one request
    assert pg.title() == "CAQES – rapport de campagne 2023"


def test_charts_are_drawn(page):
    pg = page[0]
    classes = pg.eval_on_selector_all("svg.chart", "els => els.map(e => e.getAttribute('class'))")
    for kind in ("histogram", "envelope", "trends", "years", "themes"):
        assert any(kind in c for c in classes), kind

    def drawn(locator) -> int:
        for i in range(locator.count()):
            box = locator.nth(i).bounding_box()
            assert box and box["width"] > 50 and box["height"] > 20
        return locator.count()

    assert drawn(pg.locator("#vue-synthese svg.chart")) == 4  # the summary's charts
    sizes = pg.eval_on_selector_all(
        "svg.chart rect.bar", "els => els.map(e => { const b = e.getBBox(); return [b.width, b.height]; })"
    )
    assert sum(1 for w, h in sizes if w > 0 and h > 0) >= 10
    # the histogram has one drawn bar per EJ bin with a count: 4 evaluable contract scores
    hist = pg.eval_on_selector_all(
        "svg.histogram rect.bar", "els => els.filter(e => e.getBBox().height > 0).length"
    )
    assert hist == 4
    ej = pg.locator("section.ej:has(svg.themes)").first
    pg.goto(pg.url.split("#")[0] + "#" + ej.get_attribute("id"))  # an EJ's page shows its theme scores
    assert drawn(pg.locator("section.ej.courante svg.chart")) == 1


def test_totals_on_the_page_equal_the_marts(ctx, page):
    pg = page[0]

    def shown(selector: str) -> tuple[Decimal, Decimal]:
        el = pg.locator(selector)
        return money(el.inner_text()), Decimal(el.get_attribute("data-value"))

    (interessement,) = sql(ctx, "SELECT sum(montant) FROM marts.fct_interessement WHERE annee = 2023")[0]
    (sanctions,) = sql(ctx, "SELECT sum(montant) FROM marts.fct_sanction WHERE annee = 2023")[0]
    assert shown('[data-total="interessement"]') == (interessement, interessement)
    assert shown('[data-total="sanctions"]') == (sanctions, sanctions)

    for motif, montant in sql(ctx, "SELECT motif, sum(montant) FROM marts.fct_sanction WHERE annee = 2023 GROUP BY 1"):
        assert shown(f'[data-sanction-motif="{motif}"]') == (montant, montant)
    for type_, montant in sql(ctx, "SELECT type, sum(montant) FROM marts.fct_interessement WHERE annee = 2023 GROUP BY 1"):
        assert shown(f'[data-interessement-type="{type_}"]') == (montant, montant)

    themes = sql(
        ctx,
        "SELECT code, sum(montant), sum(montant_plafond) FROM marts.fct_interessement "
        "WHERE annee = 2023 AND type = 'regional' GROUP BY 1",
    )
    assert len(themes) == 2
    for theme, distribue, plafonds in themes:
        assert shown(f'[data-distribue="{theme}"]') == (distribue, distribue)
        assert shown(f'[data-enveloppe="{theme}"]') == (plafonds, plafonds)

    per_ej = dict(sql(ctx, "SELECT finess_ej, sum(montant) FROM marts.fct_interessement WHERE annee = 2023 GROUP BY 1"))
    per_ej_sanctions = dict(sql(ctx, "SELECT finess_ej, sum(montant) FROM marts.fct_sanction WHERE annee = 2023 GROUP BY 1"))
    sections = pg.locator("section.ej")
    assert sections.count() == len(sql(ctx, "SELECT DISTINCT finess_ej FROM marts.fct_volet_propose WHERE annee = 2023"))
    for ej, montant in per_ej.items():
        assert shown(f'section[data-ej="{ej}"] [data-ej-total="interessement"]') == (montant, montant)
    for ej, montant in per_ej_sanctions.items():
        assert shown(f'section[data-ej="{ej}"] [data-ej-total="sanctions"]') == (montant, montant)

    (cibles,) = sql(ctx, "SELECT count(DISTINCT finess_geo) FROM marts.fct_ciblage WHERE annee = 2023 AND cible")[0]
    (ej_volets,) = sql(ctx, "SELECT count(DISTINCT finess_ej) FROM marts.fct_volet_propose WHERE annee = 2023")[0]
    assert int(pg.locator('[data-count="et_cibles"]').inner_text()) == cibles
    assert int(pg.locator('[data-count="ej_volets"]').inner_text()) == ej_volets

    # formula-like EJ names are shown as text, never interpreted
    assert pg.get_by_text('=HYPERLINK("http://x") Centre hospitalier de Libourne', exact=False).count() >= 1

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SCREENSHOTS / "campagne_2023.png"), full_page=True)


def test_pdf_is_printed_by_chromium(ctx, page):
    result = page[1]
    assert result["pdf_engine"] == "chromium"
    reader = PdfReader(result["outputs"]["pdf"])
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 2
    assert "Synthèse régionale" in text
    assert "CHU de Poitiers" in text
