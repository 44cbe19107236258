"""The dbt docs published as one file that opens from disk, checked in a real headless Chromium:
the French overview, a mart and its columns, the exposure linking the year's campaign report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caqes_tasks.report.pdf import CHROMIUM_FLAGS, find_chromium
from caqes_tasks.transform.docs import DocsError, publish_docs

CHROMIUM = find_chromium()


@pytest.fixture(scope="module")
def published(built):
    ctx, _ = built
    report = ctx.out / "reports" / "2023" / "campagne_2023.html"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("<html><title>rapport</title></html>", encoding="utf-8")
    return ctx, publish_docs(ctx.out)


def test_docs_are_one_file_for_the_latest_report_year(published):
    ctx, result = published
    index = ctx.out / "docs" / "index.html"
    assert result["outputs"]["docs"] == str(index) and result["year"] == 2023
    html = index.read_text(encoding="utf-8")
    assert "aux indicateurs, au ciblage, aux contrats" in html  # the overview, inside the page (JSON-escaped)
    assert "../reports/2023/campagne_2023.html" in html
    assert result["report"] == str((ctx.out / "reports" / "2023" / "campagne_2023.html").resolve())


def test_a_runs_own_docs_link_the_reports_folder(built):
    """The docs a run keeps beside its dbt results are built without a year: their report link
    is the reports folder, as seen from the run's folder."""
    ctx, result = built
    manifest = json.loads((Path(result["outputs"]["docs"]).parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exposures"]["exposure.caqes.rapport_campagne"]["url"] == "../../../../reports/"
    assert (ctx.run_dir / "dbt" / "target" / "../../../../reports").resolve() == (ctx.out / "reports").resolve()


def test_no_warehouse_is_one_line_naming_it(tmp_path):
    with pytest.raises(DocsError, match="pas d'entrepôt dans .*lancez d'abord caqes run"):
        publish_docs(tmp_path)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found (apt-get install chromium)")
def test_static_docs_open_from_disk_in_chromium(published):
    from playwright.sync_api import sync_playwright

    ctx, result = published
    url = f"file://{result['outputs']['docs']}"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[f for f in CHROMIUM_FLAGS if f not in ("--headless", "--no-pdf-header-footer")],
        )
        try:
            page = browser.new_page()
            page.goto(url, wait_until="load")
            page.get_by_text("des fichiers déposés aux indicateurs").first.wait_for(timeout=30_000)
            page.goto(url + "#!/model/model.caqes.fct_evaluation", wait_until="load")
            page.get_by_text("Évaluation annuelle par ET").first.wait_for(timeout=30_000)
            page.get_by_text("taux d'atteinte de l'objectif entre 0 et 1").first.wait_for(timeout=30_000)
            page.goto(url + "#!/exposure/exposure.caqes.rapport_campagne", wait_until="load")
            link = page.locator('a[href="../reports/2023/campagne_2023.html"]').first
            link.wait_for(timeout=30_000)
            # the link resolves, from the page on disk, to the published report file
            assert link.evaluate("a => a.href") == (ctx.out / "reports" / "2023" / "campagne_2023.html").resolve().as_uri()
        finally:
            browser.close()
