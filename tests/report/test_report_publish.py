"""The campaign report: HTML and PDF published as one, and a PDF without the clock's date."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.report import report_stage
from caqes_tasks.report.data import load_campaign
from caqes_tasks.report.pdf import find_chromium, set_pdf_dates
from caqes_tasks.report.publish import publish_report
from caqes_tasks.report.render import render_html
from caqes_tasks.warehouse import connect

ENGINES = ["fpdf2", pytest.param("chromium", marks=pytest.mark.skipif(find_chromium() is None, reason="no chromium"))]


def _publish(ctx, engine: str) -> dict:
    with connect(ctx.warehouse, read_only=True) as con:
        campaign = load_campaign(con, ctx.year)
    ref = load_referentiel(ctx.referentiel)
    html = render_html(campaign, run_id=ctx.run_id, as_of=ctx.as_of, ref=ref, n_inputs=len(ctx.input_hashes))
    return publish_report(ctx, html, campaign, ref, engine=engine)


def _copy_ctx(ctx, sample, tmp_path: Path, name: str):
    other = replace(ctx, out=tmp_path / name)
    sample.build_warehouse(other.warehouse)
    return other


@pytest.mark.parametrize("engine", ENGINES)
def test_two_identical_runs_give_the_same_pdf_bytes(ctx, sample, tmp_path, engine):
    """The stage's PDF carries no wall-clock date: two runs a second apart give the same bytes."""
    first = Path(report_stage(ctx, pdf_engine=engine)["outputs"]["pdf"]).read_bytes()
    time.sleep(1.1)
    other = _copy_ctx(ctx, sample, tmp_path, "other")
    second = Path(report_stage(other, pdf_engine=engine)["outputs"]["pdf"]).read_bytes()
    assert first == second
    created = PdfReader(Path(report_stage(other, pdf_engine=engine)["outputs"]["pdf"])).metadata.get("/CreationDate")
    assert created in (None, "D:20240502000000+00'00'", "D:20240502000000Z")


@pytest.mark.parametrize("engine", ENGINES)
def test_published_pdf_is_dated_by_the_run(ctx, engine):
    result = _publish(ctx, engine)
    meta = PdfReader(result["pdf"]).metadata
    assert meta.creation_date == datetime(2024, 5, 2, tzinfo=timezone.utc)
    if "/ModDate" in meta:
        assert meta.modification_date == datetime(2024, 5, 2, tzinfo=timezone.utc)


def test_dates_rewritten_in_place():
    pdf = b"<< /CreationDate (D:20261128193131+00'00')\n/ModDate (D:20261128193131+00'00')>> xref 123"
    dated = set_pdf_dates(pdf, datetime(2024, 5, 2).date())
    assert dated == b"<< /CreationDate (D:20240502000000+00'00')\n/ModDate (D:20240502000000+00'00')>> xref 123"
    blank = set_pdf_dates(pdf, None)
    assert len(blank) == len(pdf) and b"Date" not in blank and blank.endswith(b">> xref 123")


def test_html_and_pdf_switch_together_and_earlier_reports_are_kept(ctx):
    first = _publish(ctx, "fpdf2")
    link = ctx.reports / str(ctx.year)
    assert link.is_symlink() and Path(first["folder"]).name == ctx.run_id
    assert Path(first["html"]).parent.resolve() == Path(first["pdf"]).parent.resolve() == Path(first["folder"])
    before = {p.name: p.read_bytes() for p in Path(first["folder"]).iterdir()}
    assert sorted(before) == [f"campagne_{ctx.year}.html", f"campagne_{ctx.year}.pdf"]

    again = _publish(ctx, "fpdf2")  # the same run again: nothing changes
    assert again["switched"] is False and again["folder"] == first["folder"]

    later = _publish(replace(ctx, run_id="2023-fedcba987654", as_of="2024-07-01"), "fpdf2")
    assert later["switched"] and link.resolve() == Path(later["folder"])
    assert {p.name: p.read_bytes() for p in Path(first["folder"]).iterdir()} == before


def test_a_report_folder_of_the_earlier_layout_is_kept(ctx):
    legacy = ctx.reports / str(ctx.year)
    legacy.mkdir(parents=True)
    (legacy / f"campagne_{ctx.year}.html").write_text("ancien")
    result = _publish(ctx, "fpdf2")
    assert legacy.is_symlink() and Path(result["html"]).read_text(encoding="utf-8") != "ancien"
    assert (ctx.reports / "runs" / str(ctx.year) / "anterieur" / f"campagne_{ctx.year}.html").read_text() == "ancien"
