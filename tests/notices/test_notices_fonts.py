"""The PDF font is found at run time: the system DejaVu folder, else matplotlib's copy."""

from datetime import date

from caqes_tasks.notices import pdf as pdfmod


def test_falls_back_to_matplotlib_fonts(monkeypatch, tmp_path):
    monkeypatch.setattr(pdfmod, "SYSTEM_DEJAVU", tmp_path / "absent")
    pdfmod.font_paths.cache_clear()
    try:
        paths = pdfmod.font_paths()
        assert all("mpl-data" in str(p) and p.is_file() for p in paths.values())
        out = pdfmod.html_to_pdf(
            "<html><body><p>Montant : 12\u202f345,67\u00a0€ — échéance le 1er mai 2025</p></body></html>",
            title="essai", footer_text="essai", created=date(2025, 6, 16),
        )  # fmt: skip
        assert out.startswith(b"%PDF")
    finally:
        pdfmod.font_paths.cache_clear()
