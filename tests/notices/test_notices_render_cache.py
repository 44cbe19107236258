"""Faster PDFs, same bytes: fonts parsed once per process, issued PDFs never drawn again, a process pool."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest
from notices_fixtures import build_warehouse, make_ctx
from pypdf import PdfReader

from caqes_tasks.notices import pdf as pdfmod
from caqes_tasks.notices import stage as stagemod
from caqes_tasks.notices.publish import NoticeIntegrityError
from caqes_tasks.notices.stage import PdfJob, notices_stage, render_pdfs

CHANGED = "640000105/notification_interessement.pdf"


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _jobs(ctx) -> list[PdfJob]:
    """The stage's own notices as PDF jobs (HTML as published), in a fixed order."""
    out = []
    for html in sorted(ctx.notices.glob("*/*.html")):
        text = html.read_text(encoding="utf-8")
        out.append(PdfJob(text, f"titre {html.parent.name}", f"pied {html.stem}", date(2025, 6, 16)))
    return out


def test_reused_fonts_draw_the_bytes_of_add_font(published):
    """Fonts parsed once and shared give the PDF that fresh add_font calls give, whatever was
    drawn before in the process (no glyph subset or descriptor leaks from one PDF to the next)."""
    ctx, _ = published
    jobs = _jobs(ctx)
    assert len(jobs) >= 3
    fresh = [
        pdfmod.html_to_pdf(j.html, title=j.title, footer_text=j.footer_text, created=j.created, reuse_fonts=False)
        for j in jobs
    ]
    shared = [j.render() for j in jobs]
    shared_reversed = [j.render() for j in reversed(jobs)][::-1]
    assert shared == fresh
    assert shared_reversed == fresh
    # every variant is drawn from the shared fonts, and the text still comes out of the PDF
    fonts = {f"{fam}{style}" for fam, style in pdfmod.font_paths()}
    doc = pdfmod.NoticePDF("essai")
    assert set(doc.fonts) == fonts and all(isinstance(f, pdfmod._NoticeFont) for f in doc.fonts.values())
    (tmp := ctx.out / "essai.pdf").write_bytes(shared[0])
    assert "FINESS" in "".join(p.extract_text() for p in PdfReader(tmp).pages)


def test_pool_and_serial_give_the_same_bytes_in_the_same_order(published):
    ctx, _ = published
    jobs = _jobs(ctx) * 4  # enough for two workers
    assert render_pdfs(jobs, workers=2) == render_pdfs(jobs, workers=1)


def test_render_key_follows_every_input():
    base = dict(title="t", footer_text="f", created=date(2025, 6, 16))
    key = pdfmod.render_key("<p>1</p>", **base)
    assert key == pdfmod.render_key("<p>1</p>", **base)
    assert key != pdfmod.render_key("<p>2</p>", **base)
    assert key != pdfmod.render_key("<p>1</p>", **{**base, "title": "u"})
    assert key != pdfmod.render_key("<p>1</p>", **{**base, "footer_text": "g"})
    assert key != pdfmod.render_key("<p>1</p>", **{**base, "created": date(2025, 6, 17)})


def test_issued_pdfs_are_never_drawn_again(tmp_path, monkeypatch):
    """A PDF issued once is kept as sent: not drawn again on a rerun, nor when a figure changes
    afterwards; one altered on disk stops the run instead of being drawn or published again."""
    ctx = make_ctx(tmp_path / "a")
    ctx.warehouse.parent.mkdir(parents=True)
    build_warehouse(ctx.warehouse)
    first = notices_stage(ctx)
    n = sum(first["counts"].values())
    assert first["pdf"] == {"drawn": n, "kept": 0}

    drawn: list[str] = []
    real = stagemod.render_pdfs
    monkeypatch.setattr(stagemod, "render_pdfs", lambda jobs: drawn.extend(j.footer_text for j in jobs) or real(jobs))
    before = _tree(ctx.notices)
    again = notices_stage(ctx)
    assert again["pdf"] == {"drawn": 0, "kept": n} and drawn == [] and again["issued"] == []
    assert _tree(ctx.notices) == before

    # a figure changes after the notice went out: the notice sent stays as it was
    con = duckdb.connect(str(ctx.warehouse))
    try:
        con.execute("UPDATE marts.fct_interessement SET montant = 19999.99 WHERE finess_ej = '640000105'")
    finally:
        con.close()
    changed = notices_stage(ctx)
    assert changed["pdf"] == {"drawn": 0, "kept": n} and drawn == []
    assert hashlib.sha256((ctx.notices / CHANGED).read_bytes()).hexdigest() == before[CHANGED]

    # a PDF altered on disk is neither trusted nor drawn again: the run stops, naming it
    (ctx.notices / CHANGED).write_bytes(b"%PDF-abime")
    with pytest.raises(NoticeIntegrityError, match=CHANGED):
        notices_stage(ctx)
    assert drawn == []
