"""The Data Docs and the validation report of a hostile file: escaped, static, no remote asset."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from caqes_tasks.quality.data_docs import sanitize_page
from caqes_tasks.quality.report import write_report
from caqes_tasks.quality.validation import Validator

FILE_NAME = "<script>alert(1)</script>.csv"
VALUES = ["a", "<script>alert(2)</script>", "<img src=x onerror=alert(3)>", '"><svg onload=alert(4)>']
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Data Docs pages and validation report HTML of a quarantined file with a hostile name and cells."""
    root = tmp_path_factory.mktemp("docs")
    suites = root / "suites"
    suites.mkdir()
    (suites / "demo.json").write_text(json.dumps({"name": "demo", "meta": {}, "expectations": [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "x", "value_set": ["a"]},
         "meta": {"regle": "x vaut a"}},
        {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["x", "_line"], "exact_match": True},
         "meta": {"regle": "colonnes attendues"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "absente"},
         "meta": {"regle": "absente renseignée"}},
    ]}), encoding="utf-8")
    validator = Validator(root / "data_docs", suites_dir=suites)
    frame = pd.DataFrame({"x": VALUES, "_line": range(2, 2 + len(VALUES)), "<b onmouseover=alert(5)>": ""})
    validation, _ = validator.run("demo", FILE_NAME, frame, {}, "manual__2024")
    assert not validation.success  # quarantined
    validator.build_docs()  # as the ingest does once its files are validated
    report = write_report(validation, root / "quarantine", {"run_id": "manual__2024", "file": f"demo/{FILE_NAME}"})
    docs = sorted((root / "data_docs").rglob("*.html"))
    assert validator.index in docs and len(docs) >= 3
    return docs, report["html"]


def _tags(text: str, name: str) -> list[str]:
    return re.findall(rf"<{name}\b[^>]*>", text, re.I)


def test_no_live_markup_from_the_input(pages):
    docs, report = pages
    for page in [*docs, report]:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
        assert not re.search(r"<(img|svg|b)\b[^>]*\son\w+\s*=", text, re.I), page
        assert "<svg" not in text.lower(), page
    for page in docs:  # the Data Docs are static: no script at all
        assert _tags(page.read_text(encoding="utf-8"), "script") == [], page
    report_text = report.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.csv" in report_text
    failing = [p for p in docs if "validations" in p.parts]
    assert failing and "&lt;script&gt;alert(2)&lt;/script&gt;" in failing[0].read_text(encoding="utf-8")


def test_gx_messages_are_escaped_once(pages):
    """GX's own text (here: the column the file lacks) reads as written, not as `&quot;`."""
    docs, _ = pages
    failing = [p for p in docs if "validations" in p.parts]
    texts = [p.read_text(encoding="utf-8") for p in failing]
    assert any("absente" in t for t in texts)
    for page, text in zip(failing, texts):
        assert not re.search(r"&amp;(quot|lt|gt|amp|#x?[0-9a-f]+);", text, re.I), page


def test_no_remote_asset_in_the_data_docs(pages):
    docs, _ = pages
    for page in docs:
        text = page.read_text(encoding="utf-8")
        for tag in _tags(text, "script") + _tags(text, "link") + _tags(text, "img") + _tags(text, "style"):
            assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", tag, re.I), (page, tag)
        assert "@import" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text), page
        assert "<style>" in text  # readable offline: inline stylesheet


def test_index_links_every_result(pages):
    docs, _ = pages
    index = next(p for p in docs if p.name == "index.html" and p.parent.name == "data_docs")
    links = re.findall(r'<a href="([^"]+)"', index.read_text(encoding="utf-8"))
    targets = {(index.parent / link).resolve() for link in links}
    assert {p.resolve() for p in docs if p != index} <= targets


@pytest.mark.parametrize("hostile", [
    '<a href="javascript:alert(1)">x</a>', '<a href=" JaVaScRiPt:alert(1)">x</a>', '<img src="data:image/svg+xml,x">',
    '<div style="background:url(https://evil)">x</div>', "<scr<script>ipt>alert(1)</script>",
    '<link rel="stylesheet" href="https://cdn/x.css">', '<iframe src="//evil"></iframe>', "<script/>alert(1)",
    '<a href="//evil/x">x</a>', "<!--<script>alert(1)</script>-->", '<td title="&quot;><script>alert(1)</script>">',
])
def test_sanitizer_keeps_no_active_content(hostile):
    out = sanitize_page(f"<html><head><title>t</title></head><body>{hostile}</body></html>")
    assert not re.search(r"<(script|iframe|link|svg)\b", out, re.I), out
    assert not re.search(r"""(href|src)="\s*(javascript|data|https?)?:?//?""", out.replace('href="#', "")), out
    assert "style=" not in out and "javascript:" not in out.lower().replace("&quot;", "")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found")
def test_pages_in_headless_chromium(pages, tmp_path):
    docs, report = pages
    for page in [*docs, report]:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000",
             "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
        dom = run.stdout
        assert "</html>" in dom, (page, run.stderr[-2000:])
        assert not re.search(r"<script\b[^>]*>[^<]*alert\(", dom), page
        assert not re.search(r"<(img|svg|b)\b[^>]*\son\w+=", dom, re.I), page
        assert "<svg" not in dom
        if "validations" in page.parts:
            assert "&lt;script&gt;alert(2)&lt;/script&gt;" in dom  # the value is shown, as text


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found")
def test_results_are_readable_offline_in_headless_chromium(pages):
    """Network blocked: every page loads from disk alone, the index leads to the results, and the
    failing expectation and its value are there, visible, as text."""
    from playwright.sync_api import sync_playwright

    from caqes_tasks.report.pdf import CHROMIUM_FLAGS

    docs, _ = pages
    index = next(p for p in docs if p.name == "index.html" and p.parent.name == "data_docs")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=[f for f in CHROMIUM_FLAGS if f not in ("--headless", "--no-pdf-header-footer")])
        context = browser.new_context(offline=True)
        outside = []

        def only_files(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_files)
        page = context.new_page()
        page.goto(index.as_uri())
        links = page.locator("a[href*='validations/']")
        assert links.count() == 1
        links.first.click()
        page.wait_for_load_state("load")
        assert "/validations/" in page.url
        text = page.inner_text("body")
        assert "Unsuccessful Expectations" in text and "Status: Failed" in text
        value = page.get_by_text("<script>alert(2)</script>", exact=True)
        assert value.count() >= 1 and value.first.is_visible()  # the failing value, shown as text
        assert page.evaluate("document.styleSheets.length") >= 1  # the inline stylesheet, no remote one
        for other in docs:
            page.goto(other.as_uri())
            assert len(page.inner_text("body").strip()) > 50, other
        browser.close()
    assert outside == []
