"""The campaign report as an officer uses it, in a real headless Chromium opened from disk: the
summary's figures are the marts' sums to the cent, the list of EJs narrows by name, département
and category, each EJ has its own page reached from the summary, and the targeting is told in
plain French (never the mart's « => ciblé » trace)."""

import re
from decimal import Decimal

import duckdb
import pytest

from caqes_tasks.report import report_stage
from caqes_tasks.report.pdf import find_chromium

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="no chromium binary found (apt-get install chromium)")

YEAR = 2023


def money(text: str) -> Decimal:
    return Decimal(re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", "."))


def sql(ctx, query: str, params=None):
    with duckdb.connect(str(ctx.warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


@pytest.fixture
def report(ctx, sample, open_report):
    """The report of the sample, with the technical targeting trace dbt writes in the marts."""
    with duckdb.connect(str(ctx.warehouse)) as con:
        con.execute(
            "UPDATE marts.fct_ciblage SET motif = indicateur || ', règle régionale par seuil, année de référence 2022 : "
            "valeur 0.450249 > seuil 0.350000 => ciblé'"
        )
        con.execute("UPDATE marts.fct_volet_propose SET motifs = '330000001 NAT_1, règle nationale : base 1943.00 >= minimum 500.00 => ciblé'")
        con.execute(
            "UPDATE marts.dim_etablissement SET categorie = '101', libelle_categorie = 'Centre Hospitalier Régional (C.H.R.)' "
            "WHERE finess_ej = ?",
            [sample.EJS[3][0]],
        )
    result = report_stage(ctx, pdf_engine="fpdf2")
    pg, problems, requests = open_report(result["outputs"]["html"])
    yield pg, problems, requests, result


def visible_rows(pg) -> list[str]:
    return pg.eval_on_selector_all("#liste-ej tr.ligne-ej", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.finess)")


def test_summary_figures_are_the_marts_sums_to_the_cent(ctx, report):
    pg, problems, requests, _ = report
    assert problems == [] and len(requests) == 1

    def shown(selector: str) -> Decimal:
        el = pg.locator(selector)
        assert el.is_visible(), selector
        value = money(el.inner_text())
        assert value == Decimal(el.get_attribute("data-value")), selector
        return value

    for annee in (YEAR - 1, YEAR):
        per_type = dict(sql(ctx, "SELECT type, sum(montant) FROM marts.fct_interessement WHERE annee = ? GROUP BY 1", [annee]))
        (sanctions,) = sql(ctx, "SELECT sum(montant) FROM marts.fct_sanction WHERE annee = ?", [annee])[0]
        assert shown(f'[data-annee-national="{annee}"]') == per_type["national"]
        assert shown(f'[data-annee-regional="{annee}"]') == per_type["regional"]
        assert shown(f'[data-annee-sanctions="{annee}"]') == sanctions
    assert shown('[data-annee-national="2023"]') != shown('[data-annee-national="2022"]')  # the years differ

    per_ej = dict(sql(ctx, "SELECT finess_ej, sum(montant) FROM marts.fct_sanction WHERE annee = ? GROUP BY 1", [YEAR]))
    top = pg.eval_on_selector_all("[data-top-sanction]", "els => els.map(e => e.dataset.topSanction)")
    assert top == sorted(per_ej, key=lambda ej: -per_ej[ej])  # largest first, every EJ with a sanction
    for ej, montant in per_ej.items():
        assert shown(f'[data-top-sanction="{ej}"]') == montant

    # the EJs at risk: those with a sanction, plus the one whose contract score cannot be evaluated
    at_risk = pg.eval_on_selector_all("[data-risque]:not(tr.ligne-ej)", "els => els.map(e => e.dataset.risque)")
    assert set(per_ej) < set(at_risk)
    assert len(at_risk) == int(pg.locator('[data-count="ej_a_risque"]').inner_text()) == 3
    assert "score contrat non évaluable" in pg.locator("table.a-risque").inner_text()
    calendar = pg.locator("#calendrier ~ div.cal")
    assert calendar.locator('[data-cal="notifications"]').inner_text() == "1"
    assert calendar.locator('[data-cal="decisions"]').inner_text() == "1"


def test_filter_by_name_departement_and_category_narrows_the_list(sample, report):
    pg = report[0]
    everyone = sorted(ej for ej, *_ in sample.EJS)
    assert sorted(visible_rows(pg)) == everyone
    pg.fill("#filtre-nom", "perigueux")  # no accent, lower case: matches « -Centre hospitalier de Périgueux »
    assert visible_rows(pg) == [sample.EJS[5][0]]
    assert pg.locator("#filtre-compte").inner_text() == "1"
    pg.fill("#filtre-nom", "centre hospitalier")
    assert sorted(visible_rows(pg)) == sorted(sample.EJS[i][0] for i in (0, 2, 5))
    pg.fill("#filtre-nom", "")
    pg.select_option("#filtre-departement", "33")
    assert sorted(visible_rows(pg)) == sorted(sample.EJS[i][0] for i in (0, 1))
    pg.select_option("#filtre-departement", "")
    pg.check("#filtre-risque")
    assert sorted(visible_rows(pg)) == sorted(sample.EJS[i][0] for i in (1, 4, 5))
    pg.uncheck("#filtre-risque")
    pg.select_option("#filtre-categorie", "Centre Hospitalier Régional (C.H.R.)")
    assert visible_rows(pg) == [sample.EJS[3][0]]
    pg.select_option("#filtre-categorie", "Centre Hospitalier (C.H.)")
    assert sorted(visible_rows(pg)) == sorted(set(everyone) - {sample.EJS[3][0]})
    pg.fill("#filtre-nom", "pau")
    assert visible_rows(pg) == [sample.EJS[2][0]]  # the filters add up


def test_an_ej_page_is_reached_from_the_summary_and_shows_its_name_and_amounts(ctx, sample, report):
    pg = report[0]
    ej, nom = sample.EJS[1][0], sample.EJS[1][1]
    page = pg.locator(f'section[data-ej="{ej}"]')
    assert not page.is_visible() and pg.locator("#synthese").is_visible()
    pg.locator("table.a-risque").get_by_role("link", name=nom).click()
    assert pg.url.endswith(f"#ej-{ej}")
    assert page.is_visible() and not pg.locator("#synthese").is_visible()
    assert pg.locator("section.ej:visible").count() == 1
    assert page.locator("h2").inner_text().startswith(nom)
    (interessement,) = sql(ctx, "SELECT sum(montant) FROM marts.fct_interessement WHERE annee = ? AND finess_ej = ?", [YEAR, ej])[0]
    (sanctions,) = sql(ctx, "SELECT sum(montant) FROM marts.fct_sanction WHERE annee = ? AND finess_ej = ?", [YEAR, ej])[0]
    assert money(page.locator('[data-ej-total="interessement"]').inner_text()) == interessement
    assert money(page.locator('[data-ej-total="sanctions"]').inner_text()) == sanctions == Decimal("44000.00")
    assert pg.title().startswith(nom)
    # the audit trail of those amounts: the year's traceability feed and the explain command
    trace = page.locator(f'[data-tracabilite="{ej}"]')
    assert f"caqes explain --year {YEAR} --finess-ej {ej}" in trace.inner_text()
    assert trace.locator("a").get_attribute("href") == f"../../feeds/{YEAR}/latest/tracabilite.csv"
    # back to the list, then another EJ through the list
    page.get_by_role("link", name="← Liste des établissements").click()
    assert not page.is_visible() and pg.locator("#liste-ej").is_visible()
    pg.locator("#liste-ej").get_by_role("link", name="CHU de Poitiers").click()
    assert pg.locator(f'section[data-ej="{sample.EJS[3][0]}"]').is_visible() and not page.is_visible()


def test_targeting_is_told_in_plain_french(sample, report):
    pg = report[0]
    text = pg.evaluate("document.body.textContent").replace("\u202f", " ").replace("\u00a0", " ")
    assert "=> ciblé" not in text and "=&gt;" not in text and "0.450249" not in text and "seuil 0.35" not in text
    pg.goto(pg.url.split("#")[0] + f"#ej-{sample.EJS[0][0]}")
    page = pg.locator(f'section[data-ej="{sample.EJS[0][0]}"]')
    shown = page.inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "CH Libourne – site Robert Boulin, Antibiotiques (ATB) : taux en 2022 de 42,0 %, au-dessus du seuil de 40,0 % : ciblé" in shown
    assert "dépenses en hausse de 5,2 % de 2021 à 2022, au-dessus de l'évolution maximale de 4,5 %" in shown
