"""Deterministic PDFs drawn fast: same input same bytes, issued PDFs never drawn again, a process pool."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
import html as htmlmod
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
from caqes_tasks.notices.typst_markup import UnsupportedMarkup, to_typst

CHANGED = "640000105/notification_interessement.pdf"
REPO = Path(__file__).resolve().parents[2]


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


def test_same_input_same_bytes_whatever_was_drawn_before(published):
    """Deterministic PDFs: one notice drawn again, in another order, after other notices (the
    compiler's memoised state), gives the same bytes; only the DejaVu fonts are embedded."""
    ctx, _ = published
    jobs = _jobs(ctx)
    assert len(jobs) >= 3
    first = [j.render() for j in jobs]
    again = [j.render() for j in reversed(jobs)][::-1]
    assert again == first
    assert len(set(first)) == len(first)  # each notice its own document
    path = ctx.out / "essai.pdf"
    path.write_bytes(first[0])
    reader = PdfReader(path)
    assert "FINESS" in "".join(p.extract_text() for p in reader.pages)
    assert reader.metadata["/CreationDate"] == "D:20250616000000Z"
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert fonts and all(f.startswith("DejaVuSans") for f in fonts), fonts


def test_markup_characters_of_the_data_are_text(tmp_path):
    """Text from the data is never read as Typst markup: every character comes out as written."""
    tricky = "Clinique #1 *Saint* _Rémy_ $5 [a] <b@c> l'été « x » \\ / ~ -- ... = + 50 %"
    html = f"<html><body><p>{htmlmod.escape(tricky)}</p><p align=\"right\">fin</p></body></html>"
    pdf = pdfmod.html_to_pdf(html, title="t", footer_text="f", created=date(2025, 6, 16))
    (path := tmp_path / "t.pdf").write_bytes(pdf)
    text = " ".join(PdfReader(path).pages[0].extract_text().split())
    assert tricky in text


def test_chart_embedded_as_data_uri_is_drawn_in_the_pdf(tmp_path):
    """A chart of the documents (PNG as a data: URI) is the same picture in the PDF, between
    the paragraphs around it, and the same bytes each time."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar([1, 2], [3, 4])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    html = f'<html><body><p>Avant</p><p><img src="{uri}" width="420"></p><p>Après</p></body></html>'
    pdf = pdfmod.html_to_pdf(html, title="t", footer_text="f", created=date(2025, 6, 16))
    assert pdf == pdfmod.html_to_pdf(html, title="t", footer_text="f", created=date(2025, 6, 16))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    assert page.images[0].image.size == plt.imread(io.BytesIO(buf.getvalue())).shape[1::-1]
    text = " ".join(page.extract_text().split())
    assert text.index("Avant") < text.index("Après")


def test_markup_the_pdf_cannot_show_is_refused():
    with pytest.raises(UnsupportedMarkup, match="URI data"):
        to_typst("<p>logo <img src='x.png'></p>")  # a file: the PDF would depend on the disk
    with pytest.raises(UnsupportedMarkup, match="largeur"):
        to_typst("<p><img src='data:image/png;base64,iVBORw0KGgo=' width='50%'></p>")
    with pytest.raises(UnsupportedMarkup):
        to_typst("<table><tr><td>a</td></tr>texte</table>")
    with pytest.raises(UnsupportedMarkup, match="<li>"):
        to_typst("<p><li>élément hors liste</li></p>")


def test_pool_and_serial_give_the_same_bytes_in_the_same_order(published):
    ctx, _ = published
    jobs = _jobs(ctx) * 4  # enough for two workers
    assert render_pdfs(jobs, workers=2) == render_pdfs(jobs, workers=1)


def test_pool_forked_by_a_fresh_process_gives_the_same_bytes(published):
    """The stage's usual path: a process that has not compiled yet forks its workers."""
    ctx, _ = published
    jobs = _jobs(ctx) * 4
    code = (
        "import pickle, sys\n"
        "from caqes_tasks.notices.stage import _pool_context, render_pdfs\n"
        "jobs = pickle.load(sys.stdin.buffer)\n"
        "assert _pool_context().get_start_method() == 'fork'\n"
        "sys.stdout.buffer.write(pickle.dumps(render_pdfs(jobs, workers=2)))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(jobs), capture_output=True, env=env,
                          timeout=300, check=True)  # fmt: skip
    assert pickle.loads(done.stdout) == render_pdfs(jobs, workers=1)  # noqa: S301 - our own child's output


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

    def spy(jobs, **kw):
        jobs = list(jobs)
        drawn.extend(j.footer_text for j in jobs)
        return real(jobs, **{k: val for k, val in kw.items() if k != "n_jobs"})

    monkeypatch.setattr(stagemod, "render_pdfs", spy)
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
