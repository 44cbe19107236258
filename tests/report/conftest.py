import importlib.util
from pathlib import Path

import pytest

from caqes_tasks.context import RunContext

_spec = importlib.util.spec_from_file_location(
    "caqes_sample_marts", Path(__file__).parent.parent / "feeds" / "sample_marts.py"
)
sample_marts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample_marts)


@pytest.fixture
def sample():
    """The sample warehouse's module (its EJs, year and FINESS helpers)."""
    return sample_marts


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    c = RunContext(
        year=sample_marts.YEAR,
        landing=tmp_path / "landing",
        out=tmp_path / "out",
        as_of="2024-05-02",
        run_id="2023-0123456789ab",
        input_hashes={"phev/phev_2023.csv": "a" * 64},
    )
    sample_marts.build_warehouse(c.warehouse)
    return c


@pytest.fixture
def open_report():
    """Open a report HTML in headless Chromium (Playwright): ``open_report(path)`` gives
    ``(page, problems, requests)``: console errors or warnings, page errors, failed requests, and
    every URL requested."""
    from playwright.sync_api import sync_playwright

    from caqes_tasks.report.pdf import CHROMIUM_FLAGS, find_chromium

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=find_chromium(),
            args=[f for f in CHROMIUM_FLAGS if f not in ("--headless", "--no-pdf-header-footer")],
        )

        def open_(path: str):
            pg = browser.new_page(viewport={"width": 1100, "height": 900})
            problems, requests = [], []
            pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
            pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            pg.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
            pg.on("request", lambda r: requests.append(r.url))
            pg.goto(f"file://{path}", wait_until="load")
            return pg, problems, requests

        yield open_
        browser.close()
